"""A long-lived helper process spoken to in JSON lines: one request, one answer line, one at a time.

Starting Node costs more than most answers (0.1 s of CPU for a Prisma validation that then takes a
few milliseconds), so the toolchain's bridges stay up and take request after request. The process
exits when its stdin closes, so a Python process that dies never leaves one behind; `close` also
waits for it and for what it started (a compiler may outlive its bridge by a moment).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from scoring.toolchain.paths import ToolchainError


class LineProcess:
    """`argv` started with its stderr in `log`; `request` sends a JSON line and reads one back."""

    def __init__(self, argv: Sequence[str], log: Path, *, env: dict[str, str], cwd: Path | None = None,
                 name: str = "the helper") -> None:  # fmt: skip
        self.name = name
        self._lock = threading.Lock()
        self._buffer = b""
        self.log = log
        # stderr goes to a file: an unread pipe could fill up and stall the process.
        with log.open("wb") as handle:
            self._process = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=handle,
                                             env=env, cwd=cwd)  # fmt: skip

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def read(self, timeout_s: float) -> dict[str, Any]:
        """One answer line, read in chunks so a hung process cannot block past `timeout_s`."""
        stdout = self._process.stdout
        assert stdout is not None
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([stdout], [], [], timeout_s)
            if not ready:
                raise ToolchainError(f"{self.name} did not answer within {timeout_s:.0f}s")
            chunk = os.read(stdout.fileno(), 1 << 20)
            if not chunk:
                raise ToolchainError(f"{self.name} exited: {self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        with self._lock:
            stdin = self._process.stdin
            if stdin is None or stdin.closed:
                raise ToolchainError(f"{self.name} is closed")
            try:
                stdin.write(json.dumps(payload).encode() + b"\n")
                stdin.flush()
            except BrokenPipeError as exc:
                raise ToolchainError(f"{self.name} exited: {self.stderr()}") from exc
            return self.read(timeout_s)

    def stderr(self) -> str:
        try:
            return self.log.read_text(errors="replace").strip()[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        """End the process (closing stdin lets it finish cleanly) and wait for it and its children."""
        children = _descendants(self._process.pid)
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        _wait_gone(children)


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait_gone(processes: list[psutil.Process], timeout_s: float = 5.0) -> None:
    """Wait for processes that are not our children to exit; kill what is still there after that."""
    deadline = time.monotonic() + timeout_s
    alive = [p for p in processes if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [p for p in alive if _running(p)]
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
