"""The Node bridge to the pinned Prisma wasm (prisma_bridge.js), one long-lived process per Python process.

Starting Node and loading the wasm costs ~0.1 s of CPU, a validation a few milliseconds: a run's
database phase validates each namespace's schema and then the whole, its test, realize and score
jobs read its datamodel, so the bridge stays up and takes request after request.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from scoring.toolchain.line_process import LineProcess
from scoring.toolchain.paths import ToolchainError, node_binary, node_modules_dir

_BRIDGE = Path(__file__).with_name("prisma_bridge.js")  # CommonJS: no package.json "type" above it
_TIMEOUT_S = 120
_lock = threading.Lock()
_bridge: tuple[int, LineProcess] | None = None  # with the pid that started it: a forked child starts its own


def _live_bridge() -> LineProcess:
    global _bridge
    with _lock:
        if _bridge is not None and _bridge[0] == os.getpid() and _bridge[1].alive:
            return _bridge[1]
        log = Path(tempfile.gettempdir()) / f"farm-prisma-bridge-{os.getpid()}.log"
        env = {**os.environ, "FARM_NODE_MODULES": str(node_modules_dir())}
        process = LineProcess([node_binary(), str(_BRIDGE)], log, env=env, name="the Prisma validator")
        _bridge = (os.getpid(), process)
        return process


def call_prisma_bridge(command: str, files: dict[str, str]) -> dict[str, Any]:
    """Send `files` (sorted, so the validator sees one order) to the bridge and return its JSON answer."""
    request = {"command": command, "files": [[path, files[path]] for path in sorted(files)]}
    bridge = _live_bridge()
    try:
        answer = bridge.request(request, _TIMEOUT_S)
    except ToolchainError:
        bridge.close()  # hung or dead: the next call starts a fresh one
        raise
    if "error" in answer:
        raise ToolchainError(f"Prisma validator bridge failed: {answer['error'][:2000]}")
    return answer


@atexit.register
def _close() -> None:
    if _bridge is not None and _bridge[0] == os.getpid():
        _bridge[1].close()
        _bridge[1].log.unlink(missing_ok=True)
