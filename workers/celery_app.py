"""The Celery app workers run: `celery -A workers.celery_app worker -Q generate,score,runtime`."""

from __future__ import annotations

import os

from farm.queueing import make_celery
from farm.redact import install_log_redaction

# Every record the worker logs (main process and prefork children) is redacted of keys when made:
# a provider's words reach the log through exceptions and job reasons.
install_log_redaction()

app = make_celery(os.environ.get("FARM_REDIS_URL") or "redis://127.0.0.1:6379/0")
app.conf.imports = ("workers.tasks", "workers.telemetry", "workers.reaper")
