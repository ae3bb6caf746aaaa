"""Find the operation that fulfils an endpoint contract in a project's `openapi.json`.

Generated backends lay out paths their own way (`/todos/{todoItemId}`, `/todoApp/todoUser/todos/
{todoId}`, `PATCH` for searching), so a scenario names an endpoint by what it does. Like AutoBe's
golden-set evaluator this starts from the method and path keywords, but a contract's hard parts
(method, the resource noun at the path's end, the action verb, path-parameter count, `within`
and `avoid` words) filter, and the soft parts (`prefer` words, summary keywords, request and
response property names, how few unexplained segments the path has) rank. A tie or an empty
field is reported as not found, with what was sought and the closest operations, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.scenarios.naming import key, words
from runtime.scenarios.openapi_doc import Operation, is_param, object_properties, operations
from runtime.scenarios.suite import Contract

_EXACT, _SUFFIX = 6.0, 4.0
_WORD_BONUS = 2.0
_LOOSE_SEGMENT = 0.25


@dataclass(frozen=True)
class Resolved:
    name: str
    operation: Operation
    score: float


@dataclass(frozen=True)
class NotFound:
    name: str
    sought: str
    reason: str
    closest: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        near = f"; closest: {', '.join(self.closest)}" if self.closest else ""
        return f"endpoint_not_found: {self.name} = {self.sought}: {self.reason}{near}"


def describe(contract: Contract) -> str:
    """A contract in one line, for reports: `POST …/join|signup (within auth; not admin)`."""
    tail = []
    if contract.resource:
        tail.append("|".join(contract.resource) + ("/{id}" if contract.shape == "item" else ""))
    if contract.verb:
        tail.append("|".join(contract.verb))
    notes = []
    if contract.within:
        notes.append("within " + "|".join(contract.within))
    if contract.avoid:
        notes.append("not " + "|".join(contract.avoid))
    if contract.params is not None:
        notes.append(f"{contract.params} path params")
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{'|'.join(contract.method)} …/{'/…/'.join(tail)}{extra}"


def _segment_match(segment: str, terms: list[str]) -> float:
    """How well a literal path segment names one of the terms: exact, or ending with it."""
    seg = words(segment)
    best = 0.0
    for term in terms:
        wanted = words(term)
        if seg == wanted:
            return _EXACT
        if len(seg) > len(wanted) and seg[-len(wanted):] == wanted:
            best = max(best, _SUFFIX)
    return best


def _path_words(operation: Operation) -> set[str]:
    found: set[str] = set()
    for segment in operation.segments:
        if not is_param(segment):
            found.update(words(segment))
            found.add(key(segment))
    return found


def _mentions(operation: Operation, terms: list[str]) -> list[str]:
    present = _path_words(operation)
    return [t for t in terms if key(t) in present or set(words(t)) <= present]


def _subject(operation: Operation, contract: Contract) -> tuple[int, int] | None:
    """Indices (in `segments`) of the resource segment and the verb segment (-1 if none) the
    contract's shape asks for, or None when the path has another shape."""
    segments = operation.segments
    if not segments:
        return None
    literal = [i for i, s in enumerate(segments) if not is_param(s)]
    if contract.verb:
        last = literal[-1] if literal else -1
        if last < 0 or last != len(segments) - 1 or not _segment_match(segments[last], contract.verb):
            return None
        before = [i for i in literal if i < last]
        return (before[-1] if before else -1), last
    ends_with_param = is_param(segments[-1])
    if contract.shape == "item" and not ends_with_param:
        return None
    if contract.shape == "collection" and ends_with_param:
        return None
    before = [i for i in literal if i < len(segments) - (1 if ends_with_param else 0)]
    return (before[-1] if before else -1), -1


def _score(operation: Operation, contract: Contract) -> float | None:
    """The operation's fit to the contract, or None when a hard part of the contract fails."""
    if operation.method not in contract.method:
        return None
    if contract.params is not None and len(operation.param_names) != contract.params:
        return None
    if contract.avoid and _mentions(operation, contract.avoid):
        return None
    within = _mentions(operation, contract.within)
    if contract.within and not within:
        return None
    placed = _subject(operation, contract)
    if placed is None:
        return None
    subject, verb = placed
    score = 0.0
    if contract.verb:
        score += _segment_match(operation.segments[verb], contract.verb)
    if contract.resource:
        fit = _segment_match(operation.segments[subject], contract.resource) if subject >= 0 else 0.0
        if not fit:
            return None
        score += fit
    score += 0.5 if operation.method == contract.method[0] else 0.0
    score += _WORD_BONUS * len(within) + _WORD_BONUS * len(_mentions(operation, contract.prefer))
    text = operation.text_words
    score += sum(1.0 for k in contract.keywords if set(words(k)) <= text)
    score += _property_hits(operation.request_schema(), operation.document, contract.sends)
    score += _property_hits(operation.success_schema(), operation.document, contract.returns)
    explained = {subject, verb} | {i for i, s in enumerate(operation.segments)
                                   if _segment_match(s, [*contract.within, *contract.prefer])}
    loose = [i for i, s in enumerate(operation.segments) if not is_param(s) and i not in explained]
    return score - _LOOSE_SEGMENT * len(loose)


def _property_hits(schema: Any, document: dict[str, Any], wanted: list[str]) -> float:
    if not wanted or schema is None:
        return 0.0
    properties, _ = object_properties(document, schema)
    names = {key(p) for p in properties}
    for inner in properties.values():  # one level of nesting: `{data: {...}}`, `{token: {...}}`
        names |= {key(p) for p in object_properties(document, inner)[0]}
    return float(sum(1 for w in wanted if key(w) in names))


def _closeness(operation: Operation, contract: Contract) -> float:
    present = _path_words(operation)
    wanted = {key(t) for t in [*contract.resource, *contract.verb, *contract.within]} | {
        w for t in [*contract.resource, *contract.verb] for w in words(t)}
    return len(wanted & present) * 2 + (2 if operation.method in contract.method else 0)


def resolve(name: str, alternatives: list[Contract], document: dict[str, Any]) -> Resolved | NotFound:
    """The operation behind the first alternative that one operation fits best."""
    ops = operations(document)
    reasons = []
    for contract in alternatives:
        scored = sorted(((s, op) for op in ops if (s := _score(op, contract)) is not None),
                        key=lambda pair: -pair[0])
        if not scored:
            reasons.append("no operation fits")
            continue
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            tied = [op.label for s, op in scored if s == scored[0][0]]
            reasons.append(f"ambiguous between {', '.join(tied)}")
            continue
        return Resolved(name, scored[0][1], scored[0][0])
    near = sorted(ops, key=lambda op: -max(_closeness(op, c) for c in alternatives))
    closest = [op.label for op in near[:3] if max(_closeness(op, c) for c in alternatives) > 2]
    return NotFound(name, " or ".join(describe(c) for c in alternatives), "; ".join(reasons), closest)


def resolve_all(endpoints: dict[str, list[Contract]], document: dict[str, Any]) -> dict[str, Resolved | NotFound]:
    return {name: resolve(name, alternatives, document) for name, alternatives in endpoints.items()}
