"""The probe as a conformance check, against the simulator's dialect play (`/dialect/{name}/v1`): every
phase's real wire schema sent once, the server's dialect recorded, what it honours reported; a wrong
dialect shows as failed verdicts that preflight turns into a refused submission, and a submitted
round's manifest records what the probe found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.requests import Request
from starlette.responses import Response
from typer.testing import CliRunner

import farm.sim.app
from farm import keys
from farm.cli import app
from farm.conformance import Verdict
from farm.preflight import preflight
from farm.probe import probe
from farm.roundfile import load_round
from farm.sim import SimAdmin, SimServer
from farm.sim.dialects import ServerCrash
from farm.spec import Dialect, Endpoint, ModelSpec, Prices
from workers.phases.base import PHASES
from workers.phases.registry import phase_tools

pytestmark = pytest.mark.integration

ALL_TOOLS = [tool.name for phase in PHASES for tool in phase_tools(phase)]
HONOURS = {
    # llama-cpp-python: only a named choice calls a tool; `required` is a 500, a null replay a 500
    "llama.cpp": {"named tool_choice": True, "required tool_choice": False, "auto tool_choice": False,
                  "null content in replay": False, "$ref in schemas": True},
    "vllm": {"named tool_choice": True, "required tool_choice": True, "auto tool_choice": True,
             "null content in replay": True, "$ref in schemas": True},
    "ollama": {"named tool_choice": True, "required tool_choice": True, "auto tool_choice": True,
               "null content in replay": True, "$ref in schemas": True},
}  # fmt: skip


def local_model(base_url: str, model_id: str = "sim/clean", **endpoint: Any) -> ModelSpec:
    return ModelSpec(id=model_id, endpoint=Endpoint(kind="openai-compatible", base_url=base_url, **endpoint),
                     prices=Prices(input=0, output=0))  # fmt: skip


def round_file(path: Path, base_url: str, **endpoint: Any) -> Path:
    path.write_text(yaml.safe_dump({
        "round": path.stem, "projects": ["todo"], "phases": ["analyze", "database"],
        "models": [{"id": "local/llama", "served_name": "sim/clean", "prices": {"input": 0, "output": 0},
                    "endpoint": {"kind": "openai-compatible", "base_url": base_url, **endpoint}}],
    }))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def roomy() -> Iterator[SimServer]:
    """Local servers with a 32k context: the test phase's native schema (~58k characters) overflows 8k."""
    with SimServer(n_ctx=32768) as server:
        yield server


@pytest.mark.parametrize(("dialect", "context", "slots"), [("llama.cpp", 32768, 1), ("vllm", 32768, None), ("ollama", None, None)])
def test_every_phase_is_accepted_and_the_server_is_described(
    roomy: SimServer, dialect: str, context: int | None, slots: int | None
) -> None:
    admin = SimAdmin(roomy.base_url)
    admin.reset()
    report = probe(local_model(roomy.dialect_url(dialect)), None, PHASES)
    assert report.ok and report.error is None, report.conformance
    conformance = report.conformance
    assert conformance is not None
    assert [t.tool for t in conformance.tools] == ALL_TOOLS
    assert {phase: conformance.verdict(phase) for phase in PHASES} == dict.fromkeys(PHASES, Verdict.ACCEPTED)
    server = conformance.server
    assert (server.dialect.value, server.context_tokens, server.slots) == (dialect, context, slots)
    assert conformance.honours == HONOURS[dialect]
    counters = admin.stats()["dialects"][dialect]
    assert counters["crashes"] == 0 and counters["grammar_ignored"] == 0


def test_the_probe_command_shows_each_phase_and_what_the_server_honours(sim: SimServer) -> None:
    result = CliRunner().invoke(app, ["probe", "sim/clean", "--base-url", sim.dialect_url("llama.cpp")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "ok sim/clean" in text and "server: dialect llama.cpp" in text and "slots 1" in text
    assert "feedback as user turns" in text
    rows = [line.split() for line in result.output.splitlines()]
    verdicts = {row[1]: " ".join(row[3:]) for row in rows if len(row) > 3 and row[1] in ALL_TOOLS}
    assert verdicts == dict.fromkeys(ALL_TOOLS, "accepted")
    assert "required tool_choice: no" in text and "null content in replay: no" in text
    assert "named tool_choice: yes" in text


def test_a_wrong_dialect_fails_the_check_and_preflight_refuses_the_round(
    sim: SimServer, sim_admin: SimAdmin, local_store, tmp_path: Path  # noqa: ANN001
) -> None:
    """The openai schema sent to llama.cpp: `\\.md` patterns crash it, nested `$ref`s lose the grammar."""
    report = probe(local_model(sim.dialect_url("llama.cpp"), dialect="openai"), None, ["analyze", "database"])
    assert not report.ok and report.tool_call  # the probe tool itself is fine: the phases' schemas are not
    conformance = report.conformance
    assert conformance is not None
    assert (conformance.server.dialect, conformance.server.found_by) == (Dialect.OPENAI, "round file")
    verdicts = {t.tool: t for t in conformance.tools}
    crashed = verdicts["analyze_plan"]
    # The simulated server survives its crash (the connection drops, the next request is served):
    # still a crash, said so; a server that stays down also ends the check (below).
    assert crashed.verdict is Verdict.SERVER_DIED and crashed.detail.startswith("connection_error")
    assert crashed.detail.endswith("(it answered again afterwards)")
    assert verdicts["analyze_write_document"].verdict is Verdict.ACCEPTED  # no pattern, no nested $ref
    counters = sim_admin.stats()["dialects"]["llama.cpp"]
    assert counters["crashes"] == 1
    # database_groups and database_schema carry nested $refs: the server dropped their grammar.
    ignored = sorted(tool for tool, t in verdicts.items() if t.verdict is Verdict.GRAMMAR_IGNORED)
    assert counters["grammar_ignored"] == 2
    assert ignored == ["database_groups", "database_schema"], {t: v.verdict.value for t, v in verdicts.items()}

    loaded = load_round(round_file(tmp_path / "wrong.yaml", sim.dialect_url("llama.cpp"), dialect="openai"))
    problems = preflight(loaded, local_store, None).problems
    assert any("(openai) cannot take analyze/analyze_plan: server died: connection_error" in p for p in problems), problems
    assert any("database/database_schema: grammar ignored" in p for p in problems), problems


def test_a_server_that_stays_down_is_reported_dead_and_nothing_after_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    with SimServer() as doomed:
        crash = farm.sim.app._crashed

        async def crash_for_good(request: Request, error: ServerCrash) -> Response:
            response = await crash(request, error)
            server = doomed._server
            assert server is not None
            for listener in server.servers:  # as uvicorn's shutdown begins: no new connections...
                listener.close()
            for connection in list(server.server_state.connections):  # ...and the idle ones closed
                connection.shutdown()
            server.should_exit = True
            return response

        monkeypatch.setattr(farm.sim.app, "_crashed", crash_for_good)
        report = probe(local_model(doomed.dialect_url("llama.cpp"), dialect="openai"), None, ["analyze", "database"])
    assert report.tool_call and not report.ok
    conformance = report.conformance
    assert conformance is not None
    assert [(t.tool, t.verdict) for t in conformance.tools] == [
        ("analyze_plan", Verdict.SERVER_DIED), ("analyze_write_document", Verdict.NOT_TRIED),
        ("database_groups", Verdict.NOT_TRIED), ("database_schema", Verdict.NOT_TRIED),
    ]  # fmt: skip
    assert conformance.honours == {"named tool_choice": True}  # nothing else could be asked


def test_submit_records_the_server_in_the_manifest_and_refuses_a_failing_endpoint(
    sim: SimServer, redis_url: str, local_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FARM_REDIS_URL", redis_url)
    monkeypatch.setenv("FARM_STORE", local_store.url)
    llama = sim.dialect_url("llama.cpp")
    good = CliRunner().invoke(app, ["round", "submit", str(round_file(tmp_path / "served.yaml", llama))])
    assert good.exit_code == 0, good.output
    manifest = local_store.get_json(keys.manifest("served"))
    server = manifest["endpoints"]["local/llama"]["server"]
    assert (server["dialect"], server["context_tokens"], server["slots"]) == ("llama.cpp", 8192, 1)
    verdicts = {t["tool"]: t["verdict"] for t in manifest["endpoints"]["local/llama"]["tools"]}
    assert verdicts == dict.fromkeys(["analyze_plan", "analyze_write_document", "database_groups", "database_schema"], "accepted")

    bad = CliRunner().invoke(app, ["round", "submit", str(round_file(tmp_path / "forced.yaml", llama, dialect="openai"))])
    assert bad.exit_code == 1
    assert "preflight failed" in bad.output and "cannot take analyze/analyze_plan" in bad.output
    assert not local_store.exists(keys.manifest("forced"))


def test_the_probe_command_exits_1_on_a_wrong_dialect(sim: SimServer, tmp_path: Path) -> None:
    path = round_file(tmp_path / "probe.yaml", sim.dialect_url("llama.cpp"), dialect="openai")
    result = CliRunner().invoke(app, ["probe", str(path), "--json"])
    assert result.exit_code == 1
    (report,) = json.loads(result.output)
    assert report["conformance"]["server"]["dialect"] == "openai"
    assert {t["tool"]: t["verdict"] for t in report["conformance"]["tools"]}["analyze_plan"] != "accepted"
