"""A phase's operations in the store: each one's checkpoint, and every attempt made for it.

A failed attempt is written as it ends, so even a worker killed mid-phase leaves its spend on
record. The attempt that succeeds is written inside its operation's checkpoint, which follows it at
once: one file per operation instead of two (on a local disk, creating the file is most of the
cost of a small write; on S3, a PUT is a round trip). Spend itself is counted in the ledger when
each call settles, whatever the store holds.

An operation's request (system and user prompt) is the same for all its attempts: it is kept once,
in `prompts/`, as its first attempt ends (not as it settles: the settling happens while the call
holds its endpoint slot, which the next call is waiting for); each attempt keeps the feedback the
model got on it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from farm import keys, metrics
from farm.store import Store
from workers.harness.operation import SUCCESS, AttemptRecord


@dataclass
class OperationLog:
    store: Store
    round_id: str
    model_id: str
    project: str
    phase: str
    phase_keys: keys.PhaseKeys
    delivery: str  # one id per task execution, so attempts of two deliveries never collide
    _mine: dict[str, dict[str, Any]] = field(default_factory=dict)  # this delivery's attempts by key
    _succeeded: dict[str, str] = field(default_factory=dict)  # op id -> key of its winning attempt
    _checkpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # read or written, by key
    _listed: set[str] | None = None  # the checkpoints the store held when this delivery began
    _prompted: set[str] = field(default_factory=set)  # operations whose prompt this delivery kept
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _key(self, attempt: AttemptRecord) -> str:
        return self.phase_keys.attempt(attempt.op_id, f"{self.delivery}-{attempt.attempt_id}")

    def _keep_prompt(self, attempt: AttemptRecord) -> None:
        """Keep the request an operation's first attempt brings (settled, or ended unanswered)."""
        prompt = attempt.prompt
        if prompt is None or prompt.op_id in self._prompted:
            return
        self._prompted.add(prompt.op_id)
        self.store.put_json(self.phase_keys.prompt(prompt.op_id), prompt.model_dump(mode="json"))

    def settled(self, attempt: AttemptRecord) -> None:
        """Persist an answered call the moment it settles, before its checks (a compile can take
        seconds): its final record replaces this one — a failure's file, a success's checkpoint —
        and if the worker dies first, this one stays, so the spend is never off the record."""
        self.store.put_json(self._key(attempt), attempt.model_dump(mode="json"))

    def __call__(self, attempt: AttemptRecord) -> None:
        """The harness's recorder: called as each attempt ends (its usage is already in the ledger)."""
        key = self._key(attempt)
        record = attempt.model_dump(mode="json")
        if attempt.outcome == SUCCESS:
            self._succeeded[attempt.op_id] = key  # written with the checkpoint that follows
        else:
            self.store.put_json(key, record)
        self._keep_prompt(attempt)
        self._mine[key] = record
        labels = (self.round_id, self.model_id, self.project, self.phase)
        metrics.observe_attempt(labels, attempt.outcome, attempt.usage.counters(), attempt.latency_ms / 1000)

    def checkpoint(self, op_id: str) -> dict[str, Any] | None:
        """The operation's checkpoint, from an earlier delivery or from this one, if any.

        A checkpoint this delivery wrote (or already read) is answered from memory: the listing
        below is taken once, at the first lookup, and does not hold it. Without this, a phase that
        asks for its operations again in the same delivery (`partial.settle` after one of them
        failed) called every succeeded operation again, paying it twice, and gave the failed one a
        fresh retry budget. Asked again, an operation ends as it first ended: its result, or its
        model failure with the same reason.

        The store is listed once, not asked once per operation: a fresh phase has no checkpoints."""
        key = self.phase_keys.op(op_id)
        known = self._checkpoints.get(key)
        if known is not None:
            return known
        with self._lock:
            if self._listed is None:
                self._listed = set(self.store.list(self.phase_keys.ops))
        if key not in self._listed:
            return None
        self._checkpoints[key] = self.store.get_json(key)
        return self._checkpoints[key]

    def save_checkpoint(self, op_id: str, body: dict[str, Any]) -> None:
        """Write the operation's checkpoint, with its winning attempt if it has one."""
        winner = self._succeeded.pop(op_id, None)
        if winner is not None:
            body = body | {"attempt": self._mine[winner]}
        key = self.phase_keys.op(op_id)
        self.store.put_json(key, body)
        self._checkpoints[key] = body

    def attempts(self) -> list[dict[str, Any]]:
        """Every attempt of every delivery of the phase, in the order they started."""
        attempt_files = [key for key in self.store.list(self.phase_keys.attempts) if key not in self._mine]
        # Checkpoints made since the listing are this delivery's own (the job's lease keeps others out).
        listed = self._listed if self._listed is not None else set(self.store.list(self.phase_keys.ops))
        unseen = sorted(key for key in listed if key not in self._checkpoints)
        in_checkpoints = [c["attempt"] for c in [*self._checkpoints.values(), *self.store.get_many_json(unseen)]
                          if "attempt" in c]  # fmt: skip
        # One record per attempt, later sources winning: a success's file holds only the placeholder
        # written when its call settled, its checkpoint (or this delivery's memory) the final record.
        sources = [*self.store.get_many_json(attempt_files), *in_checkpoints, *self._mine.values()]
        by_id = {record["attempt_id"]: record for record in sources}
        return sorted(by_id.values(), key=lambda r: (r["started_at"], r["attempt_id"]))


def stored_attempts(store: Store, phase_keys: keys.PhaseKeys) -> list[dict[str, Any]]:
    """Every attempt on record for a phase, as a new delivery would find them (for readers such as
    `farm run show`: right while the phase runs, and after a resume, when calls.jsonl lags)."""
    return OperationLog(store, "", "", "", "", phase_keys, delivery="reader").attempts()
