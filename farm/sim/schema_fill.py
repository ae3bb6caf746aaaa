"""A minimal JSON-schema filler: the simulator's answer when its books hold none.

Probes (a trivial tool, no operation header) and operations missing from a book still get a
well-formed tool call: required properties only, minimum lengths and counts, first enum value,
first union branch. Patterns and formats beyond a few common ones are not honoured.
"""

from __future__ import annotations

from typing import Any

_MAX_DEPTH = 32
_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com",
    "email": "user@example.com",
}


class SchemaFillError(ValueError):
    """The schema cannot be filled (unresolvable $ref, unknown type, endless recursion)."""


def fill(schema: dict[str, Any]) -> Any:
    """A minimal value that satisfies `schema` (its `$defs`/`definitions` resolve `$ref`s)."""
    return _fill(schema, schema, 0)


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise SchemaFillError(f"$ref {ref!r}: only local references (#/...) are supported")
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SchemaFillError(f"$ref {ref!r} does not resolve")
        node = node[part]
    if not isinstance(node, dict):
        raise SchemaFillError(f"$ref {ref!r} does not point at a schema")
    return node


def _number(schema: dict[str, Any], cast: type[int] | type[float]) -> int | float:
    if "minimum" in schema:
        return cast(schema["minimum"])
    if "exclusiveMinimum" in schema:
        return cast(schema["exclusiveMinimum"]) + 1
    if "maximum" in schema and schema["maximum"] < 0:
        return cast(schema["maximum"])
    return cast(0)


def _fill(schema: Any, root: dict[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise SchemaFillError(f"schema nests deeper than {_MAX_DEPTH} levels (recursive required $ref?)")
    if schema is True or schema == {}:
        return None
    if not isinstance(schema, dict):
        raise SchemaFillError(f"not a schema: {schema!r:.80}")
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    if "$ref" in schema:
        return _fill(_resolve(root, schema["$ref"]), root, depth + 1)
    for union in ("anyOf", "oneOf", "allOf"):
        if schema.get(union):
            return _fill(schema[union][0], root, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _fill(properties.get(name, {}), root, depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return [_fill(schema.get("items", {}), root, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return _FORMATS.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))
    if kind == "integer":
        return _number(schema, int)
    if kind == "number":
        return _number(schema, float)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise SchemaFillError(f"cannot fill a schema of type {kind!r}: {schema!r:.80}")
