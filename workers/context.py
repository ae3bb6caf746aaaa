"""The PhaseContext a job gives its phase: operations checkpointed in the store, run concurrently.

A checkpointed operation is returned from the store and never called (or paid for) again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from farm import keys
from farm.outcomes import JobEnded, ModelFailed
from farm.store import Store
from workers.harness.operation import OperationRunner
from workers.oplog import OperationLog
from workers.phases.base import Operation

OK = "succeeded"
# Operations run at once per call slot: while one waits for its call, another is checked or
# checkpointed (the job's calls in flight stay capped by its gate, workers.harness.gate.JobSlots).
OPERATIONS_PER_SLOT = 2


@dataclass
class StoreContext:
    round_id: str
    model_id: str
    project: str
    requirements: str
    phase: str
    store: Store
    runner: OperationRunner
    log: OperationLog
    concurrency: int  # the job's call slots (operation_concurrency)
    operations_s: float = 0.0  # time spent in operations (calls, checks, checkpoints), summed over threads
    batches: int = 0  # `run` calls so far: a checkpoint names its batch, so the run's critical path can be rebuilt
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def _run_keys(self) -> keys.RunKeys:
        return keys.RunKeys(self.round_id, self.model_id, self.project)

    def prior(self, phase: str) -> dict[str, Any]:
        return self.store.get_json(self._run_keys.phase(phase).ast)

    def run(self, operations: Sequence[Operation[Any]]) -> list[BaseModel]:
        """Every operation runs (to its end or its failure) before the phase hears of a failure."""
        with self._lock:
            self.batches += 1
            batch = self.batches
        workers = min(self.concurrency * OPERATIONS_PER_SLOT, len(operations))
        if workers <= 1:  # no thread to start for what runs one at a time anyway
            outcomes = [self._outcome(op, batch) for op in operations]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(self._run_one, op, batch) for op in operations]
                outcomes = [future.exception() or future.result() for future in futures]
        ended = [o for o in outcomes if isinstance(o, BaseException)]
        if ended:
            # Prefer the outcome that is not the model's fault: an infra or budget stop makes the
            # phase resumable, and must not be reported as a model failure.
            non_model = [e for e in ended if isinstance(e, JobEnded) and not isinstance(e, ModelFailed)]
            raise (non_model or ended)[0]
        return outcomes  # type: ignore[return-value]

    def _outcome(self, op: Operation[Any], batch: int) -> BaseModel | Exception:
        try:
            return self._run_one(op, batch)
        except Exception as exc:  # noqa: BLE001 - weighed with the others' outcomes in run()
            return exc

    def _run_one(self, op: Operation[Any], batch: int) -> BaseModel:
        began = time.perf_counter()
        try:
            return self._checkpointed(op, batch)
        finally:
            with self._lock:
                self.operations_s += time.perf_counter() - began

    def _checkpointed(self, op: Operation[Any], batch: int) -> BaseModel:
        checkpoint = self.log.checkpoint(op.op_id)
        if checkpoint is not None:
            if checkpoint["status"] == OK:
                return op.ast.model_validate(checkpoint["ast"])
            raise ModelFailed(checkpoint["reason"])
        started = time.time()
        try:
            ast = self.runner.run(op)
        except ModelFailed as exc:
            self._checkpoint(op, {"status": "model_failed", "reason": exc.reason}, started, batch)
            raise
        self._checkpoint(op, {"status": OK, "ast": ast.model_dump(mode="json")}, started, batch)
        return ast

    def _checkpoint(self, op: Operation[Any], body: dict[str, Any], started: float, batch: int) -> None:
        body |= {"op_id": op.op_id, "tool": op.tool_name, "batch": batch, "started_at": started, "ended_at": time.time()}
        self.log.save_checkpoint(op.op_id, body)
