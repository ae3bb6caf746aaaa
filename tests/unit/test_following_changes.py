"""What a job's end sets in motion for the rest of its run (pure: no ledger needed)."""

from __future__ import annotations

import pytest

from farm.ledger import SCORE, JobKey
from farm.outcomes import JobState
from workers.jobs import following_changes

PHASES = ["analyze", "database", "interface", "test", "realize"]


def _job(phase: str) -> JobKey:
    return JobKey("m/x", "todo", phase)


def _plan(phase: str, state: JobState) -> list[tuple[str, JobState, str]]:
    return [(c.job.phase, c.to, c.fields.get("reason", "")) for c in following_changes(PHASES, _job(phase), state)]


def test_a_success_queues_the_next_phase_only_from_pending() -> None:
    (change,) = following_changes(PHASES, _job("database"), JobState.SUCCEEDED)
    assert change.job == _job("interface") and change.to is JobState.QUEUED
    assert change.allowed_from == frozenset({JobState.PENDING})


def test_the_last_phase_or_a_model_failure_queues_the_score_job() -> None:
    assert _plan("realize", JobState.SUCCEEDED) == [(SCORE, JobState.QUEUED, "")]
    assert _plan("test", JobState.MODEL_FAILED) == [
        ("realize", JobState.SKIPPED, "test ended model_failed"), (SCORE, JobState.QUEUED, "")]


@pytest.mark.parametrize("state", [JobState.INFRA_FAILED, JobState.BUDGET_STOPPED, JobState.CANCELLED])
def test_an_incomplete_run_skips_the_rest_and_is_not_scored(state: JobState) -> None:
    plan = _plan("interface", state)
    assert [(phase, to) for phase, to, _ in plan] == [
        ("test", JobState.SKIPPED), ("realize", JobState.SKIPPED), (SCORE, JobState.SKIPPED)]
    assert plan[-1][2] == f"run incomplete: interface {state.value}"
