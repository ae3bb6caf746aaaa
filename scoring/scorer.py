"""score_tree: gate, axes, penalties and total for one project tree under one profile (rubric §1-§4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scoring import profiles
from scoring.axes.api import api_axis
from scoring.axes.base import AxisResult
from scoring.axes.documentation import documentation_axis
from scoring.axes.golden import GoldenSetResult, golden_axis
from scoring.axes.logic import logic_axis
from scoring.axes.requirements import requirements_axis
from scoring.axes.testcov import coverage_axis
from scoring.gate import GateResult, compilation_gate
from scoring.issues import dedupe
from scoring.penalties import PenaltyInputs, combine, penalised, penalties
from scoring.profiles import Profile, Rules
from scoring.project import Project
from scoring.report import AxisReport, Issue, PenaltyReport, ProfileEffect, ScoreReport, grade
from scoring.rounding import round_half_up
from scoring.version import SCORER_VERSION

# Each axis computed from the tree alone, in report order, under a profile's rules.
STATIC_AXES: dict[str, Callable[[Project, Rules], AxisResult]] = {
    "documentation": documentation_axis,
    "requirements": requirements_axis,
    "tests": coverage_axis,
    "logic": lambda project, rules: logic_axis(project, rules.stubs),
    "api": lambda project, rules: api_axis(project, rules.stubs),
}
# The rule switches a report measures, each with the axes it moves; the penalty switches move the penalties,
# `gate_multiplier` the multiplier, `failed_gate` the total of a failed gate.
AXIS_SWITCHES: dict[str, tuple[str, ...]] = {
    "stubs": ("logic", "api"),
    "documentation": ("documentation",), "boilerplate": ("documentation",),
    "test_quality": ("tests",), "routes": ("tests",), "coverage_breadth": ("tests",), "coverage_fallback": ("tests",),
    "requirements_matching": ("requirements",), "requirements_scoring": ("requirements",),
}
PENALTY_SWITCHES = ("penalty_combination", "gate_charged_warnings", "missing_types", "empty_interfaces",
                    "sync_specification")
MEASURED_SWITCHES = (*AXIS_SWITCHES, "gate_multiplier", *PENALTY_SWITCHES)
MULTIPLIER_FLOORS = {"steep": 0.7, "gentle": 0.85}  # multiplier = floor + (1 - floor) * gate/100


def static_axes(project: Project, rules: Rules | None = None) -> list[AxisResult]:
    """The five axes computed from the tree alone, in report order (default: the default profile's rules)."""
    rules = rules if rules is not None else profiles.load(profiles.DEFAULT).rules
    return [axis(project, rules) for axis in STATIC_AXES.values()]


def gate_multiplier(gate_score: int, rule: str) -> float:
    floor = MULTIPLIER_FLOORS[rule]
    return 1.0 if gate_score == 100 else floor + (1 - floor) * gate_score / 100


def weighted_raw(results: list[AxisResult], weights: dict[str, float]) -> float:
    """Weighted mean of the present axes (absent ones drop out and the rest renormalise), capped at 100."""
    weight_sum = sum(weights[r.id] for r in results)
    if weight_sum == 0:
        return 0.0
    return min(100.0, sum(max(0, min(100, r.score)) * weights[r.id] for r in results) / weight_sum)


@dataclass(frozen=True)
class _Passed:
    """What a total is computed from once the gate passed, so the total under other rules can be computed too."""

    project: Project
    weights: dict[str, float]
    gate: GateResult

    def penalties(self, rules: Rules, results: list[AxisResult]) -> tuple[PenaltyReport, list[Issue]]:
        """The penalties and their findings; their inputs are the de-duplicated gate and axis issues."""
        issues = dedupe(self.gate.issues + [issue for r in results for issue in r.issues])
        return penalties(self.project, PenaltyInputs(issues=issues, suggestions=self.gate.suggestions), rules)

    def total(self, rules: Rules, results: list[AxisResult], report: PenaltyReport) -> int:
        multiplier = gate_multiplier(self.gate.report.score, rules.gate_multiplier)
        score = round_half_up(weighted_raw(results, self.weights) * multiplier)
        return penalised(score, report, rules.penalty_combination)

    def effect(self, rules: Rules, switch: str, alternative: str, results: list[AxisResult],
               report: PenaltyReport) -> tuple[dict[str, int], int]:
        """(axis -> points under the setting minus under the alternative, for moved axes; the same for the total).
        The penalties are computed again when the switch is theirs or the axes' findings changed."""
        other = rules.model_copy(update={switch: alternative})
        before = {r.id: r for r in results}
        again = {axis: STATIC_AXES[axis](self.project, other) for axis in AXIS_SWITCHES.get(switch, ())}
        other_results = [again.get(r.id, r) for r in results]
        if switch == "penalty_combination":
            other_report = combine(report.parts, alternative)
        elif switch in PENALTY_SWITCHES or any(result.issues != before[axis].issues for axis, result in again.items()):
            other_report = self.penalties(other, other_results)[0]
        else:
            other_report = report
        points = {axis: before[axis].score - result.score for axis, result in sorted(again.items())
                  if result.score != before[axis].score}
        return points, self.total(rules, results, report) - self.total(other, other_results, other_report)


def _alternatives(profile: Profile, switch: str) -> list[tuple[str, list[str]]]:
    """Each other setting of `switch` among the known profiles, with the profiles using it."""
    setting = getattr(profile.rules, switch)
    others = [p for p in profiles.known() if getattr(p.rules, switch) != setting]
    return [(value, [p.id for p in others if getattr(p.rules, switch) == value])
            for value in sorted({getattr(p.rules, switch) for p in others})]


def profile_effects(passed: _Passed, profile: Profile, results: list[AxisResult],
                    report: PenaltyReport) -> list[ProfileEffect]:
    """Each measured switch of `profile` that a known profile sets otherwise, where the other setting moves the
    score."""
    effects = []
    for switch in MEASURED_SWITCHES:
        for alternative, users in _alternatives(profile, switch):
            points, total = passed.effect(profile.rules, switch, alternative, results, report)
            if points or total:
                effects.append(ProfileEffect(rule=switch, setting=getattr(profile.rules, switch),
                                             alternative=alternative, profiles=users, points=points, total=total))
    return effects


def _failed_total(gate_score: int, rule: str) -> int:
    return 0 if rule == "zero" else gate_score


def _failed_gate_effects(profile: Profile, gate_score: int) -> list[ProfileEffect]:
    total = _failed_total(gate_score, profile.rules.failed_gate)
    return [ProfileEffect(rule="failed_gate", setting=profile.rules.failed_gate, alternative=alternative,
                          profiles=users, points={}, total=total - _failed_total(gate_score, alternative))
            for alternative, users in _alternatives(profile, "failed_gate")
            if _failed_total(gate_score, alternative) != total]


def score_tree(root: Path, profile: str = profiles.DEFAULT, *, golden: GoldenSetResult | None = None) -> ScoreReport:
    """Score one project tree; the same tree gives byte-identical `to_json()` on any machine."""
    chosen = profiles.load(profile)
    rules, weights = chosen.rules, chosen.weights
    project = Project.load(Path(root))
    gate = compilation_gate(project)
    multiplier = gate_multiplier(gate.report.score, rules.gate_multiplier)
    if not gate.report.passed:
        total = _failed_total(gate.report.score, rules.failed_gate)
        return ScoreReport(
            scorer_version=SCORER_VERSION, profile=chosen.id,
            profile_effects=_failed_gate_effects(chosen, gate.report.score), gate=gate.report, axes=[],
            absent_axes=sorted(weights), raw=0.0, multiplier=multiplier,
            penalties=None, total=total, grade=grade(total), issues=dedupe(gate.issues),
        )
    results = static_axes(project, rules) + ([golden_axis(golden)] if golden is not None else [])
    present = {r.id for r in results}
    passed = _Passed(project, weights, gate)
    penalty_report, penalty_issues = passed.penalties(rules, results)
    issues = dedupe(gate.issues + [issue for r in results for issue in r.issues] + penalty_issues)
    total = passed.total(rules, results, penalty_report)
    axes = [AxisReport(id=r.id, score=r.score, weight=weights[r.id], metrics=r.metrics) for r in results]
    return ScoreReport(
        scorer_version=SCORER_VERSION, profile=chosen.id,
        profile_effects=profile_effects(passed, chosen, results, penalty_report), gate=gate.report, axes=axes,
        absent_axes=sorted(set(weights) - present), raw=weighted_raw(results, weights), multiplier=multiplier,
        penalties=penalty_report, total=total, grade=grade(total), issues=issues,
    )
