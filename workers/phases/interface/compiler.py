"""Checks of the Interface ASTs: routes, operations and DTO types, against the database schema.

Findings on routes are filed under `openapi.json` with `METHOD /path` as location; findings on DTO
types under the type's structure file with `Type.property` as location.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from workers.phases.base import Diagnostic
from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication, Model
from workers.phases.database.compiler import quoted
from workers.phases.interface import contract
from workers.phases.interface.ast import (
    Endpoint,
    EndpointList,
    InterfaceApplication,
    JsonSchema,
    ObjectSchema,
    OneOfSchema,
    OperationBatch,
    SchemaBatch,
    TypeDefinition,
)
from workers.phases.interface.openapi import OPENAPI_FILE
from workers.phases.naming import TS_RESERVED

# Deepest schema nesting inside one named type; legitimate DTOs stay far below it, because every
# nested object is a named type of its own.
MAX_SCHEMA_DEPTH = 8
# Names the generated SDK declares itself, which a DTO or a parameter must not shadow.
RESERVED_TYPES = frozenset({"IConnection"})
RESERVED_PARAMETERS = frozenset({"connection", "query", "body", "props", "fetcher", "error"})
_SCALARS = {"boolean", "integer", "number", "string", "constant"}
# Column type -> the JSON-schema types a DTO property mirroring it may have.
_COLUMN_TYPES = {
    "boolean": {"boolean"}, "int": {"integer"}, "double": {"number", "integer"}, "string": {"string"},
    "uri": {"string"}, "uuid": {"string"}, "datetime": {"string"},
}


def route_label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _route(method: str, path: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=OPENAPI_FILE, location=route_label(method, path), code=code, message=message)


def _type(type_name: str, location: str, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=f"src/{contract.structure_module(type_name)}.ts", location=location, code=code, message=message)


# --- endpoints ---------------------------------------------------------------------------------

def check_endpoints(endpoints: EndpointList, namespace: str, database: DatabaseApplication,
                    actors: Sequence[str]) -> list[Diagnostic]:
    """The `endpoints-<namespace>` operation's compiler."""
    found = check_routes(endpoints.endpoints)
    tables = database.tables()
    for endpoint in endpoints.endpoints:
        if endpoint.authorization is not None and endpoint.authorization not in actors:
            found.append(_route(endpoint.method, endpoint.path, "interface.unknown-actor",
                                f"authorization '{endpoint.authorization}' is not an actor; actors: {quoted(actors)}"))
        for table in endpoint.tables:
            if table not in tables:
                found.append(_route(endpoint.method, endpoint.path, "interface.unknown-table",
                                    f"table '{table}' is not in the database schema"))
    own = next((ns for ns in database.namespaces if ns.name == namespace), None)
    reached = {table for endpoint in endpoints.endpoints for table in endpoint.tables}
    missed = [model.name for model in (own.models if own else []) if model.name not in reached]
    if missed:
        found.append(Diagnostic(file=OPENAPI_FILE, location=namespace, code="interface.unreached-table",
                                message=f"no endpoint reads or writes {quoted(missed)}; add endpoints for them "
                                        "or list them in the tables of the endpoints that use them"))
    return found


def check_routes(endpoints: Sequence[Endpoint]) -> list[Diagnostic]:
    """Route rules that hold for any set of endpoints: naming, uniqueness, SDK and provider names."""
    found = [diagnostic for endpoint in endpoints for diagnostic in _check_naming(endpoint)]
    return found + [diagnostic for _, diagnostic in _conflicts(endpoints)]


def conflicting_endpoints(endpoints: Sequence[Endpoint]) -> set[int]:
    """Indices of endpoints that clash with an earlier one (or whose SDK function is a namespace)."""
    return {index for index, _ in _conflicts(endpoints)}


def _conflicts(endpoints: Sequence[Endpoint]) -> Iterator[tuple[int, Diagnostic]]:
    seen_routes: set[tuple[str, str]] = set()
    by_shape: dict[tuple[str, int, str], list[Endpoint]] = defaultdict(list)
    seen_accessors: dict[tuple[tuple[str, ...], str], tuple[int, Endpoint]] = {}
    seen_providers: dict[str, Endpoint] = {}
    for index, endpoint in enumerate(endpoints):
        method, path = endpoint.method, endpoint.path
        if (method, path) in seen_routes:
            yield index, _route(method, path, "interface.duplicate-route", "this method and path are declared twice")
            continue
        seen_routes.add((method, path))
        parts = contract.segments(path)
        bucket = by_shape[(method, len(parts), parts[0])]
        other = next((e for e in bucket if _overlap(parts, contract.segments(e.path))), None)
        if other is not None:
            yield index, _route(method, path, "interface.route-conflict",
                                f"the router cannot tell it from {route_label(other.method, other.path)}: "
                                "a parameter stands where the other has a fixed segment; "
                                "give the routes distinct fixed segments")
        bucket.append(endpoint)
        accessor = (contract.sdk_chain(path, endpoint.name), endpoint.name)
        if accessor in seen_accessors:
            other = seen_accessors[accessor][1]
            yield index, _route(method, path, "interface.sdk-collision",
                                f"SDK function api.functional.{'.'.join(accessor[0])}.{endpoint.name} is also "
                                f"{route_label(other.method, other.path)}; choose another action name")
        seen_accessors.setdefault(accessor, (index, endpoint))
        provider = contract.provider_name(method, path)
        if provider in seen_providers:
            other = seen_providers[provider]
            yield index, _route(method, path, "interface.provider-collision",
                                f"provider name '{provider}' is also that of {route_label(other.method, other.path)}")
        seen_providers.setdefault(provider, endpoint)
    namespaces = {chain[:depth] for chain, _ in seen_accessors for depth in range(1, len(chain) + 1)}
    for (chain, name), (index, endpoint) in seen_accessors.items():
        if (*chain, name) in namespaces:
            yield index, _route(endpoint.method, endpoint.path, "interface.sdk-collision",
                                f"SDK function '{name}' has the name of the SDK namespace "
                                f"api.functional.{'.'.join((*chain, name))}; choose another action name")


def _overlap(left: list[str], right: list[str]) -> bool:
    """Whether one request path could match both routes (same length, each segment equal or a parameter)."""
    return all(a == b or contract.is_parameter(a) or contract.is_parameter(b) for a, b in zip(left, right, strict=True))


def _check_naming(endpoint: Endpoint) -> list[Diagnostic]:
    method, path, name = endpoint.method, endpoint.path, endpoint.name
    found: list[Diagnostic] = []
    if contract.is_parameter(contract.segments(path)[0]):
        found.append(_route(method, path, "interface.path-root", "a path must start with a static segment"))
    implied = contract.implied_methods(name)
    verbs = "index/at (get), create (post), update (put/patch), erase (delete)"
    if implied is None:
        found.append(_route(method, path, "interface.action-name",
                            f"action name '{name}' does not say what it does; start it with a known verb: {verbs}"))
    elif method not in implied:
        found.append(_route(method, path, "interface.action-method",
                            f"action name '{name}' implies {'/'.join(sorted(m.upper() for m in implied))}, "
                            f"not {method.upper()}; rename it ({verbs}) or change the method"))
    if name in TS_RESERVED:
        found.append(_route(method, path, "interface.reserved-name",
                            f"action name '{name}' is a reserved word in TypeScript; use e.g. 'erase' for delete"))
    for parameter in contract.path_parameters(path):
        if parameter in TS_RESERVED or parameter in RESERVED_PARAMETERS:
            found.append(_route(method, path, "interface.reserved-name",
                                f"path parameter '{parameter}' is a reserved name; use e.g. '{parameter}Id'"))
    if endpoint.authorization in contract.path_parameters(path):
        found.append(_route(method, path, "interface.reserved-name",
                            f"path parameter '{endpoint.authorization}' has the name of the authorized actor; "
                            f"use e.g. '{endpoint.authorization}Id'"))
    for parameter, count in Counter(contract.path_parameters(path)).items():
        if count > 1:
            found.append(_route(method, path, "interface.path-parameters", f"path parameter '{parameter}' appears twice"))
    return found


# --- operations --------------------------------------------------------------------------------

def check_operations(batch: OperationBatch, endpoints: Sequence[Endpoint]) -> list[Diagnostic]:
    """An `operation-…` batch's compiler: one operation per listed endpoint, consistent with its path."""
    found: list[Diagnostic] = []
    expected = {(e.method, e.path) for e in endpoints}
    described: set[tuple[str, str]] = set()
    for spec in batch.operations:
        key = (spec.method, spec.path)
        if key not in expected:
            found.append(_route(spec.method, spec.path, "interface.unknown-operation",
                                "not one of the endpoints to describe; describe exactly the listed endpoints"))
            continue
        if key in described:
            found.append(_route(spec.method, spec.path, "interface.duplicate-operation", "described more than once"))
        described.add(key)
        declared = [parameter.name for parameter in spec.parameters]
        in_path = contract.path_parameters(spec.path)
        if declared != in_path:
            found.append(_route(spec.method, spec.path, "interface.path-parameters",
                                f"parameters must be exactly the path's, in order: [{', '.join(in_path)}]; "
                                f"got [{', '.join(declared)}]"))
        if spec.request_body is not None and spec.method in ("get", "delete"):
            found.append(_route(spec.method, spec.path, "interface.body-not-allowed",
                                f"a {spec.method.upper()} request has no body; set request_body to null"))
        if spec.query is not None and spec.method != "get":
            found.append(_route(spec.method, spec.path, "interface.query-not-allowed",
                                "only GET takes a query type; send the data in request_body"))
        for type_name in (spec.query, spec.request_body, spec.response_body):
            if type_name in RESERVED_TYPES:
                found.append(_route(spec.method, spec.path, "interface.reserved-type",
                                    f"type name '{type_name}' is reserved by the SDK; choose another"))
    for method, path in sorted(expected - described):
        found.append(_route(method, path, "interface.missing-operation", "this endpoint is not described"))
    return found


# --- DTO types ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Node:
    schema: JsonSchema
    pointer: str  # e.g. "title" or "tags[]" or "status|1"
    parent: str  # "root" | "property" | "items" | "variant"
    depth: int


def _walk(definition: TypeDefinition) -> Iterator[_Node]:
    stack = [_Node(definition.json_schema, "", "root", 1)]
    while stack:
        node = stack.pop()
        yield node
        if node.depth >= MAX_SCHEMA_DEPTH:
            continue
        schema, base = node.schema, node.pointer
        if schema.type == "object":
            stack += [_Node(p.json_schema, f"{base}.{p.name}" if base else p.name, "property", node.depth + 1)
                      for p in reversed(schema.properties)]
        elif schema.type == "array":
            stack.append(_Node(schema.items, f"{base}[]", "items", node.depth + 1))
        elif schema.type == "oneOf":
            stack += [_Node(v, f"{base}|{i}", "variant", node.depth + 1) for i, v in reversed(list(enumerate(schema.variants)))]


def references(definitions: Iterable[TypeDefinition]) -> set[str]:
    """Every type name the definitions reference."""
    return {node.schema.ref for d in definitions for node in _walk(d) if node.schema.type == "reference"}


def check_types(batch: SchemaBatch, requested: Sequence[str], database: DatabaseApplication,
                query_types: Iterable[str]) -> list[Diagnostic]:
    """A `schemas-…` batch's compiler: the requested types, well-formed and true to the database."""
    found: list[Diagnostic] = []
    names = [definition.name for definition in batch.types]
    for name in sorted(set(requested) - set(names)):
        found.append(_type(name, name, "interface.missing-type", f"requested type '{name}' is not defined"))
    for name, count in sorted(Counter(names).items()):
        if count > 1:
            found.append(_type(name, name, "interface.duplicate-type", f"type '{name}' is defined {count} times"))
    tables = database.tables()
    queries = set(query_types)
    for definition in batch.types:
        found += _check_definition(definition, tables, definition.name in queries)
    return found


def _check_definition(definition: TypeDefinition, tables: dict[str, Model], is_query: bool) -> list[Diagnostic]:
    name = definition.name
    found: list[Diagnostic] = []
    if name in RESERVED_TYPES:
        found.append(_type(name, name, "interface.reserved-type", f"type name '{name}' is reserved by the SDK"))
    for node in _walk(definition):
        where = f"{name}.{node.pointer}" if node.pointer else name
        schema = node.schema
        if node.depth >= MAX_SCHEMA_DEPTH and schema.type in ("object", "array", "oneOf"):
            found.append(_type(name, where, "interface.too-deep",
                               f"schema nesting reaches the limit of {MAX_SCHEMA_DEPTH} levels; "
                               "split it into named types"))
        if schema.type != "object":
            continue
        if node.parent != "root":
            found.append(_type(name, where, "interface.nested-object",
                               "an object may only be the root of a named type; define it as its own type "
                               "and use {\"type\": \"reference\", \"ref\": ...} here"))
        if not schema.properties:
            found.append(_type(name, where, "interface.empty-object",
                               "an object type needs at least one property; use null instead of an empty body"))
        for prop_name, count in Counter(p.name for p in schema.properties).items():
            if count > 1:
                found.append(_type(name, f"{where}.{prop_name}", "interface.duplicate-property",
                                   f"property '{prop_name}' is declared {count} times"))
        for prop in schema.properties:
            if prop.column is not None:
                found += _check_column(name, f"{where}.{prop.name}", prop.column, prop.json_schema, tables)
    if is_query:
        found += _check_query(definition)
    return found


def _check_column(type_name: str, where: str, column: str, schema: JsonSchema,
                  tables: dict[str, Model]) -> list[Diagnostic]:
    table, field = column.split(".", 1)
    model = tables.get(table)
    if model is None:
        return [_type(type_name, where, "interface.unknown-column", f"x-db-column '{column}': no table '{table}'")]
    column_types = {PRIMARY_KEY: "uuid", **{f.name: "uuid" for f in model.foreign_fields},
                    **{f.name: f.type for f in model.plain_fields}}
    if field not in column_types:
        return [_type(type_name, where, "interface.unknown-column",
                      f"x-db-column '{column}': table '{table}' has no column '{field}'; "
                      f"its columns: {quoted(column_types)}")]
    value = non_null(schema)
    allowed = _COLUMN_TYPES[column_types[field]]
    if value is not None and value.type in _SCALARS - {"constant"} and value.type not in allowed:
        return [_type(type_name, where, "interface.column-type",
                      f"mirrors '{column}' ({column_types[field]}) but is {value.type}; "
                      f"use {' or '.join(sorted(allowed))}")]
    return []


def non_null(schema: JsonSchema) -> JsonSchema | None:
    """The schema without a `null` alternative, or None when it is not a single nullable type."""
    if isinstance(schema, OneOfSchema):
        rest = [variant for variant in schema.variants if variant.type != "null"]
        return rest[0] if len(rest) == 1 else None
    return schema


def _check_query(definition: TypeDefinition) -> list[Diagnostic]:
    name, schema = definition.name, definition.json_schema
    if not isinstance(schema, ObjectSchema):
        return [_type(name, name, "interface.query-shape", "a query type must be an object of scalar properties")]
    found: list[Diagnostic] = []
    for prop in schema.properties:
        value = prop.json_schema
        scalar = value.type in _SCALARS or (
            isinstance(value, OneOfSchema) and all(v.type in _SCALARS | {"null"} for v in value.variants))
        if not scalar:
            found.append(_type(name, f"{name}.{prop.name}", "interface.query-shape",
                               "query properties must be scalars (boolean, integer, number, string, constants)"))
    return found


# --- the merged application ----------------------------------------------------------------------

def check_application(app: InterfaceApplication) -> list[Diagnostic]:
    """Every type a route or a type names is defined."""
    defined = {definition.name for definition in app.types}
    found: list[Diagnostic] = []
    for route in app.routes:
        for type_name in (route.query, route.request_body, route.response_body):
            if type_name is not None and type_name not in defined:
                found.append(_route(route.method, route.path, "interface.undefined-type",
                                    f"type '{type_name}' is not defined"))
    for definition in app.types:
        for node in _walk(definition):
            if node.schema.type == "reference" and node.schema.ref not in defined:
                where = f"{definition.name}.{node.pointer}" if node.pointer else definition.name
                found.append(_type(definition.name, where, "interface.undefined-type",
                                   f"references '{node.schema.ref}', which is not defined"))
    return found
