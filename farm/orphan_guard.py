"""Stop a server's process group when the process that started it dies, however it dies.

A parent-death signal (prctl PR_SET_PDEATHSIG) fires when the *thread* that started a child ends,
which in a worker is any thread, not the process; and a SIGKILLed process runs no cleanup. So a
guard: this file run as a small process whose stdin is a pipe from the owner. Only the owner holds
the pipe's write end, so EOF comes when the owner closes it or the kernel does at the owner's death.
On EOF the guard sends the group a signal, waits for its leader to go, and removes the directories
it was given (a throwaway cluster's data). The owner stops it with `OrphanGuard.release` before
stopping the server itself, so a normal stop is never raced by the guard.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

LEADER_GONE_S = 30.0  # how long the guard waits for the group's leader before it sends SIGKILL


class OrphanGuard:
    """A guard process for one process group; `release` ends it without touching the group."""

    def __init__(self, pgid: int, signum: int, remove: Sequence[Path] = ()) -> None:
        argv = [sys.executable, "-I", str(Path(__file__).resolve()), str(pgid), str(int(signum)), *map(str, remove)]
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # no terminal's Ctrl-C reaches it: only its owner's end does

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def release(self) -> None:
        """End the guard without its signal: the owner stops the server itself."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait(timeout=10)
        if process.stdin is not None:
            process.stdin.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _guard(pgid: int, signum: int, remove: list[Path]) -> None:
    while sys.stdin.buffer.read(4096):
        pass  # the owner never writes; EOF is its death (or its close)
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + LEADER_GONE_S
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for path in remove:
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    _guard(int(sys.argv[1]), int(sys.argv[2]), [Path(arg) for arg in sys.argv[3:]])
