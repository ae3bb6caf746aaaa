"""A phase job's call slots: `operation_concurrency` caps its calls in flight, not its operations.

The job runs twice as many operations as it has call slots, so one operation's checks and
checkpoint overlap another's call; the endpoint never sees more than the slots' worth of calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from farm import keys
from farm.ledger import Ledger
from farm.sim import SimAdmin, SimServer
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess
from workers.harness.gate import JobSlots, LocalGate

pytestmark = pytest.mark.integration


def test_job_slots_cap_calls_in_flight_below_the_farm_gate() -> None:
    slots = JobSlots(LocalGate({"m": 100}), 2)
    inside, peak, lock = 0, 0, threading.Lock()

    def call(i: int) -> None:
        nonlocal inside, peak
        with slots.admit("m", 0.0, f"call-{i}"):
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak == 2


def test_a_job_runs_more_operations_than_call_slots_and_never_more_calls(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    sim_admin.inject("slow", model="sim/clean", count=200, delay=0.3)
    start_worker(redis_url, local_store.url, concurrency=1)
    submit_round(sim_round("slots", ["sim/clean"], operation_concurrency=2, phases=["analyze"]), local_store, redis_url,
                 sim.base_url)  # fmt: skip
    wait_complete(ledger, "slots")
    assert sim_admin.stats()["peak_in_flight"] == 2, "the job's calls in flight are not capped at its slots"
    checkpoints = [c for _, c in local_store.iter_json(keys.RunKeys("slots", "sim/clean", "todo").phase("analyze").ops)]
    writes = [c for c in checkpoints if c["batch"] == 2]  # the documents, written concurrently
    assert len(writes) >= 4
    running = max(sum(1 for o in writes if o["started_at"] <= c["started_at"] < o["ended_at"]) for c in writes)
    assert running == 4, f"{running} operations ran at once on 2 call slots (expected 2 per slot)"
