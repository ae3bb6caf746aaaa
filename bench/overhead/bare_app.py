"""The baseline: a bare Celery task round trip, on the farm's own Celery configuration.

Same broker, same settings (late acks, prefetch 1, task events for Flower) as the farm's app, plus
a Redis result backend so the caller can wait for the answer.
"""

from __future__ import annotations

import os

from farm.queueing import make_celery

url = os.environ["FARM_REDIS_URL"]
app = make_celery(url)
app.conf.update(result_backend=url, task_ignore_result=False, task_default_queue="bare", task_routes={})


@app.task(name="bare.noop")
def noop() -> int:
    return 1
