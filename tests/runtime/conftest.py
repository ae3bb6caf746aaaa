"""What the runtime tests share: a real generated backend (`farm demo`'s clean todo run), the npm
cache kept across sessions, a private PostgreSQL for the session, and the clean backend prepared
(installed, its schema applied, built) and listening on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.postgres_server import PostgresServer
from farm.redis_server import free_port
from runtime.cli import npm_cache_dir
from runtime.project import Server
from tests.runtime.clean_run import BOOT_SECONDS, JWT_SECRET, Prepared, copy_run

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


@pytest.fixture(scope="session")
def prepared(demo_run: Path, npm_cache: Path, postgres: PostgresServer,
             tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The clean tree installed, its client generated, its schema applied and its code built."""
    project = copy_run(demo_run, tmp_path_factory.mktemp("clean"))
    database_url = postgres.create_database("t_" + uuid.uuid4().hex[:12]).url
    steps = [project.install(npm_cache), project.generate_client(), project.apply_schema(database_url), project.build()]
    return Prepared(project, database_url, steps)


@pytest.fixture(scope="session")
def clean_server(prepared: Prepared, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The prepared clean backend listening on 127.0.0.1 (every test that calls it makes its own members)."""
    failed = [step for step in prepared.steps if not step.ok]
    assert not failed, f"{failed[0].step}: {failed[0].reason}\n{failed[0].log}"
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {"DATABASE_URL": prepared.database_url, "JWT_SECRET": JWT_SECRET}
    running = prepared.project.start(free_port(), env, log)
    try:
        boot = running.wait_healthy(time.monotonic() + BOOT_SECONDS)
        assert boot.ok, f"{boot.reason}\n{boot.log}"
        yield running
    finally:
        running.stop()
