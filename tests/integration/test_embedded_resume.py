"""`farm round resume` always gets a round going: whatever state its jobs were left in, whatever port
the simulator had, without hanging; and the exit codes and messages of submitting a round again.

- resume's rules on a real Redis: a queued job whose message is lost is sent, one whose message
  waits is left; a running job under a dead holder's lease is sent at once, one held from another
  host is watched for a lease TTL (with progress) — sent when the lease lapses, left when renewed;
- a simulator round interrupted on the embedded farm, its manifest in the form older farms wrote
  (`http://127.0.0.1:PORT/v1`, a port long gone), resumes to completion; two rounds of the same
  file differ in nothing;
- a round whose every job ends infra_failed exits 1 with the reason and the resume command; the
  same file again resumes it without spending a preflight call; a changed file is refused first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from farm import keys
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.queueing import GENERATE_QUEUE, make_celery, send_jobs
from farm.reaper import broker_copies
from farm.scheduler import resume
from farm.store import Store
from tests.integration.embedded_cli import (
    completed,
    ctrl_c,
    demo_round_file,
    farm,
    flat,
    leftovers,
    number,
    start,
    wait_for_round,
)
from tests.integration.rounds import sim_round, submit_round

pytestmark = pytest.mark.integration

TTL_S = 3.0
CLEAN, LEARNER, BROKEN = (JobKey(model, "todo", "analyze") for model in ("sim/clean", "sim/learner", "sim/broken"))


def _round_left_as(redis_url: str, store: Store, round_id: str) -> tuple[Ledger, list[str]]:
    """A submitted round of three analyze jobs whose messages were all lost, and a progress log."""
    loaded = sim_round(round_id, ["sim/clean", "sim/learner", "sim/broken"], phases=["analyze"])
    submit_round(loaded, store, redis_url, "http://127.0.0.1:9/v1")  # no worker: nothing runs
    ledger = Ledger.from_url(redis_url)
    ledger.r.delete(GENERATE_QUEUE)
    return ledger, []


def _running(ledger: Ledger, round_id: str, job: JobKey, holder: str, ttl_s: float) -> None:
    ledger.transition(round_id, job, JobState.RUNNING, {JobState.QUEUED})
    assert ledger.acquire_lease(round_id, job, holder, ttl_s)


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_resume_sends_lost_messages_and_dead_holders_jobs_at_once_and_leaves_waiting_ones(
    redis_url: str, local_store: Store
) -> None:
    ledger, said = _round_left_as(redis_url, local_store, "lost")
    app = make_celery(redis_url)
    send_jobs(app, "lost", [CLEAN])  # its message waits in the queue: on its way
    _running(ledger, "lost", BROKEN, f"{socket.gethostname()}:{_dead_pid()}:x", 60)  # its worker died
    started = time.monotonic()  # LEARNER: queued, its message lost

    assert resume("lost", local_store, ledger, app, progress=said.append, lease_ttl_s=TTL_S) == 2
    assert time.monotonic() - started < 1.5 and said == []  # nothing to wait for
    copies = broker_copies(ledger.r)
    assert {job: len(copies[("lost", job)]) for job in (CLEAN, LEARNER, BROKEN)} == {CLEAN: 1, LEARNER: 1, BROKEN: 1}
    assert {record.state for record in ledger.jobs("lost").values() if record.state is not JobState.PENDING} == {
        JobState.QUEUED
    }


def test_resume_waits_out_a_lease_held_from_another_host_with_progress_and_never_longer(
    redis_url: str, local_store: Store
) -> None:
    ledger, said = _round_left_as(redis_url, local_store, "remote")
    app = make_celery(redis_url)
    send_jobs(app, "remote", [CLEAN])
    _running(ledger, "remote", LEARNER, "elsewhere:1:lapses", TTL_S - 1)  # its holder is gone: never renewed
    _running(ledger, "remote", BROKEN, "elsewhere:2:lives", TTL_S)  # a live holder renews it
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(TTL_S / 3):
            ledger.renew_lease("remote", BROKEN, "elsewhere:2:lives", TTL_S)

    renewer = threading.Thread(target=renew, daemon=True)
    renewer.start()
    try:
        started = time.monotonic()
        assert resume("remote", local_store, ledger, app, progress=said.append, lease_ttl_s=TTL_S) == 1
        waited = time.monotonic() - started
    finally:
        stop.set()
        renewer.join(timeout=5)
    assert TTL_S - 1.5 < waited < TTL_S + 3  # the lapse, or the live holder's renewals over a TTL; no more
    assert said and said[0].startswith("waiting for 2 job(s) a worker may still hold")
    assert ledger.job("remote", LEARNER).state is JobState.QUEUED  # sent
    assert ledger.job("remote", BROKEN).state is JobState.RUNNING  # left to its holder
    assert len(broker_copies(ledger.r)[("remote", LEARNER)]) == 1


def test_a_simulator_round_frozen_with_a_port_long_gone_resumes_and_diffs_clean(tmp_path: Path) -> None:
    store = tmp_path / "store"
    phases = ["analyze", "database", "interface"]
    first = start("round", "submit", str(demo_round_file(tmp_path / "a.yaml", "sim-a", phases=phases)), store=store)
    try:
        wait_for_round(store, "sim-a", done=1)
        ctrl_c(first)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 130
    manifest_file = store / keys.manifest("sim-a")
    manifest = json.loads(manifest_file.read_text())
    assert {m["endpoint"]["base_url"] for m in manifest["spec"]["models"]} == {"sim://embedded"}
    # As farms before `sim://embedded` froze it: the simulator of the command that submitted it.
    del manifest["embedded_simulator"]
    for model in manifest["spec"]["models"]:
        model["endpoint"]["base_url"] = "http://127.0.0.1:9/v1"
    manifest_file.write_text(json.dumps(manifest))

    resumed = farm("round", "resume", "sim-a", store=store)
    assert resumed.returncode == 0, resumed.stderr
    assert "infra_failed" not in resumed.stdout
    completed(store, "sim-a")

    again = farm("round", "submit", str(demo_round_file(tmp_path / "b.yaml", "sim-b", phases=phases)), store=store)
    assert again.returncode == 0, again.stderr
    diff = farm("round", "diff", "sim-a", "sim-b", store=store)
    assert diff.returncode == 0 and "ran under the same conditions" in diff.stdout, diff.stdout
    assert leftovers(store) == []


def test_no_job_could_run_exits_1_and_the_same_file_resumes_without_a_preflight(tmp_path: Path) -> None:
    store = tmp_path / "store"
    dead = {"id": "local/nothing", "endpoint": {"kind": "openai-compatible", "base_url": "http://127.0.0.1:9/v1",
                                                 "timeout_s": 2}, "prices": {"input": 0, "output": 0}}  # fmt: skip
    round_file = demo_round_file(tmp_path / "dead.yaml", "dead", models=[dead], phases=["analyze"],
                                 retry={"transport": 0})  # fmt: skip
    resume_command = f"farm round resume dead --store {store}"

    submitted = farm("round", "submit", str(round_file), "--no-preflight", store=store)
    assert submitted.returncode == 1
    assert ("round dead: no job could run, 1 ended infra_failed (first: local/nothing × todo × analyze: "
            "phase analyze, operation plan: connection_error after 1 attempt(s)") in flat(submitted.stderr)
    assert f"fix that, then: {resume_command}" in flat(submitted.stderr)

    again = farm("round", "submit", str(round_file), store=store)  # preflight on: it would refuse this endpoint
    assert again.returncode == 1
    assert "round dead was already submitted with this file: resuming it" in flat(again.stdout)
    assert "preflight" not in again.stderr and "probing" not in again.stdout
    assert "no job could run" in flat(again.stderr)

    resumed = farm("round", "resume", "dead", store=store)
    assert resumed.returncode == 1 and number(resumed.stdout, "round dead: ", " job(s) re-queued") == 1
    assert f"fix that, then: {resume_command}" in flat(resumed.stderr)

    changed = demo_round_file(tmp_path / "changed.yaml", "dead", models=[dead], phases=["analyze", "database"])
    refused = farm("round", "submit", str(changed), store=store)
    assert refused.returncode == 1 and "preflight" not in refused.stderr
    assert "round 'dead' was already submitted with a different spec" in flat(refused.stderr)
    assert leftovers(store) == []
