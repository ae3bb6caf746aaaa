"""score_tree: gate, axes, penalties and total for one project tree under one profile (rubric §1-§4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scoring import profiles
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
from scoring.profiles import Profile, Rules
from scoring.project import Project
from scoring.report import AxisReport, ProfileEffect, ScoreReport, grade
from scoring.rounding import round_half_up
from scoring.version import SCORER_VERSION

# The rule switches a report measures, each with the axes it moves. A switch missing here (the typed
# Prisma client) acts on the type check, which is not run twice for a report.
MEASURED_SWITCHES: dict[str, Callable[[Project, Any], list[AxisResult]]] = {
    "stubs": lambda project, stubs: [logic_axis(project, stubs), api_axis(project, stubs)],
}


def static_axes(project: Project, rules: Rules | None = None) -> list[AxisResult]:
    """The five axes computed from the tree alone, in report order (default: the default profile's rules)."""
    rules = rules if rules is not None else profiles.load(profiles.DEFAULT).rules
    return [documentation_axis(project), requirements_axis(project), coverage_axis(project),
            logic_axis(project, rules.stubs), api_axis(project, rules.stubs)]


def gate_multiplier(gate_score: int) -> float:
    return 1.0 if gate_score == 100 else 0.85 + 0.15 * gate_score / 100


def weighted_raw(results: list[AxisResult], weights: dict[str, float]) -> float:
    """Weighted mean of the present axes (absent ones drop out and the rest renormalise), capped at 100."""
    weight_sum = sum(weights[r.id] for r in results)
    if weight_sum == 0:
        return 0.0
    return min(100.0, sum(max(0, min(100, r.score)) * weights[r.id] for r in results) / weight_sum)


def final_total(raw: float, multiplier: float, penalty: float) -> int:
    return max(0, round_half_up(round_half_up(raw * multiplier) - penalty))


def profile_effects(project: Project, profile: Profile, results: list[AxisResult],
                    total: Callable[[list[AxisResult]], int]) -> list[ProfileEffect]:
    """Each measured switch of `profile` that a known profile sets otherwise, where the other setting moves an axis."""
    scores = {r.id: r.score for r in results}
    effects = []
    for switch, axes_under in MEASURED_SWITCHES.items():
        setting = getattr(profile.rules, switch)
        others = [p for p in profiles.known() if getattr(p.rules, switch) != setting]
        for alternative in sorted({getattr(p.rules, switch) for p in others}):
            moved = {r.id: r for r in axes_under(project, alternative) if r.score != scores[r.id]}
            if not moved:
                continue
            effects.append(ProfileEffect(
                rule=switch, setting=setting, alternative=alternative,
                profiles=[p.id for p in others if getattr(p.rules, switch) == alternative],
                points={axis: scores[axis] - r.score for axis, r in sorted(moved.items())},
                total=total(results) - total([moved.get(r.id, r) for r in results]),
            ))
    return effects


def score_tree(root: Path, profile: str = profiles.DEFAULT, *, golden: GoldenSetResult | None = None) -> ScoreReport:
    """Score one project tree; the same tree gives byte-identical `to_json()` on any machine."""
    chosen = profiles.load(profile)
    weights = chosen.weights
    project = Project.load(Path(root))
    gate = compilation_gate(project)
    multiplier = gate_multiplier(gate.report.score)
    if not gate.report.passed:
        issues = dedupe(gate.issues)
        return ScoreReport(
            scorer_version=SCORER_VERSION, profile=chosen.id, gate=gate.report, axes=[],
            absent_axes=sorted(weights), raw=0.0, multiplier=multiplier,
            penalties=None, total=gate.report.score, grade=grade(gate.report.score), issues=issues,
        )
    results = static_axes(project, chosen.rules) + ([golden_axis(golden)] if golden is not None else [])
    present = {r.id for r in results}
    issues = dedupe(gate.issues + [issue for r in results for issue in r.issues])
    penalty_report, penalty_issues = penalties(project, PenaltyInputs(issues=issues, suggestions=gate.suggestions))
    issues = dedupe(issues + penalty_issues)

    def total_of(axes: list[AxisResult]) -> int:
        return final_total(weighted_raw(axes, weights), multiplier, penalty_report.total)

    raw = weighted_raw(results, weights)
    total = total_of(results)
    axes = [AxisReport(id=r.id, score=r.score, weight=weights[r.id], metrics=r.metrics) for r in results]
    return ScoreReport(
        scorer_version=SCORER_VERSION, profile=chosen.id,
        profile_effects=profile_effects(project, chosen, results, total_of), gate=gate.report, axes=axes,
        absent_axes=sorted(set(weights) - present), raw=raw, multiplier=multiplier,
        penalties=penalty_report, total=total, grade=grade(total), issues=issues,
    )
