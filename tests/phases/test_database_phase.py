"""The Database phase on the todo fixtures: operations asked, golden files, real Prisma validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from farm.outcomes import ModelFailed
from scoring.toolchain import validate_prisma
from tests.phases.fixture_context import FIXTURES, FixtureContext, answer, load_json, phase_answers
from tests.phases.trees import assert_golden
from workers.phases.base import Diagnostic, PhaseOutput
from workers.phases.database.ast import DatabaseApplication
from workers.phases.database.phase import DatabasePhase

BAD = FIXTURES / "todo" / "bad" / "database"


def test_operations_and_summary(database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    ctx, output = database_run
    assert ctx.asked == ["groups", "schema-actors", "schema-todos"]
    assert output.summary == {"namespaces": 2, "models": 4, "fields": 34}
    assert DatabaseApplication.model_validate(output.ast).model_dump(mode="json") == output.ast


def test_emitted_files_match_golden(database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    assert_golden(database_run[1].files, "todo/database")


def test_emitted_prisma_passes_the_real_validator(database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    files = database_run[1].files
    schemas = {path: text for path, text in files.items() if path.startswith("prisma/schema/")}
    assert sorted(schemas) == ["prisma/schema/actors.prisma", "prisma/schema/main.prisma", "prisma/schema/todos.prisma"]
    assert validate_prisma(schemas) == []


def test_dangling_foreign_key_is_rejected_then_fixed(analyze_prior: dict[str, Any],
                                                     database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    answers = phase_answers("todo", "database")
    answers["schema-todos"].insert(0, answer("database", "schema-todos", "dangling-fk"))
    ctx = FixtureContext(priors={"analyze": analyze_prior}, answers=answers)
    output = DatabasePhase().run(ctx)
    expected = [Diagnostic.model_validate(d) for d in load_json(BAD / "schema-todos.diagnostics.json")]
    assert ctx.diagnostics["schema-todos"] == [expected, []]
    assert output.files == database_run[1].files


def _clashing_answers() -> dict[str, list[Any]]:
    """schema-todos names the reverse relation `email` on todo_members, a column defined in another namespace."""
    answers = phase_answers("todo", "database")
    clash = copy.deepcopy(answers["schema-todos"][0])
    clash["models"][0]["foreign_fields"][0]["relation"]["opposite_name"] = "email"
    answers["schema-todos"] = [clash]
    return answers


def test_cross_namespace_clash_goes_to_a_correction_operation(
        analyze_prior: dict[str, Any], database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    answers = _clashing_answers()
    answers["correct-todos-1"] = phase_answers("todo", "database")["schema-todos"]
    ctx = FixtureContext(priors={"analyze": analyze_prior}, answers=answers)
    output = DatabasePhase().run(ctx)
    assert ctx.asked == ["groups", "schema-actors", "schema-todos", "correct-todos-1"]
    assert ctx.diagnostics["schema-todos"] == [[]]
    assert "opposite_name 'email' is already a column or relation of model 'todo_members'" in ctx.operations[
        "correct-todos-1"].user
    assert output.files == database_run[1].files


def test_uncorrected_schema_fails_the_model(analyze_prior: dict[str, Any]) -> None:
    answers = _clashing_answers()
    answers["correct-todos-1"] = answers["correct-todos-2"] = [answers["schema-todos"][0]] * 2
    ctx = FixtureContext(priors={"analyze": analyze_prior}, answers=answers)
    with pytest.raises(ModelFailed, match="correct-todos-1"):
        DatabasePhase().run(ctx)
    assert ctx.diagnostics["correct-todos-1"][0] == [Diagnostic(
        file="prisma/schema/todos.prisma", location="todo_items.todo_member_id", code="database.opposite-clash",
        message="opposite_name 'email' is already a column or relation of model 'todo_members'; "
                "choose another name for the reverse relation")]


def test_namespace_operation_is_checked_by_the_real_prisma_validator(analyze_prior: dict[str, Any]) -> None:
    """An index-name clash only Prisma knows about is sent back to schema-todos itself."""
    answers = phase_answers("todo", "database")
    clash = copy.deepcopy(answers["schema-todos"][0])
    clash["models"][0]["plain_indexes"].append({"fields": ["title"]})
    answers["schema-todos"].insert(0, clash)
    ctx = FixtureContext(priors={"analyze": analyze_prior}, answers=answers)
    DatabasePhase().run(ctx)
    first, second = ctx.diagnostics["schema-todos"]
    assert {(d.file, d.location, d.code) for d in first} == {("prisma/schema/todos.prisma", "todo_items", "prisma")}
    assert all("`todo_items_title_idx` has to be unique" in d.message for d in first) and second == []
