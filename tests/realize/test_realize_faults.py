"""Realize through real Celery workers, the simulator over HTTP and the real TypeScript checker, when
its job is interrupted or one of its operations fails:

- a pool process SIGKILLed, or a budget stop followed by the scheduler's resume, after the helpers
  (transformers, collectors) and a provider were checkpointed: the next delivery answers those from
  their checkpoints, and the providers left to write must still find the helpers' files in the
  checker's tree, so a correct model's realize ends succeeded;
- a clean round whose one provider never compiles: every other operation is paid exactly once, and
  the failed one is not given a second retry budget when the phase asks for its operations again.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from farm import keys
from farm.budget import ROUND_SCOPE, BudgetBook, BudgetError
from farm.cli_spend import change_budgets
from farm.ledger import JobKey, Ledger
from farm.manifest import Manifest
from farm.outcomes import JobState
from farm.queueing import make_celery
from farm.scheduler import resume
from farm.sim import SimAdmin, SimServer
from tests.integration.rounds import sim_round, submit_round
from tests.servers import WorkerProcess, wait_until
from workers.phases.base import PHASES

pytestmark = pytest.mark.integration

STUBBORN = {"id": "sim/stubborn", "endpoint": {"kind": "simulator"},
            "prices": {"input": 0.30, "cached": 0.03, "output": 0.90}, "concurrency": 4}
HELPER_IMPORT = ('from "../transformers/', 'from "../collectors/')
COMPILER_RETRIES = 3


def _op_ids(store, phase: keys.PhaseKeys) -> set[str]:  # noqa: ANN001
    return {key.rsplit("/", 1)[1].removesuffix(".json") for key in store.list(phase.ops)}


def _calls(store, phase: keys.PhaseKeys) -> list[dict[str, Any]]:  # noqa: ANN001
    return [json.loads(line) for line in store.get_text(phase.calls).splitlines()]


def _realize_requests(sim_admin: SimAdmin) -> Counter[str]:
    return Counter({op.removeprefix("realize/"): n for op, n in sim_admin.stats()["by_operation"].items()
                    if op.startswith("realize/")})


def _wait_ended(ledger: Ledger, round_id: str, job: JobKey, deliveries: int, timeout: float = 300) -> None:
    def ended() -> bool:
        record = ledger.job(round_id, job)
        return record is not None and record.state.terminal and record.deliveries >= deliveries

    wait_until(ended, timeout, f"{job} to end (delivery {deliveries})", 0.2)


def _stop_on_budget(ledger: Ledger, round_id: str) -> None:
    """Lower the round's limit to what is spent and held now: the call in flight settles, the next
    one is refused (one operation at a time, so no other hold frees room), the job stops."""
    book = BudgetBook(ledger.r)

    def lowered() -> bool:
        line = next(line for line in book.lines(round_id) if line.scope == ROUND_SCOPE)
        try:
            book.set_limit(round_id, ROUND_SCOPE, line.spent_usd + line.reserved_usd + 1e-9)
        except BudgetError:  # a call was admitted meanwhile: read again
            return False
        return True

    wait_until(lowered, 10, "the round budget to be lowered")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("interruption", ["pool-killed", "budget-resumed"])
def test_an_interrupted_realize_of_a_correct_model_ends_succeeded(
    interruption: str, redis_url: str, ledger: Ledger, local_store, sim: SimServer,  # noqa: ANN001
    sim_admin: SimAdmin, start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    round_id = f"realize-{interruption}"
    job = JobKey("sim/clean", "todo", "realize")
    run = keys.RunKeys(round_id, "sim/clean", "todo")
    phase = run.phase("realize")
    sim_admin.inject("slow", model="sim/clean", operation="realize/*", count=500, delay=0.4)  # time to interrupt
    worker = start_worker(redis_url, local_store.url, concurrency=1)
    submit_round(sim_round(round_id, ["sim/clean"], operation_concurrency=1), local_store, redis_url, sim.base_url)

    # The helpers are written first, all of them, then the providers: one provider checkpointed
    # means every transformer and collector is.
    wait_until(lambda: any(op.startswith("provider-") for op in _op_ids(local_store, phase)), 240,
               "a realize provider to be checkpointed", 0.05)
    if interruption == "pool-killed":
        (child,) = worker.children()
        os.kill(child.pid, signal.SIGKILL)
        checkpointed = _op_ids(local_store, phase)
    else:
        _stop_on_budget(ledger, round_id)
        _wait_ended(ledger, round_id, job, deliveries=1)
        assert ledger.job(round_id, job).state is JobState.BUDGET_STOPPED
        checkpointed = _op_ids(local_store, phase)
        manifest = Manifest.model_validate(local_store.get_json(keys.manifest(round_id)))
        change_budgets(ledger, manifest, add=1.0, round_usd=None, model_budgets=[])
        assert resume(round_id, local_store, ledger, make_celery(redis_url)) == 1
    helpers = {op for op in checkpointed if not op.startswith("provider-")}
    assert len(helpers) == 6 and len(checkpointed) < 22, sorted(checkpointed)

    _wait_ended(ledger, round_id, job, deliveries=2)
    record = ledger.job(round_id, job)
    assert (record.state, record.deliveries) == (JobState.SUCCEEDED, 2), record.reason
    result = local_store.get_json(phase.result)
    assert result["summary"] == {"providers": 16, "transformers": 4, "collectors": 2, "failed_operations": 0,
                                 "type_errors": 0}

    # The fault was really exercised: providers written after the interruption import the helpers
    # that came from checkpoints.
    units = local_store.get_json(phase.ast)["units"]
    later = [u["file"] for op, u in units.items() if op not in checkpointed and u["kind"] == "provider"]
    importing = [f for f in later if any(i in local_store.get_text(run.tree + f) for i in HELPER_IMPORT)]
    assert importing, later

    # Nothing checkpointed before the interruption was called again.
    requests = _realize_requests(sim_admin)
    assert {op: requests[op] for op in checkpointed} == {op: 1 for op in checkpointed}
    successes = Counter(c["op_id"] for c in _calls(local_store, phase) if c["outcome"] == "success")
    assert successes == Counter({op: 1 for op in units})
    # Paid once, recorded once: every call the ledger settled is in a calls.jsonl — one killed
    # while its answer was being checked too, as `settled` — and costs there what it cost there.
    records = [c for p in PHASES for c in _calls(local_store, run.phase(p))]
    usage = ledger.usage(round_id)["sim/clean"]
    assert usage["attempts"] == len(records)
    assert usage["cost_usd"] == pytest.approx(sum(c["usage"]["cost_usd"] for c in records), rel=1e-9)


@pytest.mark.timeout(600)
def test_a_clean_round_with_one_failing_provider_pays_every_operation_once(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    """The one failing provider fails once, with its own retry budget: when the phase asks for its
    operations again to learn which failed (`partial.settle`), each answers from its checkpoint."""
    round_id = "one-failing"
    job = JobKey("sim/stubborn", "todo", "realize")
    phase = keys.RunKeys(round_id, "sim/stubborn", "todo").phase("realize")
    start_worker(redis_url, local_store.url, concurrency=1)
    submit_round(sim_round(round_id, [], models=[STUBBORN]), local_store, redis_url, sim.base_url)
    _wait_ended(ledger, round_id, job, deliveries=1)

    record = ledger.job(round_id, job)
    assert record.state is JobState.MODEL_FAILED and record.deliveries == 1
    assert "provider-put-members-me" in record.reason and "compiler retries exhausted" in record.reason
    summary = local_store.get_json(phase.result)["summary"]
    assert (summary["providers"], summary["failed_operations"]) == (15, 1)

    ops = _op_ids(local_store, phase)
    assert len(ops) == 22
    succeeded = ops - {"provider-put-members-me"}
    failing_attempts = 1 + COMPILER_RETRIES
    requests = _realize_requests(sim_admin)
    assert requests == Counter({op: 1 for op in succeeded} | {"provider-put-members-me": failing_attempts})

    calls = _calls(local_store, phase)
    assert len({c["attempt_id"] for c in calls}) == len(calls) == sum(requests.values())
    assert Counter(c["op_id"] for c in calls if c["outcome"] == "success") == Counter({op: 1 for op in succeeded})
    failing = [c["outcome"] for c in calls if c["op_id"] == "provider-put-members-me"]
    assert failing == ["compile_failure"] * failing_attempts
