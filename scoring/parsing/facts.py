"""Per-file facts (declarations, bodies, calls, comments) extracted once and shared by every axis.

Lines are 1-based. Functions are class methods and top-level functions (declarations and
`const f = () => {...}`); what a body contains is decided by byte-range containment of the
captured nodes, so nested closures count towards their enclosing function.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor

from scoring.parsing.grammar import facts_query, parse

_WHITESPACE = re.compile(r"\s+")
_RANDOM_CALLEE = re.compile(r"(^|\.)(random\w*|RandomGenerator\.\w+)$|^faker\.|^Math\.random$|^RandomGenerator\.")
_REFERENCE_TYPES = {"identifier", "member_expression", "this", "shorthand_property_identifier"}
_FUNCTION_VALUE_TYPES = {"arrow_function", "function_expression"}


@dataclass(frozen=True)
class Decorator:
    """`@Name(args)`: `name` is the dotted callee ("TypedRoute.Get"), `path` its first string argument."""

    name: str
    path: str | None
    line: int


@dataclass(frozen=True)
class Call:
    """A call site; `callee` is the dotted callee text ("" when the callee is not a plain name chain)."""

    callee: str
    line: int
    start: int
    in_catch: bool
    args: tuple[str, ...]


@dataclass(frozen=True)
class Comment:
    line: int
    text: str


@dataclass(frozen=True)
class Body:
    """What a function body does, as the logic and API axes need it.

    `sole_return` classifies a body whose only statement is `return X`: empty-object, empty-array,
    null, undefined, zero, false, empty-string, null-as-any, random, this-call, call or other.
    """

    statements: int
    sole_return: str | None
    pass_through: bool
    this_delegate: bool
    thin_prisma: bool
    has_branch: bool
    has_loop: bool
    has_try: bool
    has_declaration: bool
    has_await: bool
    calls: tuple[str, ...]
    normalized: str


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # "method" | "constructor" | "function"
    line: int
    decorators: tuple[Decorator, ...]
    body: Body | None  # None for abstract / overload signatures


@dataclass(frozen=True)
class ClassFacts:
    name: str
    line: int
    decorators: tuple[Decorator, ...]
    methods: tuple[Function, ...]


@dataclass(frozen=True)
class TypeDecl:
    """A class, interface or type alias (namespaced ones included)."""

    name: str
    kind: str  # "class" | "interface" | "type"
    line: int
    jsdoc: bool
    empty: bool
    properties: tuple[str, ...]


@dataclass(frozen=True)
class FileFacts:
    path: str
    classes: tuple[ClassFacts, ...]
    functions: tuple[Function, ...]
    types: tuple[TypeDecl, ...]
    comments: tuple[Comment, ...]
    calls: tuple[Call, ...]
    empty_catch_lines: tuple[int, ...]
    throw_messages: tuple[tuple[int, str], ...]
    null_as_any_lines: tuple[int, ...]
    imports: dict[str, str]

    def all_functions(self) -> list[Function]:
        """Top-level functions and class methods, in source order."""
        methods = [m for c in self.classes for m in c.methods]
        return sorted([*self.functions, *methods], key=lambda f: f.line)


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _dotted(node: Node) -> str:
    """`a.b.c` for identifier / member chains, "" for anything computed."""
    if node.type in ("identifier", "property_identifier", "this", "super", "type_identifier"):
        return _text(node)
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None:
            return ""
        head = _dotted(obj)
        return f"{head}.{_text(prop)}" if head else ""
    if node.type in ("non_null_expression", "parenthesized_expression") and node.named_child_count == 1:
        return _dotted(node.named_children[0])
    return ""


def _string_value(node: Node) -> str | None:
    if node.type == "string":
        return "".join(_text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return _text(node)[1:-1]
    return None


class _Ranges:
    """Sorted start offsets of one kind of captured node, for "does this body contain one" queries."""

    def __init__(self, nodes: list[Node]) -> None:
        self.starts = sorted(n.start_byte for n in nodes)

    def any_within(self, start: int, end: int) -> bool:
        index = bisect_left(self.starts, start)
        return index < len(self.starts) and self.starts[index] < end

    def count_within(self, start: int, end: int) -> int:
        return bisect_left(self.starts, end) - bisect_left(self.starts, start)


def _unwrap(node: Node) -> Node:
    while node.type in ("await_expression", "parenthesized_expression") and node.named_child_count >= 1:
        node = node.named_children[0]
    return node


def _classify_return(expression: Node | None) -> str:
    if expression is None:
        return "undefined"
    node = _unwrap(expression)
    kind = node.type
    if kind == "object" and not any(c.type != "comment" for c in node.named_children):
        return "empty-object"
    if kind == "array" and not any(c.type != "comment" for c in node.named_children):
        return "empty-array"
    if kind == "null":
        return "null"
    if kind == "undefined" or (kind == "identifier" and _text(node) == "undefined"):
        return "undefined"
    if kind == "number" and _text(node) in ("0", "0.0"):
        return "zero"
    if kind == "false":
        return "false"
    if kind in ("string", "template_string") and _string_value(node) == "":
        return "empty-string"
    if kind == "as_expression" and node.named_child_count == 2:
        value, target = node.named_children
        if value.type == "null" and _text(target) == "any":
            return "null-as-any"
        return _classify_return(value)
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        callee = _dotted(function) if function is not None else ""
        if callee and _RANDOM_CALLEE.search(callee):
            return "random"
        return "this-call" if callee.startswith("this.") else "call"
    return "other"


def _plain_arguments(call: Node) -> bool:
    """Every argument is a reference or an object of references: the call only forwards its inputs."""
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return False
    for argument in arguments.named_children:
        if argument.type in _REFERENCE_TYPES or argument.type == "comment":
            continue
        if argument.type == "object":
            for member in argument.named_children:
                if member.type == "shorthand_property_identifier" or member.type == "comment":
                    continue
                value = member.child_by_field_name("value") if member.type == "pair" else None
                if value is None or value.type not in _REFERENCE_TYPES:
                    return False
            continue
        return False
    return True


class _Extractor:
    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.source = source
        self.tree = parse(source)
        captured = QueryCursor(facts_query()).captures(self.tree.root_node)
        self.nodes: dict[str, list[Node]] = {
            name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in captured.items()
        }
        self.branch = _Ranges(self.nodes.get("branch", []))
        self.loop = _Ranges(self.nodes.get("loop", []))
        self.tries = _Ranges([n for n in self.nodes.get("try", []) if any(c.type != "comment" for c in n.named_children)])
        self.awaits = _Ranges(self.nodes.get("await", []))
        self.comment_nodes = self.nodes.get("comment", [])
        self.comment_starts = [n.start_byte for n in self.comment_nodes]
        self.catch_ranges = [(n.start_byte, n.end_byte) for n in self.nodes.get("catch", [])]
        self.calls = self._calls()
        self.call_starts = [c.start for c in self.calls]
        self.properties = self.nodes.get("property", [])
        self.property_starts = [n.start_byte for n in self.properties]

    def _in_catch(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.catch_ranges)

    def _calls(self) -> tuple[Call, ...]:
        calls = []
        for node in self.nodes.get("call", []):
            function = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            args = tuple(_WHITESPACE.sub("", _text(a)) for a in arguments.named_children) if arguments else ()
            callee = _dotted(function) if function is not None else ""
            calls.append(Call(callee=callee, line=_line(node), start=node.start_byte,
                              in_catch=self._in_catch(node.start_byte), args=args))
        return tuple(calls)

    def _normalized(self, body: Node) -> str:
        """Body text without comments and whitespace: equal strings mean equal code."""
        start, end = body.start_byte, body.end_byte
        pieces, cursor = [], start
        first = bisect_left(self.comment_starts, start)
        for comment in self.comment_nodes[first:]:
            if comment.start_byte >= end:
                break
            pieces.append(self.source[cursor:comment.start_byte])
            cursor = comment.end_byte
        pieces.append(self.source[cursor:end])
        return _WHITESPACE.sub("", b"".join(pieces).decode("utf-8", errors="replace"))

    def _body(self, body: Node) -> Body:
        start, end = body.start_byte, body.end_byte
        if body.type != "statement_block":  # concise arrow body: `() => expr`
            statements, sole = [], _classify_return(body)
            returned: Node | None = _unwrap(body)
        else:
            statements = [c for c in body.named_children if c.type != "comment"]
            sole, returned = None, None
            if len(statements) == 1 and statements[0].type == "return_statement":
                value = statements[0].named_children[0] if statements[0].named_child_count else None
                sole = _classify_return(value)
                returned = _unwrap(value) if value is not None else None
        call = returned if returned is not None and returned.type == "call_expression" else None
        function = call.child_by_field_name("function") if call is not None else None
        callee = _dotted(function) if function is not None else ""
        segments = callee.split(".") if callee else []
        prisma_at = next((i for i, s in enumerate(segments) if s.lower() == "prisma"), None)
        first_call = bisect_left(self.call_starts, start)
        last_call = bisect_left(self.call_starts, end)
        return Body(
            statements=len(statements) if body.type == "statement_block" else 1,
            sole_return=sole,
            pass_through=sole in ("call", "this-call") and call is not None and _plain_arguments(call),
            this_delegate=sole == "this-call",
            thin_prisma=prisma_at is not None and len(segments) - prisma_at >= 3,
            has_branch=self.branch.any_within(start, end),
            has_loop=self.loop.any_within(start, end),
            has_try=self.tries.any_within(start, end),
            has_declaration=any(s.type in ("lexical_declaration", "variable_declaration") for s in statements),
            has_await=self.awaits.any_within(start, end),
            calls=tuple(c.callee for c in self.calls[first_call:last_call] if c.callee),
            normalized=self._normalized(body),
        )

    def _decorator(self, node: Node) -> Decorator:
        inner = node.named_children[0] if node.named_child_count else node
        path = None
        if inner.type == "call_expression":
            function = inner.child_by_field_name("function")
            name = _dotted(function) if function is not None else ""
            arguments = inner.child_by_field_name("arguments")
            first = arguments.named_children[0] if arguments is not None and arguments.named_child_count else None
            path = _string_value(first) if first is not None else None
        else:
            name = _dotted(inner)
        return Decorator(name=name, path=path, line=_line(node))

    def _preceding_decorators(self, node: Node) -> tuple[Decorator, ...]:
        found = []
        sibling = node.prev_named_sibling
        while sibling is not None and sibling.type in ("decorator", "comment"):
            if sibling.type == "decorator":
                found.append(self._decorator(sibling))
            sibling = sibling.prev_named_sibling
        return tuple(reversed(found))

    def _function(self, name: str, kind: str, node: Node, body: Node | None, decorators: tuple[Decorator, ...]) -> Function:
        return Function(name=name, kind=kind, line=_line(node), decorators=decorators,
                        body=self._body(body) if body is not None else None)

    def _class(self, node: Node) -> ClassFacts:
        name_node = node.child_by_field_name("name")
        own = tuple(self._decorator(c) for c in node.named_children if c.type == "decorator")
        outer = node.parent
        if outer is not None and outer.type == "export_statement":
            own = tuple(self._decorator(c) for c in outer.named_children if c.type == "decorator") + own
        methods = []
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type != "method_definition":
                continue
            member_name = member.child_by_field_name("name")
            method_name = _text(member_name) if member_name is not None else ""
            kind = "constructor" if method_name == "constructor" else "method"
            methods.append(self._function(method_name, kind, member, member.child_by_field_name("body"),
                                          self._preceding_decorators(member)))
        return ClassFacts(name=_text(name_node) if name_node is not None else "", line=_line(node),
                          decorators=own, methods=tuple(methods))

    def _top_level(self, node: Node) -> bool:
        parent = node.parent
        if parent is not None and parent.type == "export_statement":
            parent = parent.parent
        return parent is not None and parent.type == "program"

    def _functions(self) -> tuple[Function, ...]:
        functions = []
        for node in self.nodes.get("function", []):
            if self._top_level(node):
                name = node.child_by_field_name("name")
                functions.append(self._function(_text(name) if name else "", "function", node,
                                                node.child_by_field_name("body"), ()))
        for node in self.nodes.get("declarator", []):
            declaration = node.parent
            if declaration is None or not self._top_level(declaration):
                continue
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if value is not None and value.type in _FUNCTION_VALUE_TYPES:
                functions.append(self._function(_text(name) if name else "", "function", node,
                                                value.child_by_field_name("body"), ()))
        return tuple(sorted(functions, key=lambda f: f.line))

    def _jsdoc(self, node: Node) -> bool:
        target = node.parent if node.parent is not None and node.parent.type == "export_statement" else node
        previous = target.prev_named_sibling
        return previous is not None and previous.type == "comment" and _text(previous).startswith("/**")

    def _properties(self, node: Node) -> tuple[str, ...]:
        first = bisect_left(self.property_starts, node.start_byte)
        last = bisect_left(self.property_starts, node.end_byte)
        return tuple(_text(n).strip("'\"") for n in self.properties[first:last])

    def _types(self) -> tuple[TypeDecl, ...]:
        declarations = []
        for kind, capture in (("class", "class"), ("interface", "interface"), ("type", "typealias")):
            for node in self.nodes.get(capture, []):
                name = node.child_by_field_name("name")
                if kind == "type":
                    value = node.child_by_field_name("value")
                    empty = value is not None and value.type == "object_type" and not any(
                        c.type != "comment" for c in value.named_children)
                else:
                    body = node.child_by_field_name("body")
                    empty = body is not None and not any(c.type != "comment" for c in body.named_children)
                declarations.append(TypeDecl(name=_text(name) if name else "", kind=kind, line=_line(node),
                                             jsdoc=self._jsdoc(node), empty=empty, properties=self._properties(node)))
        return tuple(sorted(declarations, key=lambda d: (d.line, d.name)))

    def _imports(self) -> dict[str, str]:
        imports: dict[str, str] = {}
        for node in self.nodes.get("import", []):
            source = node.child_by_field_name("source")
            module = _string_value(source) if source is not None else None
            clause = next((c for c in node.named_children if c.type == "import_clause"), None)
            if module is None or clause is None:
                continue
            stack = [clause]
            while stack:
                current = stack.pop()
                if current.type == "identifier":
                    imports[_text(current)] = module
                stack.extend(current.named_children)
        return imports

    def _throw_messages(self) -> tuple[tuple[int, str], ...]:
        messages = []
        for node in self.nodes.get("throw", []):
            thrown = node.named_children[0] if node.named_child_count else None
            if thrown is None or thrown.type != "new_expression":
                continue
            arguments = thrown.child_by_field_name("arguments")
            first = arguments.named_children[0] if arguments is not None and arguments.named_child_count else None
            message = _string_value(first) if first is not None else None
            if message is not None:
                messages.append((_line(node), message))
        return tuple(messages)

    def facts(self) -> FileFacts:
        return FileFacts(
            path=self.path,
            classes=tuple(self._class(n) for n in self.nodes.get("class", [])),
            functions=self._functions(),
            types=self._types(),
            comments=tuple(Comment(line=_line(n), text=_text(n)) for n in self.comment_nodes),
            calls=self.calls,
            empty_catch_lines=tuple(_line(n) for n in self.nodes.get("catch", [])
                                    if not any(c.type != "comment" for c in n.named_children)),
            throw_messages=self._throw_messages(),
            null_as_any_lines=tuple(_line(n) for n in self.nodes.get("return", [])
                                    if n.named_child_count and _classify_return(n.named_children[0]) == "null-as-any"),
            imports=self._imports(),
        )


def extract(path: str, source: str) -> FileFacts:
    """Parse one TypeScript file on its own and extract the facts the axes read."""
    return _Extractor(path, source.encode("utf-8")).facts()
