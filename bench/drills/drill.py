"""The fault drill of issue 12: a round on a deployed farm (127.0.0.1 only), first fault-free, then the
same round again under faults — worker SIGKILLs (main and pool), redis-server SIGKILLed and restarted
from its AOF mid-round, S3 faults of every kind — with no human in the loop (`farm round resume` is
never called, the ledger is never touched by hand). Then the invariants are checked against the
fault-free run. Run by hand through `bench/drills/run.py`.

The farm: redis-server with its AOF (`farm.redis_server.RedisServer`, restarted on the same port from
the same data directory), moto's S3 server behind `tests/faults/s3proxy.py`, the simulator (its
scripted models' latency set to `latency_ms`, every request counted per model and operation) and
`workers` real `farm worker` processes. A killed main process is replaced by a fresh `farm worker`, as
Kubernetes restarts a container; a killed pool process is replaced by its Celery main process.

What is checked, and what the words mean (an *operation* is one (model, phase, op id)):

- **lost**: a job not terminal when the round completes or the drill's time is up.
- **infra blamed on the model**: a job whose end differs from the fault-free run's (a model_failed,
  infra_failed or budget_stopped the fault-free run did not have), or a score that differs.
- **paid twice**: an operation with two `success` records in `calls.jsonl`, or any call made for it
  after its success; or an operation that was never interrupted yet cost the provider more requests
  than in the fault-free run.
- **interrupted** operation: one whose call was killed in flight (the simulator got a request that
  `calls.jsonl` does not hold: its worker died before the call settled, its hold expired and was
  charged at its worst case), or whose paid answer was never checked (a `settled` record), or that
  was started by two deliveries (attempt 0 twice). Its work since its last checkpoint is lost and
  done again: a call killed mid-flight is paid and retried. **re-paid calls** = Σ over interrupted
  operations of (simulator requests − fault-free requests). That is the price of a kill, not an
  operation paid twice: no checkpointed operation is ever called again.
- **ledger == Σ calls.jsonl**, per model: the ledger's usage counter `cost_usd` (what settled calls
  added) equals the sum of `calls.jsonl` costs (1e-9), and the budget's spend minus its expired holds
  equals the sum of the calls' costs in nano-dollars, exactly. Expired holds are the calls of unknown
  outcome, charged at their worst case: killed in flight, or killed between admission and the
  request reaching the provider. Every paid request the simulator answered and no record holds is
  listed with its fate (`unrecorded`): killed in flight, or answered before its process died — the
  latter, when the ledger counted it, is a settled call missing from `calls.jsonl`.
- **no crash**: no worker main process dies without the drill killing it (one that does is
  replaced, as Kubernetes restarts a container, and reported).
- **spend ≤ budget**: the round's spent, expired holds included, never above its limit.
- **time**: wall time of the faulted round ≤ fault-free time + the recovery bound (`recovery_bound`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import psutil
import yaml

from farm import budget, keys
from farm.budget import BudgetBook
from farm.ledger import SCORE, JobKey, Ledger
from farm.outcomes import JobState
from farm.queueing import make_celery
from farm.reaper import Reaper
from farm.redis_server import RedisServer, free_port
from farm.roundfile import LoadedRound, parse_round
from farm.scheduler import submit
from farm.sim import SimAdmin, SimServer
from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR, load_fixtures
from farm.store import Store, open_store
from tests.faults.s3proxy import FaultRates, FaultyS3Proxy
from tests.servers import moto_s3_server, wait_until
from workers.phases.base import PHASES

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "farm" / "demo_round.yaml"
log = logging.getLogger("benchfarm.drill")

MAIN, POOL = "main", "pool"
RESENT_LINE = "with no live worker; sent again"  # farm/reaper.py's warning
REQUEUED_LINE = "requeueing its message"  # workers/tasks.py's warning


@dataclass
class DrillConfig:
    models: list[str] = field(default_factory=lambda: ["sim/clean", "sim/learner", "sim/stubborn", "sim/broken"])
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    projects: list[str] = field(default_factory=lambda: ["todo"])
    kills: int = 40
    kill_every_s: float = 3.0  # mean interval between kills (uniform in [0.5, 1.5] × this)
    redis_restart: bool = True
    redis_down_s: float = 5.0
    redis_at: float = 0.4  # the Redis kill, as a fraction of the fault-free time into the faulted round
    kill_after_redis_s: float = 1.0  # the first worker kill after Redis is back comes this long after
    wait_for_busy_s: float = 2.0  # a kill due while no process runs a job waits up to this long for one
    s3_fault_rate: float = 0.10  # of each kind: S3 errors (500/503 SlowDown), dropped connections, cut bodies
    latency_ms: int = 200  # every scripted model's per-call latency
    seed: int = 20261207
    workers: int = 3
    concurrency: int = 2  # pool processes per worker
    operation_concurrency: int = 4
    budget_usd: float = 5.0
    lease_ttl_s: float = 6.0  # FARM_LEASE_TTL_S of the workers: the reaper's period, grace and bound follow
    gate_lease_ttl_s: float = 15.0  # FARM_GATE_LEASE_TTL_S: a killed call's hold is charged after this
    round_timeout_s: float = 480.0  # each round; past it, what is not terminal is counted lost
    workdir: Path | None = None  # logs, the AOF, the scripts; a temporary directory when None
    s3_endpoint: str | None = None  # an S3-compatible server already running (else moto is started)


# ---- the farm --------------------------------------------------------------------------------


class CountingApp:
    """ASGI middleware in front of the simulator: every chat completion request, as the provider saw
    it — model, operation, the client's pid (from its TCP port), when it came and when its answer was
    sent, and what it billed (`usage.cost`) — killed clients included."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []
        self._pids: dict[int, int] = {}
        self._lock = threading.Lock()

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            requests, self.requests = self.requests, []
        return requests

    def _pid(self, port: int) -> int | None:
        """The process whose socket has this local port (a worker keeps its connections alive)."""
        pid = self._pids.get(port)
        if pid is not None and psutil.pid_exists(pid):
            return pid
        for conn in psutil.net_connections("tcp4"):
            if conn.laddr and conn.laddr.port == port and conn.pid is not None:
                self._pids[port] = conn.pid
                return conn.pid
        return None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            await self.app(scope, receive, send)
            return
        entry: dict[str, Any] = {"t0": time.time(), "t1": None, "status": None, "cost": None}
        messages, more = [], True
        while more:
            message = await receive()
            messages.append(message)
            more = message["type"] == "http.request" and message.get("more_body", False)
        try:
            entry["model"] = str(json.loads(b"".join(m.get("body", b"") for m in messages)).get("model", "-"))
        except (ValueError, AttributeError):
            entry["model"] = "-"
        headers = dict(scope["headers"])
        entry["op"] = headers.get(b"x-farm-operation", b"").decode()
        entry["answers"] = headers.get(b"x-farm-answers", b"").decode()
        client = scope.get("client") or ("", 0)
        entry["pid"] = await asyncio.to_thread(self._pid, client[1]) if client[1] else None
        with self._lock:
            self.requests.append(entry)
        replay = iter(messages)

        async def replayed() -> Any:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, _Send(send, entry).send)


class _Send:
    """The ASGI send, noting the status, the billed cost and when the answer went out. A bound
    method with the server's `transport` beside it, as the simulator's dropped-connection fault
    looks for it (`farm.sim.app._abort_transport`)."""

    def __init__(self, send: Any, entry: dict[str, Any]) -> None:
        self._send, self._entry, self._body = send, entry, b""
        self.transport = getattr(getattr(send, "__self__", None), "transport", None)

    async def send(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self._entry["status"] = message["status"]
        elif message["type"] == "http.response.body":
            self._body += message.get("body", b"")
            if not message.get("more_body", False):
                self._entry["t1"] = time.time()
                try:
                    self._entry["cost"] = float(json.loads(self._body)["usage"]["cost"])
                except (ValueError, KeyError, TypeError):
                    pass
        await self._send(message)


class FarmWorker:
    """One `farm worker` process (Celery prefork, its own process group); started without waiting."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int, name: str) -> None:
        self.name = name
        self.log = log_path
        self._ready_at: float | None = None
        metrics_dir = log_path.parent / f"metrics-{name}"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "farm", "worker", "--concurrency", str(concurrency), "--loglevel", "INFO"]
        with log_path.open("ab") as handle:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        return self.alive() and "ready." in self.log.read_text(errors="replace")

    def started(self, for_s: float = 2.0) -> bool:
        """Ready for `for_s` at least: Celery checks its pool started just after it says ready."""
        if self._ready_at is None and self.ready():
            self._ready_at = time.monotonic()
        return self._ready_at is not None and time.monotonic() - self._ready_at >= for_s

    def children(self) -> list[psutil.Process]:
        """Its live pool processes (a killed one stays a zombie until its main reaps it)."""
        try:
            children = psutil.Process(self.pid).children()
        except psutil.NoSuchProcess:
            return []
        live = []
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE:
                    live.append(child)
            except psutil.NoSuchProcess:
                pass
        return live

    def kill_main(self, wait_children_s: float = 5.0) -> int:
        """SIGKILL the main process; its pool children go with it (else they are killed, as the
        container would be). Returns how many children had to be killed."""
        children = self.children()
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        gone, alive = psutil.wait_procs(children, timeout=wait_children_s)
        for child in alive:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self._killpg()
        return len(alive)

    def _killpg(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self._killpg()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def _busy_pids(ledger: Ledger, round_id: str) -> set[int]:
    """The pids holding a job lease of the round now (a lease token is host:pid:nonce)."""
    pids = set()
    for key in ledger.r.scan_iter(match=f"farm:round:{round_id}:lease:*", count=500):
        token = ledger.r.get(key) or ""
        pid = token.split(":")[1] if token.count(":") >= 2 else ""
        if pid.isdigit():
            pids.add(int(pid))
    return pids


class Farm:
    """Every server and process of the drill; all of them stopped when its `with` block ends."""

    def __init__(self, cfg: DrillConfig, workdir: Path) -> None:
        self.cfg = cfg
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(cfg.seed)
        self.redis_servers: list[RedisServer] = []
        self.workers: list[FarmWorker] = []
        self.retired: list[FarmWorker] = []
        self.events: list[dict[str, Any]] = []  # processes killed or stopped: when, which pids
        self._stack = ExitStack()
        self.bucket = f"drill-{cfg.seed}-{free_port()}"
        self.store_url = f"s3://{self.bucket}/artifacts"

    # -- lifecycle
    def __enter__(self) -> Farm:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
            os.environ.setdefault(name, value)
        self._stack.callback(self._stop_redis)
        self.redis_servers.append(RedisServer(self.workdir / "redis").start())
        self.s3_url = self.cfg.s3_endpoint or self._stack.enter_context(moto_s3_server())
        boto3.client("s3", endpoint_url=self.s3_url).create_bucket(Bucket=self.bucket)
        self.proxy = self._stack.enter_context(FaultyS3Proxy(self.s3_url, FaultRates(), seed=self.cfg.seed))
        # A client killed mid-request is the drill's doing: no traceback on stderr for each one.
        self.proxy._server.handle_error = lambda request, address: None  # noqa: SLF001
        self.scripts = self._scripts()
        sim = SimServer(self.scripts)
        self.counter = CountingApp(sim._app)  # noqa: SLF001 - the drill's own server: count before it answers
        sim._app = self.counter  # noqa: SLF001
        self.sim = self._stack.enter_context(sim)
        self.fixtures = load_fixtures(self.scripts)
        self._stack.callback(self._stop_workers)
        self.ledger = Ledger.from_url(self.redis_url)
        for _ in range(self.cfg.workers):
            self.start_worker()
        wait_until(lambda: all(w.ready() or not w.alive() for w in self.workers), 120, "workers ready", 0.2)
        if not all(w.ready() for w in self.workers):
            raise RuntimeError(f"a worker exited at start; see {self.logs}")

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _stop_workers(self) -> None:
        for worker in [*self.workers, *self.retired]:
            worker.stop()

    def _stop_redis(self) -> None:
        for server in self.redis_servers:
            server.stop()

    def _scripts(self) -> Path:
        """The shipped scripted models and answer books, every model's latency set to the drill's."""
        scripts = self.workdir / "scripts"
        shutil.rmtree(scripts, ignore_errors=True)
        shutil.copytree(DEFAULT_SCRIPTS_DIR, scripts)
        for path in (scripts / "models").glob("*.yaml"):
            data = yaml.safe_load(path.read_text())
            data["latency_ms"] = self.cfg.latency_ms
            path.write_text(yaml.safe_dump(data, sort_keys=False))
        return scripts

    # -- parts
    @property
    def redis_url(self) -> str:
        return self.redis_servers[-1].url

    @property
    def redis(self) -> RedisServer:
        return self.redis_servers[-1]

    def store(self, *, faulty: bool) -> Store:
        """The artifact store through the fault proxy (as the workers see it) or straight to S3."""
        return open_store(self.store_url, self.proxy.url if faulty else self.s3_url)

    def start_worker(self) -> FarmWorker:
        env = {
            "FARM_REDIS_URL": self.redis_url, "FARM_STORE": self.store_url, "FARM_S3_ENDPOINT": self.proxy.url,
            "FARM_LEASE_TTL_S": str(self.cfg.lease_ttl_s), "FARM_GATE_LEASE_TTL_S": str(self.cfg.gate_lease_ttl_s),
        }  # fmt: skip
        name = f"w{len(self.workers) + len(self.retired)}"
        worker = FarmWorker(env, self.logs / f"{name}.log", self.cfg.concurrency, name)
        self.workers.append(worker)
        return worker

    def worker_logs(self) -> str:
        return "".join(w.log.read_text(errors="replace") for w in [*self.workers, *self.retired])

    def kill(self, kind: str, round_id: str) -> dict[str, Any]:
        """SIGKILL one worker's main or one pool process, preferring one that runs a job of the round;
        a killed main is replaced by a fresh worker. Returns what was done."""
        busy = _busy_pids(self.ledger, round_id)
        live = [w for w in self.workers if w.alive()]
        # Not the pool of a worker still starting: Celery's main exits when a pool process dies
        # before the pool has started ("Could not start worker processes"); its supervisor
        # (Kubernetes) restarts it. Counted as a crash here, it would hide the crashes that matter.
        pool = [(w, c) for w in live if w.started() for c in w.children()]
        busy_pool = [(w, c) for w, c in pool if c.pid in busy]
        if kind == POOL:
            choice = self.rng.choice(busy_pool or pool) if pool else None
            if choice is None:
                return {"kind": kind, "pid": None, "busy": False}
            worker, child = choice
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
            self.events.append({"t": time.time(), "pids": [child.pid], "why": f"{kind} kill"})
            return {"kind": kind, "pid": child.pid, "worker": worker.name, "busy": child.pid in busy}
        candidates = sorted({w.name: w for w, _ in busy_pool}.values(), key=lambda w: w.name) or live
        worker = self.rng.choice(candidates)
        # Its pool processes die with it (billiard sets their parent-death signal).
        self.events.append({"t": time.time(), "pids": [worker.pid, *(c.pid for c in worker.children())],
                            "why": f"{kind} kill"})  # fmt: skip
        orphans = worker.kill_main()
        self.workers.remove(worker)
        self.retired.append(worker)
        replacement = self.start_worker()
        return {"kind": kind, "pid": worker.pid, "worker": worker.name, "busy": worker in [w for w, _ in busy_pool],
                "orphans_killed": orphans, "replacement": replacement.name}

    def replace_crashed(self) -> list[dict[str, Any]]:
        """Workers whose main process died without the drill killing it are replaced, as Kubernetes
        restarts a container whose process exited; returns what each one's log said last."""
        crashed = []
        for worker in [w for w in self.workers if not w.alive()]:
            pids = [worker.pid, *(c.pid for c in worker.children())]
            self.events.append({"t": time.time(), "pids": pids, "why": "crashed main: its pool stopped"})
            worker.stop()  # its pool children too
            self.workers.remove(worker)
            self.retired.append(worker)
            text = worker.log.read_text(errors="replace")
            lines = [line for line in text.splitlines() if line.strip()]
            errors = [line for line in lines if "Unrecoverable error" in line or "CRITICAL" in line] or lines[-1:] or [""]
            crashed.append({"worker": worker.name, "pid": worker.pid, "exit": worker.process.returncode,
                            "error": errors[-1][-300:],
                            "replacement": self.start_worker().name})  # fmt: skip
        return crashed

    def kill_redis(self) -> None:
        process = self.redis._process  # noqa: SLF001 - the drill's own server
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def restart_redis(self) -> None:
        """A new redis-server on the same port, from the same data directory (its AOF)."""
        self.redis_servers.append(RedisServer(self.workdir / "redis", port=self.redis.port).start())


# ---- a round ----------------------------------------------------------------------------------


@dataclass
class RoundRun:
    """What one round left behind, and the faults it met."""

    round_id: str
    faulted: bool
    wall_s: float = 0.0
    completed: bool = False
    jobs: dict[JobKey, tuple[str, str, int]] = field(default_factory=dict)  # state, reason, deliveries
    calls: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (model, phase) -> records
    sim: Counter[tuple[str, str]] = field(default_factory=Counter)  # (model, "phase/op") -> requests
    requests: list[dict[str, Any]] = field(default_factory=list)  # as the simulator saw each one
    on_file: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # the store's attempt records
    deaths: list[dict[str, Any]] = field(default_factory=list)  # every process the drill killed or stopped: pids, time
    usage: dict[str, dict[str, float]] = field(default_factory=dict)
    budget: dict[str, int] = field(default_factory=dict)  # the budget hash, nano-dollars
    scores: dict[str, Any] = field(default_factory=dict)  # model -> score total
    kills: list[dict[str, Any]] = field(default_factory=list)
    redis_down_s: float = 0.0
    s3_faults: dict[str, int] = field(default_factory=dict)
    s3_requests: int = 0
    resent_by_reaper: int = 0
    requeued_on_redis_loss: int = 0
    crashes: list[dict[str, Any]] = field(default_factory=list)  # main processes that died unkilled


def load_round(cfg: DrillConfig, round_id: str, fixtures: Any) -> LoadedRound:
    """The demo round with the drill's models (a scripted model not in the demo file gets the
    demo's shape, its prices from its script), projects, phases and budget."""
    data = yaml.safe_load(DEMO.read_text())
    demo = {m["id"]: m for m in data["models"]}
    models = []
    for model_id in cfg.models:
        if model_id in demo:
            models.append(demo[model_id])
        else:
            prices = fixtures.models[model_id].prices
            models.append({"id": model_id, "endpoint": {"kind": "simulator"}, "concurrency": 4,
                           "prices": {"input": prices.input, "cached": prices.cached, "output": prices.output}})  # fmt: skip
    data.update(round=round_id, models=models, projects=cfg.projects, phases=cfg.phases,
                budgets={"round_usd": cfg.budget_usd}, operation_concurrency=cfg.operation_concurrency)  # fmt: skip
    return parse_round(data, f"drill:{round_id}", DEMO.parent)


def run_round(farm: Farm, round_id: str, *, faults: bool, fault_free_s: float | None = None,
              say: Any = print) -> RoundRun:  # fmt: skip
    """Submit the round and wait for it; with `faults`, kill workers, restart Redis and fault S3 while
    it runs. Never resumes: whatever moves the round is the farm's own doing."""
    cfg = farm.cfg
    run = RoundRun(round_id, faults)
    SimAdmin(farm.sim.base_url).reset()
    farm.counter.take()
    farm.events.clear()
    rates = cfg.s3_fault_rate if faults else 0.0
    farm.proxy.set_rates(FaultRates(error=rates, drop=rates, truncate=rates))
    faults_before, requests_before = farm.proxy.faults(), farm.proxy.counts["requests"]
    log_before = farm.worker_logs()

    kinds = [POOL, MAIN] * math.ceil(cfg.kills / 2)
    farm.rng.shuffle(kinds)
    kinds = kinds[: cfg.kills] if faults else []
    redis_at = cfg.redis_at * (fault_free_s or 0) if faults and cfg.redis_restart else None

    started = time.monotonic()
    submit(load_round(cfg, round_id, farm.fixtures), farm.store(faulty=True), farm.ledger,
           make_celery(farm.redis_url), farm.sim.base_url)  # fmt: skip
    deadline = started + cfg.round_timeout_s
    next_kill = started + farm.rng.uniform(0.5, 1.5) * cfg.kill_every_s

    def complete() -> bool:
        return farm.ledger.round_info(round_id)["state"] == "complete"

    while time.monotonic() < deadline:
        if complete():
            run.completed = True
            break
        now = time.monotonic()
        if redis_at is not None and now - started >= redis_at:
            redis_at = None
            farm.kill_redis()
            down = time.monotonic()
            say(f"  {now - started:6.1f}s  redis-server SIGKILLed")
            time.sleep(cfg.redis_down_s)
            farm.restart_redis()
            run.redis_down_s = time.monotonic() - down
            say(f"  {time.monotonic() - started:6.1f}s  redis-server restarted from its AOF after {run.redis_down_s:.1f}s")
            next_kill = max(next_kill, time.monotonic() + cfg.kill_after_redis_s)
            continue
        for crashed in farm.replace_crashed():
            run.crashes.append(crashed | {"at_s": round(now - started, 1)})
            say(f"  {now - started:6.1f}s  worker {crashed['worker']}'s main process died unkilled "
                f"({crashed['error']}); a fresh worker replaces it")
        if kinds and now >= next_kill:
            if now < next_kill + cfg.wait_for_busy_s and not _busy_pids(farm.ledger, round_id):
                time.sleep(0.1)  # no job running right now (between jobs): a kill a moment later hits one
                continue
            kill = farm.kill(kinds.pop(), round_id) | {"at_s": round(now - started, 1)}
            run.kills.append(kill)
            say(f"  {kill['at_s']:6.1f}s  kill #{len(run.kills)} {kill['kind']} pid {kill['pid']} of "
                f"{kill.get('worker')}{' (running a job)' if kill['busy'] else ' (idle)'}")
            next_kill = time.monotonic() + farm.rng.uniform(0.5, 1.5) * cfg.kill_every_s
            continue
        time.sleep(0.2)
    run.wall_s = time.monotonic() - started
    if not run.completed:
        say(f"  round {round_id} did not complete within {cfg.round_timeout_s:.0f}s")
    if kinds and faults:
        say(f"  the round ended before {len(kinds)} of the planned kills")

    farm.proxy.set_rates(FaultRates())
    after = farm.proxy.faults()
    run.s3_faults = {kind: after[kind] - faults_before[kind] for kind in after}
    run.s3_requests = farm.proxy.counts["requests"] - requests_before
    run.resent_by_reaper = _count_new(farm, log_before, RESENT_LINE)
    run.requeued_on_redis_loss = _count_new(farm, log_before, REQUEUED_LINE)
    run.crashes += [crashed | {"at_s": round(run.wall_s, 1)} for crashed in farm.replace_crashed()]
    run.deaths = list(farm.events)
    _collect(farm, run)
    return run


def _count_new(farm: Farm, before: str, line: str) -> int:
    return farm.worker_logs().count(line) - before.count(line)


def _collect(farm: Farm, run: RoundRun) -> None:
    """Everything the checks read, straight from S3 (not through the faults) and the ledger."""
    run.requests = farm.counter.take()
    run.sim = Counter((r["model"], r["op"]) for r in run.requests)
    ledger = farm.ledger
    run.jobs = {job: (rec.state.value, rec.reason, rec.deliveries) for job, rec in ledger.jobs(run.round_id).items()}
    store = farm.store(faulty=False)
    for job in run.jobs:
        if job.phase == SCORE:
            score = store.get_json_or_none(keys.RunKeys(run.round_id, job.model, job.project).score)
            run.scores[f"{job.model} × {job.project}"] = score.get("total") if score else None
            continue
        phase = keys.RunKeys(run.round_id, job.model, job.project).phase(job.phase)
        text = store.get_text(phase.calls) if store.exists(phase.calls) else ""
        run.calls[(job.model, job.phase)] = [json.loads(line) for line in text.splitlines() if line.strip()]
        # What the store holds of the phase's attempts: files (failures, and paid answers not yet
        # checked) and the successes inside their operations' checkpoints.
        files = store.get_many_json(store.list(phase.attempts))
        checkpoints = store.get_many_json(store.list(phase.ops))
        run.on_file[(job.model, job.phase)] = files + [c["attempt"] for c in checkpoints if "attempt" in c]
    run.usage = ledger.usage(run.round_id)
    # Holds of calls killed in flight are charged when they expire (the gate's lease TTL): wait for
    # them, so the budget is final. A live call's hold would never be reserved after the round ends.
    book = BudgetBook(ledger.r)
    deadline = time.monotonic() + farm.cfg.gate_lease_ttl_s + 10
    while any(line.reserved_usd for line in book.lines(run.round_id)) and time.monotonic() < deadline:
        time.sleep(0.5)
    run.budget = {name: int(value) for name, value in ledger.r.hgetall(budget.keys(run.round_id)[0]).items()}


# ---- the checks -------------------------------------------------------------------------------


@dataclass
class OpFigures:
    sim: int  # requests the simulator got
    free: int  # requests in the fault-free run
    records: int  # calls.jsonl records
    successes: int
    settled: int  # paid answers never checked (their worker stopped)
    starts: int  # deliveries that started it (attempt 0 records)
    after_success: int  # calls made after its success
    unrecorded: int  # requests with no record: killed in flight

    @property
    def interrupted(self) -> bool:
        return self.unrecorded > 0 or self.settled > 0 or self.starts > 1

    @property
    def extra(self) -> int:
        return max(0, self.sim - self.free)


def operations(run: RoundRun, free: RoundRun | None) -> dict[tuple[str, str], OpFigures]:
    """Per (model, "phase/op"): what the provider was asked and what calls.jsonl holds."""
    records: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for (model, phase), calls in run.calls.items():
        for record in calls:
            records.setdefault((model, f"{phase}/{record['op_id']}"), []).append(record)
    out = {}
    for op in sorted(set(records) | set(run.sim)):
        recs = sorted(records.get(op, []), key=lambda r: r["started_at"])
        wins = [r for r in recs if r["outcome"] == "success"]
        out[op] = OpFigures(
            sim=run.sim.get(op, 0),
            free=free.sim.get(op, 0) if free is not None else run.sim.get(op, 0),
            records=len(recs),
            successes=len(wins),
            settled=sum(r["outcome"] == "settled" for r in recs),
            starts=sum(r["attempt"] == 0 for r in recs),
            after_success=sum(r["started_at"] > wins[0]["started_at"] for r in recs) if wins else 0,
            unrecorded=max(0, run.sim.get(op, 0) - len(recs)),
        )
    return out


def recovery_bound(cfg: DrillConfig, free_s: float, run: RoundRun) -> dict[str, float]:
    """The stated bound on the faulted round's wall time, from its faults:

    fault-free time + Redis downtime + per kill that hit a job: a main process's job waits for the
    reaper (lease TTL + grace + 2 periods = 8/3 TTL: farm/reaper.py), a pool process's job is requeued
    by its Celery main at once and takes the dead holder's lease over at once; either redoes the
    work since its operations' checkpoints (R_redo: at most one operation per slot, ≤ 4 attempts at
    the model's latency, plus the phase's restart: manifest, listing, checker tree). A kill that hits
    no job costs the capacity of a worker for its restart (R_start). Kills overlap, so this sum is
    an upper bound, not an estimate. Plus a measurement allowance (15% of the fault-free time + 5 s):
    two fault-free runs of the same round on a shared host differ by that much."""
    reaper = Reaper(None, None, cfg.lease_ttl_s).bound_s  # type: ignore[arg-type] - only the arithmetic
    redo = 4 * cfg.latency_ms / 1000 + 5.0
    start = 10.0
    main_hit = sum(1 for k in run.kills if k["kind"] == MAIN and k["busy"])
    pool_hit = sum(1 for k in run.kills if k["kind"] == POOL and k["busy"])
    idle = len(run.kills) - main_hit - pool_hit
    noise = 0.15 * free_s + 5.0
    bound = free_s + noise + run.redis_down_s + main_hit * (reaper + redo) + pool_hit * redo + idle * start
    return {"bound_s": bound, "reaper_bound_s": reaper, "redo_s": redo, "restart_s": start, "noise_s": noise,
            "main_hit": main_hit, "pool_hit": pool_hit, "idle": idle}  # fmt: skip


@dataclass
class Report:
    free: RoundRun
    faulted: RoundRun
    figures: dict[str, Any]
    violations: list[str]

    @property
    def ok(self) -> bool:
        return not self.violations


def _spend(run: RoundRun, model: str) -> dict[str, float]:
    calls = [r for (m, _), recs in run.calls.items() if m == model for r in recs]
    return {
        "calls_usd": sum(r["usage"]["cost_usd"] for r in calls),
        "calls_nanos": sum(budget.to_nanos(r["usage"]["cost_usd"]) for r in calls),
        "ledger_usd": run.usage.get(model, {}).get("cost_usd", 0.0),
        "spent_nanos": run.budget.get(f"spent|{budget.model_scope(model)}", 0),
        "expired_nanos": run.budget.get(f"expired|{budget.model_scope(model)}", 0),
    }


def unrecorded(run: RoundRun) -> list[dict[str, Any]]:
    """The paid requests the simulator answered that no `calls.jsonl` record holds, each with what
    became of the process that sent it: `in flight` (it died before the answer went out: its hold
    expires and is charged at its worst case), `answered` (the answer went out `gap_s` before it
    died: if the ledger has it, its record never reached the store) or `alive` (nothing the drill
    did explains it). A record is matched, per operation, to the first request at its billed cost
    sent after the record's call started (a redone call costs the same as the one it redoes)."""
    requests: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for request in sorted(run.requests, key=lambda r: r["t0"]):
        if request["cost"] is not None:
            requests.setdefault((request["model"], request["op"]), []).append(request)
    matched: set[int] = set()
    for (model, phase), records in run.calls.items():
        for record in sorted(records, key=lambda r: r["started_at"]):
            cost = round(record["usage"]["cost_usd"], 10)
            if not cost:
                continue
            for request in requests.get((model, f"{phase}/{record['op_id']}"), []):
                if id(request) not in matched and round(request["cost"], 10) == cost \
                        and request["t0"] >= record["started_at"] - 0.01:
                    matched.add(id(request))
                    break
    out = []
    for request in (r for rs in requests.values() for r in rs if id(r) not in matched):
        deaths = [d for d in run.deaths if request["pid"] in d["pids"] and d["t"] >= request["t0"]]
        death = min(deaths, key=lambda d: d["t"]) if deaths else None
        if death is None:
            fate, gap = "alive", None
        elif request["t1"] is None or request["t1"] >= death["t"]:
            fate, gap = "in flight", None
        else:
            fate, gap = "answered", death["t"] - request["t1"]
        out.append({"model": request["model"], "op": request["op"], "cost": request["cost"], "pid": request["pid"],
                    "t0": request["t0"], "t1": request["t1"], "fate": fate, "gap_s": gap,
                    "death": death["why"] if death else None})  # fmt: skip
    return out


def check_accounting(run: RoundRun, models: list[str], violations: list[str]) -> dict[str, Any]:
    """Ledger vs Σ calls.jsonl per model, spend vs budget; expired holds only with unrecorded calls."""
    ops = operations(run, None)
    missing = unrecorded(run)
    figures: dict[str, Any] = {}
    for model in models:
        s = _spend(run, model)
        unrecorded_calls = sum(f.unrecorded for (m, _), f in ops.items() if m == model)
        fates = [m for m in missing if m["model"] == model]
        answered = [m for m in fates if m["fate"] != "in flight"]
        in_calls = {r["attempt_id"] for (m, _), recs in run.calls.items() if m == model for r in recs}
        on_file = {r["attempt_id"] for (m, _), recs in run.on_file.items() if m == model for r in recs}
        figures[model] = s | {
            "unrecorded_calls": unrecorded_calls,
            "simulator_bill_usd": sum(r["cost"] or 0.0 for r in run.requests if r["model"] == model),
            "killed_in_flight": sum(m["fate"] == "in flight" for m in fates),
            "answered_unrecorded": len(answered),
            "answered_unrecorded_usd": sum(m["cost"] for m in answered),
            "on_file_not_in_calls": len(on_file - in_calls),
            "unrecorded_detail": fates,
        }  # fmt: skip
        if on_file - in_calls:
            violations.append(f"{run.round_id}: {model}: {len(on_file - in_calls)} attempt record(s) in the store are "
                              "missing from calls.jsonl")  # fmt: skip
        if abs(s["ledger_usd"] - s["calls_usd"]) > 1e-9:
            gaps = ", ".join(f"{m['op']} ${m['cost']:.6f} {m['fate']}"
                             + (f" {m['gap_s']:.2f}s before its {m['death']}" if m["gap_s"] is not None else "")
                             for m in answered)  # fmt: skip
            violations.append(f"{run.round_id}: {model}: ledger usage ${s['ledger_usd']:.12f} != Σ calls.jsonl "
                              f"${s['calls_usd']:.12f} (Δ {s['ledger_usd'] - s['calls_usd']:+.3e}); the simulator "
                              f"answered {len(answered)} call(s) no record holds before their process died, "
                              f"${sum(m['cost'] for m in answered):.9f}: {gaps}")  # fmt: skip
        if s["spent_nanos"] - s["expired_nanos"] != s["calls_nanos"]:
            violations.append(f"{run.round_id}: {model}: budget spent − expired holds = {s['spent_nanos'] - s['expired_nanos']} "
                              f"n$ != Σ calls.jsonl {s['calls_nanos']} n$")  # fmt: skip
        if unrecorded_calls and not s["expired_nanos"]:
            violations.append(f"{run.round_id}: {model}: {unrecorded_calls} call(s) the provider got are neither on "
                              "record nor charged as expired holds")  # fmt: skip
    spent, limit = run.budget.get("spent|round", 0), run.budget.get("limit|round")
    reserved = run.budget.get("reserved|round", 0)
    figures["round"] = {"spent_usd": budget.to_usd(spent), "limit_usd": budget.to_usd(limit) if limit else None,
                        "expired_usd": budget.to_usd(run.budget.get("expired|round", 0)),
                        "reserved_usd": budget.to_usd(reserved)}  # fmt: skip
    if reserved:
        violations.append(f"{run.round_id}: ${budget.to_usd(reserved):.9f} still reserved after the round ended "
                          f"and every hold's TTL passed: a reservation leaked")  # fmt: skip
    if limit is not None and spent + reserved > limit:
        violations.append(f"{run.round_id}: spent ${budget.to_usd(spent):.6f} (+ reserved ${budget.to_usd(reserved):.6f}) "
                          f"over the budget ${budget.to_usd(limit):.6f}")  # fmt: skip
    model_spent = sum(run.budget.get(f"spent|{budget.model_scope(m)}", 0) for m in models)
    if model_spent != spent:
        violations.append(f"{run.round_id}: round spent {spent} n$ != Σ models' spent {model_spent} n$")
    return figures


def check(cfg: DrillConfig, free: RoundRun, faulted: RoundRun, fixtures: Any) -> Report:
    violations: list[str] = []
    figures: dict[str, Any] = {}

    # 0 lost jobs; nothing ends otherwise than it did without faults.
    for run in (free, faulted):
        lost = {str(j): s for j, (s, _, _) in run.jobs.items() if not JobState(s).terminal}
        figures[f"{run.round_id}:lost"] = len(lost)
        if lost or not run.completed:
            violations.append(f"{run.round_id}: {len(lost)} job(s) not terminal (lost): {lost}")
    changed = {str(j): (free.jobs.get(j, ("absent",))[0], s, reason)
               for j, (s, reason, _) in faulted.jobs.items() if free.jobs.get(j, ("absent",))[0] != s}  # fmt: skip
    if set(free.jobs) != set(faulted.jobs):
        violations.append(f"the rounds' jobs differ: {sorted(map(str, set(free.jobs) ^ set(faulted.jobs)))}")
    for job, (was, now, reason) in changed.items():
        violations.append(f"{faulted.round_id}: {job} ended {now} (fault-free: {was}): {reason[:300]}")
    for run_name, total in faulted.scores.items():
        if free.scores.get(run_name) != total:
            violations.append(f"{run_name}: score {total} under faults, {free.scores.get(run_name)} without")

    # The fault-free round: every call on record; each succeeded operation paid exactly once (one
    # success, nothing after it); an operation its script answers right the first time, one request.
    clean_ops = operations(free, None)
    for (model, op), f in clean_ops.items():
        if f.successes > 1 or f.after_success:
            violations.append(f"{free.round_id}: {model} {op} paid again after its success ({f})")
        if f.sim != f.records:
            violations.append(f"{free.round_id}: {model} {op}: {f.sim} request(s), {f.records} on record")
        first = fixtures.behaviour(fixtures.models[model], op, 0) if model in fixtures.models else None
        if f.successes and first is not None and first.kind == "answer" and not first.variant and f.sim != 1:
            violations.append(f"{free.round_id}: {model} {op} answers right the first time, yet cost {f.sim} requests")
    figures["free_succeeded_ops"] = sum(1 for f in clean_ops.values() if f.successes)
    figures["free_calls"] = sum(f.sim for f in clean_ops.values())

    # The faulted round: nothing paid twice; what kills cost, counted.
    ops = operations(faulted, free)
    twice = [(op, f) for op, f in ops.items() if f.successes > 1 or f.after_success or (f.extra and not f.interrupted)]
    for (model, op), f in twice:
        violations.append(f"{faulted.round_id}: {model} {op} paid twice: {f}")
    over = [(op, f) for op, f in ops.items() if f.records > f.sim]
    for (model, op), f in over:
        violations.append(f"{faulted.round_id}: {model} {op}: {f.records} records for {f.sim} requests")
    interrupted = {op: f for op, f in ops.items() if f.interrupted}
    figures["ops"] = len(ops)
    figures["paid_twice"] = len(twice)
    figures["interrupted_ops"] = len(interrupted)
    figures["repaid_calls"] = sum(f.extra for f in interrupted.values())
    figures["unrecorded_calls"] = sum(f.unrecorded for f in ops.values())
    figures["settled_unchecked"] = sum(f.settled for f in ops.values())
    figures["faulted_calls"] = sum(f.sim for f in ops.values())

    figures["accounting_free"] = check_accounting(free, cfg.models, violations)
    figures["accounting_faulted"] = check_accounting(faulted, cfg.models, violations)

    bound = recovery_bound(cfg, free.wall_s, faulted)
    figures["time"] = bound | {"free_s": free.wall_s, "faulted_s": faulted.wall_s}
    if faulted.wall_s > bound["bound_s"]:
        violations.append(f"{faulted.round_id}: took {faulted.wall_s:.1f}s, over the bound {bound['bound_s']:.1f}s")
    for run in (free, faulted):
        for crashed in run.crashes:
            violations.append(f"{run.round_id}: worker {crashed['worker']}'s main process (pid {crashed['pid']}) died "
                              f"unkilled at {crashed['at_s']}s, exit {crashed['exit']}: {crashed['error']}")  # fmt: skip
    return Report(free, faulted, figures, violations)


# ---- the drill --------------------------------------------------------------------------------


@contextmanager
def _workdir(cfg: DrillConfig) -> Iterator[Path]:
    if cfg.workdir is not None:
        cfg.workdir.mkdir(parents=True, exist_ok=True)
        yield cfg.workdir
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="farm-drill-") as tmp:
        yield Path(tmp)


def drill(cfg: DrillConfig, say: Any = print) -> Report:
    """Start the farm, run the round fault-free, then under faults; check; stop everything."""
    with _workdir(cfg) as workdir, Farm(cfg, workdir) as farm:
        say(f"farm up: redis {farm.redis_url} (AOF in {workdir / 'redis'}), S3 {farm.s3_url} behind {farm.proxy.url}, "
            f"simulator {farm.sim.base_url} ({cfg.latency_ms} ms/call), {cfg.workers} × farm worker -c {cfg.concurrency}")
        say(f"fault-free round: {', '.join(cfg.models)} × {', '.join(cfg.projects)} × {', '.join(cfg.phases)}")
        free = run_round(farm, f"drill-{cfg.seed}-free", faults=False, say=say)
        say(f"  {free.wall_s:.1f}s")
        say(f"faulted round: {cfg.kills} kills every ~{cfg.kill_every_s:g}s, "
            f"{'Redis SIGKILL + restart after ' + format(cfg.redis_at * free.wall_s, '.0f') + 's, ' if cfg.redis_restart else ''}"
            f"S3 faults {cfg.s3_fault_rate:.0%} of each kind")
        faulted = run_round(farm, f"drill-{cfg.seed}-faulted", faults=True, fault_free_s=free.wall_s, say=say)
        report = check(cfg, free, faulted, farm.fixtures)
        dump = {"config": {k: str(v) for k, v in vars(cfg).items()}, "figures": report.figures,
                "violations": report.violations,
                "runs": {r.round_id: {k: v for k, v in vars(r).items() if k not in ("jobs", "sim", "calls", "on_file")}
                         | {"jobs": {str(j): v for j, v in r.jobs.items()},
                            "calls": {f"{m}|{p}": v for (m, p), v in r.calls.items()}} for r in (free, faulted)}}  # fmt: skip
        (workdir / "drill.json").write_text(json.dumps(dump, indent=1, default=str))
        if not report.ok:
            keep = workdir.parent / f"{workdir.name}-logs" if cfg.workdir is None else None
            if keep is not None:
                shutil.copytree(farm.logs, keep, dirs_exist_ok=True)
                shutil.copy(workdir / "drill.json", keep / "drill.json")
                say(f"worker logs and drill.json kept in {keep}")
    return report


def render(report: Report, cfg: DrillConfig) -> str:
    f, run, free = report.figures, report.faulted, report.free
    kinds = Counter(k["kind"] for k in run.kills)
    busy = Counter(k["kind"] for k in run.kills if k["busy"])
    t = f["time"]
    lines = [
        f"kills: {len(run.kills)} ({kinds[MAIN]} main, {kinds[POOL]} pool; {busy[MAIN]} main and {busy[POOL]} pool "
        f"hit a running job); orphan pool processes killed after their main: "
        f"{sum(k.get('orphans_killed', 0) for k in run.kills)}",
        f"redis: {'SIGKILL + restart, down ' + format(run.redis_down_s, '.1f') + 's' if run.redis_down_s else 'not restarted'}"
        f"; jobs requeued because Redis was away: {run.requeued_on_redis_loss}; worker mains that died unkilled (replaced): {len(run.crashes)}",
        f"S3: {run.s3_requests} requests, faults {run.s3_faults.get('error', 0)} error (500/503/SlowDown), "
        f"{run.s3_faults.get('drop', 0)} dropped, {run.s3_faults.get('truncate', 0)} truncated",
        f"jobs: {len(run.jobs)}, lost {f[run.round_id + ':lost']}, ended otherwise than fault-free "
        f"{sum(1 for j, v in run.jobs.items() if free.jobs.get(j, ('',))[0] != v[0])}; "
        f"states {dict(Counter(v[0] for v in run.jobs.values()))}; re-sent by the reaper {run.resent_by_reaper}; "
        f"deliveries {sum(v[2] for v in run.jobs.values())} (fault-free {sum(v[2] for v in free.jobs.values())})",
        f"calls: {f['faulted_calls']} (fault-free {f['free_calls']}); operations {f['ops']}, paid twice "
        f"{f['paid_twice']}; interrupted {f['interrupted_ops']}, re-paid calls {f['repaid_calls']} "
        f"(killed in flight {f['unrecorded_calls']}, paid but unchecked {f['settled_unchecked']})",
        "manual actions: 0 (no resume, no ledger edit)",
    ]
    for name in ("accounting_free", "accounting_faulted"):
        acc = f[name]
        for model in cfg.models:
            a = acc[model]
            lines.append(
                f"{'fault-free' if name.endswith('free') else 'faulted   '} {model:13} ledger ${a['ledger_usd']:.9f} "
                f"Σ calls.jsonl ${a['calls_usd']:.9f} (Δ {a['ledger_usd'] - a['calls_usd']:+.1e}); budget spent "
                f"${budget.to_usd(a['spent_nanos']):.9f} = calls + expired holds ${budget.to_usd(a['expired_nanos']):.9f}"
                f"; simulator bill ${a['simulator_bill_usd']:.9f}: {a['unrecorded_calls']} call(s) not on record, "
                f"{a['killed_in_flight']} killed in flight, {a['answered_unrecorded']} answered before their process died "
                f"(${a['answered_unrecorded_usd']:.9f})")  # fmt: skip
        r = acc["round"]
        lines.append(f"{'':11}round spent ${r['spent_usd']:.6f} (expired ${r['expired_usd']:.6f}) of budget "
                     f"${r['limit_usd']:.2f}")  # fmt: skip
    lines.append(
        f"time: fault-free {t['free_s']:.1f}s, faulted {t['faulted_s']:.1f}s (+{t['faulted_s'] - t['free_s']:.1f}s); "
        f"bound {t['bound_s']:.1f}s = fault-free + {t['noise_s']:.1f}s noise + Redis down + {t['main_hit']} main hits × ({t['reaper_bound_s']:.0f}s reaper"
        f" + {t['redo_s']:.1f}s redo) + {t['pool_hit']} pool hits × {t['redo_s']:.1f}s + {t['idle']} idle × {t['restart_s']:.0f}s")
    lines.append("INVARIANTS HELD" if report.ok else "VIOLATIONS:\n  " + "\n  ".join(report.violations))
    return "\n".join(lines)
