"""Fixture directories for simulator tests: copies of the shipped scripts plus models of a test's own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from farm.sim.fixtures import DEFAULT_SCRIPTS_DIR

@pytest.fixture
def scripts_dir(tmp_path: Path) -> Path:
    """A writable copy of farm/sim/scripts."""
    target = tmp_path / "scripts"
    shutil.copytree(DEFAULT_SCRIPTS_DIR, target)
    return target


@pytest.fixture
def make_model(scripts_dir: Path) -> Callable[..., Path]:
    """Write `models/<stem>.yaml` in `scripts_dir`: a valid zero-latency model unless overridden."""

    def make(stem: str, **fields: Any) -> Path:
        spec: dict[str, Any] = {
            "name": f"test/{stem}",
            "description": f"test model {stem}",
            "prices": {"input": 1.0, "cached": 0.1, "output": 2.0},
            "latency_ms": 0,
            "books": ["todo"],
            "script": {"*": ["answer"]},
        }
        spec.update(fields)
        path = scripts_dir / "models" / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        return path

    return make
