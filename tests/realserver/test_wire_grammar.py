"""The llama.cpp wire schemas through llama-cpp-python's real converter and llama.cpp's C grammar parser.

A schema the converter refuses makes the server drop the grammar silently; a grammar the parser
refuses makes it crash. Each check runs in a child process, so a crash fails the test instead of
killing pytest. Without llama-cpp-python or the SmolLM2 GGUF these tests fail, never skip.
"""

from __future__ import annotations

import copy
import json

import pytest

from farm.spec import Dialect, ToolSchemaMode
from tests.realserver.llama import GrammarCheck, check_schema, grammar_order
from tests.unit.test_wire_schemas import TOOLS, answers
from workers.harness.wire import wire_parameters
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.registry import PhaseTool


def _check(schema: dict, arguments: list[dict] = ()) -> GrammarCheck:  # type: ignore[assignment]
    return check_schema(schema, [json.dumps(grammar_order(a, schema)) for a in arguments])


@pytest.mark.parametrize("tool", TOOLS, ids=lambda tool: tool.name)
def test_the_grammar_of_every_tool_parses_and_accepts_every_correct_answer(tool: PhaseTool) -> None:
    schema = wire_parameters(tool.ast, Dialect.LLAMA_CPP)
    check = _check(schema, answers()[tool.name])
    assert check.ok, check


@pytest.mark.parametrize("tool", TOOLS, ids=lambda tool: tool.name)
def test_the_grammar_of_every_tool_with_its_references_kept_parses(tool: PhaseTool) -> None:
    check = check_schema(wire_parameters(tool.ast, Dialect.LLAMA_CPP, ToolSchemaMode.NATIVE))
    assert check.ok, check


def test_the_native_schema_of_the_analyze_plan_fails_the_same_check() -> None:
    """Its file-name pattern ends in `\\.md`: the converter copies the escape, the parser refuses it."""
    check = check_schema(AnalyzePlan.model_json_schema())
    assert check.stage == "parse", check
    assert "unknown escape at \\.md" in check.detail


def test_a_pattern_the_converter_refuses_fails_the_check() -> None:
    """llama-cpp-python's server logs the converter's exception and samples without any grammar."""
    check = check_schema({"type": "string", "pattern": "^(?:ab)+$"})
    assert check.stage == "convert", check
    assert 'Unsupported pattern syntax "?"' in check.detail


def test_a_grammar_that_crashes_the_parser_fails_the_check() -> None:
    """maxLength 30,000 nests 30,000 optional groups: the parser overflows its stack (or refuses)."""
    check = check_schema({"type": "string", "maxLength": 30_000})
    assert not check.ok and check.stage in ("crash", "parse"), check


def test_the_grammar_refuses_an_answer_the_model_refuses() -> None:
    """The acceptance walk is not vacuous: a file name without `.md` is cut off at the extension."""
    schema = wire_parameters(AnalyzePlan, Dialect.LLAMA_CPP)
    arguments = copy.deepcopy(answers()["analyze_plan"][0])
    arguments["documents"][1]["filename"] = "user-accounts.txt"
    check = _check(schema, [arguments])
    assert check.stage == "accept" and '"user-accounts.' in check.detail, check


def test_without_an_explicit_additional_properties_the_cut_nodes_refuse_their_fields() -> None:
    """Why the grammar-safe schema adds one: the converter forbids keys JSON Schema allows."""
    cut = {"type": "object", "properties": {"type": {"enum": ["string"]}}, "required": ["type"]}
    check = check_schema(cut, ['{"type": "string", "value": "x"}'])
    assert check.stage == "accept", check
