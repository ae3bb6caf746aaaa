"""The SDK as the Test phase sees it: every `api.functional.…` function with its parameters and types.

Built from the Interface AST with the names `contract` fixes, so what a test may call is exactly
what the Interface phase emitted under `src/api/functional/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication, ObjectSchema, Route
from workers.phases.naming import words

ParameterKind = Literal["path", "query", "body"]


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParameterKind
    ts_type: str  # "string" | "number" for path parameters, else a DTO type name


@dataclass(frozen=True)
class SdkFunction:
    accessor: str  # after `api.functional.`, e.g. "todos.snapshots.at"
    route: Route
    parameters: tuple[Parameter, ...]

    @property
    def response(self) -> str:
        return self.route.response_body or "void"

    @property
    def words(self) -> list[str]:
        """`todoItems.snapshots.at` -> ['todo', 'items', 'snapshots', 'at']: for file, function and op names."""
        return [word for segment in self.accessor.split(".") for word in words(segment)]

    @property
    def label(self) -> str:
        return f"{self.route.method.upper()} {self.route.path}"

    def signature(self) -> str:
        arguments = ", ".join(["connection", *(f"{p.name}: {p.ts_type}" for p in self.parameters)])
        return f"api.functional.{self.accessor}({arguments}): Promise<{self.response}>"


def accessor(route: Route) -> str:
    return ".".join((*contract.sdk_chain(route.path, route.name), route.name))


def _parameters(route: Route) -> tuple[Parameter, ...]:
    found = [Parameter(p.name, "path", contract.parameter_type(p.format)) for p in route.parameters]
    if route.query:
        found.append(Parameter("query", "query", route.query))
    if route.request_body:
        found.append(Parameter("body", "body", route.request_body))
    return tuple(found)


def sdk_functions(app: InterfaceApplication) -> dict[str, SdkFunction]:
    """Every SDK function by accessor, in route order."""
    return {accessor(route): SdkFunction(accessor(route), route, _parameters(route)) for route in app.routes}


def object_properties(app: InterfaceApplication, type_name: str) -> dict[str, bool] | None:
    """Property name -> required, when `type_name` is an object type; None otherwise (or unknown)."""
    definition = next((d for d in app.types if d.name == type_name), None)
    if definition is None or not isinstance(definition.json_schema, ObjectSchema):
        return None
    return {prop.name: prop.required for prop in definition.json_schema.properties}
