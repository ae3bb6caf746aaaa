"""The verify job in a run's chain, on the real ledger and broker (a real Redis), without a worker:
which runs get one, what its end sets in motion, how an infra verify is resumed, and what the
broker, the reaper and status make of it. The verify itself runs live in test_verify_job.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm import keys
from farm.ledger import SCORE, VERIFY, Change, JobKey, Ledger
from farm.manifest import build_manifest
from farm.outcomes import JobState
from farm.queueing import RUNTIME_QUEUE, SCORE_QUEUE, make_celery
from farm.reaper import broker_copies
from farm.scheduler import plan_jobs, resume
from farm.status import PIPELINE, snapshot
from farm.store import Store
from runtime.report import E2e, Golden, RuntimeReport
from tests.integration.rounds import sim_round
from workers.environment import WorkerEnv
from workers.jobs import following, run_job
from workers.phases.base import PHASES
from workers.verify_job import POSTGRES, POSTGRES_DATA_ENV, run_verify_job

pytestmark = pytest.mark.integration

ROUND = "chain"
CLEAN, BROKEN = "sim/clean", "sim/broken"


def _job(model: str, phase: str) -> JobKey:
    return JobKey(model, "todo", phase)


@pytest.fixture
def env(redis_url: str, local_store: Store) -> Iterator[WorkerEnv]:
    """A worker's environment in this process, on a round of two five-phase runs."""
    manifest = build_manifest(sim_round(ROUND, [CLEAN, BROKEN]), "http://127.0.0.1:9/v1")
    local_store.put_json(keys.manifest(ROUND), manifest.model_dump(mode="json"))
    Ledger.from_url(redis_url).register_round(ROUND, plan_jobs(manifest), {"store": local_store.url})
    yield WorkerEnv(redis_url, local_store.url, None, make_celery(redis_url))
    POSTGRES.stop()


def _end(env: WorkerEnv, job: JobKey, state: JobState, reason: str = "") -> JobState | None:
    """One delivery of `job` that ends in `state`, through the code every job ends by."""
    env.ledger.transition(ROUND, job, JobState.QUEUED)
    return run_job(env, ROUND, job, lambda: None, execute=lambda: (state, reason),
                   following=lambda ended: following(env, ROUND, job, ended))  # fmt: skip


def _states(ledger: Ledger, model: str) -> dict[str, tuple[str, str]]:
    return {job.phase: (rec.state.value, rec.reason) for job, rec in ledger.jobs(ROUND).items() if job.model == model}


def test_a_run_has_a_verify_job_only_when_its_phases_build_a_backend() -> None:
    five = build_manifest(sim_round("five", [CLEAN, BROKEN]), "http://127.0.0.1:9/v1")
    assert len(plan_jobs(five)) == 2 * 7
    assert [job.phase for job in plan_jobs(five) if job.model == CLEAN] == [*PHASES, VERIFY, SCORE]
    three = build_manifest(sim_round("three", [CLEAN], phases=["analyze", "database", "interface"]), "http://127.0.0.1:9/v1")
    assert [job.phase for job in plan_jobs(three)] == ["analyze", "database", "interface", SCORE]
    assert PIPELINE == (*PHASES, VERIFY, SCORE)


def test_realize_queues_verify_on_the_runtime_queue_and_its_end_for_the_model_queues_score(
    env: WorkerEnv, local_store: Store
) -> None:
    assert _end(env, _job(CLEAN, "realize"), JobState.SUCCEEDED) is JobState.SUCCEEDED
    assert env.ledger.job(ROUND, _job(CLEAN, VERIFY)).state is JobState.QUEUED
    assert env.ledger.r.llen(RUNTIME_QUEUE) == 1
    assert [copy.tag for copy in broker_copies(env.ledger.r)[(ROUND, _job(CLEAN, VERIFY))]] == [None]  # the reaper sees it

    # A stored runtime.json is a finished verify: a redelivery only records it and moves on.
    report = RuntimeReport(boots=False, golden=Golden(suite="todo"), e2e=E2e(), fault="model",
                           reason="runtime_failed: boot: the server did not boot: exited 1")  # fmt: skip
    local_store.put_text(keys.RunKeys(ROUND, CLEAN, "todo").runtime, report.model_dump_json())
    assert run_verify_job(env, ROUND, CLEAN, "todo") is JobState.MODEL_FAILED
    assert _states(env.ledger, CLEAN)[VERIFY] == ("model_failed", report.reason)
    assert _states(env.ledger, CLEAN)[SCORE][0] == "queued" and env.ledger.r.llen(SCORE_QUEUE) == 1


def test_a_run_that_failed_for_the_model_has_no_backend_to_verify_but_is_scored(env: WorkerEnv) -> None:
    _end(env, _job(BROKEN, "analyze"), JobState.MODEL_FAILED, "validation retries exhausted")
    states = _states(env.ledger, BROKEN)
    assert states[VERIFY] == ("skipped", "no backend: the run ended model_failed at analyze")
    assert states["realize"] == ("skipped", "analyze ended model_failed") and states[SCORE][0] == "queued"


def test_a_verify_whose_postgres_cannot_start_leaves_the_run_incomplete_and_resume_sends_it_again(
    env: WorkerEnv, local_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv(POSTGRES_DATA_ENV, str(blocked))
    for phase in PHASES:  # the other run ends for the model, so the round can complete
        env.ledger.transition(ROUND, _job(CLEAN, phase), JobState.SUCCEEDED)
    env.ledger.apply(ROUND, [Change(_job(BROKEN, "analyze"), JobState.MODEL_FAILED),
                             *(Change(_job(BROKEN, p), JobState.SKIPPED) for p in [*PHASES[1:], VERIFY]),
                             Change(_job(BROKEN, SCORE), JobState.SUCCEEDED)])  # fmt: skip
    env.ledger.transition(ROUND, _job(CLEAN, VERIFY), JobState.QUEUED)

    assert run_verify_job(env, ROUND, CLEAN, "todo") is JobState.INFRA_FAILED

    state, reason = _states(env.ledger, CLEAN)[VERIFY]
    assert state == "infra_failed" and reason.startswith("verify: ") and str(blocked) in reason
    assert _states(env.ledger, CLEAN)[SCORE] == ("skipped", "run incomplete: verify infra_failed")
    assert not local_store.exists(keys.RunKeys(ROUND, CLEAN, "todo").runtime)  # done again, never kept
    assert env.ledger.round_info(ROUND)["state"] == "complete"

    assert resume(ROUND, local_store, env.ledger, env.app) == 1
    assert _states(env.ledger, CLEAN)[VERIFY][0] == "queued" and _states(env.ledger, CLEAN)[SCORE][0] == "pending"
    assert env.ledger.round_info(ROUND)["state"] == "running" and env.ledger.r.llen(RUNTIME_QUEUE) == 1


def test_a_round_submitted_before_verify_existed_scores_after_realize_and_shows_no_verify(
    redis_url: str, ledger: Ledger, local_store: Store
) -> None:
    old = [_job(CLEAN, phase) for phase in [*PHASES, SCORE]]
    ledger.register_round("old", old, {"store": local_store.url})
    env = WorkerEnv(redis_url, local_store.url, None, make_celery(redis_url))
    for phase in PHASES[:-1]:
        ledger.transition("old", _job(CLEAN, phase), JobState.SUCCEEDED)
    ledger.transition("old", _job(CLEAN, "realize"), JobState.QUEUED)
    run_job(env, "old", _job(CLEAN, "realize"), lambda: None, execute=lambda: (JobState.SUCCEEDED, ""),
            following=lambda ended: following(env, "old", _job(CLEAN, "realize"), ended))  # fmt: skip
    assert ledger.job("old", _job(CLEAN, SCORE)).state is JobState.QUEUED
    snap = snapshot(ledger, "old")
    assert snap["phases"] == [*PHASES, SCORE] and VERIFY not in json.dumps(snap["runs"])
