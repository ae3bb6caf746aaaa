"""The baseline: a bare Celery task round trip on the same Redis, with a Redis result backend."""

from __future__ import annotations

import os

from celery import Celery

url = os.environ["FARM_REDIS_URL"]
app = Celery("bare", broker=url, backend=url)
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_default_queue="bare")


@app.task(name="bare.noop")
def noop() -> int:
    return 1
