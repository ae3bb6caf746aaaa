"""Lenient argument parsing and the {path, expected, got} feedback."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from workers.harness.feedback import validation_feedback, validation_problems
from workers.harness.parse import InvalidJson, parse_arguments
from workers.phases.analyze.ast import AnalyzePlan


def test_strict_json_is_not_marked_repaired() -> None:
    parsed = parse_arguments('{"a": 1}')
    assert parsed.value == {"a": 1} and not parsed.repaired


@pytest.mark.parametrize(
    "raw",
    ['```json\n{"a": [1, 2,],}\n```', '{"a": [1, 2', "{'a': [1, 2]}", '{"a": [1, 2]} trailing words'],
)
def test_repairable_json_is_repaired(raw: str) -> None:
    parsed = parse_arguments(raw)
    assert parsed.value == {"a": [1, 2]}
    assert parsed.repaired


@pytest.mark.parametrize("raw", ["", "   ", "I think the answer is yes", "[1, 2, 3]", "42"])
def test_what_cannot_become_an_object_is_invalid(raw: str) -> None:
    with pytest.raises(InvalidJson):
        parse_arguments(raw)


def test_validation_problems_name_path_expected_and_got() -> None:
    with pytest.raises(ValidationError) as info:
        AnalyzePlan.model_validate(
            {"actors": [{"name": "Bad Name", "kind": "boss", "description": "x"}], "documents": [], "extra": 1}
        )
    problems = {p["path"]: p for p in validation_problems(info.value)}
    assert problems["$.actors[0].name"]["expected"].startswith("a string matching ^[a-z]")
    assert problems["$.actors[0].name"]["got"] == "Bad Name"
    assert problems["$.actors[0].kind"]["expected"] == "one of 'guest', 'member' or 'admin'"
    assert problems["$.documents"]["expected"] == "at least 1 item(s)"
    assert problems["$.extra"]["expected"] == "no such property"
    message = json.loads(validation_feedback("analyze_plan", list(problems.values())))
    assert message["status"] == "invalid_arguments" and len(message["problems"]) == 4


def test_long_values_are_truncated_in_feedback() -> None:
    with pytest.raises(ValidationError) as info:
        AnalyzePlan.model_validate({"actors": "x" * 5000, "documents": []})
    got = next(p["got"] for p in validation_problems(info.value) if p["path"] == "$.actors")
    assert isinstance(got, str) and len(got) <= 202
