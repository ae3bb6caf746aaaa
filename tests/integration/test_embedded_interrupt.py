"""Stopping the embedded default as users do — Ctrl-C from the terminal, or a crash (kill -9) — and
going on with `farm round resume`: the round completes, nothing is left running, and the store's
append-only file never has two Redis servers.

Ctrl-C goes to the whole process group, as a terminal sends it: the farm must stop its workers
before its Redis (which must not get the signal itself), or jobs are left `running` with their
ends unrecorded.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from farm.outcomes import JobState
from tests.integration.embedded_cli import (
    completed,
    ctrl_c,
    demo_round_file,
    farm,
    flat,
    leftovers,
    ledger,
    number,
    redis_servers,
    server_info,
    start,
    submitted_round,
    wait_for_round,
)
from tests.servers import wait_until

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("command", ["demo", "submit"])
def test_ctrl_c_to_the_process_group_stops_workers_before_redis_and_resume_completes(tmp_path: Path, command: str) -> None:
    store = tmp_path / "store"
    args = ["demo"] if command == "demo" else ["round", "submit", str(demo_round_file(tmp_path / "r.yaml", "ctrl-c"))]
    process = start(*args, store=store)
    try:
        round_id = submitted_round(store)
        wait_for_round(store, round_id, done=2)
        (server,) = redis_servers(store)
        assert os.getsid(server.pid) != os.getpgid(process.pid)  # its own session: the terminal's Ctrl-C misses it
        started = time.monotonic()
        _, err = ctrl_c(process)
        stop_s = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    assert f"Continue it with: farm round resume {round_id} --store {store}" in flat(err)
    assert stop_s < 30  # warm (10 s at most), then cold, never the SIGKILL fallback's wait
    wait_until(lambda: leftovers(store) == [], 15, "every process of the embedded farm to stop")

    # Workers stopped while their Redis ran: each job they held ended or went back to the queue,
    # so nothing needs sending again (Redis stopped first would leave them `running`, unrecorded).
    resumed = farm("round", "resume", round_id, store=store)
    assert resumed.returncode == 0, resumed.stderr
    assert f"round {round_id}: 0 job(s) re-queued" in flat(resumed.stdout)
    completed(store, round_id)
    assert leftovers(store) == []


@pytest.mark.parametrize("redis_killed", [False, True], ids=["redis-orphaned", "redis-killed-too"])
def test_after_a_crash_what_dead_workers_held_goes_on_at_once_on_one_redis(tmp_path: Path, redis_killed: bool) -> None:
    store = tmp_path / "store"
    process = start("demo", store=store)
    try:
        round_id = submitted_round(store)
        wait_until(lambda: any(r.state is JobState.RUNNING for r in ledger(store).jobs(round_id).values()) and
                   (store / ".embedded" / "worker.log").exists(), 60, "a job running")  # fmt: skip
        crashed = psutil.Process(process.pid).children(recursive=True)
        for proc in crashed:  # kill -9, as the OOM killer or a closed laptop lid would
            if redis_killed or "redis" not in proc.name():
                proc.kill()
        process.kill()
        process.wait(timeout=10)
        psutil.wait_procs([p for p in crashed if redis_killed or "redis" not in p.name()], timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    orphan = server_info(store)["pid"]
    if redis_killed:
        assert redis_servers(store) == []  # server.json names a dead server: a stale record, taken over
        running = None
    else:
        assert [p.pid for p in redis_servers(store)] == [orphan]
        running = sum(r.state is JobState.RUNNING for r in ledger(store).jobs(round_id).values())

    started = time.monotonic()
    resumed = farm("round", "resume", round_id, store=store)
    resume_s = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stderr
    # What the dead workers held goes back at once: their messages to the queue when the next command
    # starts, or their jobs sent again by resume; never a wait for the reaper (2 minutes).
    restored = number(resumed.stderr, "embedded farm: ", " job message(s) held by the workers of an earlier")
    requeued = number(resumed.stdout, f"round {round_id}: ", " job(s) re-queued")
    assert restored + requeued >= (1 if running is None else running), resumed.stdout + resumed.stderr
    assert resume_s < 75
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE
    completed(store, round_id)
    assert leftovers(store) == []

