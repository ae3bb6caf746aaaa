"""A round through real Celery workers, the simulator over HTTP, and both store backends."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from farm import keys
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.scheduler import SubmitRefused
from farm.sim import SimServer
from farm.leaderboard import build_leaderboard
from farm.store import open_store
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess

pytestmark = pytest.mark.integration


def test_three_scripted_models_end_three_ways(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, start_worker: Callable[..., WorkerProcess]  # noqa: ANN001
) -> None:
    start_worker(redis_url, local_store.url, concurrency=2)
    loaded = sim_round("e2e", ["sim/clean", "sim/learner", "sim/broken"], phases=["analyze"])
    submission = submit_round(loaded, local_store, redis_url, sim.base_url)
    assert submission.enqueued == 3 and not submission.resumed
    wait_complete(ledger, "e2e")

    states = {(job.model, job.phase): rec.state for job, rec in ledger.jobs("e2e").items()}
    assert states == {
        ("sim/clean", "analyze"): JobState.SUCCEEDED, ("sim/clean", "score"): JobState.SUCCEEDED,
        ("sim/learner", "analyze"): JobState.SUCCEEDED, ("sim/learner", "score"): JobState.SUCCEEDED,
        ("sim/broken", "analyze"): JobState.MODEL_FAILED, ("sim/broken", "score"): JobState.SUCCEEDED,
    }  # fmt: skip
    # Every run that ended for the model is scored; analysis alone has no source, so the gate fails.
    for model in ("sim/clean", "sim/learner", "sim/broken"):
        score = local_store.get_json(keys.RunKeys("e2e", model, "todo").score)
        assert (score["total"], score["gate"]["failedAt"], score["gate"]["counts"]) == (0, "no-source", {"GATE001": 1})

    clean = keys.RunKeys("e2e", "sim/clean", "todo")
    result = local_store.get_json(clean.phase("analyze").result)
    assert result["outcome"] == "succeeded" and result["calls"]["fcsr_first_attempt"] == 1.0
    assert "README.md" in result["files"] and len(result["files"]) == result["summary"]["documents"] + 1
    tree = local_store.list(clean.tree)
    assert sorted(k.removeprefix(clean.tree) for k in tree) == sorted(result["files"])
    calls = [json.loads(line) for line in local_store.get_text(clean.phase("analyze").calls).splitlines()]
    assert len(calls) == result["summary"]["documents"] + 1
    assert all(c["usage"]["input_tokens"] > 0 and c["usage"]["cost_usd"] > 0 and c["provider"] for c in calls)

    learner = local_store.get_json(keys.RunKeys("e2e", "sim/learner", "todo").phase("analyze").result)
    assert learner["calls"]["fcsr_first_attempt"] == 0.0 and learner["calls"]["fcsr_after_retries"] == 1.0
    assert learner["calls"]["totals"]["outcome:no_call"] >= 1

    broken_keys = keys.RunKeys("e2e", "sim/broken", "todo")
    broken = local_store.get_json(broken_keys.phase("analyze").result)
    assert broken["outcome"] == "model_failed" and "validation retries exhausted" in broken["reason"]
    assert local_store.list(broken_keys.tree) == []

    # Spend in the ledger is exactly the spend on record in the store.
    usage = ledger.usage("e2e")
    for model in ("sim/clean", "sim/learner", "sim/broken"):
        text = local_store.get_text(keys.RunKeys("e2e", model, "todo").phase("analyze").calls)
        recorded = sum(json.loads(line)["usage"]["cost_usd"] for line in text.splitlines())
        assert usage[model]["cost_usd"] == pytest.approx(recorded)

    again = submit_round(loaded, local_store, redis_url, sim.base_url)
    assert again.resumed and again.enqueued == 0
    changed = sim_round("e2e", ["sim/clean"], phases=["analyze"])
    with pytest.raises(SubmitRefused, match="different spec"):
        submit_round(changed, local_store, redis_url, sim.base_url)


def test_round_on_s3_store(
    redis_url: str, ledger: Ledger, s3_store_url: str, s3_endpoint: str, sim: SimServer,
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    store = open_store(s3_store_url, s3_endpoint)
    start_worker(redis_url, s3_store_url, extra_env={"FARM_S3_ENDPOINT": s3_endpoint})
    submit_round(sim_round("s3round", ["sim/clean"], phases=["analyze"]), store, redis_url, sim.base_url)
    wait_complete(ledger, "s3round")
    assert ledger.job("s3round", JobKey("sim/clean", "todo", "analyze")).state is JobState.SUCCEEDED
    run = keys.RunKeys("s3round", "sim/clean", "todo")
    assert store.get_json(run.phase("analyze").result)["outcome"] == "succeeded"
    assert run.tree + "README.md" in store.list(run.tree)
    assert store.get_json(keys.manifest("s3round"))["round"] == "s3round"


def test_analyze_database_interface_with_compiler_feedback(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, start_worker: Callable[..., WorkerProcess]  # noqa: ANN001
) -> None:
    """The learner's dangling foreign key and missing DTO type are fixed after the compilers' diagnostics."""
    start_worker(redis_url, local_store.url, concurrency=2)
    loaded = sim_round("three", ["sim/clean", "sim/learner"], phases=["analyze", "database", "interface"])
    submit_round(loaded, local_store, redis_url, sim.base_url)
    wait_complete(ledger, "three", timeout=120)
    assert {rec.state for rec in ledger.jobs("three").values()} == {JobState.SUCCEEDED}
    learner = keys.RunKeys("three", "sim/learner", "todo")
    for phase in ("database", "interface"):
        result = local_store.get_json(learner.phase(phase).result)
        assert result["calls"]["totals"]["outcome:compile_failure"] == 1, phase
    assert local_store.get_json(learner.phase("database").result)["summary"] == {"fields": 34, "models": 4, "namespaces": 2}
    tree = {k.removeprefix(learner.tree) for k in local_store.list(learner.tree)}
    assert {"prisma/schema/todos.prisma", "docs/ERD.md", "openapi.json", "src/ApiModule.ts"} <= tree
    score = local_store.get_json(learner.score)
    assert score["gate"]["passed"] and score["gate"]["counts"] == {"TS2307": 24}  # providers come with Realize
    assert score["total"] > 0


def test_a_budget_stop_is_an_incomplete_run_not_a_low_score(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, start_worker: Callable[..., WorkerProcess]  # noqa: ANN001
) -> None:
    start_worker(redis_url, local_store.url, concurrency=2)
    models = [{"id": m, "endpoint": {"kind": "simulator"}, "prices": {"input": 0.1, "output": 0.3}}
              for m in ("sim/clean", "sim/unpaid")]  # sim/unpaid: the provider answers 402 to every call
    submit_round(sim_round("unpaid", [], phases=["analyze"], models=models), local_store, redis_url, sim.base_url)
    wait_complete(ledger, "unpaid")
    assert ledger.job("unpaid", JobKey("sim/unpaid", "todo", "analyze")).state is JobState.BUDGET_STOPPED
    assert ledger.job("unpaid", JobKey("sim/unpaid", "todo", "score")).state is JobState.SKIPPED
    phase = keys.RunKeys("unpaid", "sim/unpaid", "todo").phase("analyze")
    assert not local_store.exists(phase.result)
    assert local_store.get_json(phase.outcome)["outcome"] == "budget_stopped"

    board = build_leaderboard(local_store, "unpaid")
    rows = {row.model: row for row in board.models}
    assert rows["sim/clean"].total is not None
    (run,) = rows["sim/unpaid"].runs
    assert run.incomplete is not None and run.incomplete.kind == "budget" and "402" in run.incomplete.detail


def test_all_five_phases_with_inlined_tool_schemas(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin, start_worker: Callable[..., WorkerProcess]  # noqa: ANN001
) -> None:
    """The `inline` tool-schema mode (for servers that reject $ref) on every operation of a real run."""
    start_worker(redis_url, local_store.url, concurrency=2)
    model = {"id": "sim/clean", "endpoint": {"kind": "simulator", "tool_schema": "inline"},
             "prices": {"input": 0.5, "output": 1.5}}
    submit_round(sim_round("inline", [], models=[model]), local_store, redis_url, sim.base_url)
    wait_complete(ledger, "inline", timeout=180)
    states = {job.phase: rec.state for job, rec in ledger.jobs("inline").items()}
    assert states == dict.fromkeys(["analyze", "database", "interface", "test", "realize", "verify", "score"],
                                   JobState.SUCCEEDED)
    assert local_store.get_json(keys.RunKeys("inline", "sim/clean", "todo").score)["gate"]["passed"]
