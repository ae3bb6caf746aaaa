"""Run the Node bridge script against the pinned Prisma wasm with a JSON request on stdin."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from scoring.toolchain.paths import ToolchainError, node_binary, node_modules_dir

_BRIDGE = Path(__file__).with_name("prisma_bridge.js")  # CommonJS: no package.json "type" above it
_TIMEOUT_S = 120


def call_prisma_bridge(command: str, files: dict[str, str]) -> dict[str, Any]:
    """Send `files` (sorted, so the validator sees one order) to the bridge and return its JSON answer."""
    request = {"command": command, "files": [[path, files[path]] for path in sorted(files)]}
    env = {**os.environ, "FARM_NODE_MODULES": str(node_modules_dir())}
    try:
        done = subprocess.run(
            [node_binary(), str(_BRIDGE)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            env=env,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"Prisma validator timed out after {_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        raise ToolchainError(f"Prisma validator bridge failed (exit {done.returncode}): {done.stderr.strip()[:2000]}")
    return json.loads(done.stdout)
