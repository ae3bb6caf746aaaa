"""What a worker process needs, built once per process (after the prefork fork, never before)."""

from __future__ import annotations

import os
from functools import cached_property, lru_cache

from celery import Celery

from farm import config, keys
from farm.ledger import JobKey, Ledger
from farm.manifest import Manifest
from farm.queueing import send_jobs
from farm.store import Store, open_store
from workers.harness.shared_gate import SharedGate
from workers.renewer import Renewer

# A job's lease lapses this long after its worker stops renewing it (a redelivery then takes over).
JOB_LEASE_TTL_S = float(os.environ.get("FARM_LEASE_TTL_S", "45"))


class WorkerEnv:
    def __init__(self, redis_url: str, store_url: str, s3_endpoint: str | None, app: Celery) -> None:
        self.redis_url = redis_url
        self.store_url = store_url
        self.s3_endpoint = s3_endpoint
        self.app = app

    @classmethod
    def from_environment(cls, app: Celery) -> WorkerEnv:
        return cls(config.require_redis_url(), config.store_url(), config.s3_endpoint(), app)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger.from_url(self.redis_url)

    @cached_property
    def job_leases(self) -> Renewer[tuple[str, JobKey, str]]:
        """The leases (round, job, token) of the jobs this process runs, renewed by one thread."""

        def renew(leases: list[tuple[str, JobKey, str]]) -> None:
            for round_id, job, token in leases:
                self.ledger.renew_lease(round_id, job, token, JOB_LEASE_TTL_S)

        return Renewer(renew, JOB_LEASE_TTL_S / 3, "job-lease-renew")

    @cached_property
    def store(self) -> Store:
        return open_store(self.store_url, self.s3_endpoint)

    def manifest(self, round_id: str) -> Manifest:
        return self._manifest(round_id)

    @lru_cache(maxsize=16)  # noqa: B019 - one env per process; manifests are immutable
    def _manifest(self, round_id: str) -> Manifest:
        return Manifest.model_validate(self.store.get_json(keys.manifest(round_id)))

    def gate(self, round_id: str) -> SharedGate:
        """The round's admission gate, one per process: setting it up (budget limits, endpoint
        limits of every model) once, not on every job."""
        return self._gate(round_id)

    @lru_cache(maxsize=16)  # noqa: B019 - as above
    def _gate(self, round_id: str) -> SharedGate:
        return SharedGate(self.ledger.r, round_id, self.manifest(round_id).spec)

    def send_jobs(self, round_id: str, jobs: list[JobKey]) -> None:
        send_jobs(self.app, round_id, jobs)
