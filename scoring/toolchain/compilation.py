"""One pass of the pinned TypeScript compiler over a project, through its API (`ts_bridge.mjs`).

The scorer needs each file's syntactic diagnostics (rubric §1.3: every file parsed alone by the
compiler's own parser) and the whole program's semantic diagnostics (§1.4) even when some file does
not parse, which the `tsc` CLI never reports together: it stops at syntax errors.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scoring.toolchain.paths import ToolchainError, node_binary, node_modules_dir
from scoring.toolchain.typescript import COMPILE_TIMEOUT_S, TsDiagnostic, compiler_workspace, sort_diagnostics

_BRIDGE = Path(__file__).with_name("ts_bridge.mjs")


@dataclass(frozen=True)
class Compilation:
    """What the compiler found, by kind; files relative to the project root, each list sorted."""

    global_: list[TsDiagnostic]  # config, options and program-wide diagnostics
    syntactic: list[TsDiagnostic]
    semantic: list[TsDiagnostic]


def compile_project(root: Path, files: list[str], client_stub: Callable[[], str]) -> Compilation:
    """Compile `files` (relative to `root`) together, the text `client_stub()` returns standing in for
    `@prisma/client`. The compiler parses the program while that text is made (a Prisma schema read)."""
    root = Path(root).resolve()
    env = {**os.environ, "FARM_NODE_MODULES": str(node_modules_dir())}
    with compiler_workspace(root, files) as workspace, subprocess.Popen(
        [node_binary(), str(_BRIDGE), str(workspace.config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env,
    ) as bridge:
        try:
            workspace.client_stub.write_text(client_stub(), encoding="utf-8")
            out, err = bridge.communicate(str(workspace.client_stub), timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            bridge.kill()
            raise ToolchainError(f"the compiler timed out after {COMPILE_TIMEOUT_S}s on {root}") from exc
        except BaseException:
            bridge.kill()
            raise
        if bridge.returncode != 0:
            raise ToolchainError(f"the compiler bridge failed (exit {bridge.returncode}): {err.strip()[-2000:]}")
        found = json.loads(out)
        kinds = {kind: sort_diagnostics([workspace.diagnostic(raw) for raw in found[kind]])
                 for kind in ("global", "syntactic", "semantic")}
    return Compilation(global_=kinds["global"], syntactic=kinds["syntactic"], semantic=kinds["semantic"])
