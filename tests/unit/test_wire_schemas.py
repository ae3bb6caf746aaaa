"""The tool schema as sent, per dialect: something the server can take, never stricter than the model.

What is sent only steers the model; the farm validates with the full pydantic model. So every wire
schema must accept every correct answer (the simulator's answer books), and the model must keep
rejecting what a looser wire schema lets through.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from farm.spec import Dialect, ToolSchemaMode
from tests.phases.fixture_context import book
from workers.harness.wire import MAX_REPEAT, default_schema_mode, grammar_pattern, grammar_safe, wire_parameters
from workers.phases.base import PHASES
from workers.phases.registry import PhaseTool, phase_tools
from workers.phases.schema_shape import inline_refs

TOOLS = [tool for phase in PHASES for tool in phase_tools(phase)]
DIALECTS = [dialect for dialect in Dialect if dialect is not Dialect.AUTO]
GRAMMAR_DIALECTS = [Dialect.LLAMA_CPP, Dialect.LMSTUDIO]
MODES = [None, *ToolSchemaMode]


def _name(tool: PhaseTool) -> str:
    return tool.name


@cache
def answers() -> dict[str, list[dict[str, Any]]]:
    """Every answer in the todo book the full model accepts, keyed by the tool whose model it is."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, arguments in book("todo").items():
        for tool in phase_tools(key.split("/", 1)[0]):
            try:
                tool.ast.model_validate(arguments)
            except ValidationError:
                continue
            found[tool.name].append(arguments)
    return found


def nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every subschema of `schema` (not the name maps or literal values)."""
    if isinstance(schema, list):
        for item in schema:
            yield from nodes(item)
    elif isinstance(schema, dict):
        yield schema
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from nodes(sub)
            elif key not in ("const", "enum", "default", "required", "examples"):
                yield from nodes(value)


_ALLOWED_ESCAPE = re.compile(r"\\(?:[tnr]|x[0-9A-F]{2})")


def grammar_problems(schema: dict[str, Any]) -> list[str]:
    """What llama.cpp's grammar converters reject or blow up on, found in `schema`."""
    problems = []
    for node in nodes(schema):
        for key in ("maxLength", "maxItems", "format", "discriminator", "title"):
            if key in node:
                problems.append(f"{key}: {node[key]!r}")
        for key in ("minLength", "minItems"):
            if node.get(key, 0) > MAX_REPEAT:
                problems.append(f"{key}: {node[key]}")
        pattern = node.get("pattern")
        if pattern is not None:
            if "(?" in pattern or _ALLOWED_ESCAPE.sub("", pattern).count("\\"):
                problems.append(f"pattern {pattern!r}")
            if not (pattern.startswith("^") and pattern.endswith("$")):
                problems.append(f"unanchored pattern {pattern!r}")
        if "properties" in node and ("anyOf" in node or "oneOf" in node):
            problems.append(f"properties mixed with a union: {sorted(node)}")
        if node.get("additionalProperties") is True:  # llama-cpp-python reads it as "any object"
            problems.append(f"additionalProperties: true beside {sorted(node.get('properties', {}))}")
        if not node.keys() & {"type", "$ref", "anyOf", "oneOf", "const", "enum", "properties", "items", "pattern"}:
            problems.append(f"schema without a type: {node}")
    return problems


def test_every_tool_has_correct_answers_to_check_against() -> None:
    assert sorted(answers()) == sorted(tool.name for tool in TOOLS)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("tool", TOOLS, ids=_name)
def test_wire_schema_is_a_json_schema_without_references_when_inlined(tool: PhaseTool, dialect: Dialect) -> None:
    schema = wire_parameters(tool.ast, dialect)
    assert json.loads(json.dumps(schema)) == schema
    jsonschema.Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    if default_schema_mode(dialect) is ToolSchemaMode.INLINE:
        assert "$ref" not in text and "$defs" not in schema
    else:
        assert schema == tool.ast.model_json_schema()


@pytest.mark.parametrize("dialect", GRAMMAR_DIALECTS)
@pytest.mark.parametrize("tool", TOOLS, ids=_name)
def test_grammar_dialects_send_nothing_the_converter_rejects(tool: PhaseTool, dialect: Dialect) -> None:
    assert grammar_problems(wire_parameters(tool.ast, dialect)) == []
    assert grammar_problems(wire_parameters(tool.ast, dialect, ToolSchemaMode.NATIVE)) == []


def test_the_grammar_check_finds_what_pydantic_emits() -> None:
    """The check above is not vacuous: the native schemas have every kind of problem it looks for."""
    found = "\n".join(problem for tool in TOOLS for problem in grammar_problems(tool.ast.model_json_schema()))
    for kind in ("maxLength", "maxItems", "title", "discriminator", "pattern '^"):
        assert kind in found
    assert "(?:" in found and "\\\\." in found


@pytest.mark.parametrize("tool", TOOLS, ids=_name)
def test_every_correct_answer_validates_against_every_wire_schema(tool: PhaseTool) -> None:
    """Each distinct schema sent for the tool, over every dialect and mode (validated once each: slow)."""
    distinct = {json.dumps(schema): schema for schema in
                (wire_parameters(tool.ast, dialect, mode) for dialect in DIALECTS for mode in MODES)}
    assert len(distinct) == (4 if "$defs" in tool.ast.model_json_schema() else 2)  # native, inline, 2 grammar-safe
    for schema in distinct.values():
        validator = jsonschema.Draft202012Validator(schema)
        for arguments in answers()[tool.name]:
            validator.validate(arguments)


def _tool(name: str) -> PhaseTool:
    return next(tool for tool in TOOLS if tool.name == name)


def _rejected_by_model_only(tool: PhaseTool, arguments: dict[str, Any], dialect: Dialect) -> None:
    jsonschema.validate(arguments, wire_parameters(tool.ast, dialect))
    with pytest.raises(ValidationError):
        tool.ast.model_validate(arguments)


@pytest.mark.parametrize("dialect", GRAMMAR_DIALECTS)
def test_the_model_still_rejects_a_body_over_its_length_bound_the_grammar_wire_dropped(dialect: Dialect) -> None:
    tool = _tool("realize_function")
    arguments = copy.deepcopy(answers()[tool.name][0])
    arguments["body"] = "x" * 30_001
    _rejected_by_model_only(tool, arguments, dialect)


@pytest.mark.parametrize("dialect", GRAMMAR_DIALECTS)
def test_the_model_still_rejects_too_many_documents_the_grammar_wire_allows(dialect: Dialect) -> None:
    tool = _tool("analyze_plan")
    arguments = copy.deepcopy(answers()[tool.name][0])
    arguments["documents"] = [dict(arguments["documents"][0], filename=f"doc-{i}.md") for i in range(21)]
    _rejected_by_model_only(tool, arguments, dialect)


@pytest.mark.parametrize("dialect", [Dialect.OLLAMA, *GRAMMAR_DIALECTS])
def test_the_model_still_rejects_a_bad_node_below_the_inlining_cut(dialect: Dialect) -> None:
    """Inlining cuts recursion to a tagged object: a wrong field deep down passes the wire schema."""
    tool = _tool("test_function")

    def statement(leaf: dict[str, Any]) -> dict[str, Any]:
        nested = {"type": "unary", "operator": "!", "operand": {"type": "unary", "operator": "!", "operand": leaf}}
        return {"statements": [{"type": "expression", "variable": None, "expression": nested}]}

    tool.ast.model_validate(statement({"type": "string", "value": "x"}))
    _rejected_by_model_only(tool, statement({"type": "string", "value": "x", "no_such_field": 1}), dialect)


@pytest.mark.parametrize("dialect", GRAMMAR_DIALECTS)
def test_rewritten_patterns_still_forbid_what_the_model_forbids(dialect: Dialect) -> None:
    """`\\.md` became `[.]md`, not nothing: a file name without the extension is refused on the wire too."""
    tool = _tool("analyze_plan")
    arguments = copy.deepcopy(answers()[tool.name][0])
    arguments["documents"][0]["filename"] = "service-overview.txt"
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(arguments, wire_parameters(tool.ast, dialect))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^[a-z0-9][a-z0-9-]{0,60}\.md$", r"^[a-z0-9][a-z0-9-]{0,60}[.]md$"),
        (r"^I[A-Z][A-Za-z0-9]*(?:\.I[A-Z][A-Za-z0-9]*)?$", r"^I[A-Z][A-Za-z0-9]*([.]I[A-Z][A-Za-z0-9]*)?$"),
        (r"^(?:/(?:[a-z]+|\{[a-z]+\}))+$", r"^(/([a-z]+|[{][a-z]+[}]))+$"),
        (r"^\d+-\w\s\D$", r"^[0-9]+-[A-Za-z0-9_][ \t\n\r][^0-9]$"),
        (r"^[\d\-\.\]]$", r"^[0-9\x2D.\x5D]$"),
        (r"^[]a]$", r"^[\x5Da]$"),
        (r"^a{2,3}?b*?c+?$", r"^a{2,3}b*c+$"),
        (r"^a{1,5000}b{70}c{0,}$", r"^a+b+c*$"),
        (r"^(a|b)\\$", r"^(a|b)[\x5C]$"),
        (r"^a\tb$", r"^a\tb$"),
        (r"^a|b$", None),  # starts with a, or ends with b: not an anchored pattern
        (r"[a-z]+", None),
        (r"^a(?=b)$", None),
        (r"^(a)\1$", None),
        (r"^\bword$", None),
        (r"^a$b$", None),
        (r"^a\$", None),
    ],
)
def test_grammar_pattern(pattern: str, expected: str | None) -> None:
    assert grammar_pattern(pattern) == expected


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_rewritten_patterns_of_every_tool_match_the_same_strings() -> None:
    corpus = set(_strings(book("todo")))
    corpus |= {s.replace(".", c) for s in corpus for c in "x-"} | {s + "\n" for s in corpus} | {"", ".", "a.", "I.IA"}
    patterns = {node["pattern"] for tool in TOOLS for node in nodes(tool.ast.model_json_schema()) if "pattern" in node}
    assert len(patterns) >= 5
    for pattern in patterns:
        rewritten = grammar_pattern(pattern)
        assert rewritten is not None, pattern
        differ = [s for s in corpus if bool(re.search(pattern, s)) != bool(re.search(rewritten, s))]
        assert differ == [], (pattern, rewritten)
        assert any(re.search(pattern, s) for s in corpus) and not all(re.search(pattern, s) for s in corpus)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=10, pattern=r"x", title="Name")  # unanchored: the converter refuses it
    title: str = Field(min_length=200, description="a property called title")
    anything: Any = Field(description="any JSON value")
    format: dict[str, int] = Field(default_factory=dict)


def test_grammar_safe_relaxes_what_it_cannot_express_and_keeps_names() -> None:
    schema = grammar_safe(_Loose.model_json_schema())
    assert list(schema["properties"]) == ["name", "title", "anything", "format"]  # property names are not keywords
    assert schema["properties"]["name"] == {"type": "string"}
    assert schema["properties"]["title"] == {"description": "a property called title", "type": "string"}
    assert schema["properties"]["anything"]["type"] == ["string", "number", "boolean", "null", "object", "array"]
    assert schema["properties"]["format"]["additionalProperties"] == {"type": "integer"}
    assert "additionalProperties" not in schema  # false is the converters' default
    jsonschema.validate({"name": "yyyyyyyyyyyyy", "title": "t", "anything": [1], "format": {"a": 1}}, schema)
    with pytest.raises(ValidationError):
        _Loose.model_validate({"name": "yyyyyyyyyyyyy", "title": "t", "anything": [1]})


def test_grammar_safe_lets_extra_keys_through_where_json_schema_does() -> None:
    """A cut nested node is `{"type": "object", "properties": {tag}}`: its other fields are allowed."""
    cut = {"type": "object", "properties": {"type": {"enum": ["a", "b"]}}, "required": ["type"]}
    schema = grammar_safe(cut)
    assert schema["additionalProperties"] == {"type": ["string", "number", "boolean", "null", "object", "array"]}
    assert schema["properties"] == cut["properties"] and schema["required"] == ["type"]


def test_grammar_safe_pushes_properties_into_the_union_beside_them() -> None:
    mixed = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"],
             "anyOf": [{"properties": {"a": {"type": "string"}}, "required": ["a"]}, {"properties": {"b": {}}}]}
    schema = grammar_safe(mixed)
    assert "properties" not in schema
    first, second = schema["anyOf"]
    assert list(first["properties"]) == ["id", "a"] and first["required"] == ["id", "a"]
    assert list(second["properties"]) == ["id", "b"] and second["required"] == ["id"]
    jsonschema.validate({"id": 1, "b": None}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"b": None}, schema)


def test_native_and_ollama_shapes_and_explicit_modes() -> None:
    tool = _tool("interface_schemas")
    native = tool.ast.model_json_schema()
    assert wire_parameters(tool.ast, Dialect.OPENAI) == native
    assert wire_parameters(tool.ast, Dialect.OPENROUTER, ToolSchemaMode.INLINE) == inline_refs(native, 2)
    assert wire_parameters(tool.ast, Dialect.OLLAMA) == inline_refs(native, 2)
    assert wire_parameters(tool.ast, Dialect.OLLAMA, ToolSchemaMode.NATIVE) == native
    assert "$defs" in wire_parameters(tool.ast, Dialect.LLAMA_CPP, ToolSchemaMode.NATIVE)
    assert wire_parameters(tool.ast, Dialect.LMSTUDIO) == wire_parameters(tool.ast, Dialect.LLAMA_CPP)


def test_default_modes_and_the_auto_dialect() -> None:
    assert {d: default_schema_mode(d) for d in DIALECTS} == {
        Dialect.OPENAI: ToolSchemaMode.NATIVE, Dialect.OPENROUTER: ToolSchemaMode.NATIVE,
        Dialect.VLLM: ToolSchemaMode.NATIVE, Dialect.LLAMA_CPP: ToolSchemaMode.INLINE,
        Dialect.OLLAMA: ToolSchemaMode.INLINE, Dialect.LMSTUDIO: ToolSchemaMode.INLINE}
    with pytest.raises(ValueError, match="auto"):
        default_schema_mode(Dialect.AUTO)
    with pytest.raises(ValueError, match="auto"):
        wire_parameters(_tool("realize_function").ast, Dialect.AUTO, ToolSchemaMode.NATIVE)


@pytest.mark.parametrize("tool", TOOLS, ids=_name)
def test_grammar_wire_schemas_are_deterministic_cached_and_smaller(tool: PhaseTool) -> None:
    schema = wire_parameters(tool.ast, Dialect.LLAMA_CPP)
    assert wire_parameters(tool.ast, Dialect.LLAMA_CPP) is schema
    assert json.dumps(grammar_safe(inline_refs(tool.ast.model_json_schema(), 2, 16_000))) == json.dumps(schema)
    assert len(json.dumps(schema)) < min(len(json.dumps(tool.ast.model_json_schema())), 16_000)
