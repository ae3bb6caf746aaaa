"""Admission of LLM calls: the seam where concurrency caps, rate limits and budgets apply.

Every call goes through `CallGate.admit`. The local gate caps concurrency per model inside one
worker process; a shared gate (Redis) replaces it where limits must hold across workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from workers.harness.usage import Usage


class Admission(Protocol):
    def settle(self, usage: Usage) -> None:
        """Report what the admitted call really used (or nothing, on a transport failure)."""

    def throttled(self, retry_after_s: float | None) -> None:
        """The endpoint answered 429: limits shared with other workers should back off."""


class CallGate(Protocol):
    def admit(self, model_id: str, worst_case_usd: float, call_id: str) -> AbstractContextManager[Admission]:
        """Admit one call; `call_id` is its attempt id, the key of its record in `calls.jsonl`."""


class _NoSettle:
    def settle(self, usage: Usage) -> None:
        return None

    def throttled(self, retry_after_s: float | None) -> None:
        return None


class LocalGate:
    """A per-model semaphore, shared by all operations of the process."""

    def __init__(self, caps: dict[str, int]) -> None:
        self._semaphores = {model: threading.BoundedSemaphore(cap) for model, cap in caps.items()}

    @contextmanager
    def admit(self, model_id: str, worst_case_usd: float, call_id: str) -> Iterator[Admission]:
        semaphore = self._semaphores[model_id]
        with semaphore:
            yield _NoSettle()


class JobSlots:
    """A phase job's own cap on its calls in flight (`operation_concurrency`), in front of the farm's
    gate. The job runs more operations than it has call slots (StoreContext), so one operation's
    checks and checkpoint overlap another's call instead of leaving a slot idle while they run."""

    def __init__(self, gate: CallGate, slots: int) -> None:
        self._gate = gate
        self._slots = threading.BoundedSemaphore(slots)

    @contextmanager
    def admit(self, model_id: str, worst_case_usd: float, call_id: str) -> Iterator[Admission]:
        with self._slots, self._gate.admit(model_id, worst_case_usd, call_id) as admission:
            yield admission
