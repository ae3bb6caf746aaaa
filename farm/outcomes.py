"""Job states and outcomes (design.md, "Outcomes"), and the exceptions that end a job with one.

The outcomes are never blurred: a model's failure counts against the model, an infrastructure
failure or a budget stop never does.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Every state a job can be in; the last five are outcomes (terminal)."""

    PENDING = "pending"  # registered, waiting for an earlier phase
    QUEUED = "queued"  # sent to the broker
    RUNNING = "running"
    SKIPPED = "skipped"  # never run: an earlier phase of the run ended without success
    SUCCEEDED = "succeeded"
    MODEL_FAILED = "model_failed"
    INFRA_FAILED = "infra_failed"
    BUDGET_STOPPED = "budget_stopped"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        JobState.SKIPPED,
        JobState.SUCCEEDED,
        JobState.MODEL_FAILED,
        JobState.INFRA_FAILED,
        JobState.BUDGET_STOPPED,
        JobState.CANCELLED,
    }
)

# Runs holding one of these are incomplete, never scored as the model's failure.
INCOMPLETE_STATES = frozenset({JobState.INFRA_FAILED, JobState.BUDGET_STOPPED, JobState.CANCELLED})


class JobEnded(Exception):
    """Raised inside a job to end it with a given outcome and a human-readable reason."""

    state: JobState = JobState.INFRA_FAILED

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModelFailed(JobEnded):
    """The model ran out of retries (validation, compiler, missing call): counts against it."""

    state = JobState.MODEL_FAILED


class InfraFailed(JobEnded):
    """Transport, serving stack or store failure: retried, never scored as the model's fault."""

    state = JobState.INFRA_FAILED


class BudgetStopped(JobEnded):
    """A budget refused admission (or the provider answered 402): resumable later."""

    state = JobState.BUDGET_STOPPED
