"""Check a response against a step's expectations; the first unmet one is the failure message.

`status`: codes or classes (`201`, `2xx`, `[401, 403]`). On the body, names are requirement words
matched through the suite vocabulary and envelopes (see `reading.py`):
`has`/`absent` (property present or not), `equals`/`contains` (value, or substring, or list
member), `is_null`/`not_null`, `utc` (ISO 8601 timestamps in UTC), `tokens` (access and/or refresh
token found), `list_contains`/`list_excludes`/`list_order` (ids in the collection's items),
`count` (items on this page), `total` (the result's total count), `mentions` (text anywhere in
the body, case-insensitive: validation errors naming the field).
"""

from __future__ import annotations

import json
import re
from typing import Any

from runtime.scenarios import reading
from runtime.scenarios.naming import Vocabulary, key
from runtime.scenarios.suite import Expect, Range

_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)$")


def status_matches(status: int, wanted: list[Any]) -> bool:
    for spec in wanted:
        text = str(spec).lower()
        if text.endswith("xx") and str(status)[0] == text[0]:
            return True
        if text.isdigit() and int(text) == status:
            return True
    return False


def check(expect: Expect, status: int, body: Any, vocabulary: Vocabulary,
          coerced: dict[tuple[str, str], Any]) -> str | None:
    """None when every expectation holds, else what did not."""
    if not status_matches(status, expect.status):
        return f"expected status {' or '.join(map(str, expect.status))}, got {status}"
    checks = (_presence, _values, _lists, _counts, _text)
    for run in checks:
        failure = run(expect, body, vocabulary, coerced)
        if failure:
            return failure
    return None


def _presence(expect: Expect, body: Any, vocabulary: Vocabulary, _: Any) -> str | None:
    for name in expect.has:
        if reading.find(body, name, vocabulary) is reading.MISSING:
            return f"body has no {name!r}"
    for name in expect.absent:
        if reading.find(body, name, vocabulary) is not reading.MISSING:
            return f"body should not have {name!r}"
    for name in expect.is_null:
        value = reading.find(body, name, vocabulary)
        if value is not None:
            return f"{name!r} should be null, got {_short(value)}"
    for name in expect.not_null:
        value = reading.find(body, name, vocabulary)
        if value is None or value is reading.MISSING:
            return f"{name!r} should be set, got {'nothing' if value is reading.MISSING else 'null'}"
    for name in expect.utc:
        value = reading.find(body, name, vocabulary)
        if not (isinstance(value, str) and _UTC.match(value)):
            return f"{name!r} should be an ISO 8601 UTC timestamp, got {_short(value)}"
    for kind in expect.tokens:
        if reading.token(body, kind) is None:
            return f"no {kind} token in the body (looked for properties named like {kind}/token)"
    return None


def _same(actual: Any, expected: Any, name: str, vocabulary: Vocabulary, coerced: dict[tuple[str, str], Any]) -> bool:
    if actual == expected:
        return True
    sent = coerced.get((key(name), repr(expected)), reading.MISSING)
    if sent is not reading.MISSING and actual == sent:
        return True
    return isinstance(actual, str) and isinstance(expected, str) and vocabulary.same(expected, actual)


def _values(expect: Expect, body: Any, vocabulary: Vocabulary, coerced: dict[tuple[str, str], Any]) -> str | None:
    for name, expected in expect.equals.items():
        actual = reading.find(body, name, vocabulary)
        if actual is reading.MISSING:
            return f"body has no {name!r} (expected {_short(expected)})"
        if not _same(actual, expected, name, vocabulary, coerced):
            return f"{name!r} is {_short(actual)}, expected {_short(expected)}"
    for name, expected in expect.contains.items():
        actual = reading.find(body, name, vocabulary)
        if isinstance(actual, str) and str(expected).lower() in actual.lower():
            continue
        if isinstance(actual, list) and (expected in actual or expected in [reading.item_id(a) for a in actual]):
            continue
        return f"{name!r} is {_short(actual)}, should contain {_short(expected)}"
    return None


def _lists(expect: Expect, body: Any, *_: Any) -> str | None:
    if not (expect.list_contains or expect.list_excludes or expect.list_order):
        return None
    found = reading.ids(body)
    if found is None:
        return "the body carries no list"
    for wanted in expect.list_contains:
        if wanted not in found:
            return f"the list ({len(found)} items) does not contain {_short(wanted)}"
    for unwanted in expect.list_excludes:
        if unwanted in found:
            return f"the list should not contain {_short(unwanted)}"
    positions = []
    for wanted in expect.list_order:
        if wanted not in found:
            return f"the list ({len(found)} items) does not contain {_short(wanted)} (order check)"
        positions.append(found.index(wanted))
    if positions != sorted(positions):
        return f"the list has {', '.join(map(_short, expect.list_order))} out of order (positions {positions})"
    return None


def _within(value: int, bound: int | Range) -> bool:
    if isinstance(bound, int):
        return value == bound
    return (bound.min is None or value >= bound.min) and (bound.max is None or value <= bound.max)


def _counts(expect: Expect, body: Any, *_: Any) -> str | None:
    if expect.count is not None:
        found = reading.items(body)
        if found is None:
            return "the body carries no list to count"
        if not _within(len(found), expect.count):
            return f"the list has {len(found)} items, expected {_bound(expect.count)}"
    if expect.total is not None:
        total = reading.total(body)
        if total is None:
            return "the body carries no total count (total/count/records)"
        if not _within(total, expect.total):
            return f"the total count is {total}, expected {_bound(expect.total)}"
    return None


def _text(expect: Expect, body: Any, *_: Any) -> str | None:
    text = json.dumps(body, ensure_ascii=False).lower() if not isinstance(body, str) else body.lower()
    for wanted in expect.mentions:
        if wanted.lower() not in text:
            return f"the body does not mention {wanted!r}"
    return None


def _bound(bound: int | Range) -> str:
    if isinstance(bound, int):
        return str(bound)
    return " and ".join(filter(None, [f">= {bound.min}" if bound.min is not None else "",
                                      f"<= {bound.max}" if bound.max is not None else ""]))


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not reading.MISSING else "nothing"
    return text if len(text) <= limit else text[: limit - 1] + "…"
