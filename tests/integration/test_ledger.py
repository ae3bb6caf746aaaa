"""The ledger on a real Redis server: registration, compare-and-set transitions, leases, usage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from farm.ledger import JobKey, Ledger, RoundExists
from farm.outcomes import JobState

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
