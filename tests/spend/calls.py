"""Many concurrent harness calls through SharedGates against the simulator, as workers make them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import redis

from farm.outcomes import BudgetStopped
from farm.probe import PROBE_OPERATION
from farm.spec import RoundSpec, RetryPolicy
from workers.harness.endpoint import make_client
from workers.harness.operation import AttemptRecord, OperationRunner
from workers.harness.shared_gate import SharedGate

MODEL = "sim/clean"


def sim_spec(round_id: str, sim_url: str, *, concurrency: int, max_tokens: int = 1000, **budgets: Any) -> RoundSpec:
    """A round of the scripted clean model with the given concurrency and budgets."""
    return RoundSpec.model_validate({
        "round": round_id,
        "models": [{
            "id": MODEL, "endpoint": {"kind": "simulator", "base_url": sim_url},
            "prices": {"input": 0.5, "cached": 0.05, "output": 1.5},
            "sampling": {"max_tokens": max_tokens}, "concurrency": concurrency,
            **({"budget_usd": budgets["model_usd"]} if "model_usd" in budgets else {}),
        }],
        "projects": ["todo"], "phases": ["analyze"],
        "budgets": {"round_usd": budgets.get("round_usd")},
    })  # fmt: skip


@dataclass
class Outcomes:
    records: list[AttemptRecord] = field(default_factory=list)
    succeeded: int = 0
    budget_stopped: int = 0


def run_calls(redis_url: str, spec: RoundSpec, calls: int, *, workers: int = 1, transport_retries: int = 3) -> Outcomes:
    """`calls` operations at once, spread over `workers` gates (each its own Redis connection)."""
    gates = [SharedGate(redis.Redis.from_url(redis_url), spec.round, spec) for _ in range(workers)]
    model = spec.model(MODEL)
    out = Outcomes()

    def one(index: int) -> bool:
        runner = OperationRunner(
            client=make_client(model), model=model, policy=RetryPolicy(transport=transport_retries),
            phase="spend", gate=gates[index % workers], record=out.records.append,
            backoff_initial_s=0.05, backoff_max_s=0.2,
        )  # fmt: skip
        try:
            runner.run(PROBE_OPERATION)
        except BudgetStopped:
            return False
        return True

    with ThreadPoolExecutor(max_workers=calls) as pool:
        results = list(pool.map(one, range(calls)))
    out.succeeded = sum(results)
    out.budget_stopped = len(results) - out.succeeded
    return out
