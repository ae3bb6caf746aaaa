"""Deleting a round: its artifacts in the store and its keys in the ledger (`farm round delete`).

A deleted round leaves no trace the farm reads: estimates draw on the rounds in the store, status
and `round list` on the ledger, and /metrics serves none of its series from the next scrape on
(`farm.metrics_state.forget_round`: workers' own counters keep its counts until they restart, but
leave them out). A Prometheus server keeps the history it scraped.
"""

from __future__ import annotations

from dataclasses import dataclass

from farm import keys
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.store import Store


@dataclass(frozen=True)
class Deleted:
    objects: int
    ledger_keys: int


def active_jobs(ledger: Ledger, round_id: str) -> dict[str, int]:
    """The round's jobs a worker may be running or about to run, by state (none when not in the ledger)."""
    if not ledger.round_exists(round_id):
        return {}
    states = [record.state for record in ledger.jobs(round_id).values()]
    return {state.value: states.count(state) for state in (JobState.RUNNING, JobState.QUEUED) if state in states}


def delete_round(store: Store, ledger: Ledger, round_id: str) -> Deleted:
    """The store first: should it fail midway, the round is still listed and the delete can be run again."""
    from farm.metrics_state import forget_round  # prometheus_client: only for this command

    objects = store.delete_prefix(keys.round_prefix(round_id))
    deleted = Deleted(objects, ledger.delete_round(round_id))
    forget_round(ledger, round_id)
    return deleted
