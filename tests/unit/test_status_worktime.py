"""Time worked on a job: its deliveries' active intervals, never the time between them."""

from __future__ import annotations

import json

from farm.ledger import JobRecord
from farm.outcomes import JobState


def _record(state: JobState, **fields: object) -> JobRecord:
    return JobRecord.from_json(json.dumps({"state": state.value, **fields}))


def test_a_job_that_ran_once_worked_from_its_start_to_its_end() -> None:
    done = _record(JobState.SUCCEEDED, started_at=100.0, run_started_at=100.0, ended_at=130.0)
    assert done.intervals(now=999.0, live=False, alive_at=None) == [(100.0, 130.0)]


def test_a_running_job_climbs_only_while_a_live_worker_holds_it() -> None:
    running = _record(JobState.RUNNING, started_at=100.0, run_started_at=100.0)
    assert running.intervals(now=160.0, live=True, alive_at=150.0) == [(100.0, 160.0)]
    # Its worker died: the clock stopped at the lease's last renewal, however late we look.
    assert running.intervals(now=5000.0, live=False, alive_at=150.0) == [(100.0, 150.0)]
    assert running.intervals(now=5000.0, live=False, alive_at=None) == [(100.0, 100.0)]  # died before renewing


def test_a_redelivered_job_adds_its_deliveries_and_leaves_out_the_time_between() -> None:
    # Stopped by the budget at 130, resumed a day later: the earlier delivery is folded in at the restart.
    resumed = _record(JobState.SUCCEEDED, started_at=100.0, run_started_at=86_500.0, ended_at=86_520.0,
                      worked=[[100.0, 130.0]], deliveries=2)  # fmt: skip
    intervals = resumed.intervals(now=90_000.0, live=False, alive_at=None)
    assert intervals == [(100.0, 130.0), (86_500.0, 86_520.0)]
    assert sum(end - start for start, end in intervals) == 50.0


def test_a_requeued_job_keeps_what_its_last_delivery_did_until_the_next_starts() -> None:
    budget_stopped = _record(JobState.QUEUED, started_at=100.0, run_started_at=100.0, ended_at=130.0)
    assert budget_stopped.intervals(now=999.0, live=False, alive_at=None) == [(100.0, 130.0)]
    reaped = _record(JobState.QUEUED, started_at=100.0, run_started_at=100.0)  # its worker died, the reaper sent it
    assert reaped.intervals(now=999.0, live=False, alive_at=115.0) == [(100.0, 115.0)]


def test_records_of_older_farms_and_jobs_never_started() -> None:
    older = _record(JobState.SUCCEEDED, started_at=100.0, ended_at=110.0)  # no per-delivery start
    assert older.intervals(now=999.0, live=False, alive_at=None) == [(100.0, 110.0)]
    assert _record(JobState.PENDING).intervals(now=999.0, live=False, alive_at=None) == []
    assert _record(JobState.RUNNING, run_started_at=5.0, worked={}).worked == ()  # Redis' cjson: [] comes back as {}
