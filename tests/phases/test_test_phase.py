"""The Test phase on the todo book: operations asked, golden files, tests that call only real SDK
functions and type-check, and compiler feedback that leads the learner to a working test."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scoring.toolchain import typecheck
from tests.phases.fixture_context import FixtureContext, answer, phase_answers
from tests.phases.trees import assert_golden, write_tree
from workers.phases.base import PhaseOutput
from workers.phases.test.phase import TestPhase

_SDK_FUNCTION = re.compile(r"^export async function (\w+)\(", re.MULTILINE)
_SDK_CALL = re.compile(r"\bapi\.functional\.([\w.]+)\(")


@pytest.fixture(scope="module")
def test_run(priors: dict[str, dict[str, Any]]) -> tuple[FixtureContext, PhaseOutput]:
    ctx = FixtureContext(priors=priors, answers=phase_answers("todo", "test"))
    return ctx, TestPhase().run(ctx)


def test_a_scenario_then_a_test_per_operation(test_run: tuple[FixtureContext, PhaseOutput]) -> None:
    ctx, output = test_run
    scenarios = [op for op in ctx.asked if op.startswith("scenario-")]
    tests = [op for op in ctx.asked if op.startswith("test-")]
    assert len(scenarios) == len(tests) == 16 and ctx.asked == scenarios + tests
    assert [s.removeprefix("scenario-") for s in scenarios] == [t.removeprefix("test-") for t in tests]
    assert output.summary == {"operations": 16, "tests": 16, "statements": 117, "type_errors": 0}
    assert "api.functional.todos.create(connection, body: ITodoItem.ICreate)" in ctx.operations["test-todos-create"].user


def test_emitted_files_match_golden(test_run: tuple[FixtureContext, PhaseOutput]) -> None:
    assert_golden(test_run[1].files, "todo/test")


def test_tests_call_only_functions_the_sdk_exports(test_run: tuple[FixtureContext, PhaseOutput],
                                                   interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    exported = set()
    for path, text in interface_run[1].files.items():
        if path.startswith("src/api/functional/"):
            chain = path.removeprefix("src/api/functional/").removesuffix("index.ts").strip("/").replace("/", ".")
            exported |= {f"{chain}.{name}" if chain else name for name in _SDK_FUNCTION.findall(text)}
    tests = {path: text for path, text in test_run[1].files.items() if path.startswith("test/features/api/")}
    called = {call for text in tests.values() for call in _SDK_CALL.findall(text)}
    assert len(tests) == 16 and called <= exported
    assert called == exported  # every operation's test calls it


def test_tests_type_check_clean_with_the_scorers_compiler(test_run: tuple[FixtureContext, PhaseOutput],
                                                          interface_run: tuple[FixtureContext, PhaseOutput],
                                                          tmp_path: Path) -> None:
    write_tree(tmp_path, {**interface_run[1].files, **test_run[1].files})
    assert typecheck(tmp_path, include=["test/**/*.ts"]) == []


def test_an_unknown_sdk_function_is_fixed_after_the_diagnostic(priors: dict[str, dict[str, Any]]) -> None:
    answers = phase_answers("todo", "test")
    answers["test-auth-member-login"] = [answer("test", "test-auth-member-login", "unknown-function"),
                                         answer("test", "test-auth-member-login")]
    ctx = FixtureContext(priors=priors, answers=answers)
    TestPhase().run(ctx)
    first, second = ctx.diagnostics["test-auth-member-login"]
    assert [(d.location, d.code) for d in first] == [("statements[1].function", "test.unknown-function"),
                                                     ("statements", "test.target-not-called")]
    assert "auth.member.login" in first[0].message and second == []


def test_a_type_error_points_at_the_statement(priors: dict[str, dict[str, Any]]) -> None:
    """Our compiler cannot see types of values; TypeScript can, and its finding names the statement."""
    wrong = answer("test", "test-todos-create")
    wrong["statements"][5]["expression"]["expected"] = {"type": "string", "value": "four"}  # priority is a number
    answers = phase_answers("todo", "test")
    answers["test-todos-create"] = [wrong, answer("test", "test-todos-create")]
    ctx = FixtureContext(priors=priors, answers=answers)
    TestPhase().run(ctx)
    first, second = ctx.diagnostics["test-todos-create"]
    assert [(d.file, d.code) for d in first] == [("test/features/api/todos/test_api_todos_create.ts", "TS2345")]
    assert first[0].location is not None and first[0].location.startswith("statements[5], column ")
    assert second == []


def test_a_test_that_never_compiles_ends_model_failed_with_the_others(priors: dict[str, dict[str, Any]]) -> None:
    from workers.phases.partial import PartialModelFailure

    answers = phase_answers("todo", "test")
    answers["test-auth-member-login"] = [answer("test", "test-auth-member-login", "unknown-function")] * 4
    with pytest.raises(PartialModelFailure, match="test-auth-member-login") as failure:
        TestPhase().run(FixtureContext(priors=priors, answers=answers))
    files = failure.value.output.files
    assert "test/features/api/auth/member/test_api_auth_member_login.ts" not in files
    assert len([p for p in files if p.startswith("test/features/")]) == 15
    assert "test_api_auth_member_login" not in files["test/index.ts"]
