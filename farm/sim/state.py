"""The simulator's mutable state: queued faults and request statistics.

Both live in the server's single event loop (touched only by request handlers), so they need no
locks; tests drive and read them over the admin API.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from farm.sim.fixtures import Behaviour

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "bad_gateway",
    "unavailable",
    "gateway_timeout",
    "slow",
    "invalid_json",
    "broken_json",
    "schema_invalid",
    "prose",
    "payment_required",
    "context_length",
    "invalid_key",
    "server_error_echoing_key",
]


class Fault(BaseModel):
    """Body of `POST /_sim/faults`: the next `count` matching requests behave as `kind`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FaultKind
    model: str = "*"  # a model id or "*"
    operation: str = "*"  # a glob over the X-Farm-Operation header ("" when absent)
    count: int = Field(default=1, ge=1)
    retry_after: float = Field(default=1.0, ge=0)
    delay: float = Field(default=5.0, ge=0)

    def matches(self, model: str, operation: str) -> bool:
        return self.model in ("*", model) and fnmatchcase(operation, self.operation)


@dataclass
class FaultQueue:
    """Faults in injection order; each request consumes one unit of the first that matches."""

    _queue: list[list[Any]] = field(default_factory=list)  # [fault, remaining count]

    def push(self, fault: Fault) -> None:
        self._queue.append([fault, fault.count])

    def take(self, model: str, operation: str) -> Behaviour | None:
        for index, entry in enumerate(self._queue):
            fault = entry[0]
            if fault.matches(model, operation):
                entry[1] -= 1
                if entry[1] == 0:
                    del self._queue[index]
                return Behaviour(kind=fault.kind, delay=fault.delay, retry_after=fault.retry_after)
        return None

    @property
    def pending(self) -> int:
        return sum(remaining for _, remaining in self._queue)

    def clear(self) -> None:
        self._queue.clear()


# What the dialects (farm.sim.dialects) count: each is a real server's misbehaviour the harness met.
DIALECT_COUNTERS = ("crashes", "grammar_ignored", "null_content_rejected", "tool_feedback_dropped", "truncated")


@dataclass
class Stats:
    """Request counts by model, operation, status and behaviour, in-flight concurrency, and the
    dialects' misbehaviour counters (`DIALECT_COUNTERS`, per dialect in `dialect_names`)."""

    requests: int = 0
    filled: int = 0  # answers made by the schema filler because no book had one
    in_flight: int = 0
    peak_in_flight: int = 0
    by_model: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_behaviour: Counter[str] = field(default_factory=Counter)
    dialect_names: tuple[str, ...] = ()
    by_dialect: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, dialect: str, counter: str) -> None:
        """One more `counter` (one of DIALECT_COUNTERS) for `dialect`."""
        if counter not in DIALECT_COUNTERS:
            raise ValueError(f"unknown dialect counter {counter!r} (known: {', '.join(DIALECT_COUNTERS)})")
        self.by_dialect.setdefault(dialect, Counter())[counter] += 1

    def enter(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1

    def record(self, model: str, operation: str, status: int | str, behaviour: str | None) -> None:
        """Count one finished request; `behaviour` is None when none was chosen (bad request);
        `status` is "dropped" when the connection was closed without a response (a crash)."""
        self.requests += 1
        self.by_model[model] += 1
        self.by_operation[operation or "-"] += 1
        self.by_status[str(status)] += 1
        if behaviour is not None:
            self.by_behaviour[behaviour] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "filled": self.filled,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "by_model": dict(self.by_model),
            "by_operation": dict(self.by_operation),
            "by_status": dict(self.by_status),
            "by_behaviour": dict(self.by_behaviour),
            "dialects": {
                name: {counter: self.by_dialect.get(name, Counter())[counter] for counter in DIALECT_COUNTERS}
                for name in dict.fromkeys([*self.dialect_names, *self.by_dialect])
            },
        }

    def clear(self) -> None:
        """Zero the counts; requests still in flight stay counted as in flight."""
        self.requests = self.filled = 0
        self.peak_in_flight = self.in_flight
        for counter in (self.by_model, self.by_operation, self.by_status, self.by_behaviour):
            counter.clear()
        self.by_dialect.clear()
