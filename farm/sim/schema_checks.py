"""What a serving stack's schema handling trips on: regex features, huge bounds, nested or recursive `$ref`s.

Pure functions over a tool's JSON schema, so a dialect (farm.sim.dialects) can decide, as the real
server would, whether the schema crashes it, is silently dropped, or is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Keywords whose value is data (never walked as a schema) and keywords whose value maps names to schemas.
_DATA = frozenset({"enum", "const", "default", "examples"})
_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_DEFINITIONS = ("$defs", "definitions")


def keywords(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """Every keyword of `schema` and its subschemas, as (path to its schema object, keyword, value)."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from keywords(item, (*path, index))
        return
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        yield path, key, value
        if key in _DATA:
            continue
        if key in _NAMED and isinstance(value, dict):
            for name, subschema in value.items():
                yield from keywords(subschema, (*path, key, name))
        elif isinstance(value, dict | list):
            yield from keywords(value, (*path, key))


def patterns(schema: Any) -> list[str]:
    """The regexes of every `pattern` keyword."""
    return [value for _, key, value in keywords(schema) if key == "pattern" and isinstance(value, str)]


def largest(schema: Any, keyword: str) -> int:
    """The largest integer value of `keyword` (e.g. maxLength) anywhere; 0 when absent."""
    values = [v for _, key, v in keywords(schema) if key == keyword and isinstance(v, int) and not isinstance(v, bool)]
    return max(values, default=0)


def nested_refs(schema: Any) -> list[str]:
    """`$ref`s that sit inside a definition: definitions referring to definitions (or themselves)."""
    return [
        value
        for path, key, value in keywords(schema)
        if key == "$ref" and isinstance(value, str) and any(part in _DEFINITIONS for part in path)
    ]


def _refs(schema: Any) -> set[str]:
    return {value for _, key, value in keywords(schema) if key == "$ref" and isinstance(value, str)}


def recursive_ref(schema: Any) -> str | None:
    """A local `$ref` reachable from the root that leads back to itself (a recursive type); None if none."""
    if not isinstance(schema, dict):
        return None
    definitions = {
        f"#/{group}/{name}": subschema
        for group in _DEFINITIONS
        if isinstance(schema.get(group), dict)
        for name, subschema in schema[group].items()
    }
    root = {key: value for key, value in schema.items() if key not in _DEFINITIONS}
    edges = {"#": _refs(root), **{pointer: _refs(subschema) for pointer, subschema in definitions.items()}}
    on_path: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> str | None:
        if node in on_path:
            return node
        if node in done or node not in edges:
            return None
        on_path.append(node)
        for target in sorted(edges[node]):
            found = visit(target)
            if found is not None:
                return found
        on_path.pop()
        done.add(node)
        return None

    return visit("#")
