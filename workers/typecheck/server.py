"""The Node process that keeps a TypeScript program open (bridge.mjs), and its JSON-line protocol.

One request at a time, each answered by one line (scoring.toolchain.line_process). The process
exits when its stdin closes, so a worker that dies never leaves a compiler behind; `close` also
waits for it and the native compiler it runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scoring.toolchain import ToolchainError, node_modules_dir
from scoring.toolchain.line_process import LineProcess
from scoring.toolchain.paths import node_binary

_BRIDGE = Path(__file__).with_name("bridge.mjs")
START_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 300.0


class TsServer:
    """A running bridge over one tsconfig; raises ToolchainError when the compiler fails."""

    def __init__(self, tsconfig: Path) -> None:
        env = {**os.environ, "FARM_NODE_MODULES": str(node_modules_dir())}
        self._process = LineProcess([node_binary(), str(_BRIDGE), str(tsconfig)], tsconfig.with_name("bridge.log"),
                                    env=env, cwd=tsconfig.parent, name="the type checker")  # fmt: skip
        try:
            self._process.read(START_TIMEOUT_S)  # its "ready" line
        except ToolchainError:
            self.close()
            raise

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = self._process.request(payload, REQUEST_TIMEOUT_S)
        if not answer.get("ok"):
            raise ToolchainError(f"type checker request {payload.get('method')} failed: {answer.get('error', '')[:2000]}")
        return answer

    def close(self) -> None:
        self._process.close()
