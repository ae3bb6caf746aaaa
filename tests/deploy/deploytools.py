"""Helpers for the deployment checks: where the repo and the external tools are.

The tools come from deploy/ci-install.sh. A missing tool fails the test (it never skips): a
deployment check that silently does not run is worse than none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "benchfarm"
DEPLOY = REPO / "deploy"
TOOLS_DIR = Path(
    os.environ.get("FARM_DEPLOY_TOOLS")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "benchfarm" / "deploy-tools"
)


def find_tool(name: str) -> str:
    """The pinned copy first ($FARM_DEPLOY_TOOLS/bin, this Python's bin/), then PATH."""
    for candidate in (TOOLS_DIR / "bin" / name, Path(sys.executable).parent / name):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(
        f"`{name}` not found in {TOOLS_DIR / 'bin'}, next to {sys.executable}, or on PATH. "
        "Install the deployment test tools with: bash deploy/ci-install.sh",
        pytrace=False,
    )


def need_module(name: str):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as exc:
        pytest.fail(f"Python module {name} is missing ({exc}). Run: bash deploy/ci-install.sh", pytrace=False)


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)
