"""Emit `openapi.json` (OpenAPI 3.1) from the Interface AST (its validity: tests/phases/test_interface_phase.py)."""

from __future__ import annotations

import json
from typing import Any

from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication, JsonSchema, ObjectSchema, Route, TypeDefinition

OPENAPI_FILE = "openapi.json"
_SECURITY = "bearer"
_KEYWORDS = {"min_length": "minLength", "max_length": "maxLength", "min_items": "minItems", "max_items": "maxItems",
             "minimum": "minimum", "maximum": "maximum", "format": "format", "pattern": "pattern"}


def _component(name: str) -> str:
    return f"#/components/schemas/{name}"


def json_schema(schema: JsonSchema) -> dict[str, Any]:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of one AST schema."""
    out: dict[str, Any]
    match schema.type:
        case "constant":
            out = {"const": schema.value}
        case "reference":
            out = {"$ref": _component(schema.ref)}
        case "oneOf":
            out = {"oneOf": [json_schema(variant) for variant in schema.variants]}
        case "array":
            out = {"type": "array", "items": json_schema(schema.items)}
            if schema.unique_items:
                out["uniqueItems"] = True
        case "object":
            out = _object(schema)
        case _:
            out = {"type": schema.type}
    for field, keyword in _KEYWORDS.items():
        value = getattr(schema, field, None)
        if value is not None:
            out[keyword] = value
    if schema.description:
        out["description"] = schema.description
    return out


def _object(schema: ObjectSchema) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for prop in schema.properties:
        value = {**json_schema(prop.json_schema), "description": prop.description}
        if prop.column:
            value["x-db-column"] = prop.column
        properties[prop.name] = value
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [prop.name for prop in schema.properties if prop.required]
    if required:
        out["required"] = required
    return out


def _parameters(route: Route, types: dict[str, TypeDefinition]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for parameter in route.parameters:
        schema: dict[str, Any] = {"type": "integer"} if parameter.format == "integer" else {"type": "string"}
        if parameter.format == "uuid":
            schema["format"] = "uuid"
        found.append({"name": parameter.name, "in": "path", "required": True,
                      "description": parameter.description, "schema": schema})
    query = types.get(route.query) if route.query else None
    if query is not None and isinstance(query.json_schema, ObjectSchema):
        for prop in query.json_schema.properties:
            found.append({"name": prop.name, "in": "query", "required": prop.required,
                          "description": prop.description, "schema": json_schema(prop.json_schema)})
    return found


def _operation(route: Route, types: dict[str, TypeDefinition]) -> dict[str, Any]:
    status = "201" if route.method == "post" else "200"
    response: dict[str, Any] = {"description": route.response_body or "No content."}
    if route.response_body:
        response["content"] = {"application/json": {"schema": {"$ref": _component(route.response_body)}}}
    operation: dict[str, Any] = {
        "operationId": contract.provider_name(route.method, route.path),
        "tags": [route.namespace],
        "summary": route.summary,
        "description": route.description,
        "parameters": _parameters(route, types),
        "responses": {status: response},
    }
    if route.request_body:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": {"$ref": _component(route.request_body)}}},
        }
    if route.authorization:
        operation["security"] = [{_SECURITY: []}]
        operation["x-authorization"] = route.authorization
    return operation


def build_openapi(app: InterfaceApplication, title: str) -> dict[str, Any]:
    types = {definition.name: definition for definition in app.types}
    paths: dict[str, dict[str, Any]] = {}
    for route in app.routes:
        paths.setdefault(route.path, {})[route.method] = _operation(route, types)
    schemas = {}
    for definition in sorted(app.types, key=lambda d: d.name):
        schema = json_schema(definition.json_schema)
        schema["description"] = "\n\n".join(filter(None, [definition.description, schema.get("description")]))
        schemas[definition.name] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {_SECURITY: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render_openapi(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
