"""Reshape tool JSON schemas for endpoints that reject `$ref` / `$defs`.

Pydantic emits recursive ASTs (the JSON-schema union of the Interface phase) with `$defs` and
`$ref`. Some serving stacks only accept self-contained schemas, so the harness can offer a copy with
every local reference inlined; recursion is unrolled a bounded number of levels and then cut to a
permissive object whose description says so, which keeps the schema finite and small while our own
validation (on the real, recursive model) still checks what the model sends.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PREFIX = "#/$defs/"
_PREFIX_REF = re.compile(r'"#/\$defs/([^"]+)"')
MAX_CHARS = 40_000  # ~10k tokens: every call of the operation pays for its tool schema
_MAX_NODES = 20_000  # guards memory while an unrolling is built, before its size can be measured


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


def _cut_union(names: list[str], definitions: dict[str, Any]) -> dict[str, Any]:
    """One permissive object in place of a whole union of recursive variants, keeping the union's
    tag as an enum: twenty cut variants per field would make the schema explode all the same."""
    tags: dict[str, set[Any]] = {}
    for name in names:
        for key, value in definitions[name].get("properties", {}).items():
            if isinstance(value, dict) and "const" in value:
                tags.setdefault(key, set()).add(value["const"])
    common = {key: values for key, values in tags.items() if len(values) == len(names)}
    out: dict[str, Any] = {"type": "object",
                           "description": f"One of {', '.join(names)} (not expanded further)."}
    if common:
        out["properties"] = {key: {"enum": sorted(values, key=str)} for key, values in sorted(common.items())}
        out["required"] = sorted(common)
    return out


def _union_members(node: dict[str, Any], definitions: dict[str, Any], recursive: set[str]) -> tuple[str, list[str]] | None:
    """(keyword, names) of a `oneOf`/`anyOf` made only of references, at least one of them recursive."""
    for key in ("oneOf", "anyOf"):
        members = node.get(key)
        if not isinstance(members, list) or len(members) < 2:
            continue
        names = [m["$ref"][len(_PREFIX):] for m in members
                 if isinstance(m, dict) and set(m) == {"$ref"} and str(m["$ref"]).startswith(_PREFIX)]
        if len(names) == len(members) and all(n in definitions for n in names) and any(n in recursive for n in names):
            return key, names
    return None


class _TooLarge(Exception):
    """The inlined schema outgrew its node budget at this depth."""


def _recursive(definitions: dict[str, Any]) -> set[str]:
    """Definitions that can reach themselves through references."""
    edges = {name: set(_PREFIX_REF.findall(json.dumps(body))) & set(definitions) for name, body in definitions.items()}
    recursive = set()
    for start in definitions:
        seen, frontier = set(), set(edges[start])
        while frontier:
            name = frontier.pop()
            if name == start:
                recursive.add(start)
                break
            if name not in seen:
                seen.add(name)
                frontier |= edges[name]
    return recursive


def inline_refs(schema: dict[str, Any], max_depth: int, max_chars: int = MAX_CHARS) -> dict[str, Any]:
    """A copy of `schema` without `$defs`: each `#/$defs/X` reference replaced by X itself.

    Non-recursive definitions always inline. Recursion (the JSON-schema union refers to itself
    through several variants) unrolls at most `max_depth` levels *in total* along one path, a level
    being a union with a recursive variant or a lone reference to a recursive definition; past it,
    a union folds whole into one `{"type": "object"}` whose tag property is an enum of its variants'
    tags, and a lone reference into one keeping only its `const` (tag) properties. Mutually
    recursive variants multiply at every level, so the depth steps down until the result fits
    `max_chars` of JSON. Sibling keywords of a `$ref` are kept, overriding the definition's;
    discriminator mappings, which point into `$defs`, are dropped. Raises ValueError on a reference
    that is not a local `$defs` entry, or when even depth 1 does not fit.
    """
    if max_depth < 1:
        raise ValueError(f"max_depth must be at least 1, got {max_depth}")
    for depth in range(max_depth, 0, -1):
        try:
            inlined = _inline(schema, depth, _MAX_NODES)
        except _TooLarge:
            continue
        if len(json.dumps(inlined)) <= max_chars:
            return inlined
    raise ValueError(f"the schema inlines to more than {max_chars} characters even at depth 1")


def _inline(schema: dict[str, Any], max_depth: int, max_nodes: int) -> dict[str, Any]:
    definitions: dict[str, Any] = schema.get("$defs", {})
    recursive = _recursive(definitions)
    made = 0

    def walk(node: Any, depth: int) -> Any:
        nonlocal made
        if isinstance(node, list):
            return [walk(item, depth) for item in node]
        if not isinstance(node, dict):
            return node
        made += 1
        if made > max_nodes:
            raise _TooLarge
        if "$ref" in node and isinstance(node["$ref"], str):
            return resolve(node, depth)
        union = _union_members(node, definitions, recursive)
        if union is None:
            return keywords(node, depth, skip=())
        keyword, names = union  # a recursive union is one level: expanded below the limit, folded at it
        if depth >= max_depth:
            return {**keywords(node, depth, skip=(keyword, "discriminator")), **_cut_union(names, definitions)}
        expanded = [walk(definitions[name], depth + 1) for name in names]
        return {**keywords(node, depth, skip=(keyword,)), keyword: expanded}

    def keywords(node: dict[str, Any], depth: int, skip: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs" or key in skip:
                continue
            if key == "discriminator" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "mapping"}
            out[key] = walk(value, depth)
        return out

    def resolve(node: dict[str, Any], depth: int) -> dict[str, Any]:
        ref: str = node["$ref"]
        name = ref[len(_PREFIX):] if ref.startswith(_PREFIX) else None
        if name is None or name not in definitions:
            raise ValueError(f"cannot inline reference {ref!r}: only local {_PREFIX}<name> entries are supported")
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if name not in recursive:
            target: dict[str, Any] = walk(definitions[name], depth)
        elif depth >= max_depth:
            target = _cut(name, definitions[name])
        else:
            target = walk(definitions[name], depth + 1)
        return {**target, **walk(siblings, depth)}

    return walk(schema, 0)
