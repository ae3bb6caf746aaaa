"""Phases whose operations are independent files: keep what succeeded when some operations fail.

`PhaseContext.run` raises on the first failed operation, after the others finished and were
checkpointed; asking for each operation again then returns the checkpointed ones without a call,
so a phase learns exactly which operations failed and can still hand on what the others wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from farm.outcomes import ModelFailed
from workers.phases.base import Operation, PhaseContext, PhaseOutput


class PartialModelFailure(ModelFailed):
    """The model failed some operations; `output` holds the files the others produced.

    The job records the phase as model_failed and should still store `output` (its tree and AST),
    so the run is scored on what the model did write.
    """

    def __init__(self, reason: str, output: PhaseOutput) -> None:
        super().__init__(reason)
        self.output = output


def settle(ctx: PhaseContext, operations: Sequence[Operation[Any]]) -> tuple[list[BaseModel | None], list[str]]:
    """Results in order (None where the model failed) and the failure reasons."""
    try:
        return list(ctx.run(operations)), []
    except ModelFailed:
        pass
    results: list[BaseModel | None] = []
    reasons: list[str] = []
    for operation in operations:
        try:
            results.append(ctx.run([operation])[0])
        except ModelFailed as failure:
            results.append(None)
            reasons.append(failure.reason)
    return results, reasons
