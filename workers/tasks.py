"""Celery tasks: thin wrappers that hand a job to the code that runs it."""

from __future__ import annotations

from functools import cache

from farm.queueing import PHASE_TASK, SCORE_TASK
from workers.celery_app import app
from workers.environment import WorkerEnv
from workers.jobs import run_phase_job
from workers.score_job import run_score_job


@cache
def _env() -> WorkerEnv:
    return WorkerEnv.from_environment(app)


@app.task(name=PHASE_TASK)
def run_phase(round_id: str, model_id: str, project: str, phase: str) -> str | None:
    state = run_phase_job(_env(), round_id, model_id, project, phase)
    return state.value if state else None


@app.task(name=SCORE_TASK)
def score_run(round_id: str, model_id: str, project: str) -> str | None:
    state = run_score_job(_env(), round_id, model_id, project)
    return state.value if state else None
