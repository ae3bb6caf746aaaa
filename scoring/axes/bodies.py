"""Function bodies read back from source: their text, and what their returns hand back.

The shared facts (`scoring.parsing`) say how a body is built, not its text nor what its returns
yield, and the stub rules need both: AutoBe's rules match the text of an endpoint's body, ours ask
whether a return yields a random value or a mock. So the files those rules judge are parsed again
here, once per distinct content (the result is cached), and only what the rules read is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node, Query, QueryCursor

from scoring.parsing.grammar import language, parse

# Generators of random values: a return built from one of these hands back made-up data.
RANDOM_CALLEES = frozenset({"typia.random", "Math.random"})
RANDOM_NAMESPACES = ("faker.", "RandomGenerator.")  # @faker-js/faker, @nestia/e2e
# Words that name made-up data: `mockItems`, `MOCK_USER`, `createFakeOrder()`, `dummyPage`, `stubbed`.
MOCK_WORDS = frozenset({"mock", "mocks", "mocked", "fake", "fakes", "faked", "dummy", "dummies", "stub", "stubs", "stubbed"})
# A file without any of these cannot return random or mock data: no need to parse it again.
_MARKERS = re.compile(r"random|faker|mock|fake|dummy|stub", re.IGNORECASE)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Nodes that open a scope of their own: a return or `const` inside one is not the enclosing function's.
_NESTED_SCOPES = frozenset({"arrow_function", "function_expression", "function_declaration", "method_definition",
                            "generator_function", "generator_function_declaration", "class_declaration", "class"})
_TRANSPARENT = frozenset({"await_expression", "parenthesized_expression", "as_expression", "satisfies_expression",
                          "non_null_expression"})
_MAX_DEPTH = 8  # local names followed through one another; guards `const a = b, b = a`
_QUERY = """
(method_definition) @function
(function_declaration) @function
(variable_declarator name: (identifier) value: [(arrow_function) (function_expression)]) @declarator
"""


@dataclass(frozen=True)
class Yield:
    """A return that hands back made-up data: where, and what made it (`typia.random`, `mockItems`)."""

    line: int
    what: str


@dataclass(frozen=True)
class FunctionBody:
    text: str  # the body as written, braces included (a concise arrow body: its expression)
    mock: Yield | None  # the first return yielding a random value or a mock
    returned_calls: tuple[str, ...]  # dotted callees whose results the function returns


def may_hold_mocks(text: str) -> bool:
    return _MARKERS.search(text) is not None


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def _chain(node: Node | None) -> str:
    """`a.b.c` for a name or member chain, "" for anything computed."""
    if node is None:
        return ""
    if node.type in ("identifier", "property_identifier", "this", "shorthand_property_identifier"):
        return _text(node)
    if node.type == "member_expression":
        head = _chain(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return f"{head}.{_text(prop)}" if head and prop is not None else ""
    return ""


def _unwrap(node: Node) -> Node:
    """Strip what does not change the value: await, parentheses, `as`, `satisfies`, `!`, `<T>x`."""
    while node.named_child_count and (node.type in _TRANSPARENT or node.type == "type_assertion"):
        node = node.named_children[-1 if node.type == "type_assertion" else 0]
    return node


def is_random(callee: str) -> bool:
    return callee in RANDOM_CALLEES or callee.startswith(RANDOM_NAMESPACES)


def is_mock_name(name: str) -> bool:
    return any(word.lower() in MOCK_WORDS for word in _WORD.findall(name))


def _own_returns(function: Node) -> tuple[list[Node], dict[str, Node]]:
    """What `function` itself returns (not its closures) and its local `const x = …` bindings."""
    body = function.child_by_field_name("body")
    if body is None:
        return [], {}
    if body.type != "statement_block":
        return [body], {}
    returned: list[Node] = []
    bindings: dict[str, Node] = {}
    stack = list(reversed(body.named_children))
    while stack:
        node = stack.pop()
        if node.type in _NESTED_SCOPES:
            continue
        if node.type == "return_statement":
            value = next((c for c in node.named_children if c.type != "comment"), None)
            if value is not None:
                returned.append(value)
        elif node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                bindings.setdefault(_text(name), value)
        stack.extend(reversed(node.named_children))
    return returned, bindings


class _Yields:
    """Decides whether an expression yields made-up data, following local bindings and callbacks."""

    def __init__(self, bindings: dict[str, Node]) -> None:
        self.bindings = bindings

    def of(self, node: Node, depth: int = 0) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        node = _unwrap(node)
        kind = node.type
        if kind == "call_expression":
            return self._call(node, depth)
        if kind in ("identifier", "shorthand_property_identifier"):
            name = _text(node)
            bound = self.bindings.get(name)
            return name if is_mock_name(name) else (self.of(bound, depth + 1) if bound is not None else None)
        if kind == "member_expression" and is_mock_name(chain := _chain(node)):
            return chain
        return self._first(self._parts(node), depth)

    def _parts(self, node: Node) -> Iterator[Node]:
        """The sub-expressions whose value becomes part of `node`'s value."""
        if node.type in ("object", "array"):
            for child in node.named_children:
                if child.type == "pair":
                    value = child.child_by_field_name("value")
                    if value is not None:
                        yield value
                elif child.type == "spread_element" and child.named_child_count:
                    yield child.named_children[0]
                elif child.type != "comment":
                    yield child
        elif node.type in ("member_expression", "subscript_expression"):  # `page.data`, `MOCK_ITEMS[0]`
            yield from (c for c in (node.child_by_field_name("object"),) if c)
        elif node.type == "binary_expression":  # `found ?? mock`, `Math.random() > 0.5`
            yield from (c for c in (node.child_by_field_name("left"), node.child_by_field_name("right")) if c)
        elif node.type == "ternary_expression":
            yield from (c for c in (node.child_by_field_name("consequence"), node.child_by_field_name("alternative")) if c)

    def _first(self, nodes: Iterator[Node], depth: int) -> str | None:
        return next((found for n in nodes if (found := self.of(n, depth + 1)) is not None), None)

    def _call(self, node: Node, depth: int) -> str | None:
        callee = _chain(node.child_by_field_name("function"))
        if is_random(callee) or (callee and is_mock_name(callee)):
            return callee
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if callee == "Promise.resolve" or callee.startswith("Math."):  # the value passes through
            return self._first(iter(args), depth)
        for callback in (a for a in args if a.type in ("arrow_function", "function_expression")):
            returned, bindings = _own_returns(callback)  # `ArrayUtil.repeat(3, () => typia.random<T>())`
            found = _Yields({**self.bindings, **bindings})._first(iter(returned), depth)
            if found is not None:
                return found
        return None


def _returned_call(node: Node, bindings: dict[str, Node]) -> str:
    node = _unwrap(node)
    if node.type == "identifier" and _text(node) in bindings:
        node = _unwrap(bindings[_text(node)])
    return _chain(node.child_by_field_name("function")) if node.type == "call_expression" else ""


def _function_body(function: Node) -> FunctionBody | None:
    body = function.child_by_field_name("body")
    if body is None:
        return None
    returned, bindings = _own_returns(function)
    yields = _Yields(bindings)
    mock = next((Yield(r.start_point[0] + 1, found) for r in returned if (found := yields.of(r)) is not None), None)
    calls = tuple(callee for r in returned if (callee := _returned_call(r, bindings)))
    return FunctionBody(text=_text(body), mock=mock, returned_calls=calls)


@lru_cache(maxsize=1)
def _query() -> Query:
    return Query(language(), _QUERY)


@lru_cache(maxsize=512)
def function_bodies(text: str) -> dict[tuple[int, str], FunctionBody]:
    """Bodies by (line, name), as `scoring.parsing.Function` places them: a method or function at its
    own line, a `const f = () => …` at its declarator's."""
    found: dict[tuple[int, str], FunctionBody] = {}
    captures = QueryCursor(_query()).captures(parse(text.encode("utf-8")).root_node)
    for capture in sorted(captures):
        for node in sorted(captures[capture], key=lambda n: n.start_byte):
            function = node.child_by_field_name("value") if capture == "declarator" else node
            name = node.child_by_field_name("name")
            body = _function_body(function) if function is not None else None
            if body is not None and name is not None:
                found.setdefault((node.start_point[0] + 1, _text(name)), body)
    return found
