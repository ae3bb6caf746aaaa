"""Fit a step's requirement-worded body or query onto the operation's own request schema.

Suites say what the requirement says (`display_name`, `priority: high`, `status: done`, a vote
`up`); the operation may call those `nickname`, an integer 1–5, `completed: true` and `1`. Keys are matched
through the suite's vocabulary, values coerced to the property's type or enumeration, keys the
operation does not know are dropped (and noted), and required properties the template left out
are filled from the schema, so a scenario tests the behaviour rather than the spelling. Every
coercion is remembered, so an expectation written in requirement words compares equal too.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from runtime.scenarios.naming import Vocabulary, key
from runtime.scenarios.openapi_doc import choices, object_properties, unwrap_nullable
from runtime.scenarios.templates import generate

_TRUE = {"true", "yes", "done", "completed", "complete", "closed", "on", "finished", "resolved"}
_FALSE = {"false", "no", "open", "pending", "off", "todo", "active", "reopened", "incomplete"}
_SIGN = {"up": 1, "upvote": 1, "like": 1, "down": -1, "downvote": -1, "dislike": -1}
_ORDINAL = {"lowest": 0.0, "low": 0.0, "normal": 0.5, "medium": 0.5, "moderate": 0.5, "high": 1.0,
            "highest": 1.0, "urgent": 1.0}


@dataclass
class Shaped:
    """The value to send, what was dropped or filled, and requirement value -> sent value."""

    value: Any
    notes: list[str] = field(default_factory=list)
    coerced: dict[tuple[str, str], Any] = field(default_factory=dict)


class Shaper:
    def __init__(self, document: dict[str, Any], vocabulary: Vocabulary) -> None:
        self.document = document
        self.vocabulary = vocabulary

    def body(self, template: Any, schema: Any, fill: bool) -> Shaped:
        shaped = Shaped(None)
        shaped.value = self._value("", template, schema, fill, shaped)
        return shaped

    def query(self, template: dict[str, Any], parameters: dict[str, dict[str, Any]]) -> Shaped:
        """Query-string values for a GET: matched parameter names, coerced, as strings."""
        shaped = Shaped({})
        for name, value in template.items():
            target = self.vocabulary.match(name, parameters, taken=shaped.value)
            if target is None:
                shaped.notes.append(f"query {name!r} is not a parameter of this operation; dropped")
                continue
            sent = self.coerce(name, value, parameters[target], shaped)
            shaped.value[target] = _query_text(sent)
        return shaped

    def _value(self, name: str, value: Any, schema: Any, fill: bool, shaped: Shaped) -> Any:
        if schema is None:
            return value
        plain = unwrap_nullable(self.document, schema)
        if isinstance(value, dict):
            properties, required = object_properties(self.document, plain)
            if not properties:
                return value
            return self._object(value, properties, required, fill, shaped)
        if isinstance(value, list):
            items = plain.get("items") if plain.get("type") == "array" else None
            return [self._value(name, v, items, fill, shaped) for v in value]
        return self.coerce(name, value, schema, shaped)

    def _object(self, template: dict[str, Any], properties: dict[str, Any], required: set[str],
                fill: bool, shaped: Shaped) -> dict[str, Any]:
        out: dict[str, Any] = {}
        exact = {k: p for k in template for p in properties if key(p) == key(k)}
        for name, value in template.items():
            target = exact.get(name) or self.vocabulary.match(name, properties, taken=[*out, *exact.values()])
            if target is None:
                shaped.notes.append(f"body {name!r} is not in the request schema; dropped")
                continue
            out[target] = self._value(name, value, properties[target], fill, shaped)
        if fill:
            for missing in sorted(required - out.keys()):
                out[missing] = self.example(missing, properties[missing])
                shaped.notes.append(f"filled required {missing!r} from the schema")
        return out

    def coerce(self, name: str, value: Any, schema: Any, shaped: Shaped) -> Any:
        """The value in the property's own terms (enum member, boolean, number, string)."""
        if value is None:
            return None
        plain = unwrap_nullable(self.document, schema)
        options = choices(self.document, plain)
        sent = value
        if options is not None and value not in options:
            sent = next((o for o in options if isinstance(o, str) and self.vocabulary.same(str(value), o)), value)
        elif plain.get("type") == "boolean" and isinstance(value, str):
            sent = True if key(value) in _TRUE else False if key(value) in _FALSE else value
        elif plain.get("type") in ("integer", "number") and isinstance(value, str):
            sent = self._number(value, plain)
        elif plain.get("type") == "string" and isinstance(value, int | float) and not isinstance(value, bool):
            sent = str(value)
        if sent != value:
            shaped.coerced[(key(name), repr(value))] = sent
        return sent

    @staticmethod
    def _number(value: str, schema: dict[str, Any]) -> Any:
        if key(value) in _SIGN:  # a vote: +1 / -1, or the scale's ends when it has no negatives
            sign = _SIGN[key(value)]
            low, high = schema.get("minimum", -1), schema.get("maximum", 1)
            return high if sign > 0 else (low if low >= 0 else -1)
        if key(value) in _ORDINAL:
            low = schema.get("minimum", 1)
            high = schema.get("maximum", low + 2)
            number = low + (high - low) * _ORDINAL[key(value)]
            return round(number) if schema.get("type") == "integer" else number
        try:
            return int(value) if schema.get("type") == "integer" else float(value)
        except ValueError:
            return value

    def example(self, name: str, schema: Any) -> Any:
        """A valid-looking value for a required property the scenario did not care about."""
        plain = unwrap_nullable(self.document, schema)
        options = choices(self.document, plain)
        if options:
            return options[0]
        if "default" in plain:
            return plain["default"]
        kind = plain.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in plain:
            properties, required = object_properties(self.document, plain)
            return {p: self.example(p, properties[p]) for p in sorted(required)}
        if kind == "array":
            count = plain.get("minItems", 0)
            return [self.example(name, plain.get("items") or {}) for _ in range(count)]
        if kind in ("integer", "number"):
            return plain.get("minimum", 1)
        if kind == "boolean":
            return False
        return _string_example(name, plain)


def _string_example(name: str, schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "email" or "email" in key(name):
        return generate("email")
    if fmt == "password" or "password" in key(name):
        return generate("password")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return datetime.now(UTC).isoformat().replace("+00:00", "Z")
    if fmt == "date":
        return datetime.now(UTC).date().isoformat()
    if fmt in ("uri", "url") or key(name).endswith(("url", "uri")):
        return "https://example.com/" + secrets.token_hex(4)
    low = max(int(schema.get("minLength", 1)), 1)
    high = int(schema.get("maxLength", max(low, 12)))
    text = f"x{secrets.token_hex(8)}"
    return (text * (low // len(text) + 1))[: max(low, min(high, len(text)))]


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
