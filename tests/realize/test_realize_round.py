"""All five phases through real Celery workers and the simulator over HTTP: a clean model's project
type-checks clean, the learner fixes its test and provider after the compilers' diagnostics, and a
provider that never compiles ends realize model_failed while the run is still scored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from farm import keys
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.sim import SimServer
from tests.integration.rounds import DEMO, sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess

pytestmark = pytest.mark.integration

STUBBORN = {"id": "sim/stubborn", "endpoint": {"kind": "simulator"},
            "prices": {"input": 0.30, "cached": 0.03, "output": 0.90}, "concurrency": 4}
PHASES = ("analyze", "database", "interface", "test", "realize")


@pytest.fixture
def finished(redis_url: str, ledger: Ledger, local_store, sim: SimServer,  # noqa: ANN001
             start_worker: Callable[..., WorkerProcess]) -> str:
    start_worker(redis_url, local_store.url, concurrency=2)
    demo = [m for m in yaml.safe_load(DEMO.read_text())["models"] if m["id"] in ("sim/clean", "sim/learner")]
    submit_round(sim_round("five", [], models=[*demo, STUBBORN]), local_store, redis_url, sim.base_url)
    wait_complete(ledger, "five", timeout=240)
    return "five"


def test_the_pipeline_ends_three_ways(finished: str, ledger: Ledger, local_store) -> None:  # noqa: ANN001
    states = {(job.model, job.phase): record.state for job, record in ledger.jobs(finished).items()}
    for model in ("sim/clean", "sim/learner"):
        assert {states[(model, phase)] for phase in (*PHASES, "verify", "score")} == {JobState.SUCCEEDED}, model
    assert [states[("sim/stubborn", phase)] for phase in (*PHASES, "verify", "score")] == [JobState.SUCCEEDED] * 4 + [
        JobState.MODEL_FAILED, JobState.SKIPPED, JobState.SUCCEEDED]

    clean = keys.RunKeys(finished, "sim/clean", "todo")
    score = local_store.get_json(clean.score)
    assert score["gate"]["passed"] and score["gate"]["counts"] == {} and score["gate"]["score"] == 100
    assert {axis["id"]: axis["score"] for axis in score["axes"]}["tests"] == 100
    tree = {k.removeprefix(clean.tree) for k in local_store.list(clean.tree)}
    assert {"package.json", "src/main.ts", "src/MyGlobal.ts", "src/providers/getTodos.ts", "test/index.ts",
            "src/transformers/transformTodoItem.ts", "test/features/api/todos/test_api_todos_create.ts"} <= tree
    realize = local_store.get_json(clean.phase("realize").result)
    assert realize["summary"] == {"providers": 16, "transformers": 4, "collectors": 2, "failed_operations": 0,
                                  "type_errors": 0}

    learner = keys.RunKeys(finished, "sim/learner", "todo")
    for phase in ("test", "realize"):
        calls = local_store.get_json(learner.phase(phase).result)["calls"]
        assert calls["totals"]["outcome:compile_failure"] == 1 and calls["fcsr_after_retries"] == 1.0, phase

    stubborn = keys.RunKeys(finished, "sim/stubborn", "todo")
    failed = ledger.job(finished, JobKey("sim/stubborn", "todo", "realize"))
    assert "provider-put-members-me" in failed.reason and "compiler retries exhausted" in failed.reason
    assert local_store.get_json(stubborn.phase("realize").result)["outcome"] == "model_failed"
    assert local_store.exists(stubborn.score)


def test_a_model_failed_realize_hands_its_partial_tree_to_scoring(finished: str, local_store) -> None:  # noqa: ANN001
    stubborn = keys.RunKeys(finished, "sim/stubborn", "todo")
    tree = {k.removeprefix(stubborn.tree) for k in local_store.list(stubborn.tree)}
    assert "src/providers/getTodos.ts" in tree and "src/providers/putMembersMe.ts" not in tree
    score = local_store.get_json(stubborn.score)
    assert score["gate"]["passed"] and score["gate"]["counts"] == {"TS2307": 1}
    # No backend to boot: its Golden Set is 0, not left out (which would rank it with the clean model).
    assert not local_store.exists(stubborn.runtime)
    assert {axis["id"]: axis["score"] for axis in score["axes"]}["golden"] == 0
    clean = local_store.get_json(keys.RunKeys(finished, "sim/clean", "todo").score)
    assert score["total"] < clean["total"] - 10
