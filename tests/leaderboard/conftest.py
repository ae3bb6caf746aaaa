from __future__ import annotations

from pathlib import Path

import pytest

from farm.store import LocalStore
from tests.leaderboard.scenario import write_earlier, write_later, write_repeated


@pytest.fixture(scope="session")
def rounds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the scenario rounds; tests that write copy it first (see `store`)."""
    root = tmp_path_factory.mktemp("rounds")
    store = LocalStore(root)
    write_earlier(store)
    write_later(store)
    write_repeated(store)
    return root


@pytest.fixture
def store(rounds_dir: Path, tmp_path: Path) -> LocalStore:
    """A private copy of the scenario store."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(rounds_dir, copy)
    return LocalStore(copy)
