"""Hostile model output gets a validation error or a diagnostic: never a crash, never a path outside the tree.

Validation errors are what the harness feeds back as `{path, expected, got}`; each test checks the
error names the offending place and is produced fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from scoring.toolchain import typecheck, validate_prisma
from tests.phases.fixture_context import FixtureContext, answer
from tests.phases.trees import write_tree
from workers.phases.base import PhaseOutput
from workers.phases.database.ast import (
    DatabaseApplication,
    DatabaseSchema,
    Groups,
    NamespaceSchema,
)
from workers.phases.database.compiler import check_application
from workers.phases.database.emit import emit_database
from workers.phases.interface.ast import (
    MAX_RAW_DEPTH,
    EndpointList,
    InterfaceApplication,
    Route,
    SchemaBatch,
)
from workers.phases.interface.compiler import check_types
from workers.phases.interface.emit import emit_interface
from workers.phases.interface.structures import emit_structures
from workers.phases.naming import is_safe_relative_path

TODO_SCHEMA = ("database", "schema-todos")


def _error_locations(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


@pytest.mark.parametrize("name", ["../etc", "/abs", "todo\x00items", "todo/items", "..", "a" * 64])
def test_table_and_namespace_names_cannot_become_paths(name: str) -> None:
    with pytest.raises(ValidationError) as groups_error:
        Groups.model_validate({"namespaces": [{"name": name, "description": "d", "tables": ["todo_items"]}]})
    assert "namespaces.0.name" in _error_locations(groups_error.value)
    schema = answer(*TODO_SCHEMA)
    schema["models"][0]["name"] = name
    with pytest.raises(ValidationError) as schema_error:
        DatabaseSchema.model_validate(schema)
    assert "models.0.name" in _error_locations(schema_error.value)


@pytest.mark.parametrize(("field", "value"), [
    ("path", "/todos/../../etc"), ("path", "/todos/\x00"), ("path", "C:/todos"), ("name", "../x"),
])
def test_route_paths_and_names_are_confined(field: str, value: str) -> None:
    endpoint: dict[str, Any] = {"path": "/todos", "method": "get", "name": "index", "authorization": None,
                                "tables": [], field: value}
    with pytest.raises(ValidationError) as error:
        EndpointList.model_validate({"endpoints": [endpoint]})
    assert f"endpoints.0.{field}" in _error_locations(error.value)


@pytest.mark.parametrize("name", ["../ITodo", "ITodo/../../x", "/ITodo", "ITodo\x00", "ITodo.IA.IB"])
def test_type_names_are_confined(name: str) -> None:
    with pytest.raises(ValidationError) as error:
        SchemaBatch.model_validate({"types": [{"name": name, "description": "d", "json_schema": {"type": "null"}}]})
    assert "types.0.name" in _error_locations(error.value)


def test_ten_thousand_models_are_refused_quickly() -> None:
    one = answer(*TODO_SCHEMA)["models"][1]
    models = [{**one, "name": f"todo_table_{i}"} for i in range(10_000)]
    started = time.monotonic()
    with pytest.raises(ValidationError) as error:
        DatabaseSchema.model_validate({"models": models})
    assert time.monotonic() - started < 5
    assert [item["type"] for item in error.value.errors()] == ["too_long"]


def test_largest_accepted_database_compiles_quickly() -> None:
    """30 namespaces x 60 tables, every table referencing another: the compiler stays linear."""
    one = answer(*TODO_SCHEMA)["models"][0]
    namespaces = []
    for n in range(30):
        models = []
        for t in range(60):
            model = json.loads(json.dumps(one))
            model["name"] = f"t_{n}_{t}"
            model["foreign_fields"][0]["relation"].update(target=f"t_{n}_{(t + 1) % 60}", opposite_name=f"from{t}")
            models.append(model)
        namespaces.append(NamespaceSchema(name=f"ns_{n}", description="d", models=models))
    app = DatabaseApplication(namespaces=namespaces)
    started = time.monotonic()
    assert check_application(app) == []
    files = emit_database(app)
    assert time.monotonic() - started < 10
    assert len(files) == 32 and all(is_safe_relative_path(path) for path in files)


def _nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "null"}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


def test_absurd_nesting_is_refused_before_recursive_validation() -> None:
    started = time.monotonic()
    with pytest.raises(ValidationError) as error:
        SchemaBatch.model_validate({"types": [{"name": "IDeep", "description": "d", "json_schema": _nested(100_000)}]})
    assert time.monotonic() - started < 5
    (item,) = error.value.errors()
    assert item["msg"].startswith(f"Value error, arguments are nested 100004 levels deep (limit {MAX_RAW_DEPTH})")


def test_moderate_nesting_gets_a_diagnostic(database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    batch = SchemaBatch.model_validate({"types": [{"name": "IDeep", "description": "d", "json_schema": _nested(20)}]})
    database = DatabaseApplication.model_validate(database_run[1].ast)
    assert [d.code for d in check_types(batch, ["IDeep"], database, [])] == ["interface.too-deep"]


@pytest.mark.parametrize("where", ["description", "plain"])
def test_megabyte_strings_are_refused(where: str) -> None:
    schema = answer(*TODO_SCHEMA)
    huge = "x" * 1_000_000
    if where == "description":
        schema["models"][0]["description"] = huge
    else:
        schema["models"][0]["plain_fields"][0]["name"] = huge
    with pytest.raises(ValidationError) as error:
        DatabaseSchema.model_validate(schema)
    assert [item["type"] for item in error.value.errors()] in (["string_too_long"], ["string_pattern_mismatch"])
    assert len(str(error.value)) < 5_000


def test_duplicate_json_keys_and_duplicate_names(database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    """JSON keeps the last of duplicate keys; duplicate *names* in lists are diagnosed by the compiler."""
    raw = ('{"types": [{"name": "ITodo", "description": "d", "json_schema": {"type": "object", "type": "object",'
           ' "properties": [{"name": "title", "description": "d", "required": true, "json_schema": {"type": "string"}},'
           ' {"name": "title", "description": "d", "required": true, "json_schema": {"type": "string"}}]}}]}')
    batch = SchemaBatch.model_validate(json.loads(raw))
    database = DatabaseApplication.model_validate(database_run[1].ast)
    assert [d.code for d in check_types(batch, ["ITodo"], database, [])] == ["interface.duplicate-property"]


def test_comment_injection_stays_in_comments(tmp_path: Path) -> None:
    schema = answer(*TODO_SCHEMA)
    schema["models"][0]["description"] = "evil\nmodel evil {\n  id Int @id\n}\r\n/// */\u2028"
    app = DatabaseApplication(namespaces=[NamespaceSchema(name="todos", description="d", models=[
        DatabaseSchema.model_validate(schema).models[0].model_copy(update={"foreign_fields": [], "plain_indexes": []})])])
    files = emit_database(app)
    assert not any(line.startswith("model evil") for line in files["prisma/schema/todos.prisma"].splitlines())
    assert validate_prisma({k: v for k, v in files.items() if k.endswith(".prisma")}) == []
    types = SchemaBatch.model_validate({"types": [{"name": "ITodo", "description": "x */ export const pwned = 1; /*",
                                                   "json_schema": {"type": "string"}}]}).types
    structures = emit_structures(types)
    code = [line for line in structures["src/api/structures/ITodo.ts"].splitlines() if not line.lstrip().startswith("*")]
    assert not any("pwned" in line for line in code)
    write_tree(tmp_path, structures)
    assert typecheck(tmp_path) == []


def test_emitters_refuse_unvalidated_names_that_escape_the_tree() -> None:
    """A last line of defence should an AST ever bypass validation (model_construct)."""
    route = Route.model_construct(namespace="x", path="/../../etc", method="get", name="index", authorization=None,
                                  tables=[], summary="s", description="d", parameters=[], query=None,
                                  request_body=None, response_body=None)
    with pytest.raises(RuntimeError, match="outside the project tree"):
        emit_interface(InterfaceApplication.model_construct(routes=[route], types=[]), title="t")
    namespace = NamespaceSchema.model_construct(name="../../x", description="d", models=[])
    with pytest.raises(RuntimeError, match="outside the project tree"):
        emit_database(DatabaseApplication.model_construct(namespaces=[namespace]))
