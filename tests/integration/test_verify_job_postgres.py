"""A worker process's PostgreSQL for verifies under FARM_POSTGRES_DATA: a data directory per process,
kept across starts, and the server a killed process left behind stopped by its slot's next user."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from farm.postgres_server import PostgresServer
from workers.verify_job import POSTGRES_DATA_ENV, ProcessPostgres

pytestmark = pytest.mark.integration


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """FARM_POSTGRES_DATA somewhere the `postgres` OS user can reach (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="farm-verify-pg-"))
    path.chmod(0o755)
    monkeypatch.setenv(POSTGRES_DATA_ENV, str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_each_process_gets_a_slot_of_its_own_and_stops_what_a_dead_one_left_there(root: Path) -> None:
    orphan = PostgresServer(root / "slot-0").start()  # as a worker process killed outright leaves it
    first, second = ProcessPostgres(), ProcessPostgres()  # two processes' (their locks conflict the same)
    try:
        server = first.get()
        assert not psutil.pid_exists(orphan.pid) or psutil.Process(orphan.pid).status() == psutil.STATUS_ZOMBIE
        assert server.data_dir == root / "slot-0" and first.get() is server  # kept while it answers
        assert second.get().data_dir == root / "slot-1"
        server.admin("SELECT 1")

        os.killpg(server.pid, signal.SIGKILL)  # gone behind its back: started again at the next verify
        again = first.get()
        assert again is not server and again.data_dir == root / "slot-0"
    finally:
        for process in (first, second):
            process.stop()
        orphan.stop()
    assert not (root / "slot-0" / "postmaster.pid").exists()
