"""`farm probe` against the simulator over HTTP: what passes, what fails and why, and no key in sight."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from farm.cli import app
from farm.probe import probe
from farm.sim import SimServer
from farm.spec import Endpoint, ModelSpec, Prices

pytestmark = pytest.mark.integration


def _model(sim: SimServer, name: str, **endpoint: object) -> ModelSpec:
    return ModelSpec(id=name, endpoint=Endpoint(kind="simulator", base_url=sim.base_url, **endpoint),
                     prices=Prices(input=1, output=2))  # fmt: skip


def test_a_model_that_calls_the_tool_passes_and_the_server_describes_itself(sim: SimServer) -> None:
    report = probe(_model(sim, "sim/clean"))
    assert report.ok and report.tool_call and report.arguments_valid and report.error is None
    assert report.provider == "benchfarm-sim" and report.latency_ms is not None and report.latency_ms >= 50
    assert report.usage_present and report.cost_present and report.cost_usd > 0
    assert report.listed is not None and report.listed["id"] == "sim/clean" and "pricing" in report.listed


@pytest.mark.parametrize(
    ("model", "tool_call", "error"),
    [
        ("sim/broken", True, "the tool call's arguments are not valid"),  # answers, but never with valid arguments
        ("sim/unpaid", False, "payment_required: Insufficient credits"),
        ("sim/nope", False, "not_found: model 'sim/nope' does not exist"),
    ],
)
def test_what_fails_is_reported_with_its_cause(sim: SimServer, model: str, tool_call: bool, error: str) -> None:
    report = probe(_model(sim, model))
    assert not report.ok and report.tool_call is tool_call
    assert report.error is not None and report.error.startswith(error)
    if model == "sim/nope":
        assert report.models_error == "'sim/nope' is not in the endpoint's model list"


def test_the_command_probes_every_model_of_a_round_file(sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FARM_SIM_URL", sim.base_url)
    monkeypatch.setenv("SIM_KEY", "sk-never-printed")
    round_file = tmp_path / "round.yaml"
    round_file.write_text(yaml.safe_dump({
        "round": "probe", "projects": ["todo"], "phases": ["analyze"],
        "models": [
            {"id": "sim/clean", "endpoint": {"kind": "simulator"}, "prices": {"input": 1, "output": 1}},
            {"id": "local/clean", "served_name": "sim/clean", "prices": {"input": 0, "output": 0},
             "endpoint": {"kind": "openai-compatible", "api_key_env": "SIM_KEY",
                          "base_url": sim.base_url.replace("http://", "http://user:pw@")}},
            {"id": "sim/broken", "endpoint": {"kind": "simulator"}, "prices": {"input": 1, "output": 1}},
        ],
    }))  # fmt: skip
    result = CliRunner().invoke(app, ["probe", str(round_file), "--json"])
    assert result.exit_code == 1  # sim/broken fails
    reports = {r["model"]: r for r in json.loads(result.output)}
    assert [reports[m]["ok"] for m in ("sim/clean", "local/clean", "sim/broken")] == [True, True, False]
    assert reports["local/clean"]["endpoint"] == sim.base_url  # credentials stripped
    assert "sk-never-printed" not in result.output and "user:pw" not in result.output

    single = CliRunner().invoke(app, ["probe", "sim/clean", "--base-url", sim.base_url])
    assert single.exit_code == 0, single.output
    assert "ok sim/clean" in " ".join(single.output.split())
