"""The compiler of one Realize operation: the body's own shape, then the real TypeScript compiler.

First cheap checks on the text (no imports or exports, no stubs the rubric counts as missing
logic), then the file is type-checked inside the whole project by the live compiler, and its
top-level statements counted: a body that closes the function's brace early and adds code after
it is refused even when that code compiles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from workers.phases.base import Diagnostic
from workers.phases.realize.ast import FunctionBody
from workers.phases.realize.emit import render_unit
from workers.phases.realize.plan import Unit
from workers.typecheck import ProjectChecker
from workers.typecheck.origins import feedback

_MODULE_SYNTAX = re.compile(r"^\s*(?:import|export)\s", re.MULTILINE)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_STUBS = (
    re.compile(r"throw\s+new\s+Error\(\s*[\"'`](?:not implemented|todo)\b", re.IGNORECASE),
    re.compile(r"//\s*implement this", re.IGNORECASE),
    re.compile(r"\bnotImplemented\s*\("),
    re.compile(r"\breturn\s+null\s+as\s+any\b"),
)
_SOLE_STUB = re.compile(r"^return(?:\s+(?:\{\s*\}|\[\s*\]|null|undefined|0|false|\"\"|''))?\s*;?$")


def check_text(body: str) -> list[Diagnostic]:
    """Shape rules the compiler cannot see: module syntax belongs to us, stubs are not implementations."""
    found: list[Diagnostic] = []
    if _MODULE_SYNTAX.search(body):
        found.append(Diagnostic(location="body", code="realize.module-syntax",
                                message="write only the function's statements: no import or export; the names "
                                        "listed as available are imported for you when the body uses them"))
    code = _COMMENTS.sub("", body).strip()
    if not code or _SOLE_STUB.match(code) or any(stub.search(body) for stub in _STUBS):
        found.append(Diagnostic(location="body", code="realize.stub",
                                message="the body is a placeholder; implement the operation"))
    return found


def check_unit(unit: Unit, answer: FunctionBody, available: Mapping[str, str],
               checker: ProjectChecker) -> list[Diagnostic]:
    """The operation's check: text rules, then the type check of its file in the project."""
    found = check_text(answer.body)
    if found:
        return found
    rendered = render_unit(unit, answer.body, available)
    result = checker.try_file(unit.file, rendered.text)
    found = [feedback(diagnostic, rendered.source) for diagnostic in result.diagnostics]
    if not found and result.statements.get(unit.file) != rendered.statements:
        found.append(Diagnostic(file=unit.file, location="body", code="realize.escaped-body",
                                message="the body closes the function's brace early and adds code after it; "
                                        "keep every statement inside the function"))
    return found
