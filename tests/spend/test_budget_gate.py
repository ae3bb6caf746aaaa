"""Budgets under concurrency: the shared gate against a real Redis and the simulator over HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import redis

from farm.budget import BudgetBook, BudgetError, to_nanos
from farm.ledger import Ledger
from farm.outcomes import BudgetStopped
from farm.probe import PROBE_OPERATION
from farm.ratelimit import endpoint_states
from farm.sim import SimServer
from farm.spec import ModelSpec
from tests.servers import REPO, wait_until
from tests.spend.calls import MODEL, run_calls, sim_spec
from workers.harness.endpoint import request_options
from workers.harness.operation import estimate_prompt_tokens
from workers.harness.shared_gate import SharedGate
from workers.harness.usage import Usage, price

pytestmark = pytest.mark.integration


def worst_case(model: ModelSpec) -> float:
    """What the harness reserves for the first attempt of the probe operation."""
    op = PROBE_OPERATION
    messages = [{"role": "system", "content": op.system}, {"role": "user", "content": op.user}]
    prompt = estimate_prompt_tokens(messages, request_options(model, op, "spend")["tools"])
    return price(model.prices, prompt, 0, model.sampling.max_tokens)


class BudgetWatch:
    """Samples every budget of a round as fast as Redis answers, for the length of a block."""

    def __init__(self, redis_url: str, round_id: str) -> None:
        self.book = BudgetBook(redis.Redis.from_url(redis_url, decode_responses=True))
        self.round_id = round_id
        self.samples: list[tuple[str, int, int, int]] = []  # scope, spent, reserved, limit (nanos)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for line in self.book.lines(self.round_id):
                if line.limit_usd is not None:
                    nanos = (to_nanos(line.spent_usd), to_nanos(line.reserved_usd), to_nanos(line.limit_usd))
                    self.samples.append((line.scope, *nanos))

    def __enter__(self) -> BudgetWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.mark.parametrize("binding", ["round", "model"])
def test_64_concurrent_calls_never_spend_past_the_budget(redis_url: str, sim: SimServer, binding: str) -> None:
    limit = 0.004  # a few dozen of the simulator's calls, and under three worst cases
    budgets = {"round_usd": limit} if binding == "round" else {"round_usd": 1.0, "model_usd": limit}
    for run in range(3):
        spec = sim_spec(f"budget-{binding}-{run}", sim.base_url, concurrency=64, **budgets)
        with BudgetWatch(redis_url, spec.round) as watch:
            out = run_calls(redis_url, spec, 64, workers=2)

        assert out.succeeded > 0 and out.budget_stopped > 0 and out.succeeded + out.budget_stopped == 64
        assert len(watch.samples) > 20
        assert all(spent + reserved <= cap for _, spent, reserved, cap in watch.samples), "a budget was overcommitted"
        binding_line = next(
            line for line in BudgetBook(redis.Redis.from_url(redis_url)).lines(spec.round)
            if line.kind == binding
        )  # fmt: skip
        assert binding_line.reserved_usd == 0
        assert binding_line.spent_usd <= limit
        billed = sum(r.usage.cost_usd for r in out.records)
        assert binding_line.spent_usd == pytest.approx(billed, abs=1e-9 * len(out.records))
        # Nothing was refused while it still fitted: what is left is less than one call's worst case.
        assert limit - binding_line.spent_usd < worst_case(spec.model(MODEL))


def test_a_call_whose_worst_case_cannot_fit_is_refused_with_the_way_out(redis_url: str, sim: SimServer) -> None:
    spec = sim_spec("refused", sim.base_url, concurrency=4, round_usd=0.01, model_usd=0.002)
    gate = SharedGate(redis.Redis.from_url(redis_url), spec.round, spec)
    with pytest.raises(BudgetStopped, match=r"model budget \$0\.0020 of sim/clean .* --model-budget sim/clean=USD"):
        with gate.admit(MODEL, 0.003, "too-big"):
            pytest.fail("admitted past the model budget")
    with gate.admit(MODEL, 0.0015, "fits") as admission:
        admission.settle(Usage(cost_usd=0.0004))
    (round_line, model_line) = BudgetBook(redis.Redis.from_url(redis_url)).lines(spec.round)
    assert (round_line.scope, round_line.spent_usd, round_line.limit_usd) == ("round", 0.0004, 0.01)
    assert (model_line.scope, model_line.spent_usd, model_line.reserved_usd) == ("model:sim/clean", 0.0004, 0)


def test_limits_change_only_to_values_that_hold_what_is_spent(redis_url: str, sim: SimServer) -> None:
    spec = sim_spec("limits", sim.base_url, concurrency=4, round_usd=0.01)
    gate = SharedGate(redis.Redis.from_url(redis_url), spec.round, spec)
    with gate.admit(MODEL, 0.001, "call-1") as admission:
        admission.settle(Usage(cost_usd=0.006))
    book = BudgetBook(Ledger.from_url(redis_url).r)
    with pytest.raises(BudgetError, match=r"\$0\.005 is below what is already spent and reserved \(\$0\.006000\)"):
        book.set_limit(spec.round, "round", 0.005)
    with pytest.raises(BudgetError, match="the round budget must be a positive number of USD, got -1"):
        book.set_limit(spec.round, "round", -1)
    with pytest.raises(BudgetError, match="has no model:sim/clean budget to add"):
        book.set_limit(spec.round, "model:sim/clean", 1, add=True)
    assert book.set_limit(spec.round, "round", 0.5, add=True) == (0.01, 0.51)
    book.ensure(spec.round, spec)  # the manifest's limit does not undo a raise
    assert book.lines(spec.round)[0].limit_usd == 0.51


def _record(attempt_id: str, cost_usd: float) -> dict[str, object]:
    """The parts of an attempt record (a line of calls.jsonl) that reconciling reads."""
    return {"attempt_id": attempt_id, "usage": Usage(input_tokens=100, output_tokens=10, cost_usd=cost_usd).model_dump()}


def test_a_call_on_record_is_settled_once_at_its_recorded_cost(redis_url: str, sim: SimServer) -> None:
    """A live hold whose call is on record (its worker is taken for dead: the job was redelivered and
    ended) is settled by the job's end; the old worker's own settle, if it ever comes, changes nothing."""
    spec = sim_spec("reconcile-live", sim.base_url, concurrency=2, round_usd=1.0)
    client = redis.Redis.from_url(redis_url)
    gate = SharedGate(client, spec.round, spec)
    with gate.admit(MODEL, 0.01, "zombie") as admission:
        assert BudgetBook(client).lines(spec.round)[0].reserved_usd == 0.01
        assert gate.reconcile(MODEL, [_record("zombie", 0.004)]) == 1
        (line, _) = BudgetBook(client).lines(spec.round)
        assert (line.spent_usd, line.reserved_usd, line.expired_usd) == (0.004, 0, 0)
        admission.settle(Usage(cost_usd=0.004))
    (line, _) = BudgetBook(client).lines(spec.round)
    assert (line.spent_usd, line.reserved_usd) == (0.004, 0)
    assert Ledger.from_url(redis_url).usage(spec.round)[MODEL]["attempts"] == 1
    assert endpoint_states(client)[0].in_flight == 0  # the slot is the worker's own to give back


_HOLDER = """
import sys, time, redis
from farm.spec import RoundSpec
from workers.harness.shared_gate import SharedGate
gate = SharedGate(redis.Redis.from_url(sys.argv[1]), sys.argv[2], RoundSpec.model_validate_json(sys.argv[3]), lease_ttl_s=1.0)
with gate.admit("sim/clean", 0.01, "held-call"):
    print("admitted", flush=True)
    time.sleep(120)
"""


def test_a_dead_workers_slot_frees_itself_and_its_hold_is_charged_at_worst_case(redis_url: str, sim: SimServer) -> None:
    spec = sim_spec("dead", sim.base_url, concurrency=1, round_usd=1.0)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, redis_url, spec.round, spec.model_dump_json()],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "admitted"
        client = redis.Redis.from_url(redis_url)
        time.sleep(2.5)  # > the lease TTL: alive, the holder keeps renewing
        assert [s.in_flight for s in endpoint_states(client)] == [1]
        holder.kill()
        holder.wait(timeout=10)
        gate = SharedGate(client, spec.round, spec)
        started = time.monotonic()
        with gate.admit(MODEL, 0.001, "next-call") as admission:  # the only slot was the dead worker's
            waited = time.monotonic() - started
            admission.settle(Usage(cost_usd=0.0002))
        assert waited < 5
        (line, _) = BudgetBook(client).lines(spec.round)
        assert (line.expired_usd, line.spent_usd, line.reserved_usd) == (0.01, pytest.approx(0.0102), 0)
        wait_until(lambda: endpoint_states(client)[0].in_flight == 0, 5, "the slot to be released")

        # The dead worker's call turns out to be on record (it died between recording and settling):
        # its job's end settles it at the recorded cost, once.
        usage_before = Ledger.from_url(redis_url).usage(spec.round)[MODEL]
        assert gate.reconcile(MODEL, [_record("held-call", 0.003), _record("next-call", 0.0002)]) == 1
        assert gate.reconcile(MODEL, [_record("held-call", 0.003)]) == 0
        (line, model_line) = BudgetBook(client).lines(spec.round)
        assert (line.expired_usd, line.spent_usd, line.reserved_usd) == (0, pytest.approx(0.0032), 0)
        assert (model_line.expired_usd, model_line.spent_usd) == (0, pytest.approx(0.0032))
        usage = Ledger.from_url(redis_url).usage(spec.round)[MODEL]
        assert usage["cost_usd"] - usage_before["cost_usd"] == pytest.approx(0.003)
        assert usage["attempts"] - usage_before["attempts"] == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
