"""Naming helpers and the $ref-inlining reshaper for tool schemas."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from tests.phases.fixture_context import answer
from workers.phases.interface.ast import SchemaBatch
from workers.phases.naming import is_safe_relative_path, to_camel, to_pascal, words
from workers.phases.schema_shape import inline_refs


def test_case_conversions() -> None:
    assert words("todoItemId") == ["todo", "item", "id"]
    assert to_pascal("todo_items") == "TodoItems"
    assert to_pascal("sign-up") == "SignUp"
    assert to_camel("todo-items") == "todoItems"
    assert to_camel("TodoItems") == "todoItems"


@pytest.mark.parametrize("path", ["../x", "a/../../b", "/etc/passwd", "a//b", "a/./b", "a\\b", "a\x00b", ""])
def test_unsafe_relative_paths(path: str) -> None:
    assert not is_safe_relative_path(path)


def test_safe_relative_path() -> None:
    assert is_safe_relative_path("src/api/structures/ITodoItem.ts")


def _refs(node: Any) -> list[str]:
    text = json.dumps(node)
    return [key for key in ("$ref", "$defs") if key in text]


def test_inline_refs_removes_every_reference_and_cuts_recursion() -> None:
    schema = SchemaBatch.model_json_schema()
    original = copy.deepcopy(schema)
    shallow, deeper = inline_refs(schema, 1), inline_refs(schema, 2)
    assert schema == original, "input must not be mutated"
    assert _refs(shallow) == [] and _refs(deeper) == []
    assert len(json.dumps(deeper)) > len(json.dumps(shallow))
    jsonschema.Draft202012Validator.check_schema(shallow)
    items = shallow["properties"]["types"]["items"]["properties"]["json_schema"]
    array_variant = next(v for v in items["oneOf"] if v["properties"]["type"].get("const") == "array")
    nested = array_variant["properties"]["items"]  # one level down: the union folds into one tagged object
    tags = [v["properties"]["type"]["const"] for v in items["oneOf"]]
    assert "oneOf" not in nested and nested["type"] == "object" and nested["required"] == ["type"]
    assert nested["properties"]["type"]["enum"] == sorted(tags) and "array" in tags and "object" in tags
    assert nested["description"].startswith("One of ") and "ArraySchema" in nested["description"]
    assert "mapping" not in items["discriminator"]


def test_inline_refs_keeps_every_operation_schema_small() -> None:
    """Mutually recursive unions multiply per level: the depth steps down until the schema fits."""
    from workers.phases.test.ast import E2eTest

    for ast in (SchemaBatch, E2eTest):
        inlined = inline_refs(ast.model_json_schema(), 6)
        assert len(json.dumps(inlined)) <= 40_000 and _refs(inlined) == []
        jsonschema.Draft202012Validator.check_schema(inlined)
    with pytest.raises(ValueError, match="even at depth 1"):
        inline_refs(E2eTest.model_json_schema(), 1, max_chars=1_000)


def test_inlined_schema_still_accepts_the_fixture_answers() -> None:
    inlined = inline_refs(SchemaBatch.model_json_schema(), 1)
    for name in ("schemas-1", "schemas-2", "schemas-3"):
        jsonschema.validate(answer("interface", name), inlined)


def test_inline_refs_keeps_sibling_keywords() -> None:
    schema = {"$defs": {"A": {"type": "string", "description": "inner"}},
              "properties": {"a": {"$ref": "#/$defs/A", "description": "outer"}}}
    assert inline_refs(schema, 1) == {"properties": {"a": {"type": "string", "description": "outer"}}}


def test_inline_refs_rejects_foreign_references() -> None:
    with pytest.raises(ValueError, match="only local"):
        inline_refs({"properties": {"a": {"$ref": "https://example.com/x.json"}}}, 2)
    with pytest.raises(ValueError, match="max_depth"):
        inline_refs({}, 0)
