"""Logic completeness axis: stubs and unfinished code in controllers and providers (rubric §2).

Empty and stub bodies are found by the profile's stub rule: AutoBe's text rules (`autobe`) or ours
(`strict`, which also counts a random-value or mock return wherever it stands); the rest is shared.
"""

from __future__ import annotations

import re
from collections import Counter

from scoring.axes import autobe_text
from scoring.axes.base import AxisResult
from scoring.axes.stubs import strict_stub
from scoring.issues import dedupe
from scoring.parsing import FileFacts
from scoring.profiles import StubRule
from scoring.project import Project
from scoring.report import Issue
from scoring.rounding import ratio

CRITICAL_POINTS = 7
WARNING_POINTS = 2
EMPTY_PROMISE_ARGS = frozenset({"null", "undefined", "{}", "[]"})
SKIPPED_TESTS = frozenset({"xit", "it.skip", "xdescribe", "describe.skip"})
_NOT_IMPLEMENTED = re.compile(r"not\s+implemented", re.IGNORECASE)
_IMPLEMENT_THIS = re.compile(r"implement\s+this", re.IGNORECASE)
_MARKER = re.compile(r"\b(TODO|FIXME|HACK)\b")
# Upper-case marker only: "todo item not found" is an ordinary message in a todo-list project.
_TODO_MESSAGE = re.compile(r"^\s*TODO\b")


def _issue(code: str, severity: str, facts: FileFacts, line: int, message: str) -> Issue:
    return Issue(code=code, severity=severity, file=facts.path, line=line, message=message)  # type: ignore[arg-type]


def _stub_issues(project: Project, facts: FileFacts, stubs: StubRule) -> list[Issue]:
    if stubs == "autobe":
        text = project.tree.text(facts.path)
        return ([_issue("L006", "critical", facts, line, "empty method body (AutoBe's text rule)")
                 for line in autobe_text.empty_method_lines(text)]
                + [_issue("L007", "critical", facts, line, "a block whose only statement returns an empty value "
                          "(AutoBe's text rule)") for line in autobe_text.stub_return_lines(text)])
    found = ((function, strict_stub(project, facts.path, function)) for function in facts.all_functions())
    return [_issue(stub.code, "critical", facts, stub.line, f"{function.name} {stub.why}")
            for function, stub in found if stub is not None]


def _site_issues(facts: FileFacts) -> list[Issue]:
    issues = []
    for line, message in facts.throw_messages:
        if _NOT_IMPLEMENTED.search(message):
            issues.append(_issue("L001", "critical", facts, line, f"throws {message!r}"))
        elif _TODO_MESSAGE.match(message):
            issues.append(_issue("L003", "critical", facts, line, f"throws {message!r}"))
    for comment in facts.comments:
        if _IMPLEMENT_THIS.search(comment.text):
            issues.append(_issue("L002", "critical", facts, comment.line, "comment asks to implement this"))
        marker = _MARKER.search(comment.text)
        if marker:
            issues.append(_issue("L101", "warning", facts, comment.line, f"{marker.group(1)} comment"))
    for line in facts.null_as_any_lines:
        issues.append(_issue("L005", "critical", facts, line, "returns `null as any`"))
    for call in facts.calls:
        if call.callee.split(".")[-1] == "notImplemented":
            issues.append(_issue("L004", "critical", facts, call.line, "calls notImplemented()"))
        elif call.callee == "Promise.resolve" and len(call.args) == 1 and call.args[0] in EMPTY_PROMISE_ARGS:
            issues.append(_issue("L102", "warning", facts, call.line, f"Promise.resolve({call.args[0]})"))
        elif call.callee == "console.log" and not call.in_catch:
            issues.append(_issue("L103", "warning", facts, call.line, "debug console.log"))
        elif call.callee in SKIPPED_TESTS:
            issues.append(_issue("L104", "warning", facts, call.line, f"skipped test ({call.callee})"))
    for line in facts.empty_catch_lines:
        issues.append(_issue("L105", "warning", facts, line, "empty catch block"))
    return issues


def _file_issues(facts: FileFacts, is_provider: bool) -> list[Issue]:
    """Whole-file patterns: mostly pass-through, copy-pasted bodies, thin Prisma wrappers."""
    functions = [f for f in facts.all_functions() if f.kind != "constructor" and f.body is not None]
    bodies = [f.body for f in functions if f.body is not None]
    issues = []
    passing = sum(1 for b in bodies if b.pass_through)
    if len(bodies) >= 3 and ratio(passing, len(bodies)) > 0.8:
        issues.append(_issue("L106", "warning", facts, 0, f"{passing} of {len(bodies)} functions only pass through"))
    if len(bodies) >= 4:
        largest = Counter(b.normalized for b in bodies).most_common(1)[0][1]
        if ratio(largest, len(bodies)) > 0.6:
            issues.append(_issue("L107", "warning", facts, 0, f"{largest} of {len(bodies)} functions share one body"))
    thin = sum(1 for b in bodies if b.thin_prisma)
    if is_provider and bodies and ratio(thin, len(bodies)) > 0.8:
        issues.append(_issue("L108", "warning", facts, 0, f"{thin} of {len(bodies)} functions are thin Prisma wrappers"))
    return issues


def logic_findings(project: Project, stubs: StubRule) -> list[Issue]:
    tree = project.tree
    issues: list[Issue] = []
    for path in sorted({*tree.controllers, *tree.providers}):
        facts = project.facts[path]
        issues.extend(_stub_issues(project, facts, stubs))
        issues.extend(_site_issues(facts))
        issues.extend(_file_issues(facts, path in tree.providers))
    return dedupe(issues)


def logic_axis(project: Project, stubs: StubRule) -> AxisResult:
    issues = logic_findings(project, stubs)
    counts = Counter(issue.severity for issue in issues)
    by_code = dict(sorted(Counter(issue.code for issue in issues).items()))
    score = max(0, 100 - CRITICAL_POINTS * counts["critical"] - WARNING_POINTS * counts["warning"])
    metrics = {"files": len(set(project.tree.controllers) | set(project.tree.providers)),
               "critical": counts["critical"], "warning": counts["warning"], "byCode": by_code}
    return AxisResult("logic", score, metrics, issues)
