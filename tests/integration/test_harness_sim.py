"""The harness against the simulator over HTTP: each failure class gets its own treatment."""

from __future__ import annotations

import pytest

from farm.outcomes import BudgetStopped, InfraFailed, ModelFailed
from farm.sim import SimAdmin, SimServer
from farm.spec import Endpoint, ModelSpec, Prices, RetryPolicy
from workers.harness.endpoint import make_client
from workers.harness.gate import LocalGate
from workers.harness.usage import price
from workers.harness.operation import AttemptRecord, OperationRunner
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.analyze.phase import check_plan
from workers.phases.base import Operation

pytestmark = pytest.mark.integration

PLAN_OP = Operation(
    op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
    system="You are an analyst.", user="Plan the todo app.", check=check_plan,
)  # fmt: skip


class Harness:
    def __init__(self, sim: SimServer, model_id: str, policy: RetryPolicy, timeout_s: float = 30,
                 prices: Prices = Prices(input=1, output=2)) -> None:
        endpoint = Endpoint(kind="simulator", base_url=sim.base_url, timeout_s=timeout_s)
        self.model = ModelSpec(id=model_id, endpoint=endpoint, prices=prices)
        self.records: list[AttemptRecord] = []
        self.sleeps: list[float] = []
        self.runner = OperationRunner(
            client=make_client(self.model), model=self.model, policy=policy, phase="analyze",
            gate=LocalGate({model_id: 2}), record=self.records.append, sleep=self.sleeps.append,
        )  # fmt: skip

    @property
    def outcomes(self) -> list[str]:
        return [r.outcome for r in self.records]


def test_clean_model_succeeds_first_time_with_usage_and_cost(sim: SimServer) -> None:
    h = Harness(sim, "sim/clean", RetryPolicy())
    plan = h.runner.run(PLAN_OP)
    assert isinstance(plan, AnalyzePlan) and plan.actors
    (record,) = h.records
    assert record.outcome == "success" and record.provider == "benchfarm-sim"
    assert record.usage.input_tokens > 0 and record.usage.output_tokens > 0
    assert record.usage.cost_source == "billed" and record.usage.cost_usd > 0
    assert record.request_digest.startswith("sha256:") and record.response["tool_calls"][0]["name"] == "analyze_plan"


def test_learner_converges_through_every_kind_of_feedback(sim: SimServer) -> None:
    h = Harness(sim, "sim/learner", RetryPolicy(validation=3, compiler=2))
    plan = h.runner.run(PLAN_OP)
    assert isinstance(plan, AnalyzePlan)
    assert h.outcomes == ["invalid_json", "validation_failure", "compile_failure", "success"]
    assert "declared twice" in h.records[2].detail


def test_broken_model_runs_out_of_validation_retries(sim: SimServer) -> None:
    h = Harness(sim, "sim/broken", RetryPolicy(validation=2))
    with pytest.raises(ModelFailed, match="validation retries exhausted"):
        h.runner.run(PLAN_OP)
    assert h.outcomes == ["validation_failure"] * 3


def test_429_honours_retry_after_then_succeeds(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("rate_limit", model="sim/clean", count=2, retry_after=3)
    h = Harness(sim, "sim/clean", RetryPolicy(transport=3))
    h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:rate_limited", "transport:rate_limited", "success"]
    assert h.sleeps == [3.0, 3.0]


def test_5xx_backs_off_but_a_repeated_identical_500_is_not_blindly_retried(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("server_error", model="sim/clean", count=1)
    h = Harness(sim, "sim/clean", RetryPolicy(transport=5))
    h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:server_error", "success"] and len(h.sleeps) == 1 and h.sleeps[0] > 0
    sim_admin.inject("server_error", model="sim/clean", count=10)
    h = Harness(sim, "sim/clean", RetryPolicy(transport=5, missing_call=0))
    # No answer came from the model: however often it repeats, a 5xx is never the model's failure.
    with pytest.raises(InfraFailed, match="failed twice the same way"):
        h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:server_error"] * 2


def test_timeouts_exhaust_transport_retries_as_infra_failure(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("slow", model="sim/clean", count=2, delay=2.0)
    h = Harness(sim, "sim/clean", RetryPolicy(transport=1), timeout_s=0.5)
    with pytest.raises(InfraFailed, match="timeout"):
        h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:timeout"] * 2
    # The server may still generate (and bill) a request we gave up on: a paid call is charged at
    # its worst case, never recorded as free.
    for record in h.records:
        worst = price(h.model.prices, record.usage.input_tokens, 0, h.model.sampling.max_tokens)
        assert record.usage.cost_source == "worst_case" and record.usage.cost_usd == pytest.approx(worst)
        assert record.usage.input_tokens > 0 and record.usage.output_tokens == h.model.sampling.max_tokens


def test_a_timed_out_call_to_a_free_local_endpoint_costs_nothing(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("slow", model="sim/clean", count=1, delay=2.0)
    h = Harness(sim, "sim/clean", RetryPolicy(transport=1), timeout_s=0.5, prices=Prices(input=0, output=0))
    h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:timeout", "success"]
    assert h.records[0].usage.cost_usd == 0 and h.records[0].usage.cost_source == "none"


def test_402_stops_for_budget_and_context_overflow_is_our_request_not_the_model(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("payment_required", model="sim/clean", count=1)
    with pytest.raises(BudgetStopped, match="402"):
        Harness(sim, "sim/clean", RetryPolicy()).runner.run(PLAN_OP)
    sim_admin.inject("context_length", model="sim/clean", count=1)
    h = Harness(sim, "sim/clean", RetryPolicy())
    # The history is ours to bound: a prompt the endpoint cannot hold is the request's fault.
    with pytest.raises(InfraFailed, match="refused our request .*context"):
        h.runner.run(PLAN_OP)
    assert h.outcomes == ["transport:context_length_exceeded"]


def test_prose_instead_of_a_call_uses_the_missing_call_budget(sim: SimServer, sim_admin: SimAdmin) -> None:
    sim_admin.inject("prose", model="sim/clean", count=5)
    h = Harness(sim, "sim/clean", RetryPolicy(missing_call=1))
    with pytest.raises(ModelFailed, match="missing call retries exhausted"):
        h.runner.run(PLAN_OP)
    assert h.outcomes == ["no_call", "no_call"]
