"""A real round: todo, all five phases, against a real llama-cpp-python server serving SmolLM2-135M,
through real Celery workers, a real Redis and the recording proxy.

The tiny model fails phases; what is tested is honesty: the server never dies, no 5xx is caused by
our requests, every grammar is accepted, every `model_failed` names the model's own answer, the run
ends in bounded time, and the tokens in `calls.jsonl` equal what the server reported.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from farm import keys
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.cli import app
from farm.store import Store
from tests.integration.rounds import wait_complete
from tests.realserver.conftest import LlamaServer
from tests.realserver.proxy import Exchange, RecordingProxy
from tests.servers import WorkerProcess
from workers.phases.base import PHASES

pytestmark = pytest.mark.integration

ROUND_DEADLINE_S = 1200  # the round is bounded by retries × max_tokens; this only guards a hang
GRAMMAR_FAILURES = ("failed to parse grammar", "Failed to parse function body as JSON schema", "Unsupported pattern")
MODEL_EVIDENCE = ("validation_failure", "invalid_json", "no_call", "compile_failure", "truncated")
MODEL_ID = "local/smollm2-135m"
# Grammar-constrained sampling runs at ~5–20 tokens/s on 2 CPU cores: answers are capped so each
# call stays under a minute; a plan cut at the cap is `truncated`, which is what a round must say.
MAX_TOKENS = 256


def real_round(base_url: str, served_name: str) -> dict[str, Any]:
    return {
        "round": "real-llama", "projects": ["todo"],
        "models": [{
            "id": MODEL_ID, "served_name": served_name,
            "endpoint": {"kind": "openai-compatible", "base_url": base_url, "timeout_s": 300, "context_tokens": 8192},
            "prices": {"input": 0, "output": 0},
            "sampling": {"temperature": 0, "max_tokens": MAX_TOKENS},
            "concurrency": 1,
        }],
        "retry": {"validation": 1, "compiler": 1, "missing_call": 1, "truncation": 1, "transport": 2},
        "operation_concurrency": 1,
    }  # fmt: skip


@pytest.fixture
def proxy(llama_server: LlamaServer) -> Iterator[RecordingProxy]:
    with RecordingProxy(llama_server.root_url).running() as running:
        yield running


def _calls(store: Store, phase: str) -> list[dict[str, Any]]:
    key = keys.RunKeys("real-llama", MODEL_ID, "todo").phase(phase).calls
    text = store.get_text(key) if store.exists(key) else ""
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.timeout(ROUND_DEADLINE_S + 300)
def test_a_real_round_is_honest_about_every_failure(
    llama_server: LlamaServer, proxy: RecordingProxy, redis_url: str, ledger: Ledger, local_store: Store,
    start_worker: Callable[..., WorkerProcess], tmp_path: Path,
) -> None:  # fmt: skip
    log_mark = llama_server.log_mark()
    round_file = tmp_path / "real.yaml"
    round_file.write_text(yaml.safe_dump(real_round(proxy.root_url + "/v1", llama_server.model)))
    start_worker(redis_url, local_store.url, concurrency=1)

    # As a user submits it: preflight (every phase's wire schema sent once), manifest, first jobs.
    submitted = CliRunner().invoke(app, ["round", "submit", str(round_file)], env={
        "FARM_REDIS_URL": redis_url, "FARM_STORE": local_store.url, "COLUMNS": "160"})
    assert submitted.exit_code == 0, submitted.output
    assert "10/10 phase tool schemas accepted" in submitted.output and "llama.cpp" in submitted.output
    manifest = local_store.get_json(keys.manifest("real-llama"))
    server = manifest["endpoints"][MODEL_ID]["server"]
    assert (server["dialect"], server["context_tokens"]) == ("llama.cpp", 8192)
    started = time.monotonic()
    wait_complete(ledger, "real-llama", timeout=ROUND_DEADLINE_S)
    elapsed = time.monotonic() - started

    # The server never died, and never failed a grammar or a request of ours.
    assert llama_server.alive()
    log = llama_server.log_since(log_mark)
    assert not [line for line in log.splitlines() if any(f in line for f in GRAMMAR_FAILURES)]
    probes = [e for e in proxy.chat_exchanges() if e.operation.startswith("probe/")]
    exchanges = [e for e in proxy.chat_exchanges() if not e.operation.startswith("probe/")]
    # The preflight's only refusals are the two it provokes on purpose to learn what the server honours.
    refused = [e for e in probes if e.status != 200]

    def provoked(exchange: Exchange) -> str | None:
        if exchange.request.get("tool_choice") == "required":
            return "required"
        return "null content" if any(m.get("content", "") is None for m in exchange.request["messages"]) else None

    assert len(probes) >= 10 and {provoked(e) for e in refused} == {"required", "null content"}, refused
    assert exchanges and all(e.operation.split("/")[0] in PHASES for e in exchanges)
    assert all(e.status == 200 for e in exchanges), Counter(e.status for e in exchanges)

    # Every job ended in a state with evidence: never infra_failed, never blamed without an answer.
    states = {job.phase: rec for job, rec in ledger.jobs("real-llama").items()}
    assert all(rec.state is not JobState.INFRA_FAILED for rec in states.values()), states
    by_phase = {phase: _calls(local_store, phase) for phase in PHASES}
    attempts = [a for records in by_phase.values() for a in records]
    for phase in PHASES:
        if states[phase].state is JobState.MODEL_FAILED:
            result = local_store.get_json(keys.RunKeys("real-llama", MODEL_ID, "todo").phase(phase).result)
            assert "retries exhausted" in result["reason"] and any(e in result["reason"] for e in MODEL_EVIDENCE)
    assert states["score"].state is JobState.SUCCEEDED

    # Paid once, recorded once: the farm's records equal the server's own usage, call for call.
    answered = [a for a in attempts if not a["outcome"].startswith("transport:")]
    assert len(answered) == len(exchanges)
    assert sum(a["usage"]["input_tokens"] for a in answered) == sum(e.usage["prompt_tokens"] for e in exchanges)
    assert sum(a["usage"]["output_tokens"] for a in answered) == sum(e.usage["completion_tokens"] for e in exchanges)
    # Feedback reached the model as a user turn (this server renders `tool` turns empty), and no
    # replayed answer carried null content.
    for exchange in exchanges:
        roles = [m["role"] for m in exchange.request["messages"]]
        assert "tool" not in roles and len(roles) <= 4
        assert all(m.get("content") is not None for m in exchange.request["messages"])

    _summary(states, by_phase, elapsed)


def _summary(states: dict[str, Any], by_phase: dict[str, list[dict[str, Any]]], elapsed: float) -> None:
    """Per phase: calls, tokens, seconds and outcomes — printed for the record (`pytest -s`)."""
    print(f"\nreal round: {elapsed:.0f}s wall")
    for phase, records in by_phase.items():
        outcomes = Counter(r["outcome"] for r in records)
        tokens_in = sum(r["usage"]["input_tokens"] for r in records)
        tokens_out = sum(r["usage"]["output_tokens"] for r in records)
        seconds = sum(r["latency_ms"] for r in records) / 1000
        print(f"  {phase:9} {states[phase].state.value:13} calls {len(records):3}  tokens in {tokens_in:6} "
              f"out {tokens_out:5}  {seconds:6.1f}s  {dict(outcomes)}")
