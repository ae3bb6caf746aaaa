"""Deleting a round: its artifacts in the store and its keys in the ledger (`farm round delete`).

A deleted round leaves no trace the farm reads: estimates draw on the rounds in the store, status
and `round list` on the ledger, and /metrics serves none of its series from the next scrape on
(`farm.metrics_state.forget_round`: workers' own counters keep its counts until they restart, but
leave them out). A Prometheus server keeps the history it scraped.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from farm import keys
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.store import LocalStore, S3Store, Store, StoreError, check_key

_S3_BATCH = 1000  # the most keys one DeleteObjects request takes


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


def delete_objects(store: Store, prefix: str) -> int:
    """Delete every object under `prefix`; returns how many there were.

    The Store interface has no delete (nothing else in the farm deletes), hence one case per backend."""
    found = store.list(check_key(prefix))
    if isinstance(store, LocalStore):
        shutil.rmtree(store.root / prefix, ignore_errors=True)  # its temporary files and folders too
    elif isinstance(store, S3Store):
        for start in range(0, len(found), _S3_BATCH):
            batch = [{"Key": store._key(key)} for key in found[start : start + _S3_BATCH]]  # noqa: SLF001
            failed = store._call("delete_objects", Delete={"Objects": batch, "Quiet": True}).get("Errors")  # noqa: SLF001
            if failed:
                raise StoreError(f"{store.url}: {len(failed)} object(s) not deleted, e.g. {failed[0].get('Key')}: "
                                 f"{failed[0].get('Code')}")
    else:
        raise TypeError(f"cannot delete from a {type(store).__name__}")
    return len(found)


def delete_round(store: Store, ledger: Ledger, round_id: str) -> Deleted:
    """The store first: should it fail midway, the round is still listed and the delete can be run again."""
    from farm.metrics_state import forget_round  # prometheus_client: only for this command

    objects = delete_objects(store, keys.round_prefix(round_id))
    deleted = Deleted(objects, ledger.delete_round(round_id))
    forget_round(ledger, round_id)
    return deleted
