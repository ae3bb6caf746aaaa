"""The clean model's todo run, copied and prepared for the runtime tests that boot it (their fixtures
are in conftest.py)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from runtime.project import Project, StepResult

BOOT_SECONDS = 60  # AutoBe's health poll
JWT_SECRET = "runtime-test-secret-" + "x" * 32


def copy_run(demo_run: Path, destination: Path) -> Project:
    """A private copy of the run (tree and Database AST), without anything built in it."""
    shutil.copytree(demo_run / "tree", destination / "tree", ignore=shutil.ignore_patterns("node_modules", "dist"))
    shutil.copytree(demo_run / "database", destination / "database")
    return Project.from_run(destination)


@dataclass
class Prepared:
    project: Project
    database_url: str
    steps: list[StepResult]
