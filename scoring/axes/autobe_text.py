"""AutoBe's own text rules for empty bodies, stubs and implemented endpoints, for the `autobe-*` profiles.

AutoBe's evaluators (`packages/estimate/src/evaluators/scoring/logic-completeness.evaluator.ts` and
`api-completeness.evaluator.ts`) match regular expressions against source text. These are the same
rules written again, blind spots kept, so an `autobe-*` score agrees with AutoBe's dashboard:

- a "method" is any `name(params) [: type] {` with no `)` inside the parameters, so an `if (x) { return
  null; }` guard is a stub and a method with decorated parameters (`@TypedBody() body: T`) never is;
- a stub is a body that is nothing but one `return` of an empty value (and, for endpoints, of
  `typia.random<T>()` with a type argument holding no `>`); anything before the return hides it;
- a stub endpoint still counts as non-empty and is never "without a provider";
- an endpoint is implemented when its text has a condition, a loop, a non-empty `catch (e) {…}`, or 3
  lines bearing `;`, `{` or `}` (its own braces are two of them) with a declaration or an `await`.

JavaScript's `\\w` and `\\b` are ASCII: hence `re.ASCII`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.ASCII
# LOGIC008: a name, parameters, an optional return type, then braces around nothing but whitespace.
_EMPTY_METHOD = re.compile(r"(?:async\s+)?(\w+)\s*(?:<[^>]*>)?\s*\([^)]*\)\s*(?::\s*[^{]*?)?\s*\{\s*\}", _FLAGS)
_NOT_METHODS = frozenset({"if", "else", "for", "while", "switch", "catch", "try", "do",  # control flow
                          "onModuleInit", "onModuleDestroy", "onApplicationBootstrap",  # NestJS hooks may be empty
                          "onApplicationShutdown", "beforeApplicationShutdown"})
_LOOKBEHIND_CHARS = 20
_CALLBACK_BEFORE = re.compile(r"(?:[=>,]|@\w+\s*\()\s*$", _FLAGS)  # `= (…) {}`, `=> {}`, `, () {}`, `@Dec( … {}`
# LOGIC020: the same kind of header, then a block whose one statement returns an empty value.
_STUB_RETURN = re.compile(
    r"(?:async\s+)?\w+\s*\([^)]*\)\s*(?::\s*[^{]+)?\s*\{\s*return\s+(?:\{\}|\[\]|null|undefined|0|false|''|\"\")\s*;?\s*\}",
    _FLAGS)

_EMPTY_BODY = re.compile(r"\{\s*\}", _FLAGS)
_STUB_BODY = re.compile(r"\{\s*return\s+(?:\{\}|\[\]|null|undefined|typia\s*\.\s*random\s*<[^>]*>\s*\(\s*\))\s*;?\s*\}",
                        _FLAGS)
_THIS_DELEGATE_BODY = re.compile(r"\{\s*return\s+(?:await\s+)?this\.\w+\.\w+\s*\([^)]*\)\s*;?\s*\}", _FLAGS)
_CONDITION = re.compile(r"\b(?:if|switch|[?:])\s*\(", _FLAGS)
_LOOP = re.compile(r"\b(?:for|while)\s*\(", _FLAGS)
_DECLARATION = re.compile(r"\b(?:const|let|var)\s+\w+\s*=", _FLAGS)
_CATCH_WITH_CODE = re.compile(r"catch\s*\([^)]*\)\s*\{[^}]*\S", _FLAGS)
_STATEMENT_LINE = re.compile(r"[;{}]")
_MIN_STATEMENT_LINES = 3
_SERVICE_FIELD = re.compile(r"this\.\w*(?:provider|service|repository|usecase|gateway|handler|manager|facade)",
                            _FLAGS | re.IGNORECASE)
_MEMBER_CALL = re.compile(r"this\.\w+\.\w+\s*\(", _FLAGS | re.IGNORECASE)
_INFRASTRUCTURE_CALL = re.compile(
    r"this\.(?:logger|log|logging|config|configService|moduleRef|reflector|httpAdapter|i18n)\.\w+\s*\(",
    _FLAGS | re.IGNORECASE)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def empty_method_lines(text: str) -> list[int]:
    """Lines of AutoBe's "empty method body" findings in one file."""
    lines = []
    for match in _EMPTY_METHOD.finditer(text):
        before = text[max(0, match.start() - _LOOKBEHIND_CHARS):match.start()]
        if match.group(1) not in _NOT_METHODS and not _CALLBACK_BEFORE.search(before):
            lines.append(_line_of(text, match.start()))
    return lines


def stub_return_lines(text: str) -> list[int]:
    """Lines of AutoBe's "stub return value" findings in one file."""
    return [_line_of(text, match.start()) for match in _STUB_RETURN.finditer(text)]


@dataclass(frozen=True)
class EndpointText:
    """How AutoBe's API evaluator counts one endpoint."""

    empty: bool
    stub: bool
    implemented: bool
    pass_through: bool
    no_provider: bool


_NOTHING_ELSE = EndpointText(empty=False, stub=False, implemented=False, pass_through=False, no_provider=False)


def _statement_lines(body: str) -> int:
    kept = (line.strip() for line in body.split("\n"))
    return sum(1 for line in kept if line and not line.startswith("//") and _STATEMENT_LINE.search(line))


def endpoint_text(text: str | None) -> EndpointText:
    """`text`: the method's body, braces included; None for a method without one (an endpoint, and nothing else)."""
    if text is None:
        return _NOTHING_ELSE
    body = text.strip()
    if _EMPTY_BODY.fullmatch(body):
        return EndpointText(empty=True, stub=False, implemented=False, pass_through=False, no_provider=False)
    if _STUB_BODY.fullmatch(body):  # neither implemented nor "without a provider": only the non-empty share moves
        return EndpointText(empty=False, stub=True, implemented=False, pass_through=False, no_provider=False)
    pass_through = _THIS_DELEGATE_BODY.fullmatch(body) is not None
    several = _statement_lines(body) >= _MIN_STATEMENT_LINES
    implemented = not pass_through and (
        bool(_CONDITION.search(body) or _LOOP.search(body))
        or ("try" in body and _CATCH_WITH_CODE.search(body) is not None)
        or (several and (_DECLARATION.search(body) is not None or "await" in body)))
    delegates = _SERVICE_FIELD.search(body) is not None or any(
        _MEMBER_CALL.search(line) and not _INFRASTRUCTURE_CALL.search(line) for line in body.split("\n"))
    return EndpointText(empty=False, stub=False, implemented=implemented, pass_through=pass_through,
                        no_provider=not delegates and not implemented)
