"""The ledger on a real Redis server: registration, compare-and-set transitions, leases, usage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from farm.ledger import SCORE, Change, JobKey, Ledger, RoundExists
from farm.outcomes import JobState
from farm.redis_server import RedisServer

pytestmark = pytest.mark.integration

JOB = JobKey("openai/gpt-5.4-nano", "todo", "analyze")


def test_register_refuses_a_used_round(ledger: Ledger) -> None:
    ledger.register_round("r1", [JOB], {"store": "x"})
    assert ledger.job("r1", JOB).state is JobState.PENDING
    with pytest.raises(RoundExists):
        ledger.register_round("r1", [JOB], {})
    assert ledger.rounds() == ["r1"] and ledger.round_info("r1")["store"] == "x"


def test_only_one_of_many_concurrent_transitions_wins(redis_url: str) -> None:
    ledger = Ledger.from_url(redis_url)
    ledger.register_round("r", [JOB], {})
    ledger.transition("r", JOB, JobState.RUNNING)

    def finish(state: JobState) -> JobState | None:
        return Ledger.from_url(redis_url).transition("r", JOB, state, {JobState.RUNNING})

    targets = [JobState.SUCCEEDED, JobState.MODEL_FAILED, JobState.INFRA_FAILED] * 20
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(finish, targets))
    assert sum(r is not None for r in results) == 1
    winner = targets[next(i for i, r in enumerate(results) if r is not None)]
    assert ledger.job("r", JOB).state is winner


def test_round_completes_when_every_job_is_terminal(ledger: Ledger) -> None:
    other = JobKey("m", "todo", "database")
    ledger.register_round("r", [JOB, other], {})
    ledger.transition("r", JOB, JobState.SUCCEEDED)
    assert not ledger.mark_complete_if_done("r") and ledger.round_info("r")["state"] == "running"
    ledger.transition("r", other, JobState.SKIPPED)
    assert ledger.mark_complete_if_done("r") and ledger.round_info("r")["completed_at"]


def test_leases_are_exclusive_and_released_only_by_their_holder(ledger: Ledger) -> None:
    assert ledger.acquire_lease("r", JOB, "a", 5)
    assert not ledger.acquire_lease("r", JOB, "b", 5)
    ledger.release_lease("r", JOB, "b")
    assert ledger.lease_held("r", JOB) and not ledger.renew_lease("r", JOB, "b", 5)
    assert ledger.renew_lease("r", JOB, "a", 5)
    ledger.release_lease("r", JOB, "a")
    assert not ledger.lease_held("r", JOB) and ledger.acquire_lease("r", JOB, "b", 5)


def test_a_batch_applies_in_order_each_change_on_its_own_and_counts_what_is_open(ledger: Ledger) -> None:
    analyze, database, score = (JobKey("m/x", "todo", phase) for phase in ("analyze", "database", SCORE))
    ledger.register_round("r", [analyze, database, score], {})
    ledger.start("r", analyze)
    pending = frozenset({JobState.PENDING})
    applied = ledger.apply("r", [
        Change(analyze, JobState.SUCCEEDED, frozenset({JobState.RUNNING}), {"reason": ""}),
        Change(database, JobState.QUEUED, pending),
        Change(database, JobState.SKIPPED, pending),  # refused: the change before moved it on
        Change(JobKey("m/x", "todo", "realize"), JobState.QUEUED, pending),  # unknown job
    ])  # fmt: skip
    assert applied.previous == [JobState.RUNNING, JobState.PENDING, None, None]
    assert applied.open_jobs == 2
    assert ledger.job("r", database).state is JobState.QUEUED and ledger.job("r", database).queued_at
    assert ledger.job("r", analyze).ended_at and ledger.job("r", analyze).deliveries == 1
    applied = ledger.apply("r", [Change(database, JobState.MODEL_FAILED), Change(score, JobState.SKIPPED, pending)])
    assert applied.open_jobs == 0
    assert ledger.mark_complete_if_done("r", applied.open_jobs) and ledger.round_info("r")["state"] == "complete"


def test_a_persistent_ledger_fsyncs_before_it_answers(tmp_path: Path) -> None:
    """The embedded farm's Redis writes its AOF before every reply: a settled call survives a host
    crash, not only a process kill (bench/durability measures what that costs)."""
    with RedisServer(tmp_path / "ledger") as server:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "always"}
