"""The embedded default: a private Redis, worker processes and the simulator, for one CLI command.

Nothing to install and no key needed. The Redis keeps its data (AOF) beside the local store, so
`farm round status` after a `farm round submit` still knows the round. Whatever is started here
is stopped on the way out, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType, TracebackType

from farm.exporter import MULTIPROC_ENV, fresh_multiproc_dir
from farm.redis_server import RedisServer
from farm.sim import SimServer

WORKER_STOP_TIMEOUT_S = 15.0


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class EmbeddedFarm:
    def __init__(self, store_dir: Path, *, workers: bool = True, simulator: bool = True, concurrency: int = 2) -> None:
        self.store_dir = store_dir.resolve()
        self.state_dir = self.store_dir / ".embedded"
        self.with_workers = workers
        self.with_simulator = simulator
        self.concurrency = concurrency
        self.redis = RedisServer(data_dir=self.state_dir / "redis")
        self.sim: SimServer | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self._previous_sigterm: object = None

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @property
    def simulator_url(self) -> str | None:
        return self.sim.base_url if self.sim else None

    @property
    def worker_log(self) -> Path:
        return self.state_dir / "worker.log"

    def worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(FARM_REDIS_URL=self.redis_url, FARM_STORE=str(self.store_dir))
        if self.simulator_url:
            env["FARM_SIM_URL"] = self.simulator_url
        env[MULTIPROC_ENV] = str(self.metrics_dir)  # the worker serves /metrics on FARM_METRICS_PORT
        env.setdefault("FARM_METRICS_ADDR", "127.0.0.1")  # a laptop's metrics stay on the laptop
        return env

    def __enter__(self) -> EmbeddedFarm:
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.redis.start()
            if self.with_simulator:
                self.sim = SimServer().__enter__()
            if self.with_workers:
                self._start_worker()
        except BaseException:
            self.close()
            raise
        return self

    @property
    def metrics_dir(self) -> Path:
        return self.state_dir / "metrics"

    def _start_worker(self) -> None:
        fresh_multiproc_dir(self.metrics_dir)
        command = [
            sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
            "-Q", "generate,score", "--pool", "prefork", "-c", str(self.concurrency),
            "-n", f"embedded-{os.getpid()}@%h", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        log = self.worker_log.open("ab")
        self.worker = subprocess.Popen(
            command, env=self.worker_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def worker_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def close(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None and worker.poll() is None:
            _stop_group(worker)
        if self.sim is not None:
            self.sim.__exit__(None, None, None)
            self.sim = None
        self.redis.stop()
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)  # type: ignore[arg-type]
            self._previous_sigterm = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown first (SIGTERM), then the whole process group is killed."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + WORKER_STOP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
