"""The embedded default: a private Redis, worker processes and the simulator, for one CLI command.

Nothing to install and no key needed. The Redis keeps its data (AOF) beside the local store, so
`farm round status` after a `farm round submit` still knows the round, and it is shared: a second
command on the same store (another terminal) uses the running one's Redis, never a second server
on the same file. Each command with work to do starts its own workers and simulator.

Whatever is started here is stopped on the way out, Ctrl-C and SIGTERM included, in order: the
workers first (jobs in flight get a few seconds to finish, then go back to the queue), while the
Redis they record their jobs in still runs; the Redis last, by its last user.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType, TracebackType

from farm.exporter import MULTIPROC_ENV, fresh_multiproc_dir
from farm.queueing import QUEUES, make_celery
from farm.redis_server import SharedRedis
from farm.sim import SimServer

# A worker's stop: SIGTERM (warm: jobs in flight may finish), then SIGQUIT (cold: Celery cancels them
# and their messages go back to the queue, task_reject_on_worker_lost), then SIGKILL of its group.
WARM_STOP_S = 10.0
COLD_STOP_S = 10.0
QUIET_STOP_S = 5.0  # an idle worker stops within this (2-3 s): nothing to say


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _restore_unacknowledged(redis_url: str) -> int:
    """Put back in their queues the messages delivered and never acknowledged, as kombu does when a
    worker closes its channel: called by the only command using this Redis, before it starts any
    worker, so they were held by workers of a command that died (kill -9) and would otherwise wait
    out the 4-hour visibility timeout. Returns how many."""
    with make_celery(redis_url).connection_for_write() as connection:
        channel = connection.default_channel
        tags = channel.client.hkeys(channel.unacked_key)
        for tag in tags:
            channel.qos.restore_by_tag(tag)
    return len(tags)


class EmbeddedFarm:
    def __init__(self, store_dir: Path, *, workers: bool = True, simulator: bool = True, concurrency: int = 2,
                 notify: Callable[[str], None] = lambda message: None,
                 books: Mapping[str, Path] | None = None) -> None:  # fmt: skip
        """`notify`: where to say what takes time (stopping workers with jobs in flight); `books`:
        the simulator's project books (farm.sim.fixtures)."""
        self.store_dir = store_dir.resolve()
        self.state_dir = self.store_dir / ".embedded"
        self.with_workers = workers
        self.with_simulator = simulator
        self.concurrency = concurrency
        self.notify = notify
        self.books = books
        self.redis = SharedRedis(self.state_dir / "redis")
        self.sim: SimServer | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self._previous_sigterm: object = None
        self._hurry = 0  # Ctrl-C / SIGTERM received while stopping: skip to the next, harder step

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @property
    def simulator_url(self) -> str | None:
        return self.sim.base_url if self.sim else None

    @property
    def worker_log(self) -> Path:
        return self.state_dir / "worker.log"

    @property
    def metrics_dir(self) -> Path:
        """This command's workers' metric files (another command's workers have their own)."""
        return self.state_dir / "metrics" / str(os.getpid())

    def worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(FARM_REDIS_URL=self.redis_url, FARM_STORE=str(self.store_dir))
        if self.simulator_url:
            env["FARM_SIM_URL"] = self.simulator_url  # what a manifest's `sim://embedded` resolves to
        env[MULTIPROC_ENV] = str(self.metrics_dir)  # the worker serves /metrics on FARM_METRICS_PORT
        env.setdefault("FARM_METRICS_ADDR", "127.0.0.1")  # a laptop's metrics stay on the laptop
        return env

    def __enter__(self) -> EmbeddedFarm:
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self.redis.open()
            if not self.redis.shared and (restored := _restore_unacknowledged(self.redis_url)):
                self.notify(f"embedded farm: {restored} job message(s) held by the workers of an earlier, "
                            "stopped command went back to the queue")
            if self.with_simulator:
                self.sim = SimServer(project_books=self.books).__enter__()
            if self.with_workers:
                self._start_worker()
        except BaseException:
            self.close()
            raise
        return self

    def _start_worker(self) -> None:
        fresh_multiproc_dir(self.metrics_dir)
        command = [
            sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
            "-Q", ",".join(QUEUES), "--pool", "prefork", "-c", str(self.concurrency),
            "-n", f"embedded-{os.getpid()}@%h", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        with self.worker_log.open("ab") as log:
            self.worker = subprocess.Popen(
                command, env=self.worker_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def worker_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def close(self) -> None:
        """Stop what this command started: workers, simulator, then Redis if no other command uses it."""
        previous = {sig: signal.signal(sig, self._hurry_up) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker, self.worker = self.worker, None
            if worker is not None:
                self._stop_worker(worker)
                shutil.rmtree(self.metrics_dir, ignore_errors=True)
            if self.sim is not None:
                self.sim.__exit__(None, None, None)
                self.sim = None
            self.redis.close()
        finally:
            signal.signal(signal.SIGINT, previous[signal.SIGINT])
            restored = self._previous_sigterm if self._previous_sigterm is not None else previous[signal.SIGTERM]
            signal.signal(signal.SIGTERM, restored)  # type: ignore[arg-type]
            self._previous_sigterm = None

    def _hurry_up(self, signum: int, frame: FrameType | None) -> None:
        self._hurry += 1

    def _stop_worker(self, process: subprocess.Popen[bytes]) -> None:
        """Warm, then cold, then killed; each Ctrl-C meanwhile moves on to the next step."""
        self._signal(process, signal.SIGTERM)  # the main process: it stops its pool itself
        if not self._exited(process, QUIET_STOP_S, step=0):
            self.notify(f"stopping the embedded workers: waiting up to {WARM_STOP_S:.0f}s for the jobs in flight "
                        "to finish (Ctrl-C again to cancel them now)")
            if not self._exited(process, WARM_STOP_S - QUIET_STOP_S, step=0):
                self.notify("stopping the embedded workers: cancelling the jobs in flight (they go back to the queue)")
                self._signal(process, signal.SIGQUIT)
                self._exited(process, COLD_STOP_S, step=1)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # what is left of its group (pool processes)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        if process.poll() is None:
            os.kill(process.pid, sig)

    def _exited(self, process: subprocess.Popen[bytes], wait_s: float, step: int) -> bool:
        """Wait up to `wait_s` for the process to exit, unless Ctrl-C was hit more than `step` times while stopping."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and self._hurry <= step:
            if process.poll() is not None:
                return True
            time.sleep(0.05)
        return process.poll() is not None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
