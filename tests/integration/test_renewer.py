"""One renewer thread keeps every lease a process holds alive, and lets go of dropped ones."""

from __future__ import annotations

import threading
import time

import pytest

from farm.ledger import JobKey, Ledger
from workers.renewer import Renewer

pytestmark = pytest.mark.integration

TTL_S = 0.4


def _renewer(ledger: Ledger, name: str) -> Renewer[tuple[str, JobKey, str]]:
    def renew(leases: list[tuple[str, JobKey, str]]) -> None:
        for round_id, job, token in leases:
            ledger.renew_lease(round_id, job, token, TTL_S)

    return Renewer(renew, TTL_S / 4, name)


def _threads(name: str) -> int:
    return sum(thread.name == name for thread in threading.enumerate())


def test_held_leases_outlive_their_ttl_and_dropped_ones_lapse(ledger: Ledger) -> None:
    renewer = _renewer(ledger, "renew-many")
    jobs = [JobKey("m/x", "todo", phase) for phase in ("analyze", "database", "interface")]
    for job in jobs:
        assert ledger.acquire_lease("r", job, f"token-{job.phase}", TTL_S)
        renewer.add(job.phase, ("r", job, f"token-{job.phase}"))
    assert _threads("renew-many") == 1  # one thread for all of them
    time.sleep(TTL_S * 3)
    assert all(ledger.lease_held("r", job) for job in jobs)

    renewer.drop("analyze")
    time.sleep(TTL_S * 2)
    assert not ledger.lease_held("r", jobs[0])
    assert ledger.lease_held("r", jobs[1]) and ledger.lease_held("r", jobs[2])
    renewer.drop("database")
    renewer.drop("interface")


def test_the_thread_ends_when_nothing_is_held_and_comes_back_for_the_next_lease(ledger: Ledger) -> None:
    renewer = _renewer(ledger, "renew-one")
    job = JobKey("m/x", "todo", "analyze")
    ledger.acquire_lease("r", job, "t1", TTL_S)
    renewer.add("t1", ("r", job, "t1"))
    renewer.drop("t1")
    deadline = time.monotonic() + 5
    while _threads("renew-one") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _threads("renew-one") == 0

    ledger.release_lease("r", job, "t1")
    ledger.acquire_lease("r", job, "t2", TTL_S)
    renewer.add("t2", ("r", job, "t2"))
    time.sleep(TTL_S * 2)
    assert ledger.lease_holder("r", job) == "t2"
    renewer.drop("t2")
