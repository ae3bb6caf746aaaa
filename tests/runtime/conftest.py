"""What the runtime tests share: a real generated backend (`farm demo`'s clean todo run), the npm
cache kept across sessions, and a private PostgreSQL for the session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.postgres_server import PostgresServer
from runtime.cli import npm_cache_dir

DEMO_TIMEOUT = 300


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run directory of the clean model's todo project, made by `farm demo` (no key, the simulator)."""
    workdir = tmp_path_factory.mktemp("demo")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FARM_") or key == "FARM_RUNTIME_NPM_CACHE"}
    completed = subprocess.run([str(Path(sys.executable).parent / "farm"), "demo"], cwd=workdir, env=env,
                               capture_output=True, text=True, timeout=DEMO_TIMEOUT)
    output = completed.stdout[-3000:] + completed.stderr[-3000:]
    runs = list(workdir.glob("farm-store/rounds/demo-*/runs/sim/clean/todo"))
    assert completed.returncode == 0 and len(runs) == 1, output
    finished = (runs[0] / "database" / "ast.json").is_file() and (runs[0] / "tree" / "test" / "index.ts").is_file()
    assert finished, f"the clean todo run did not finish:\n{output}"
    return runs[0]


@pytest.fixture(scope="session")
def npm_cache() -> Path:
    """Kept across sessions (like the wheel cache), so only a machine's first run downloads packages."""
    return npm_cache_dir()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server
