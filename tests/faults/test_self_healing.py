"""Self-healing with no human in the loop: no `farm round resume` is ever called here.

- The reaper's rules on a real Redis: which jobs it sends again (running without a lease, queued
  with no message), after how long, and which it leaves alone (a live lease, a message on its way,
  what ended infra_failed, later jobs a human cancelled); one reaper per period across processes.
- A worker's *main* process SIGKILLed mid-job (its pool child goes with it; the message sits in
  kombu's unacked hash for the 4-hour visibility timeout): status shows the job `running (no
  worker)`, the metric counts it, and the reaper of a fresh worker sends it again within its bound.
- A live holder takes back a lease that lapsed while Redis was away (so it is never reaped).
- The ledger client and job sending ride out a Redis restart (redis-py's default gave up in ~20 ms).
- redis-server SIGKILLed mid-round and restarted from its AOF on the same port after 5 s and after
  30 s: workers and their jobs ride it out, the round completes, nothing lost, nothing infra_failed.
- Redis away for longer than the clients ride out: the deliveries caught in it stop without an end
  (not infra_failed); their messages are requeued, not acknowledged (the reaper has nothing to
  send), and the round completes.

Workers run with a 6 s lease TTL, so the reaper's period is 2 s, its grace 6 s and its bound 16 s.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import redis
from rich.console import Console

from farm import keys
from farm.ledger import SCORE, JobKey, Ledger
from farm.metrics_state import FarmStateCollector
from farm.outcomes import JobState
from farm.queueing import make_celery, send_jobs
from farm.reaper import LOCK_KEY, UNACKED, UNACKED_INDEX, Reaper, broker_copies
from farm.redis_server import RedisServer
from farm.sim import SimAdmin, SimServer
from farm.status import NO_WORKER, render, snapshot
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

TTL_S = 6.0
WORKER_ENV = {"FARM_LEASE_TTL_S": str(TTL_S)}
BOUND_S = Reaper(None, None, TTL_S).bound_s  # type: ignore[arg-type] - 16 s: the workers' reaper's


def _stalled_gauge(ledger: Ledger, round_id: str) -> float:
    for family in FarmStateCollector(ledger).collect():
        if family.name == "farm_jobs_running_without_lease":
            return sum(s.value for s in family.samples if s.labels["round"] == round_id)
    raise AssertionError("farm_jobs_running_without_lease is not served")


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# ---- the reaper's rules, on a real Redis -------------------------------------------------------


def _take(r: redis.Redis, queue: str, delivered_at: float) -> str:
    """What a worker's consumer does with the oldest message of a queue: pop it into kombu's unacked
    hash (under a delivery tag, with its delivery time); its worker then dies with it there."""
    tag = f"tag-{delivered_at}"
    r.hset(UNACKED, tag, json.dumps([json.loads(r.rpop(queue)), "", queue]))
    r.zadd(UNACKED_INDEX, {tag: delivered_at})
    return tag


def test_the_reaper_sends_what_lost_its_worker_or_message_and_nothing_else(redis_url: str, ledger: Ledger) -> None:
    app, r = make_celery(redis_url), ledger.r
    names = ("leased", "waiting", "taken", "lost", "dead", "failed", "fresh", "scoring")
    jobs = {name: [JobKey(f"m/{name}", "todo", phase) for phase in ("analyze", "database", SCORE)] for name in names}
    ledger.register_round("r", [job for run in jobs.values() for job in run], {})
    first = {name: run[0] for name, run in jobs.items()}
    for name in ("leased", "dead"):
        ledger.start("r", first[name])
    ledger.acquire_lease("r", first["leased"], "live-holder", 60)  # a live delivery runs it
    send_jobs(app, "r", [first["dead"]])
    stale = _take(r, "generate", time.time() - 100)  # its worker died with the message: 4 hours to wait
    for name in ("waiting", "taken", "lost"):
        ledger.transition("r", first[name], JobState.QUEUED)
    send_jobs(app, "r", [first["taken"]])
    _take(r, "generate", time.time())  # a live worker just took it and is about to take its lease
    send_jobs(app, "r", [first["waiting"]])  # waits in the queue; "lost" has no message at all
    ledger.transition("r", first["failed"], JobState.INFRA_FAILED)  # a human's to resume
    for later in jobs["failed"][1:]:
        ledger.transition("r", later, JobState.SKIPPED)
    ledger.transition("r", jobs["dead"][1], JobState.CANCELLED)  # cancelled by a human meanwhile
    for done in jobs["scoring"][:2]:
        ledger.transition("r", done, JobState.SUCCEEDED)
    ledger.transition("r", jobs["scoring"][2], JobState.QUEUED)
    send_jobs(app, "r", [jobs["scoring"][2]])  # a score job, waiting in the score queue
    # "fresh" is pending and ready (as between registering a round and queueing its first jobs).

    reaper = Reaper(ledger, app, lease_ttl_s=TTL_S, period_s=0.2, grace_s=1.0)
    assert reaper.reap() == []  # suspects are only noted on the first sight
    assert Reaper(ledger, app, lease_ttl_s=TTL_S, period_s=5, grace_s=0).reap() == []  # the lock: one per period
    time.sleep(1.1)
    r.delete(LOCK_KEY)
    ledger.transition("r", first["fresh"], JobState.QUEUED)  # it moved: its grace starts again
    send_jobs(app, "r", [first["fresh"]])
    assert sorted(reaper.reap()) == sorted([("r", first["lost"]), ("r", first["dead"])])

    records = ledger.jobs("r")
    assert [records[first[n]].state for n in ("lost", "dead", "fresh")] == [JobState.QUEUED] * 3
    assert records[jobs["dead"][1]].state is JobState.CANCELLED  # not undone by the reaper
    assert records[first["leased"]].state is JobState.RUNNING and records[first["failed"]].state is JobState.INFRA_FAILED
    copies = broker_copies(r)
    assert {job for (_, job), found in copies.items() for _ in found} == {
        *(first[n] for n in ("waiting", "taken", "lost", "dead", "fresh")), jobs["scoring"][2]}
    assert all(len(found) == 1 for found in copies.values())  # one message each: nothing sent twice
    assert not r.hexists(UNACKED, stale) and r.hlen(UNACKED) == 1  # the dead worker's copy is dropped

    # Sent again, they are on their way: later passes leave them alone.
    time.sleep(1.1)
    r.delete(LOCK_KEY)
    assert reaper.reap() == []


def test_a_live_holder_takes_back_a_lease_that_lapsed_unless_it_moved_on(ledger: Ledger) -> None:
    """Redis away for longer than the TTL (or a restart that lost the key): the holder's next renewal
    takes the lease back, so the reaper never mistakes a live delivery for a dead one."""
    job, other = JobKey("m", "todo", "analyze"), JobKey("m", "todo", "database")
    ledger.register_round("r", [job, other], {})
    ledger.start("r", job)
    assert ledger.acquire_lease("r", job, "holder", 0.1)
    time.sleep(0.2)
    assert not ledger.lease_held("r", job) and ledger.running_without_lease("r") == {job}
    assert ledger.renew_lease("r", job, "holder", 5) and ledger.lease_holder("r", job) == "holder"
    assert ledger.running_without_lease("r") == set()

    ledger.release_lease("r", job, "holder")
    assert ledger.acquire_lease("r", job, "next-delivery", 5)  # taken by another: lost for good
    assert not ledger.renew_lease("r", job, "holder", 5) and ledger.lease_holder("r", job) == "next-delivery"
    ledger.release_lease("r", job, "next-delivery")
    ledger.transition("r", job, JobState.SUCCEEDED)  # ended: a late renewal does not bring it back
    assert not ledger.renew_lease("r", job, "holder", 5) and not ledger.lease_held("r", job)
    assert not ledger.renew_lease("r", other, "holder", 5) and not ledger.lease_held("r", other)  # never ran


# ---- a worker's main process killed ------------------------------------------------------------


def test_a_job_whose_worker_main_process_was_killed_is_sent_again_by_the_reaper(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    sim_admin.inject("slow", model="sim/clean", count=200, delay=0.4)
    doomed = start_worker(redis_url, local_store.url, concurrency=1, extra_env=WORKER_ENV)
    submit_round(sim_round("reap", ["sim/clean"], operation_concurrency=1, phases=["analyze"]), local_store, redis_url, sim.base_url)
    job = JobKey("sim/clean", "todo", "analyze")
    phase = keys.RunKeys("reap", "sim/clean", "todo").phase("analyze")
    wait_until(lambda: len(local_store.list(phase.ops)) >= 2, 30, "two operations checkpointed")

    (child,) = doomed.children()
    os.kill(doomed.process.pid, signal.SIGKILL)
    killed_at = time.time()
    wait_until(lambda: _gone(child), 15, "the pool child to go with its main process")
    done_before_kill = {key.rsplit("/", 1)[1].removesuffix(".json") for key in local_store.list(phase.ops)}
    assert ledger.r.hlen(UNACKED) == 1  # its message waits for the visibility timeout: 4 hours

    # Once the lease lapses, status says so (no climbing clock) and the metric counts it.
    wait_until(lambda: snapshot(ledger, "reap")["stalled"] == 1, TTL_S + 5, "status to show the job without a worker")
    snap = snapshot(ledger, "reap")
    cell = next(run["jobs"]["analyze"] for run in snap["runs"])
    assert cell["state"] == "running" and cell["stalled"] is True
    assert _stalled_gauge(ledger, "reap") == 1
    console = Console(width=200, record=True)
    console.print(render(snap))
    assert NO_WORKER in console.export_text()

    start_worker(redis_url, local_store.url, concurrency=1, extra_env=WORKER_ENV)  # a fresh one; no resume
    wait_until(lambda: ledger.job("reap", job).deliveries == 2, BOUND_S + 10, "the reaper to send the job again")
    requeued_after = ledger.job("reap", job).queued_at - killed_at
    assert requeued_after <= BOUND_S + 1, f"sent again {requeued_after:.1f}s after the kill (bound {BOUND_S:.0f}s)"
    wait_complete(ledger, "reap", timeout=60)

    record = ledger.job("reap", job)
    assert record.state is JobState.SUCCEEDED and record.deliveries == 2
    assert snapshot(ledger, "reap")["stalled"] == 0 and _stalled_gauge(ledger, "reap") == 0
    assert ledger.r.hlen(UNACKED) == 0  # the dead worker's copy was dropped: no 4-hour-late redelivery
    requests = SimAdmin(sim.base_url).stats()["by_operation"]
    assert all(requests[f"analyze/{op}"] == 1 for op in done_before_kill)  # checkpoints held


# ---- Redis killed and restarted ----------------------------------------------------------------


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """A redis-server with its AOF (everysec) in tmp_path; call it again to restart it on the same port."""
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        port = servers[0].port if servers else None
        servers.append(RedisServer(tmp_path / "redis", port=port).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _kill(server: RedisServer) -> None:
    process = server._process  # noqa: SLF001 - the test's own server
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_the_ledger_and_sending_ride_out_a_restart_a_default_client_does_not(aof_redis: Callable[[], RedisServer]) -> None:
    server = aof_redis()
    ledger, app = Ledger.from_url(server.url), make_celery(server.url)
    job = JobKey("m", "todo", "analyze")
    ledger.register_round("r", [job], {})
    _kill(server)
    with pytest.raises(redis.ConnectionError):  # what the farm had: redis-py's ~20 ms of retries
        redis.Redis.from_url(server.url).ping()
    restart = threading.Timer(4, aof_redis)
    restart.start()
    try:
        started = time.monotonic()
        assert ledger.transition("r", job, JobState.QUEUED, {JobState.PENDING}) is JobState.PENDING
        send_jobs(app, "r", [job])
        assert 4 <= time.monotonic() - started < 15
    finally:
        restart.join()
    assert ledger.job("r", job).state is JobState.QUEUED and len(broker_copies(ledger.r)[("r", job)]) == 1


def _two_runs_under_way(
    aof_redis: Callable[[], RedisServer], local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess], round_id: str, env: dict[str, str],
) -> tuple[RedisServer, Ledger, list[WorkerProcess]]:  # fmt: skip
    server = aof_redis()
    sim_admin.inject("slow", count=1000, delay=0.3)
    workers = [start_worker(server.url, local_store.url, concurrency=1, extra_env=env) for _ in range(2)]
    loaded = sim_round(round_id, ["sim/clean", "sim/learner"], operation_concurrency=2, phases=["analyze", "database"])
    submit_round(loaded, local_store, server.url, sim.base_url)
    ledger = Ledger.from_url(server.url)
    clean = keys.RunKeys(round_id, "sim/clean", "todo").phase("analyze")
    wait_until(lambda: len(local_store.list(clean.ops)) >= 2, 30, "operations checkpointed")
    running = lambda: sum(r.state is JobState.RUNNING for r in ledger.jobs(round_id).values())  # noqa: E731
    wait_until(lambda: running() == 2, 30, "both runs running")
    return server, ledger, workers


def _all_succeeded(ledger: Ledger, round_id: str) -> None:
    states = {str(job): record.state.value for job, record in ledger.jobs(round_id).items()}
    assert set(states.values()) == {"succeeded"}, states


@pytest.mark.parametrize("outage_s", [5, 30])
def test_the_round_rides_out_a_redis_restart(
    outage_s: int, aof_redis: Callable[[], RedisServer], local_store, sim: SimServer,  # noqa: ANN001
    sim_admin: SimAdmin, start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    round_id = f"restart-{outage_s}"
    server, ledger, workers = _two_runs_under_way(aof_redis, local_store, sim, sim_admin, start_worker, round_id, WORKER_ENV)
    _kill(server)
    time.sleep(outage_s)
    aof_redis()
    restarted_at = time.monotonic()

    wait_complete(ledger, round_id, timeout=60)
    _all_succeeded(ledger, round_id)  # no job lost, none infra_failed or model_failed
    assert all(worker.process.poll() is None for worker in workers), "a worker's main process died"
    assert time.monotonic() - restarted_at < 60


def test_redis_away_longer_than_the_clients_ride_out_requeues_the_jobs_it_caught(
    aof_redis: Callable[[], RedisServer], local_store, sim: SimServer,  # noqa: ANN001
    sim_admin: SimAdmin, start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    round_id = "away"
    # No reaper: the round can only complete through the requeued messages, however loaded the
    # machine (with one, a slow requeue may be overtaken by the reaper's re-send, also correct).
    env = {**WORKER_ENV, "FARM_REDIS_RIDE_OUT_S": "2", "FARM_REAPER": "0"}
    server, ledger, workers = _two_runs_under_way(aof_redis, local_store, sim, sim_admin, start_worker, round_id, env)
    _kill(server)
    time.sleep(12)  # the jobs' clients give up after ~2 s: their ends cannot be recorded
    aof_redis()

    wait_complete(ledger, round_id, timeout=60)
    _all_succeeded(ledger, round_id)
    logs = "".join(worker.log.read_text(errors="replace") for worker in workers)
    assert logs.count("requeueing its message") >= 2
    # Requeued, not acknowledged and lost: the messages came back by themselves (acknowledged, they
    # are lost, and only a reaper could get the round moving).
    deliveries = [record.deliveries for job, record in ledger.jobs(round_id).items() if job.phase == "analyze"]
    assert all(d >= 2 for d in deliveries), deliveries  # each caught job was delivered again
    assert all(worker.process.poll() is None for worker in workers)
    assert snapshot(ledger, round_id)["stalled"] == 0
