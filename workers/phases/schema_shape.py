"""Reshape tool JSON schemas for endpoints that reject `$ref` / `$defs`.

Pydantic emits recursive ASTs (the JSON-schema union of the Interface phase) with `$defs` and
`$ref`. Some serving stacks only accept self-contained schemas, so the harness can offer a copy with
every local reference inlined; recursion is unrolled `max_depth` times and then cut to a permissive
object whose description says so, which keeps the schema finite while our own validation (on the
real, recursive model) still checks what the model sends.
"""

from __future__ import annotations

from typing import Any

_PREFIX = "#/$defs/"


def _cut(name: str, definition: dict[str, Any]) -> dict[str, Any]:
    """A permissive object in place of `definition`, keeping only its `const` properties.

    Those are the tags of a discriminated union: without them a cut variant would match any
    object and make the surrounding `oneOf` ambiguous.
    """
    out: dict[str, Any] = {"type": "object",
                           "description": f"A nested {name}, shaped like the enclosing {name} (not expanded further)."}
    properties = definition.get("properties", {})
    tags = {key: {"const": value["const"]} for key, value in properties.items()
            if isinstance(value, dict) and "const" in value}
    if tags:
        out["properties"] = tags
        out["required"] = sorted(tags)
    return out


def inline_refs(schema: dict[str, Any], max_depth: int) -> dict[str, Any]:
    """A copy of `schema` without `$defs`: each `#/$defs/X` reference replaced by X itself.

    A definition may appear at most `max_depth` times along one path (so non-recursive definitions
    always inline, recursive ones unroll `max_depth` levels); deeper occurrences become a permissive
    `{"type": "object"}` that keeps only the definition's `const` (union tag) properties. Sibling
    keywords of a `$ref` are kept, overriding the definition's.
    Discriminator mappings, which point into `$defs`, are dropped with them. Raises ValueError on a
    reference that is not a local `$defs` entry.
    """
    if max_depth < 1:
        raise ValueError(f"max_depth must be at least 1, got {max_depth}")
    definitions: dict[str, Any] = schema.get("$defs", {})

    def walk(node: Any, path: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, path) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and isinstance(node["$ref"], str):
            return resolve(node, path)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs":
                continue
            if key == "discriminator" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "mapping"}
            out[key] = walk(value, path)
        return out

    def resolve(node: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
        ref: str = node["$ref"]
        name = ref[len(_PREFIX):] if ref.startswith(_PREFIX) else None
        if name is None or name not in definitions:
            raise ValueError(f"cannot inline reference {ref!r}: only local {_PREFIX}<name> entries are supported")
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if path.count(name) >= max_depth:
            target: dict[str, Any] = _cut(name, definitions[name])
        else:
            target = walk(definitions[name], (*path, name))
        return {**target, **walk(siblings, path)}

    return walk(schema, ())
