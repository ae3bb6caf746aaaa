"""The Celery app workers run: `celery -A workers.celery_app worker -Q generate,score`."""

from __future__ import annotations

import os

from farm.queueing import make_celery

app = make_celery(os.environ.get("FARM_REDIS_URL") or "redis://127.0.0.1:6379/0")
app.conf.imports = ("workers.tasks", "workers.telemetry")
