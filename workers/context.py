"""The PhaseContext a job gives its phase: operations checkpointed in the store, run concurrently.

A checkpointed operation is returned from the store and never called (or paid for) again; every
attempt is written to the store as it ends, so even a worker killed mid-phase leaves its spend on
record.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from farm import keys, metrics
from farm.outcomes import JobEnded, ModelFailed
from farm.store import Store
from workers.harness.operation import AttemptRecord, OperationRunner
from workers.phases.base import Operation

OK = "succeeded"


@dataclass
class AttemptLog:
    """Writes each attempt to the store, and its metrics, as it ends (its usage is counted in the
    ledger by the gate, in the same step as its cost settles)."""

    store: Store
    round_id: str
    model_id: str
    project: str
    phase: str
    phase_keys: keys.PhaseKeys
    delivery: str  # one id per task execution, so attempts of two deliveries never collide
    written: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> record, this delivery's

    def __call__(self, attempt: AttemptRecord) -> None:
        key = self.phase_keys.attempt(attempt.op_id, f"{self.delivery}-{attempt.attempt_id}")
        self.store.put_text(key, attempt.model_dump_json())
        self.written[key] = attempt.model_dump(mode="json")
        counters = attempt.usage.counters()
        labels = (self.round_id, self.model_id, self.project, self.phase)
        metrics.observe_attempt(labels, attempt.outcome, counters, attempt.latency_ms / 1000)


@dataclass
class StoreContext:
    round_id: str
    model_id: str
    project: str
    requirements: str
    phase: str
    store: Store
    runner: OperationRunner
    concurrency: int

    @property
    def _run_keys(self) -> keys.RunKeys:
        return keys.RunKeys(self.round_id, self.model_id, self.project)

    @property
    def phase_keys(self) -> keys.PhaseKeys:
        return self._run_keys.phase(self.phase)

    def prior(self, phase: str) -> dict[str, Any]:
        return self.store.get_json(self._run_keys.phase(phase).ast)

    def run(self, operations: Sequence[Operation[Any]]) -> list[BaseModel]:
        if len(operations) == 1:
            (op,) = operations
            return [self._run_one(op)]
        with ThreadPoolExecutor(max_workers=max(1, min(self.concurrency, len(operations)))) as pool:
            futures = [pool.submit(self._run_one, op) for op in operations]
            outcomes = [future.exception() or future.result() for future in futures]
        ended = [o for o in outcomes if isinstance(o, BaseException)]
        if ended:
            # Prefer the outcome that is not the model's fault: an infra or budget stop makes the
            # phase resumable, and must not be reported as a model failure.
            non_model = [e for e in ended if isinstance(e, JobEnded) and not isinstance(e, ModelFailed)]
            raise (non_model or ended)[0]
        return outcomes  # type: ignore[return-value]

    def _run_one(self, op: Operation[Any]) -> BaseModel:
        checkpoint = self.store.get_json_or_none(self.phase_keys.op(op.op_id))
        if checkpoint is not None:
            if checkpoint["status"] == OK:
                return op.ast.model_validate(checkpoint["ast"])
            raise ModelFailed(checkpoint["reason"])
        started = time.time()
        try:
            ast = self.runner.run(op)
        except ModelFailed as exc:
            self._checkpoint(op, {"status": "model_failed", "reason": exc.reason}, started)
            raise
        self._checkpoint(op, {"status": OK, "ast": ast.model_dump(mode="json")}, started)
        return ast

    def _checkpoint(self, op: Operation[Any], body: dict[str, Any], started: float) -> None:
        body |= {"op_id": op.op_id, "tool": op.tool_name, "started_at": started, "ended_at": time.time()}
        self.store.put_json(self.phase_keys.op(op.op_id), body)
