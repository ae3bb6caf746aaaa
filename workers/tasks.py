"""Celery tasks: thin wrappers that hand a job to the code that runs it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import redis
from celery import signals
from celery.exceptions import Reject
from kombu.exceptions import OperationalError

from farm.queueing import PHASE_TASK, SCORE_TASK, VERIFY_TASK
from workers.celery_app import app
from workers.environment import WorkerEnv
from workers.jobs import run_phase_job
from workers.score_job import run_score_job
from workers.verify_job import POSTGRES, run_verify_job

log = logging.getLogger("benchfarm.tasks")


@cache
def _env() -> WorkerEnv:
    return WorkerEnv.from_environment(app)


@contextmanager
def _requeued_when_redis_is_away() -> Iterator[None]:
    """A delivery that cannot reach Redis (after its clients rode out `FARM_REDIS_RIDE_OUT_S`)
    cannot record its job's end: its message goes back to the queue (acks_late), never acked and
    lost. The next delivery finds the job's result and records it, or runs what was not done. If
    even the requeue cannot reach Redis, the message stays unacknowledged and the reaper
    (farm/reaper.py) sends the job again once its lease lapsed."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, OperationalError) as exc:
        log.warning("Redis unreachable, the job's end is not recorded: requeueing its message (%s)", exc)
        raise Reject(f"Redis unreachable: {exc}", requeue=True) from exc


@app.task(name=PHASE_TASK)
def run_phase(round_id: str, model_id: str, project: str, phase: str) -> str | None:
    with _requeued_when_redis_is_away():
        state = run_phase_job(_env(), round_id, model_id, project, phase)
    return state.value if state else None


@app.task(name=VERIFY_TASK)
def verify_run(round_id: str, model_id: str, project: str) -> str | None:
    with _requeued_when_redis_is_away():
        state = run_verify_job(_env(), round_id, model_id, project)
    return state.value if state else None


@signals.worker_process_shutdown.connect
def stop_postgres(**_: Any) -> None:
    """A pool process ends with os._exit (no atexit): its PostgreSQL, if it started one, stops here."""
    POSTGRES.stop()


@app.task(name=SCORE_TASK)
def score_run(round_id: str, model_id: str, project: str) -> str | None:
    with _requeued_when_redis_is_away():
        state = run_score_job(_env(), round_id, model_id, project)
    return state.value if state else None
