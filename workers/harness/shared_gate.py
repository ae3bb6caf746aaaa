"""The CallGate every worker shares through Redis: budgets, concurrency, request rate, Retry-After.

A call is admitted only when its worst case fits every budget that applies and its endpoint has
a free slot, room in its request window and no Retry-After pending; otherwise it waits, or, when
its worst case no longer fits a budget even with nothing in flight, it is refused and the job ends
budget_stopped. Leases and holds expire unless renewed, so a worker that dies mid-call gives its
slot back within a lease TTL (and its hold is charged at the worst case: the call may have been
billed). A hold is keyed by the call's attempt id: a call whose record reached the store but whose
worker died before settling it is settled at its recorded cost when its job ends (`reconcile`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from farm import budget, metrics
from farm.admission import Admitted, AdmissionScripts, Refused, Ticket, Wait
from farm.outcomes import BudgetStopped
from farm.ratelimit import EndpointLimit
from farm.spec import RoundSpec
from workers.harness.usage import Usage
from workers.renewer import Renewer


LEASE_TTL_S = float(os.environ.get("FARM_GATE_LEASE_TTL_S", "30"))
_MAX_POLL_S = 0.5


class SharedAdmission:
    """One admitted call: what it used (settle) and whether the endpoint pushed back (throttled)."""

    def __init__(self, ticket: Ticket, scripts: AdmissionScripts) -> None:
        self.ticket = ticket
        self._scripts = scripts
        self.usage: Usage | None = None
        self.was_throttled = False

    def settle(self, usage: Usage) -> None:
        self.usage = usage

    def throttled(self, retry_after_s: float | None) -> None:
        """A 429: shrink the endpoint's shared concurrency and hold new calls until Retry-After."""
        self.was_throttled = True
        self._scripts.throttle(self.ticket, retry_after_s)


class SharedGate:
    """Admission for the calls of one round's jobs, shared with every worker through Redis."""

    def __init__(self, client: redis.Redis, round_id: str, spec: RoundSpec, lease_ttl_s: float = LEASE_TTL_S) -> None:
        budget.BudgetBook(client).ensure(round_id, spec)
        self.round_id = round_id
        self._limits = {model.id: EndpointLimit.of(model) for model in spec.models}
        self._scripts = AdmissionScripts(client)
        self._ttl_ms = round(lease_ttl_s * 1000)
        self._renewer: Renewer[Ticket] = Renewer(
            lambda live: self._scripts.renew(live, self._ttl_ms), lease_ttl_s / 3, "gate-renew"
        )

    @contextmanager
    def admit(self, model_id: str, worst_case_usd: float, call_id: str) -> Iterator[SharedAdmission]:
        ticket = self._wait_for_admission(model_id, budget.to_nanos(worst_case_usd), call_id)
        admission = SharedAdmission(ticket, self._scripts)
        self._renewer.add(ticket.id, ticket)
        answered = False
        try:
            yield admission
            answered = not admission.was_throttled
        finally:
            self._renewer.drop(ticket.id)
            usage = admission.usage
            actual = budget.to_nanos(usage.cost_usd) if usage is not None else None
            counters = {"attempts": 1, **(usage.counters() if usage is not None else {})}
            self._scripts.settle(ticket, actual, answered, model_id, counters)

    def reconcile(self, model_id: str, records: list[dict[str, Any]]) -> int:
        """Settle at their recorded cost the calls on record (a phase's attempt records) whose worker
        died before it settled them, live holds or expired ones alike; a call settled already is
        left alone. Returns how many it settled: the ledger's spend then equals the records'."""
        calls = [(r["attempt_id"], budget.to_nanos(r["usage"]["cost_usd"]),
                  {"attempts": 1, **Usage.model_validate(r["usage"]).counters()}) for r in records]
        return self._scripts.reconcile(self.round_id, model_id, calls)

    def _wait_for_admission(self, model_id: str, worst_nanos: int, call_id: str) -> Ticket:
        limit = self._limits[model_id]
        while True:
            result = self._scripts.admit(
                call_id, self.round_id, limit, worst_nanos, budget.scopes_of(model_id), self._ttl_ms
            )
            if isinstance(result, Admitted):
                return Ticket(call_id, self.round_id, limit, result.at_ms)
            if isinstance(result, Refused):
                raise self._refusal(model_id, worst_nanos, result)
            assert isinstance(result, Wait)
            if result.reason == "concurrency":  # woken by the call that frees a slot; asks again at worst every 0.5 s
                self._scripts.wait_for_slot(limit, _MAX_POLL_S)
            else:
                time.sleep(min(result.seconds, _MAX_POLL_S) * random.uniform(0.8, 1.2))

    def _refusal(self, model_id: str, worst_nanos: int, refused: Refused) -> BudgetStopped:
        kind, owner = budget.scope_kind(refused.scope), budget.scope_model(refused.scope)
        metrics.count_budget_refusal(self.round_id, kind, owner)
        option = "--budget-add USD" if kind == "round" else f"--model-budget {model_id}=USD"
        return BudgetStopped(
            f"{kind} budget ${refused.limit_usd:.4f}{' of ' + owner if owner else ''} cannot take a call of "
            f"{model_id} (worst case ${budget.to_usd(worst_nanos):.4f}; ${refused.spent_usd:.4f} spent); "
            f"raise it with `farm round resume {self.round_id} {option}`"
        )
