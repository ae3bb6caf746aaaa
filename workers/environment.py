"""What a worker process needs, built once per process (after the prefork fork, never before)."""

from __future__ import annotations

from functools import cached_property, lru_cache

from celery import Celery

from farm import config, keys
from farm.ledger import JobKey, Ledger
from farm.manifest import Manifest
from farm.queueing import send_phase, send_score
from farm.store import Store, open_store


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
    def store(self) -> Store:
        return open_store(self.store_url, self.s3_endpoint)

    def manifest(self, round_id: str) -> Manifest:
        return self._manifest(round_id)

    @lru_cache(maxsize=16)  # noqa: B019 - one env per process; manifests are immutable
    def _manifest(self, round_id: str) -> Manifest:
        return Manifest.model_validate(self.store.get_json(keys.manifest(round_id)))

    def send_phase(self, round_id: str, job: JobKey) -> None:
        send_phase(self.app, round_id, job.model, job.project, job.phase)

    def send_score(self, round_id: str, job: JobKey) -> None:
        send_score(self.app, round_id, job.model, job.project)
