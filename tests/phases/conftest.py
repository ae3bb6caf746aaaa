"""Fixtures for phase tests: the todo fixtures run through the real Database and Interface phases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.phases.fixture_context import FixtureContext, analyze_ast, phase_answers
from workers.phases.base import PhaseOutput
from workers.phases.database.phase import DatabasePhase
from workers.phases.interface.phase import InterfacePhase


@pytest.fixture(scope="session")
def analyze_prior() -> dict[str, Any]:
    return analyze_ast("todo")


@pytest.fixture(scope="session")
def database_run(analyze_prior: dict[str, Any]) -> tuple[FixtureContext, PhaseOutput]:
    ctx = FixtureContext(priors={"analyze": analyze_prior}, answers=phase_answers("todo", "database"))
    return ctx, DatabasePhase().run(ctx)


@pytest.fixture(scope="session")
def interface_run(analyze_prior: dict[str, Any],
                  database_run: tuple[FixtureContext, PhaseOutput]) -> tuple[FixtureContext, PhaseOutput]:
    priors = {"analyze": analyze_prior, "database": database_run[1].ast}
    ctx = FixtureContext(priors=priors, answers=phase_answers("todo", "interface"))
    return ctx, InterfacePhase().run(ctx)


@pytest.fixture(scope="session")
def priors(analyze_prior: dict[str, Any], database_run: tuple[FixtureContext, PhaseOutput],
           interface_run: tuple[FixtureContext, PhaseOutput]) -> dict[str, dict[str, Any]]:
    """What the Test and Realize phases read: the merged ASTs of the three phases before them."""
    return {"analyze": analyze_prior, "database": database_run[1].ast, "interface": interface_run[1].ast}
