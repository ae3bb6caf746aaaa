"""The Node process that keeps a TypeScript program open (bridge.mjs), and its JSON-line protocol.

One request at a time (a lock), each answered by one line. The process exits when its stdin
closes, so a worker that dies never leaves a compiler behind; `close` also waits for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from scoring.toolchain import ToolchainError, node_modules_dir
from scoring.toolchain.paths import node_binary

_BRIDGE = Path(__file__).with_name("bridge.mjs")
START_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 300.0


class TsServer:
    """A running bridge over one tsconfig; raises ToolchainError when the compiler fails."""

    def __init__(self, tsconfig: Path) -> None:
        env = {**os.environ, "FARM_NODE_MODULES": str(node_modules_dir())}
        self._lock = threading.Lock()
        self._buffer = b""
        # stderr goes to a file: an unread pipe could fill up and stall the compiler.
        self._log = tsconfig.with_name("bridge.log")
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [node_binary(), str(_BRIDGE), str(tsconfig)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, env=env, cwd=tsconfig.parent,
            )
        try:
            self._read(START_TIMEOUT_S)
        except ToolchainError:
            self.close()
            raise

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            stdin = self._process.stdin
            if stdin is None or stdin.closed:
                raise ToolchainError("the type checker is closed")
            try:
                stdin.write(json.dumps(payload).encode() + b"\n")
                stdin.flush()
            except BrokenPipeError as exc:
                raise ToolchainError(f"the type checker exited: {self._stderr()}") from exc
            answer = self._read(REQUEST_TIMEOUT_S)
        if not answer.get("ok"):
            raise ToolchainError(f"type checker request {payload.get('method')} failed: {answer.get('error', '')[:2000]}")
        return answer

    def _read(self, timeout: float) -> dict[str, Any]:
        """One answer line, read in chunks so a hung compiler cannot block past `timeout`."""
        stdout = self._process.stdout
        assert stdout is not None
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([stdout], [], [], timeout)
            if not ready:
                raise ToolchainError(f"the type checker did not answer within {timeout:.0f}s")
            chunk = os.read(stdout.fileno(), 1 << 20)
            if not chunk:
                raise ToolchainError(f"the type checker exited: {self._stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _stderr(self) -> str:
        try:
            return self._log.read_text(errors="replace").strip()[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        """End the process (closing stdin lets it shut its compiler down) and wait for both."""
        compiler = _descendants(self._process.pid)  # may outlive the bridge by a moment
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        _wait_gone(compiler)


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
