"""Compilation gate: source present, per-file syntax, whole-project types, Prisma schema (rubric §1)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from scoring.project import Project
from scoring.report import GateReport, Issue, Metric
from scoring.rounding import ratio, round_half_up
from scoring.toolchain import Compilation, TsDiagnostic, compile_project

CRITICAL_TS_CODES = frozenset({1002, 1003, 1005, 1009, 1054, 1109, 1128, 1136, 1141, 1160, 1161})
WARNING_TS_CODES = frozenset({2304, 2305, 2306, 2307, 2314, 2322, 2345, 2551, 2554, 2561, 6054, 7006, 7031})
# Warnings about the scaffolding every generated project shares, not about the model's code.
_FRAMEWORK_GLUE = re.compile(r"simulat|PlainFetcher|MyGlobal|unsupported extension", re.IGNORECASE)
MAX_SYNTAX_RATIO = 0.05
MAX_CRITICAL_RATIO = 0.3
FAILED_GATE_CREDIT = 30


@dataclass(frozen=True)
class GateResult:
    report: GateReport
    issues: list[Issue]
    suggestions: int


def type_warning_penalty(r: float) -> int:
    """Penalty for r = counted type warnings per source file (piecewise, rubric §1.4)."""
    if r <= 0.1:
        return round_half_up(100 * r)
    if r <= 1:
        return min(30, round_half_up(10 + (r - 0.1) * 22))
    return min(50, round_half_up(30 + (r - 1) * 10))


def ts_severity(diagnostic: TsDiagnostic) -> str:
    if diagnostic.code in CRITICAL_TS_CODES:
        return "critical"
    if diagnostic.code in WARNING_TS_CODES:
        return "info" if _FRAMEWORK_GLUE.search(diagnostic.message) else "warning"
    return "suggestion"


def _failed(at: str, score: int, issues: list[Issue], metrics: dict[str, Metric]) -> GateResult:
    counts = dict(sorted(Counter(issue.code for issue in issues).items()))
    report = GateReport(passed=False, soft=False, score=score, failed_at=at, counts=counts, metrics=metrics)  # type: ignore[arg-type]
    return GateResult(report=report, issues=issues, suggestions=0)


def _prisma_issues(project: Project) -> list[Issue]:
    if not project.tree.prisma_schemas:
        return [Issue(code="P002", severity="warning", file="prisma/schema", line=0,
                      message="the project has code but no Prisma schema under prisma/schema/")]
    diagnostics = project.prisma.diagnostics
    if not diagnostics:
        return []
    first = diagnostics[0]
    summary = f"Prisma schema does not validate ({len(diagnostics)} error(s)); first: {first.message}"
    return [Issue(code="P001", severity="critical", file=first.file, line=first.line or 0, message=summary)]


def _syntax_issues(sources: list[str], compilation: Compilation) -> list[Issue]:
    """One SYNTAX issue per source file the compiler's parser rejects, at its first syntactic diagnostic."""
    first: dict[str, TsDiagnostic] = {}
    for diagnostic in compilation.syntactic:
        first.setdefault(diagnostic.file, diagnostic)
    return [Issue(code="SYNTAX", severity="critical", file=path, line=first[path].line,
                  message=f"TS{first[path].code}: {first[path].message}") for path in sources if path in first]


def type_diagnostics(compilation: Compilation) -> list[TsDiagnostic]:
    """What `tsc` would report if it did not stop at syntax errors: everything the compiler found, except
    the semantic diagnostics of files it could not parse. Those describe the parser's recovery, not the
    author's code, and such a file already counts as a syntax error (its syntactic diagnostics stay)."""
    unparsed = {diagnostic.file for diagnostic in compilation.syntactic}
    semantic = [diagnostic for diagnostic in compilation.semantic if diagnostic.file not in unparsed]
    return compilation.global_ + compilation.syntactic + semantic


def compilation_gate(project: Project) -> GateResult:
    """Run the gate in order; a failing step stops it (later steps would only repeat the failure)."""
    tree = project.tree
    files = len(tree.src_ts)
    if files == 0:
        issue = Issue(code="GATE001", severity="critical", file="src", line=0, message="no TypeScript file under src/")
        return _failed("no-source", 0, [issue], {"files": 0})
    if not tree.controllers and not tree.providers:
        issue = Issue(code="GATE002", severity="critical", file="src", line=0,
                      message="no controller under src/controllers/ and no provider under src/providers/")
        return _failed("no-artifacts", 0, [issue], {"files": files})

    # The schema is read (for the client stub) while the compiler parses: hence a function, not the text.
    compilation = compile_project(tree.root, tree.src_ts, lambda: project.prisma.client_stub())
    syntax_issues = _syntax_issues(tree.src_ts, compilation)
    error_ratio = ratio(len(syntax_issues), files)
    metrics: dict[str, Metric] = {"files": files, "syntaxErrorFiles": len(syntax_issues), "errorRatio": error_ratio}
    partial = min(FAILED_GATE_CREDIT, max(0, round_half_up(FAILED_GATE_CREDIT * (1 - error_ratio))))
    if error_ratio > MAX_SYNTAX_RATIO:
        return _failed("syntax", partial, syntax_issues, metrics)
    syntax_penalty = round_half_up(100 * error_ratio * 5)

    ts_issues = [Issue(code=f"TS{d.code}", severity=ts_severity(d), file=d.file, line=d.line,  # type: ignore[arg-type]
                       message=d.message) for d in type_diagnostics(compilation)]
    by_severity = Counter(issue.severity for issue in ts_issues)
    critical, warnings = by_severity["critical"], by_severity["warning"]
    metrics.update({"criticalTypeErrors": critical, "typeWarnings": warnings, "glueWarnings": by_severity["info"],
                    "typeSuggestions": by_severity["suggestion"], "criticalRatio": ratio(critical, files),
                    "warningRatio": ratio(warnings, files)})
    if ratio(critical, files) > MAX_CRITICAL_RATIO:
        return _failed("type", partial, syntax_issues + ts_issues, metrics)
    type_penalty = type_warning_penalty(ratio(warnings, files))

    prisma_issues = _prisma_issues(project)
    prisma_critical = sum(1 for issue in prisma_issues if issue.severity == "critical")
    prisma_warning = len(prisma_issues) - prisma_critical
    prisma_penalty = min(40, 10 * prisma_critical + 2 * prisma_warning)
    metrics.update({"syntaxPenalty": syntax_penalty, "typePenalty": type_penalty, "prismaPenalty": prisma_penalty,
                    "prismaFiles": len(tree.prisma_schemas)})

    issues = syntax_issues + ts_issues + prisma_issues
    score = max(0, 100 - syntax_penalty - type_penalty - prisma_penalty)
    soft = bool(syntax_issues) or warnings > 0 or prisma_critical > 0
    counts = dict(sorted(Counter(issue.code for issue in issues).items()))
    report = GateReport(passed=True, soft=soft, score=score, failed_at=None, counts=counts, metrics=metrics)
    return GateResult(report=report, issues=issues, suggestions=by_severity["suggestion"])
