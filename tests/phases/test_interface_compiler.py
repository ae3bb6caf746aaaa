"""Every Interface compiler check: a failing input and the exact diagnostic it produces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.phases.fixture_context import FixtureContext
from workers.phases.base import Diagnostic, PhaseOutput
from workers.phases.database.ast import DatabaseApplication
from workers.phases.interface.ast import (
    EndpointList,
    InterfaceApplication,
    OperationBatch,
    SchemaBatch,
)
from workers.phases.interface.compiler import (
    MAX_SCHEMA_DEPTH,
    check_application,
    check_endpoints,
    check_operations,
    check_types,
)

ACTORS = ["guest", "member"]


@pytest.fixture(scope="module")
def database(database_run: tuple[FixtureContext, PhaseOutput]) -> DatabaseApplication:
    return DatabaseApplication.model_validate(database_run[1].ast)


def ep(path: str, method: str = "get", name: str = "at", authorization: str | None = "member",
       tables: list[str] | None = None) -> dict[str, Any]:
    return {"path": path, "method": method, "name": name, "authorization": authorization,
            "tables": ["todo_items", "todo_item_snapshots"] if tables is None else tables}


def route_diag(label: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(file="openapi.json", location=label, code=code, message=message)


def endpoints(*items: dict[str, Any]) -> EndpointList:
    return EndpointList.model_validate({"endpoints": list(items)})


def test_clean_endpoints(database: DatabaseApplication) -> None:
    assert check_endpoints(endpoints(ep("/todos", name="index"), ep("/todos/{todoItemId}")), "todos", database, ACTORS) == []


@pytest.mark.parametrize(("items", "expected"), [
    ([ep("/todos", authorization="admin")],
     route_diag("GET /todos", "interface.unknown-actor", "authorization 'admin' is not an actor; actors: 'guest', 'member'")),
    ([ep("/todos", tables=["todo_items", "todo_item_snapshots", "todo_tags"])],
     route_diag("GET /todos", "interface.unknown-table", "table 'todo_tags' is not in the database schema")),
    ([ep("/todos", tables=["todo_items"])],
     Diagnostic(file="openapi.json", location="todos", code="interface.unreached-table",
                message="no endpoint reads or writes 'todo_item_snapshots'; add endpoints for them "
                        "or list them in the tables of the endpoints that use them")),
    ([ep("/todos"), ep("/todos")],
     route_diag("GET /todos", "interface.duplicate-route", "this method and path are declared twice")),
    ([ep("/todos/{todoItemId}"), ep("/todos/trash", name="index")],
     route_diag("GET /todos/trash", "interface.route-conflict",
                "the router cannot tell it from GET /todos/{todoItemId}: a parameter stands where the other has a "
                "fixed segment; give the routes distinct fixed segments")),
    ([ep("/todos", name="index"), ep("/todos/index/labels", name="index")],
     route_diag("GET /todos", "interface.sdk-collision",
                "SDK function 'index' has the name of the SDK namespace api.functional.todos.index; "
                "choose another action name")),
    ([ep("/todos/{todoItemId}"), ep("/todos/{todoItemId}/at")],
     route_diag("GET /todos/{todoItemId}/at", "interface.sdk-collision",
                "SDK function api.functional.todos.at is also GET /todos/{todoItemId}; choose another action name")),
    ([ep("/todo-items/x"), ep("/todo/items-x")],
     route_diag("GET /todo/items-x", "interface.provider-collision",
                "provider name 'getTodoItemsX' is also that of GET /todo-items/x")),
    ([ep("/{todoItemId}")], route_diag("GET /{todoItemId}", "interface.path-root", "a path must start with a static segment")),
    ([ep("/todos", method="post", name="complete")],
     route_diag("POST /todos", "interface.action-name",
                "action name 'complete' does not say what it does; start it with a known verb: "
                "index/at (get), create (post), update (put/patch), erase (delete)")),
    ([ep("/todos", name="create")],
     route_diag("GET /todos", "interface.action-method",
                "action name 'create' implies POST, not GET; rename it (index/at (get), create (post), "
                "update (put/patch), erase (delete)) or change the method")),
    ([ep("/todos", method="delete", name="delete")],
     route_diag("DELETE /todos", "interface.reserved-name",
                "action name 'delete' is a reserved word in TypeScript; use e.g. 'erase' for delete")),
    ([ep("/todos/{body}")],
     route_diag("GET /todos/{body}", "interface.reserved-name", "path parameter 'body' is a reserved name; use e.g. 'bodyId'")),
    ([ep("/todos/{member}")],
     route_diag("GET /todos/{member}", "interface.reserved-name",
                "path parameter 'member' has the name of the authorized actor; use e.g. 'memberId'")),
    ([ep("/todos/{todoItemId}/copies/{todoItemId}")],
     route_diag("GET /todos/{todoItemId}/copies/{todoItemId}", "interface.path-parameters",
                "path parameter 'todoItemId' appears twice")),
])
def test_endpoint_checks(items: list[dict[str, Any]], expected: Diagnostic, database: DatabaseApplication) -> None:
    assert check_endpoints(endpoints(*items), "todos", database, ACTORS) == [expected]


def op(path: str, method: str = "get", parameters: list[str] | None = None, query: str | None = None,
       request_body: str | None = None, response_body: str | None = "ITodoItem") -> dict[str, Any]:
    return {"path": path, "method": method, "summary": "s", "description": "d", "query": query,
            "request_body": request_body, "response_body": response_body,
            "parameters": [{"name": name, "description": "p", "format": "uuid"} for name in parameters or []]}


LISTED = endpoints(ep("/todos", name="index"), ep("/todos", "post", "create"), ep("/todos/{todoItemId}"),
                   ep("/todos/{todoItemId}", "delete", "erase")).endpoints
GOOD_OPS = [op("/todos", query="ITodoItem.IRequest"), op("/todos", "post", request_body="ITodoItem.ICreate"),
            op("/todos/{todoItemId}", parameters=["todoItemId"]),
            op("/todos/{todoItemId}", "delete", parameters=["todoItemId"], response_body=None)]


def batch(*items: dict[str, Any]) -> OperationBatch:
    return OperationBatch.model_validate({"operations": list(items)})


def test_clean_operations() -> None:
    assert check_operations(batch(*GOOD_OPS), LISTED) == []


@pytest.mark.parametrize(("replace", "expected"), [
    (op("/todos/{todoItemId}", "put", parameters=["todoItemId"]),
     [route_diag("PUT /todos/{todoItemId}", "interface.unknown-operation",
                 "not one of the endpoints to describe; describe exactly the listed endpoints"),
      route_diag("GET /todos/{todoItemId}", "interface.missing-operation", "this endpoint is not described")]),
    (op("/todos"), [route_diag("GET /todos", "interface.duplicate-operation", "described more than once"),
                    route_diag("GET /todos/{todoItemId}", "interface.missing-operation", "this endpoint is not described")]),
    (op("/todos/{todoItemId}", parameters=["id"]),
     [route_diag("GET /todos/{todoItemId}", "interface.path-parameters",
                 "parameters must be exactly the path's, in order: [todoItemId]; got [id]")]),
    (op("/todos/{todoItemId}", parameters=["todoItemId"], request_body="ITodoItem.IUpdate"),
     [route_diag("GET /todos/{todoItemId}", "interface.body-not-allowed",
                 "a GET request has no body; set request_body to null")]),
    (op("/todos/{todoItemId}", parameters=["todoItemId"], response_body="IConnection"),
     [route_diag("GET /todos/{todoItemId}", "interface.reserved-type",
                 "type name 'IConnection' is reserved by the SDK; choose another")]),
])
def test_operation_checks(replace: dict[str, Any], expected: list[Diagnostic]) -> None:
    assert check_operations(batch(*GOOD_OPS[:2], replace, GOOD_OPS[3]), LISTED) == expected


def test_query_only_on_get() -> None:
    post = op("/todos", "post", query="ITodoItem.IRequest", request_body="ITodoItem.ICreate")
    assert check_operations(batch(GOOD_OPS[0], post, *GOOD_OPS[2:]), LISTED) == [
        route_diag("POST /todos", "interface.query-not-allowed",
                   "only GET takes a query type; send the data in request_body")]


def string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def prop(name: str, schema: dict[str, Any], column: str | None = None, required: bool = True) -> dict[str, Any]:
    return {"name": name, "description": "p", "required": required, "column": column, "json_schema": schema}


def obj(*props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": list(props)}


def types(*items: tuple[str, dict[str, Any]]) -> SchemaBatch:
    return SchemaBatch.model_validate({"types": [{"name": n, "description": "t", "json_schema": s} for n, s in items]})


def type_diag(name: str, location: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=f"src/api/structures/{name.split('.')[0]}.ts", location=location, code=code, message=message)


TITLE = prop("title", string(), "todo_items.title")


def test_clean_types(database: DatabaseApplication) -> None:
    nullable_due = {"type": "oneOf", "variants": [string(format="date-time"), {"type": "null"}]}
    batch_ = types(("ITodoItem", obj(TITLE, prop("due_at", nullable_due, "todo_items.due_at"))))
    assert check_types(batch_, ["ITodoItem"], database, []) == []


def nest(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "reference", "ref": "ITodoItem"}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


@pytest.mark.parametrize(("items", "requested", "expected"), [
    ([("ITodoItem", obj(TITLE))], ["ITodoItem", "ITodoItem.ICreate"],
     type_diag("ITodoItem.ICreate", "ITodoItem.ICreate", "interface.missing-type",
               "requested type 'ITodoItem.ICreate' is not defined")),
    ([("ITodoItem", obj(TITLE)), ("ITodoItem", obj(TITLE))], ["ITodoItem"],
     type_diag("ITodoItem", "ITodoItem", "interface.duplicate-type", "type 'ITodoItem' is defined 2 times")),
    ([("IConnection", obj(TITLE))], [],
     type_diag("IConnection", "IConnection", "interface.reserved-type", "type name 'IConnection' is reserved by the SDK")),
    ([("ITodoItem", obj(prop("tags", {"type": "array", "items": obj(TITLE)})))], [],
     type_diag("ITodoItem", "ITodoItem.tags[]", "interface.nested-object",
               "an object may only be the root of a named type; define it as its own type and use "
               "{\"type\": \"reference\", \"ref\": ...} here")),
    ([("ITodoItem", obj(prop("owner", {"type": "oneOf", "variants": [obj(TITLE), {"type": "null"}]})))], [],
     type_diag("ITodoItem", "ITodoItem.owner|0", "interface.nested-object",
               "an object may only be the root of a named type; define it as its own type and use "
               "{\"type\": \"reference\", \"ref\": ...} here")),
    ([("ITodoItem", obj())], [],
     type_diag("ITodoItem", "ITodoItem", "interface.empty-object",
               "an object type needs at least one property; use null instead of an empty body")),
    ([("ITodoItem", obj(TITLE, TITLE))], [],
     type_diag("ITodoItem", "ITodoItem.title", "interface.duplicate-property", "property 'title' is declared 2 times")),
    ([("ITodoItem", obj(prop("tag", string(), "todo_tags.name")))], [],
     type_diag("ITodoItem", "ITodoItem.tag", "interface.unknown-column", "x-db-column 'todo_tags.name': no table 'todo_tags'")),
    ([("ITodoItem", obj(prop("done", {"type": "boolean"}, "todo_items.done")))], [],
     type_diag("ITodoItem", "ITodoItem.done", "interface.unknown-column",
               "x-db-column 'todo_items.done': table 'todo_items' has no column 'done'; its columns: 'body', "
               "'completed_at', 'created_at', 'deleted_at', 'due_at', 'id', 'priority', 'title', 'todo_member_id', "
               "'updated_at'")),
    ([("ITodoItem", obj(prop("priority", string(), "todo_items.priority")))], [],
     type_diag("ITodoItem", "ITodoItem.priority", "interface.column-type",
               "mirrors 'todo_items.priority' (int) but is string; use integer")),
    ([("ITodoItem", obj(prop("deep", nest(MAX_SCHEMA_DEPTH))))], [],
     type_diag("ITodoItem", "ITodoItem.deep" + "[]" * (MAX_SCHEMA_DEPTH - 2), "interface.too-deep",
               f"schema nesting reaches the limit of {MAX_SCHEMA_DEPTH} levels; split it into named types")),
])
def test_type_checks(items: list[tuple[str, dict[str, Any]]], requested: list[str], expected: Diagnostic,
                     database: DatabaseApplication) -> None:
    assert check_types(types(*items), requested, database, []) == [expected]


def test_query_types_hold_scalars_only(database: DatabaseApplication) -> None:
    query = types(("ITodoItem.IRequest", obj(prop("sort", {"type": "oneOf", "variants": [
        {"type": "constant", "value": "title"}, {"type": "null"}]}), prop("ids", {"type": "array", "items": string()}))),
        ("ITodoItem.IFilter", {"type": "reference", "ref": "ITodoItem"}))
    assert check_types(query, [], database, ["ITodoItem.IRequest", "ITodoItem.IFilter"]) == [
        type_diag("ITodoItem.IRequest", "ITodoItem.IRequest.ids", "interface.query-shape",
                  "query properties must be scalars (boolean, integer, number, string, constants)"),
        type_diag("ITodoItem.IFilter", "ITodoItem.IFilter", "interface.query-shape",
                  "a query type must be an object of scalar properties"),
    ]


def test_application_needs_every_named_type() -> None:
    route: dict[str, Any] = {"namespace": "todos", "path": "/todos", "method": "get", "name": "index", "authorization": None,
             "tables": [], "summary": "s", "description": "d", "parameters": [], "query": None,
             "request_body": None, "response_body": "IPageITodoItem"}
    page = {"name": "IPageITodoItem", "description": "t",
            "json_schema": obj(prop("data", {"type": "array", "items": {"type": "reference", "ref": "ITodoItem.ISummary"}}))}
    app = InterfaceApplication.model_validate({"routes": [route, {**route, "response_body": "ITodoItem"}], "types": [page]})
    assert check_application(app) == [
        route_diag("GET /todos", "interface.undefined-type", "type 'ITodoItem' is not defined"),
        type_diag("IPageITodoItem", "IPageITodoItem.data[]", "interface.undefined-type",
                  "references 'ITodoItem.ISummary', which is not defined"),
    ]
