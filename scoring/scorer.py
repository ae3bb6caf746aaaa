"""score_tree: gate, axes, penalties and total for one project tree (rubric §1-§4)."""

from __future__ import annotations

from pathlib import Path

from scoring import weights as weight_sets
from scoring.axes.api import api_axis
from scoring.axes.base import AxisResult
from scoring.axes.documentation import documentation_axis
from scoring.axes.golden import GoldenSetResult, golden_axis
from scoring.axes.logic import logic_axis
from scoring.axes.requirements import requirements_axis
from scoring.axes.testcov import coverage_axis
from scoring.gate import compilation_gate
from scoring.issues import dedupe
from scoring.penalties import PenaltyInputs, penalties
from scoring.project import Project
from scoring.report import AxisReport, ScoreReport, grade
from scoring.rounding import round_half_up
from scoring.version import SCORER_VERSION


def static_axes(project: Project) -> list[AxisResult]:
    """The five axes computed from the tree alone, in report order."""
    return [documentation_axis(project), requirements_axis(project), coverage_axis(project),
            logic_axis(project), api_axis(project)]


def gate_multiplier(gate_score: int) -> float:
    return 1.0 if gate_score == 100 else 0.85 + 0.15 * gate_score / 100


def weighted_raw(results: list[AxisResult], weights: dict[str, float]) -> float:
    """Weighted mean of the present axes (absent ones drop out and the rest renormalise), capped at 100."""
    weight_sum = sum(weights[r.id] for r in results)
    if weight_sum == 0:
        return 0.0
    return min(100.0, sum(max(0, min(100, r.score)) * weights[r.id] for r in results) / weight_sum)


def score_tree(root: Path, weights: str = weight_sets.DEFAULT, *, golden: GoldenSetResult | None = None) -> ScoreReport:
    """Score one project tree; the same tree gives byte-identical `to_json()` on any machine."""
    weight_set = weight_sets.load(weights)
    project = Project.load(Path(root))
    gate = compilation_gate(project)
    if not gate.report.passed:
        issues = dedupe(gate.issues)
        return ScoreReport(
            scorer_version=SCORER_VERSION, weights=weight_set.id, gate=gate.report, axes=[],
            absent_axes=sorted(weight_set.weights), raw=0.0, multiplier=gate_multiplier(gate.report.score),
            penalties=None, total=gate.report.score, grade=grade(gate.report.score), issues=issues,
        )
    results = static_axes(project) + ([golden_axis(golden)] if golden is not None else [])
    present = {r.id for r in results}
    issues = dedupe(gate.issues + [issue for r in results for issue in r.issues])
    penalty_report, penalty_issues = penalties(project, PenaltyInputs(issues=issues, suggestions=gate.suggestions))
    issues = dedupe(issues + penalty_issues)
    raw = weighted_raw(results, weight_set.weights)
    multiplier = gate_multiplier(gate.report.score)
    total = max(0, round_half_up(round_half_up(raw * multiplier) - penalty_report.total))
    axes = [AxisReport(id=r.id, score=r.score, weight=weight_set.weights[r.id], metrics=r.metrics) for r in results]
    return ScoreReport(
        scorer_version=SCORER_VERSION, weights=weight_set.id, gate=gate.report, axes=axes,
        absent_axes=sorted(set(weight_set.weights) - present), raw=raw, multiplier=multiplier,
        penalties=penalty_report, total=total, grade=grade(total), issues=issues,
    )
