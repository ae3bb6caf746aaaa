"""Lenient parsing of tool-call arguments: code fences, trailing commas, unclosed brackets.

Models often emit JSON that a strict parser rejects but whose intent is clear; json_repair
(a maintained library) fixes that. What it cannot turn into an object is invalid JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import json_repair

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class InvalidJson(ValueError):
    """The arguments are not JSON, and repair could not make an object of them."""


@dataclass(frozen=True)
class ParsedArguments:
    value: dict[str, Any]
    repaired: bool


def parse_arguments(raw: str | None) -> ParsedArguments:
    text = (raw or "").strip()
    if not text:
        raise InvalidJson("the arguments are empty")
    try:
        value = json.loads(text)
        repaired = False
    except json.JSONDecodeError as exc:
        fenced = _FENCE.match(text)
        candidate = fenced.group(1) if fenced else text
        value = json_repair.loads(candidate)
        repaired = True
        if not isinstance(value, dict) or not value:
            raise InvalidJson(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(value, dict):
        raise InvalidJson(f"the arguments must be a JSON object, got {type(value).__name__}")
    return ParsedArguments(value=value, repaired=repaired)
