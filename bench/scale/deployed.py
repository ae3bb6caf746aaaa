"""A deployed farm on 127.0.0.1 for the scale benchmarks: redis-server, the artifact store, the
simulator in a process of its own (as a real endpoint is), and N `farm worker` processes taking
generate jobs — with the CPU time and memory of every worker process (Celery main, pool processes,
their toolchain processes) sampled while a round runs.

Verify and score jobs are left queued (no worker takes their queues): the figures are the
generation's, the part of a run an LLM's latency bounds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from farm.ledger import JobKey, JobRecord, Ledger  # noqa: E402
from farm.queueing import make_celery  # noqa: E402
from farm.redis_server import RedisServer, free_port  # noqa: E402
from farm.roundfile import parse_round  # noqa: E402
from farm.scheduler import submit  # noqa: E402
from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR  # noqa: E402
from farm.store import Store, open_store  # noqa: E402
from bench.scale.sampling import PeriodicSampler  # noqa: E402
from tests.servers import stop_process, wait_until  # noqa: E402

SCALE_MODEL = "sim/scale"  # sim/clean's answers at the bench's latency
GENERATE_PHASES = ("analyze", "database", "interface", "test", "realize")


def scale_scripts(dest: Path, latency_ms: int) -> Path:
    """The built-in scripts plus `sim/scale`: the clean model, answering after `latency_ms`."""
    shutil.copytree(DEFAULT_SCRIPTS_DIR, dest)
    clean = yaml.safe_load((dest / "models" / "clean.yaml").read_text())
    clean.update(name=SCALE_MODEL, latency_ms=latency_ms, description="sim/clean at the scale bench's latency")
    (dest / "models" / "scale.yaml").write_text(yaml.safe_dump(clean, sort_keys=False))
    return dest


_SIM_MAIN = """
import sys, uvicorn
from pathlib import Path
from farm.sim.app import create_app
books = dict(arg.split("=", 1) for arg in sys.argv[3:])
app = create_app(Path(sys.argv[2]), project_books={k: Path(v) for k, v in books.items()})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, lifespan="off")
"""


@contextmanager
def simulator_process(scripts: Path, books: dict[str, Path], log: Path) -> Iterator[str]:
    """The simulator serving `books` (project -> generated book) in a process of its own."""
    port = free_port()
    args = [f"{name}={path}" for name, path in books.items()]
    with log.open("ab") as handle:
        process = subprocess.Popen([sys.executable, "-c", _SIM_MAIN, str(port), str(scripts), *args], cwd=REPO,
                                   stdout=handle, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the simulator exited: {log.read_text()[-2000:]}")
        try:
            return httpx.get(url + "/models", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 120, "simulator", 0.2)
        yield url
    finally:
        stop_process(process)


@dataclass
class Usage:
    """CPU seconds and peak RSS (MiB) by kind of process: Celery main, pool (Python), toolchain (Node, tsc)."""

    cpu_s: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)


class Sampler(PeriodicSampler):
    """Samples every process under the workers' main processes every `period_s`: each one's own CPU
    time (user + system) and the peak RSS per kind. Each process is counted by its own time only
    (a reaped child's time also lands in its parent's, and a compiler that outlives its bridge is
    reaped by no one of ours), so what a process used after its last sample is missed: under
    `period_s` per process, and a process that lived less than that is missed whole (the toolchain's
    processes live for a job at least)."""

    def __init__(self, mains: list[int], period_s: float = 0.1) -> None:
        super().__init__(period_s)
        self._mains = mains
        self._baseline: dict[int, float] = {}  # CPU each process had used before the round
        self._last: dict[int, tuple[str, float]] = {}
        self._peak: dict[str, float] = {}

    def __enter__(self) -> Sampler:
        self.sample()  # the baseline, taken before the sampling thread starts
        self._baseline = {pid: used for pid, (_, used) in self._last.items()}
        return super().__enter__()

    def _processes(self) -> Iterator[tuple[psutil.Process, str]]:
        for pid in self._mains:
            try:
                main = psutil.Process(pid)
                yield main, "main"
                pool = main.children()
                for child in pool:
                    yield child, "pool"
                for child in main.children(recursive=True):
                    if child not in pool:  # the toolchain: type checkers (Node bridge, native compiler), Prisma
                        yield child, "toolchain"
            except psutil.Error:
                continue

    def sample(self) -> None:
        for process, kind in self._processes():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    rss = process.memory_info().rss / 2**20
            except psutil.Error:
                continue
            self._last[process.pid] = (kind, times.user + times.system)
            self._peak[kind] = max(self._peak.get(kind, 0.0), rss)

    def usage(self) -> Usage:
        cpu: dict[str, float] = {}
        for pid, (kind, used) in self._last.items():
            cpu[kind] = cpu.get(kind, 0.0) + used - self._baseline.get(pid, 0.0)
        return Usage({k: round(v, 3) for k, v in cpu.items()}, {k: round(v, 1) for k, v in self._peak.items()})


class FarmWorkers:
    """`count` `farm worker` processes taking generate jobs, `concurrency` pool processes each."""

    def __init__(self, env: dict[str, str], logs: Path, count: int, concurrency: int) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs = [logs / f"worker-{i}.log" for i in range(count)]
        for log in self.logs:
            command = [sys.executable, "-m", "farm", "worker", "--queues", "generate", "--concurrency",
                       str(concurrency), "--loglevel", "WARNING"]  # fmt: skip
            with log.open("ab") as handle:
                self.processes.append(subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdout=handle,
                                                       stderr=subprocess.STDOUT, start_new_session=True))
        wait_until(self._ready, 120, "workers ready", 0.2)

    def _ready(self) -> bool:
        for process, log in zip(self.processes, self.logs):
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited at start: {log.read_text()[-2000:]}")
        # Each pool process is up once it has imported the tasks (they are forked from the main).
        return all(psutil.Process(p.pid).children() for p in self.processes)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process, grace_s=20)


@dataclass
class RoundFigures:
    round_id: str
    submitted_at: float
    ended_at: float
    jobs: dict[JobKey, JobRecord]
    usage: Usage

    @property
    def wall_s(self) -> float:
        return self.ended_at - self.submitted_at


class ScaleFarm:
    """The farm, from `with` to its end; `run_round` submits a round and waits for its generation."""

    def __init__(self, workdir: Path, *, latency_ms: int, books: dict[str, Path], workers: int = 1,
                 concurrency: int = 1, store_url: str | None = None, s3_endpoint: str | None = None) -> None:
        self.workdir = workdir
        self._latency_ms = latency_ms
        self._books = books
        self._workers, self._concurrency = workers, concurrency
        self.store_url = store_url or str(workdir / "store")
        self._s3_endpoint = s3_endpoint
        self._stack = ExitStack()

    def __enter__(self) -> ScaleFarm:
        try:
            logs = self.workdir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            redis = RedisServer(self.workdir / "redis").start()
            self._stack.callback(redis.stop)
            scripts = scale_scripts(self.workdir / "scripts", self._latency_ms)
            self.sim_url = self._stack.enter_context(simulator_process(scripts, self._books, logs / "sim.log"))
            env = {"FARM_REDIS_URL": redis.url, "FARM_STORE": self.store_url}
            if self._s3_endpoint:
                env["FARM_S3_ENDPOINT"] = self._s3_endpoint
            self.workers = FarmWorkers(env, logs, self._workers, self._concurrency)
            self._stack.callback(self.workers.stop)
            self.store: Store = open_store(self.store_url, self._s3_endpoint)
            self.ledger = Ledger.from_url(redis.url)
            self.app = make_celery(redis.url)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def run_round(self, data: dict[str, Any], timeout_s: float = 3600) -> RoundFigures:
        round_id = data["round"]
        sampler = Sampler(self.workers.pids)
        with sampler:
            submitted = time.time()
            submit(parse_round(data, "bench"), self.store, self.ledger, self.app, self.sim_url)

            def generation() -> dict[JobKey, JobRecord]:
                return {job: record for job, record in self.ledger.jobs(round_id).items()
                        if job.phase in GENERATE_PHASES}  # fmt: skip

            # Polling slowly keeps the bench itself off the cores the farm shares.
            wait_until(lambda: all(r.state.terminal for r in generation().values()), timeout_s, round_id, 0.25)
        jobs = generation()
        ended = max(record.ended_at or 0.0 for record in jobs.values())
        return RoundFigures(round_id, submitted, ended, jobs, sampler.usage())

