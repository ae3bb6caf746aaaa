"""A worker process SIGKILLed in the middle of a phase job: redelivered, completed, nothing paid twice."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable

import pytest

from farm import keys
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.sim import SimAdmin, SimServer
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess, wait_until

pytestmark = pytest.mark.integration


def test_killed_worker_job_is_redelivered_and_completes_without_double_billing(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    sim_admin.inject("slow", model="sim/clean", count=100, delay=0.4)  # every answer takes 0.4 s
    worker = start_worker(redis_url, local_store.url, concurrency=1)
    submit_round(sim_round("kill", ["sim/clean"], operation_concurrency=1, phases=["analyze"]), local_store, redis_url, sim.base_url)
    phase = keys.RunKeys("kill", "sim/clean", "todo").phase("analyze")

    wait_until(lambda: len(local_store.list(phase.ops)) >= 2, 30, "two operations checkpointed")
    (child,) = worker.children()
    os.kill(child.pid, signal.SIGKILL)
    done_before_kill = {key.rsplit("/", 1)[1].removesuffix(".json") for key in local_store.list(phase.ops)}

    wait_complete(ledger, "kill", timeout=60)
    record = ledger.job("kill", JobKey("sim/clean", "todo", "analyze"))
    assert record.state is JobState.SUCCEEDED
    assert record.deliveries == 2  # the killed delivery and the redelivery

    # No operation checkpointed before the kill was called again.
    requests = SimAdmin(sim.base_url).stats()["by_operation"]
    for op_id in done_before_kill:
        assert requests[f"analyze/{op_id}"] == 1, op_id

    # Exactly one accepted answer per operation in the calls log, and no attempt recorded twice.
    calls = [json.loads(line) for line in local_store.get_text(phase.calls).splitlines()]
    assert len({c["attempt_id"] for c in calls}) == len(calls)
    successes = Counter(c["op_id"] for c in calls if c["outcome"] == "success")
    ops = {key.rsplit("/", 1)[1].removesuffix(".json") for key in local_store.list(phase.ops)}
    assert successes == Counter({op: 1 for op in ops})

    # The phase's artifacts are whole: every file the result names, and nothing else.
    result = local_store.get_json(phase.result)
    tree = keys.RunKeys("kill", "sim/clean", "todo").tree
    assert sorted(k.removeprefix(tree) for k in local_store.list(tree)) == sorted(result["files"])
    assert ledger.usage("kill")["sim/clean"]["attempts"] == len(calls)
