"""The Interface phase on the todo fixtures: operations asked, golden files, OpenAPI and TypeScript checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from farm.outcomes import ModelFailed
from farm.sim.bookgen import interface as generated_interface
from farm.sim.bookgen import preset
from farm.sim.bookgen.api import design_api
from farm.sim.bookgen.domain import build_domain
from scoring.toolchain import typecheck
from tests.phases.fixture_context import FIXTURES, FixtureContext, answer, load_json, phase_answers
from tests.phases.trees import assert_golden, write_tree
from workers.phases.base import Diagnostic, PhaseOutput
from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.interface.openapi import build_openapi
from workers.phases.interface.phase import InterfacePhase

BAD = FIXTURES / "todo" / "bad" / "interface"


def test_operations_and_summary(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    ctx, output = interface_run
    assert ctx.asked == ["endpoints-actors", "endpoints-todos", "operation-actors-1", "operation-todos-1",
                         "operation-todos-2", "schemas-1", "schemas-2", "schemas-3"]
    assert output.summary == {"operations": 16, "schemas": 17, "dropped_endpoints": 0}
    assert "IAuthorizationToken" in ctx.operations["schemas-3"].user


def test_emitted_files_match_golden(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    assert_golden(interface_run[1].files, "todo/interface")


def test_openapi_document_is_valid_openapi_31(interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    document = json.loads(interface_run[1].files["openapi.json"])
    assert openapi_errors(document) == []
    assert document["openapi"] == "3.1.0"
    title = document["components"]["schemas"]["ITodoItem"]["properties"]["title"]
    assert title["x-db-column"] == "todo_items.title"
    listing = document["paths"]["/todos"]["get"]
    assert [p["name"] for p in listing["parameters"] if p["in"] == "query"] == [
        "search", "completed", "due_before", "due_after", "sort", "direction", "page", "limit"]
    assert listing["security"] == [{"bearer": []}]


def openapi_errors(document: dict[str, Any]) -> list[str]:
    """openapi-spec-validator's findings (empty when the document is valid OpenAPI 3.1)."""
    return [str(error).splitlines()[0] for error in OpenAPIV31SpecValidator(document).iter_errors()]


@pytest.mark.parametrize("size", ["reddit", "shopping", "erp"])
def test_openapi_documents_of_reference_size_are_valid(size: str) -> None:
    """The jobs do not run the validator (seconds of CPU at this size): the emitter's output is valid
    for the generated designs of every reference size, each route and DTO kind the generator makes."""
    spec = preset(size)
    app = generated_interface.application(design_api(spec, build_domain(spec)))
    document = build_openapi(app, size)
    assert len(document["components"]["schemas"]) > 100
    assert openapi_errors(document) == []


def _imports(app: InterfaceApplication, route_types: list[str | None]) -> list[str]:
    bases = sorted({contract.type_base(t) for t in route_types if t})
    return [f'import {{ {base} }} from "../api/structures/{base}";' for base in bases]


def provider_stubs(app: InterfaceApplication) -> dict[str, str]:
    """Providers with the documented signature, as Realize will write them (test trees only)."""
    files = {}
    for route in app.routes:
        name = contract.provider_name(route.method, route.path)
        props, lines = [], _imports(app, [route.query, route.request_body, route.response_body])
        if route.authorization:
            payload = contract.auth_payload(route.authorization)
            lines.append(f'import {{ {payload} }} from "../{contract.auth_payload_module(route.authorization)}";')
            props.append(f"{route.authorization}: {payload}")
        props += [f"{p.name}: {contract.parameter_type(p.format)}" for p in route.parameters]
        props += [f"{kind}: {t}" for kind, t in (("query", route.query), ("body", route.request_body)) if t]
        lines.append(f"export async function {name}(props: {{ {'; '.join(props)} }}): "
                     f"Promise<{route.response_body or 'void'}> {{\n  void props;\n  throw new Error(\"test tree\");\n}}")
        files[f"src/{contract.provider_module(name)}.ts"] = "\n".join(lines) + "\n"
    for actor in {route.authorization for route in app.routes if route.authorization}:
        files[f"src/{contract.auth_decorator_module(actor)}.ts"] = (
            f"export const {contract.auth_decorator(actor)} = (): ParameterDecorator => () => undefined;\n")
        files[f"src/{contract.auth_payload_module(actor)}.ts"] = (
            f'export type {contract.auth_payload(actor)} = {{ id: string; type: "{actor}" }};\n')
    return files


SDK_USAGE = """\
import api, { IConnection } from "../src/api";

export async function scenario(connection: IConnection): Promise<string> {
  const joined = await api.functional.auth.member.join(connection, {
    email: "a@example.com", password: "secret-password", nickname: "a",
  });
  connection.headers = { Authorization: `Bearer ${joined.token.access}` };
  const item = await api.functional.todos.create(connection, { title: "milk", priority: 3 });
  await api.functional.todos.erase(connection, item.id);
  const restored = await api.functional.trash.todos.restore(connection, item.id);
  const page = await api.functional.todos.snapshots.index(connection, restored.id, { page: 1 });
  return page.data.map((snapshot) => snapshot.title).join(",");
}
"""


def test_emitted_typescript_type_checks(interface_run: tuple[FixtureContext, PhaseOutput],
                                         database_run: tuple[FixtureContext, PhaseOutput], tmp_path: Path) -> None:
    app = InterfaceApplication.model_validate(interface_run[1].ast)
    write_tree(tmp_path, {**database_run[1].files, **interface_run[1].files})
    missing = typecheck(tmp_path)
    assert {d.code for d in missing} == {2307}
    assert {d.message.split("'")[1].rsplit("/", 1)[-1] for d in missing} == {
        *(contract.provider_name(r.method, r.path) for r in app.routes), "MemberAuth", "MemberPayload"}
    write_tree(tmp_path, {**provider_stubs(app), "test/sdk_usage.ts": SDK_USAGE})
    assert typecheck(tmp_path, include=["src/**/*.ts", "test/**/*.ts"]) == []


def test_sdk_types_reject_a_wrong_body(interface_run: tuple[FixtureContext, PhaseOutput], tmp_path: Path) -> None:
    write_tree(tmp_path, interface_run[1].files)
    wrong = SDK_USAGE.replace('{ title: "milk", priority: 3 }', '{ title: 42, priority: 3 }')
    write_tree(tmp_path, {"test/sdk_usage.ts": wrong})
    found = typecheck(tmp_path, include=["src/api/**/*.ts", "test/**/*.ts"])
    assert [(d.file, d.code) for d in found] == [("test/sdk_usage.ts", 2322)]


def test_missing_type_is_rejected_then_fixed(analyze_prior: dict[str, Any],
                                            database_run: tuple[FixtureContext, PhaseOutput],
                                            interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    answers = phase_answers("todo", "interface")
    answers["schemas-2"].insert(0, answer("interface", "schemas-2", "missing-dto"))
    ctx = FixtureContext(priors={"analyze": analyze_prior, "database": database_run[1].ast}, answers=answers)
    output = InterfacePhase().run(ctx)
    expected = [Diagnostic.model_validate(d) for d in load_json(BAD / "schemas-2.diagnostics.json")]
    assert ctx.diagnostics["schemas-2"] == [expected, []]
    assert output.files == interface_run[1].files


def test_endpoint_declared_by_two_namespaces_is_kept_once(
        analyze_prior: dict[str, Any], database_run: tuple[FixtureContext, PhaseOutput],
        interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    answers = phase_answers("todo", "interface")
    todos = copy.deepcopy(answers["endpoints-todos"][0])
    todos["endpoints"].append({**answers["endpoints-actors"][0]["endpoints"][3], "tables": ["todo_items"]})
    answers["endpoints-todos"] = [todos]
    ctx = FixtureContext(priors={"analyze": analyze_prior, "database": database_run[1].ast}, answers=answers)
    output = InterfacePhase().run(ctx)
    assert ctx.diagnostics["endpoints-todos"] == [[]]
    assert output.summary["dropped_endpoints"] == 1
    assert output.files == interface_run[1].files


def _referencing(name: str, ref: str) -> dict[str, Any]:
    return {"types": [{"name": name, "description": "d", "json_schema": {"type": "object", "properties": [
        {"name": "next", "description": "d", "required": True, "column": None,
         "json_schema": {"type": "reference", "ref": ref}}]}}]}


def test_types_still_undefined_after_the_last_round_fail_the_model(
        analyze_prior: dict[str, Any], database_run: tuple[FixtureContext, PhaseOutput]) -> None:
    answers = phase_answers("todo", "interface")
    answers["schemas-3"][0]["types"][0]["json_schema"]["properties"].append(
        {"name": "scope", "description": "d", "required": True, "column": None,
         "json_schema": {"type": "reference", "ref": "IScope1"}})
    answers["schemas-4"] = [_referencing("IScope1", "IScope2")]
    answers["schemas-5"] = [_referencing("IScope2", "IScope3")]
    ctx = FixtureContext(priors={"analyze": analyze_prior, "database": database_run[1].ast}, answers=answers)
    with pytest.raises(ModelFailed, match=r"\[IScope2.next\] references 'IScope3', which is not defined"):
        InterfacePhase().run(ctx)
    assert ctx.asked[-3:] == ["schemas-3", "schemas-4", "schemas-5"]
