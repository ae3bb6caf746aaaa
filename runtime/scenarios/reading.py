"""Read requirement-level facts out of a response body whatever its envelope.

One backend answers `{"id": ...}`, another `{"data": {"id": ...}}`; lists come bare, as
`{data: [...], pagination: {records: N}}` or `{items: [...], total: N}`; tokens sit at
`token.access`, `accessToken` or `access_token`. These helpers find them by name patterns.
"""

from __future__ import annotations

from typing import Any

from runtime.scenarios.naming import Vocabulary, key

MISSING = object()
_ENVELOPES = ("data", "item", "result", "record", "payload", "body")
_LIST_KEYS = ("data", "item", "items", "result", "results", "record", "records", "row", "rows", "list",
              "content", "entries", "entry")
_TOTAL_KEYS = ("total", "totalcount", "totalrecord", "record", "count", "totalitem", "totalelement",
               "totalresult", "totalentry")
_ID_KEYS = ("id", "uuid", "_id")
_DEPTH = 4


def find(body: Any, path: str, vocabulary: Vocabulary) -> Any:
    """The value at a dotted path of requirement-worded names, or MISSING. A name not found at
    the top level is also looked for inside a one-object envelope such as `data`."""
    value = body
    for part in path.split("."):
        value = _child(value, part, vocabulary)
        if value is MISSING:
            return MISSING
    return value


def _child(value: Any, name: str, vocabulary: Vocabulary) -> Any:
    if isinstance(value, list) and name.isdigit():
        return value[int(name)] if int(name) < len(value) else MISSING
    if not isinstance(value, dict):
        return MISSING
    match = vocabulary.match(name, value)
    if match is not None:
        return value[match]
    for envelope in _ENVELOPES:
        inner = value.get(envelope)
        if isinstance(inner, dict):
            return _child(inner, name, vocabulary)
    return MISSING


def items(body: Any) -> list[Any] | None:
    """The list a collection response carries."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return None
    by_key = {key(k): v for k, v in body.items()}
    for name in _LIST_KEYS:
        if isinstance(by_key.get(name), list):
            return by_key[name]
    lists = [v for v in body.values() if isinstance(v, list)]
    if len(lists) == 1:
        return lists[0]
    for envelope in _ENVELOPES:
        if isinstance(by_key.get(envelope), dict):
            return items(by_key[envelope])
    return None


def item_id(item: Any, depth: int = 0) -> Any:
    """The id of a resource body or list item: its own `id`, else the id of the one object it
    wraps (`{"data": {...}}`, `{"member": {...}, "token": {...}}`)."""
    if not isinstance(item, dict):
        return item if depth == 0 else MISSING
    by_key = {key(k): v for k, v in item.items()}
    for name in _ID_KEYS:
        if key(name) in by_key:
            return by_key[key(name)]
    nested = [v for k, v in by_key.items() if isinstance(v, dict) and "token" not in k]
    if depth < 2 and len(nested) == 1:
        return item_id(nested[0], depth + 1)
    return MISSING


def ids(body: Any) -> list[Any] | None:
    found = items(body)
    return None if found is None else [item_id(i) for i in found]


def total(body: Any, depth: int = 0) -> int | None:
    """The total count of a paginated result (not the page size), wherever it is nested."""
    if not isinstance(body, dict) or depth > 2:
        return None
    for name, value in body.items():
        if key(name) in _TOTAL_KEYS and isinstance(value, int) and not isinstance(value, bool):
            return value
    for value in body.values():
        found = total(value, depth + 1) if isinstance(value, dict) else None
        if found is not None:
            return found
    return None


def token(body: Any, kind: str) -> str | None:
    """An access (`kind="access"`) or refresh token by its property name, searched depth-first."""
    candidates: list[tuple[int, str]] = []
    _collect_tokens(body, kind, candidates, 0)
    return min(candidates)[1] if candidates else None


def _collect_tokens(node: Any, kind: str, out: list[tuple[int, str]], depth: int) -> None:
    if depth > _DEPTH or not isinstance(node, dict):
        return
    for name, value in node.items():
        k = key(name)
        if isinstance(value, str) and value:
            rank = _token_rank(k, kind)
            if rank is not None:
                out.append((rank * 10 + depth, value))
        elif isinstance(value, dict):
            inner_kind_hint = "refresh" in k
            if not (kind == "access" and inner_kind_hint):
                _collect_tokens(value, kind, out, depth + 1)


def _token_rank(name: str, kind: str) -> int | None:
    if kind == "refresh":
        return 0 if "refresh" in name and "at" not in name[-2:] and "until" not in name else None
    if "refresh" in name or name.endswith(("at", "until", "type", "in")):
        return None
    if "access" in name:
        return 0
    if name in ("token", "jwt", "bearer", "authorization", "idtoken"):
        return 1
    return 2 if name.endswith("token") else None
