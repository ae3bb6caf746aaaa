"""Real servers and processes for integration tests: all bind 127.0.0.1, all are always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from farm.redis_server import free_port

REPO = Path(__file__).resolve().parent.parent


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """moto's S3-compatible server over HTTP; yields its endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(url + "/moto-api/", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, 30, "moto server")
        yield url
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, grace_s: float = 10) -> None:  # type: ignore[type-arg]
    """Terminate, and kill what does not stop within the grace period."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class WorkerProcess:
    """A real Celery worker (prefork) running the farm's tasks, in its own process group."""

    def __init__(
        self, env: dict[str, str], log: Path, concurrency: int = 1, queues: str = "generate,score,runtime",
        app: str = "workers.celery_app",
    ) -> None:  # fmt: skip
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues,
            "--pool", "prefork", "-c", str(concurrency), "--loglevel", "INFO",
            "-n", f"test-{free_port()}@%h", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        with log.open("ab") as handle:
            self.process = subprocess.Popen(
                command, env={**os.environ, **env}, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: "ready." in log.read_text(errors="replace") or self.process.poll() is not None,
                   60, "celery worker ready")
        if self.process.poll() is not None:
            raise RuntimeError(f"worker exited at start:\n{log.read_text()[-3000:]}")

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
