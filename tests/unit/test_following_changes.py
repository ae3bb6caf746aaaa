"""What a job's end sets in motion for the rest of its run (pure: no ledger needed)."""

from __future__ import annotations

import pytest

from farm.ledger import SCORE, VERIFY, JobKey, pipeline
from farm.outcomes import JobState
from workers.jobs import following_changes

PHASES = ["analyze", "database", "interface", "test", "realize"]
RUN = pipeline(PHASES)  # the five phases, verify, score


def _job(phase: str) -> JobKey:
    return JobKey("m/x", "todo", phase)


def _plan(phase: str, state: JobState) -> list[tuple[str, JobState, str]]:
    return [(c.job.phase, c.to, c.fields.get("reason", "")) for c in following_changes(RUN, _job(phase), state)]


def test_a_success_queues_the_next_phase_only_from_pending() -> None:
    (change,) = following_changes(RUN, _job("database"), JobState.SUCCEEDED)
    assert change.job == _job("interface") and change.to is JobState.QUEUED
    assert change.allowed_from == frozenset({JobState.PENDING})


def test_realize_queues_the_verify_job_and_a_model_failure_the_score_job() -> None:
    assert _plan("realize", JobState.SUCCEEDED) == [(VERIFY, JobState.QUEUED, "")]
    assert _plan("test", JobState.MODEL_FAILED) == [
        ("realize", JobState.SKIPPED, "test ended model_failed"),
        (VERIFY, JobState.SKIPPED, "no backend: the run ended model_failed at test"), (SCORE, JobState.QUEUED, "")]


@pytest.mark.parametrize("state", [JobState.SUCCEEDED, JobState.MODEL_FAILED])
def test_a_verify_that_ended_for_the_model_queues_the_score_job(state: JobState) -> None:
    assert _plan(VERIFY, state) == [(SCORE, JobState.QUEUED, "")]


def test_a_run_without_verify_scores_after_its_last_phase() -> None:
    """A round without realize, or submitted before verify existed, registered none."""
    run = [*PHASES, SCORE]
    (change,) = following_changes(run, _job("realize"), JobState.SUCCEEDED)
    assert (change.job.phase, change.to) == (SCORE, JobState.QUEUED)
    (change,) = following_changes(["analyze", SCORE], _job("analyze"), JobState.SUCCEEDED)
    assert (change.job.phase, change.to) == (SCORE, JobState.QUEUED)


@pytest.mark.parametrize("state", [JobState.INFRA_FAILED, JobState.BUDGET_STOPPED, JobState.CANCELLED])
def test_an_incomplete_run_skips_the_rest_and_is_not_scored(state: JobState) -> None:
    plan = _plan("interface", state)
    assert [(phase, to) for phase, to, _ in plan] == [
        ("test", JobState.SKIPPED), ("realize", JobState.SKIPPED), (VERIFY, JobState.SKIPPED), (SCORE, JobState.SKIPPED)]
    assert plan[-1][2] == f"run incomplete: interface {state.value}"
    assert _plan(VERIFY, state) == [(SCORE, JobState.SKIPPED, f"run incomplete: verify {state.value}")]
