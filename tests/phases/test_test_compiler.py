"""The Test phase's AST compiler and emitter on small hand-written tests against the todo SDK."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.phases.fixture_context import FixtureContext
from workers.phases.base import PhaseOutput
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.test.ast import E2eTest, Scenario
from workers.phases.test.compiler import check_scenario, check_test
from workers.phases.test.emit import e2e_name, e2e_path, render_test
from workers.phases.test.sdk import SdkFunction, sdk_functions


def ident(name: str) -> dict[str, Any]:
    return {"type": "identifier", "name": name}


def prop(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return {"type": "property", "object": obj, "name": name}


def call(function: str, *arguments: dict[str, Any], variable: str | None = None,
         connection: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "apiCall", "variable": variable, "function": function, "connection": connection,
            "arguments": list(arguments)}


def expr(expression: dict[str, Any], variable: str | None = None) -> dict[str, Any]:
    return {"type": "expression", "variable": variable, "expression": expression}


def predicate(condition: dict[str, Any]) -> dict[str, Any]:
    return expr({"type": "predicate", "title": "holds", "condition": condition})


UUID = {"type": "random", "kind": "uuid"}
TRUE = {"type": "boolean", "value": True}


@pytest.fixture(scope="module")
def app(interface_run: tuple[FixtureContext, PhaseOutput]) -> InterfaceApplication:
    return InterfaceApplication.model_validate(interface_run[1].ast)


@pytest.fixture(scope="module")
def functions(app: InterfaceApplication) -> dict[str, SdkFunction]:
    return sdk_functions(app)


def problems(statements: list[dict[str, Any]], functions: dict[str, SdkFunction], app: InterfaceApplication,
             target: str = "todos.at") -> list[tuple[str | None, str | None]]:
    test = E2eTest.model_validate({"statements": statements})
    return [(d.location, d.code) for d in check_test(test, functions[target], functions, app)]


def test_a_sound_test_passes(functions: dict[str, SdkFunction], app: InterfaceApplication) -> None:
    assert problems([call("todos.at", UUID, variable="item"), predicate(prop(ident("item"), "id"))], functions, app) == []


def test_variables_must_be_defined_before_use_and_blocks_scope_them(functions: dict[str, SdkFunction],
                                                                    app: InterfaceApplication) -> None:
    statements = [
        predicate(ident("item")),
        call("todos.at", UUID, variable="item"),
        {"type": "if", "condition": TRUE, "then": [expr(TRUE, variable="inner")], "otherwise": []},
        predicate(ident("inner")),
        expr({"type": "map", "array": prop(ident("item"), "title"),
              "function": {"type": "arrow", "parameters": ["c"], "body": ident("c")}}),
        predicate(ident("c")),
        call("todos.at", UUID, variable="item"),
        expr(TRUE, variable="api"),
    ]
    assert problems(statements, functions, app) == [
        ("statements[0].expression.condition", "test.undefined-variable"),
        ("statements[3].expression.condition", "test.undefined-variable"),
        ("statements[5].expression.condition", "test.undefined-variable"),
        ("statements[6].variable", "test.duplicate-variable"),
        ("statements[7].variable", "test.reserved-name"),
    ]


def test_calls_must_name_real_functions_with_the_right_arguments(functions: dict[str, SdkFunction],
                                                                 app: InterfaceApplication) -> None:
    body = {"type": "object", "properties": [{"key": "priority", "value": {"type": "number", "value": 3}},
                                             {"key": "colour", "value": {"type": "string", "value": "red"}}]}
    statements = [
        call("todos.at", UUID),
        call("todos.show", UUID),
        call("todos.at"),
        call("todos.at", {"type": "number", "value": 3}),
        call("todos.create", {"type": "string", "value": "a title"}),
        call("todos.create", body),
        expr({"type": "equals", "title": "t", "expected": TRUE,
              "actual": {"type": "error", "title": "fails", "function": "todos.at", "arguments": [UUID]}}),
    ]
    assert problems(statements, functions, app) == [
        ("statements[1].function", "test.unknown-function"),
        ("statements[2].arguments", "test.argument-count"),
        ("statements[3].arguments[0]", "test.argument-type"),
        ("statements[4].arguments[0]", "test.argument-type"),
        ("statements[5].arguments[0].properties[1]", "test.unknown-property"),
        ("statements[5].arguments[0]", "test.missing-property"),
        ("statements[6].expression.actual", "test.nested-error"),
    ]


def test_the_operation_under_test_must_be_called(functions: dict[str, SdkFunction], app: InterfaceApplication) -> None:
    statements = [expr({"type": "error", "title": "fails", "function": "todos.at", "arguments": [UUID]})]
    assert problems(statements, functions, app, target="todos.erase") == [("statements", "test.target-not-called")]
    assert problems(statements, functions, app, target="todos.at") == []


def test_scenario_dependencies_must_exist(functions: dict[str, SdkFunction]) -> None:
    scenario = Scenario(title="t", description="d", steps=["s"], dependencies=["todos.create", "todos.make"])
    assert [(d.location, d.code) for d in check_scenario(scenario, functions)] == [
        ("dependencies[1]", "test.unknown-function")]


def test_random_values_need_their_parameters() -> None:
    with pytest.raises(ValidationError, match="a random integer needs minimum and maximum"):
        E2eTest.model_validate({"statements": [expr({"type": "random", "kind": "integer"})]})


def test_rendering_parenthesises_operands_and_labels_lines(functions: dict[str, SdkFunction]) -> None:
    function = functions["todos.snapshots.at"]
    assert e2e_name(function) == "test_api_todos_snapshots_at"
    assert e2e_path(function) == "test/features/api/todos/snapshots/test_api_todos_snapshots_at.ts"
    sum_ = {"type": "binary", "operator": "+", "left": {"type": "number", "value": 1}, "right": {"type": "number", "value": 2}}
    test = E2eTest.model_validate({"statements": [
        expr({"type": "binary", "operator": "*", "left": sum_, "right": {"type": "number", "value": 3}}, variable="n"),
        expr({"type": "object", "properties": [{"key": "Content-Type", "value": {"type": "undefined"}}]}, variable="o"),
        {"type": "if", "condition": {"type": "unary", "operator": "!", "operand": sum_},
         "then": [{"type": "return"}], "otherwise": [{"type": "throw", "message": {"type": "string", "value": "no"}}]},
        call("todos.snapshots.at", UUID, UUID, variable="s"),
    ]})
    scenario = Scenario(title="Reads a snapshot.", description="d", steps=["one", "two"], dependencies=[])
    rendered = render_test(function, scenario, test)
    lines = rendered.text.splitlines()
    assert 'import { randomUUID } from "node:crypto";' in lines
    assert 'import api, { IConnection } from "../../../../../src/api";' in lines
    assert " * 1. one" in lines and " * @route GET /todos/{todoItemId}/snapshots/{snapshotId}" in lines
    body = {rendered.labels[number]: line for number, line in enumerate(lines, 1) if number in rendered.labels}
    assert body == {
        "statements[0]": "  const n = (1 + 2) * 3;",
        "statements[1]": "  };",
        "statements[2]": "  }",
        "statements[2].then[0]": "    return;",
        "statements[2].otherwise[0]": '    throw new Error("no");',
        "statements[3]": "  const s = await api.functional.todos.snapshots.at(connection, randomUUID(), randomUUID());",
    }  # a multi-line statement maps each of its lines; the dict keeps the last
    assert '    "Content-Type": undefined,' in lines and "  if (!(1 + 2)) {" in lines and "  } else {" in lines
