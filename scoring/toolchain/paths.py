"""Locate the pinned Node toolchain (node binary, node_modules) the compilers run on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ENV_VAR = "FARM_TOOLCHAIN_DIR"
_REPO_NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


class ToolchainError(RuntimeError):
    """The pinned toolchain is missing or a compiler process failed in a way that is not a diagnostic."""


def node_modules_dir() -> Path:
    """The node_modules holding the pinned toolchain: `$FARM_TOOLCHAIN_DIR`, else the repo root's.

    An installed wheel has no repo root, so deployments point the env variable at their `npm ci` output.
    """
    configured = os.environ.get(ENV_VAR)
    path = Path(configured) if configured else _REPO_NODE_MODULES
    if not (path / "typescript" / "package.json").is_file():
        source = f"${ENV_VAR}" if configured else "the repository root"
        raise ToolchainError(f"no pinned toolchain at {path} (from {source}): run `npm ci` in the repository root")
    return path.resolve()


def node_binary() -> str:
    """The `node` executable on PATH; the wasm Prisma validator needs it."""
    node = shutil.which("node")
    if node is None:
        raise ToolchainError("`node` is not on PATH; the Prisma validator and tsc wrapper need Node.js >= 20")
    return node


def tsc_binary() -> Path:
    """The native tsc executable shipped by the pinned `typescript` package (one per platform)."""
    modules = node_modules_dir()
    candidates = sorted((modules / "@typescript").glob("typescript-*/lib/tsc"))
    if not candidates:
        raise ToolchainError(f"no native tsc under {modules / '@typescript'}: run `npm ci`")
    return candidates[0]
