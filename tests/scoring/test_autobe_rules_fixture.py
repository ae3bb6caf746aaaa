"""A small AutoBe-layout project written for these rules (fixtures/autobe_rules_todo), scored by hand.

Documentation: 2 analysis documents (the one in notes/ and the ERD are not), 719 characters with the
README; 01 has 2 headers, 6 keyword occurrences and the word "todo"; 02 has one header (its `####` is
none), 4 keyword occurrences and no boilerplate; the README has 2 headers and setup/setup/usage.
Tests: 7 routes; `todo.items.create` covers POST todo/items, `todo.items.update` PUT :itemId and PATCH,
`auth.join` POST auth/join; the update test asserts with TestValidator only.
DTOs: ITodoItem, ICreate and the empty IEmpty; `due_at` is tagged with a column todo_items lacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.documentation import documentation_axis
from scoring.axes.requirements import requirements_axis
from scoring.axes.testcov import coverage_axis
from scoring.issues import dedupe
from scoring.penalties import duplication_penalty, jsdoc_penalty, schema_sync_penalty
from scoring.project import Project

FIXTURE = Path(__file__).parent / "fixtures" / "autobe_rules_todo"
MARCH = profiles.load("autobe-2026.03").rules  # basic documentation points
APRIL = profiles.load("autobe-2026.04").rules


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.load(FIXTURE)


def test_documentation(project: Project) -> None:
    result = documentation_axis(project, MARCH)
    assert (result.metrics["docsFiles"], result.metrics["totalChars"]) == (2, 719)
    assert result.metrics["points"] == {
        "docsFolder": 20, "readme": 10, "docsCount": 5, "volume": 0, "structure": 5, "requirementLanguage": 5,
        "noBoilerplate": 3,  # round(2.5), half up
        "readmeQuality": 1 + 1 + 5}
    assert result.score == 55
    assert [(i.code, i.severity) for i in result.issues] == [("DOC004", "suggestion"), ("DOC005", "warning")]


def test_requirements(project: Project) -> None:
    result = requirements_axis(project, APRIL)
    assert (result.score, result.metrics["mappingRatio"], result.issues) == (100, 1.0, [])


def test_test_coverage(project: Project) -> None:
    result = coverage_axis(project, APRIL)
    m = result.metrics
    assert (m["totalRoutes"], m["coveredRoutes"], m["assertionTests"], m["meanControllerCoverage"]) == (7, 4, 2, 0.55)
    assert m["points"] == {"routes": 29, "methods": 9, "quality": 17, "perController": 6}
    assert result.score == 61
    # AutoBe's test findings carry no place, so its de-duplication leaves one TEST005 of the two.
    assert [(i.code, i.severity) for i in dedupe(result.issues)] == [
        ("TEST003", "warning"), ("TEST005", "warning"), ("TEST006", "suggestion")]


def test_penalty_counts(project: Project) -> None:
    sync, sync_issues = schema_sync_penalty(project, APRIL)
    counts = (sync.inputs["types"], sync.inputs["emptyTypes"], sync.inputs["mismatchedProperties"], sync.raw)
    assert counts == (3, 1, 1, 1)
    assert [(i.code, i.line) for i in sync_issues] == [("SYNC002", 24), ("SYNC001", 35)]
    jsdoc, jsdoc_issues = jsdoc_penalty(project)
    assert (jsdoc.inputs["declarations"], jsdoc.raw) == (4, 0)
    assert [(i.code, i.file) for i in jsdoc_issues] == [("J001", "src/controllers/auth/AuthController.ts")]
    assert duplication_penalty(project).inputs["duplicateBlocks"] == 0
