"""What the model is told after a failed attempt: precise, machine-shaped, and short.

Validation problems are `{path, expected, got}` so the model can fix exactly what was wrong; its
own JSON stays right above the feedback in the conversation (the assistant's tool call).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from farm.roundfile import format_loc
from workers.phases.base import Diagnostic

_MAX_GOT = 200

_EXPECTED = {
    "missing": "a value (required)",
    "extra_forbidden": "no such property",
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "string_pattern_mismatch": "a string matching {pattern}",
    "literal_error": "one of {expected}",
    "enum": "one of {expected}",
    "too_short": "at least {min_length} item(s)",
    "too_long": "at most {max_length} item(s)",
    "string_too_short": "at least {min_length} character(s)",
    "string_too_long": "at most {max_length} character(s)",
    "greater_than_equal": "a number ≥ {ge}",
    "less_than_equal": "a number ≤ {le}",
}


def json_path(loc: tuple[Any, ...]) -> str:
    """('actors', 0, 'name') -> '$.actors[0].name'."""
    if not loc:
        return "$"
    return "$" + ("" if isinstance(loc[0], int) else ".") + format_loc(loc)


def _got(error: dict[str, Any]) -> Any:
    if error["type"] == "missing":
        return "(missing)"
    value = error.get("input")
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= _MAX_GOT else text[:_MAX_GOT] + "…"


def validation_problems(exc: ValidationError) -> list[dict[str, Any]]:
    problems = []
    for error in exc.errors(include_url=False):
        template = _EXPECTED.get(error["type"])
        expected = template.format(**(error.get("ctx") or {})) if template else error["msg"]
        problems.append({"path": json_path(error["loc"]), "expected": expected, "got": _got(error)})
    return problems


def validation_feedback(tool: str, problems: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "status": "invalid_arguments",
            "message": f"Your arguments do not match the schema of `{tool}`. Fix every problem and call `{tool}` again.",
            "problems": problems,
        },
        ensure_ascii=False,
    )


def invalid_json_feedback(tool: str, reason: str, problems: list[dict[str, Any]] | None = None) -> str:
    body: dict[str, Any] = {
        "status": "invalid_json",
        "message": f"Your arguments are not valid JSON: {reason}. Call `{tool}` again with a single JSON object.",
    }
    if problems:
        body["problems"] = problems
    return json.dumps(body, ensure_ascii=False)


def compiler_feedback(tool: str, diagnostics: list[Diagnostic]) -> str:
    return json.dumps(
        {
            "status": "compile_errors",
            "message": f"The compiler rejected your `{tool}` arguments. Fix every diagnostic and call `{tool}` again.",
            "diagnostics": [d.model_dump(exclude_none=True) for d in diagnostics],
        },
        ensure_ascii=False,
    )


def missing_call_feedback(tool: str) -> str:
    return f"You replied with text. Do not answer in prose: call the function `{tool}` with its arguments."


def truncated_feedback(tool: str, max_tokens: int) -> str:
    return json.dumps(
        {
            "status": "truncated",
            "message": f"Your answer was cut off at {max_tokens} tokens, the most an answer may take, so its "
            f"arguments are incomplete. Call `{tool}` again with a shorter answer: fewer or terser items, "
            "no commentary outside the arguments.",
        },
        ensure_ascii=False,
    )
