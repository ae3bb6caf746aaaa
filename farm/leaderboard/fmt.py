"""Number and label formatting shared by the table, Markdown and HTML renderings (one voice everywhere)."""

from __future__ import annotations

import math
from statistics import fmean

from farm.leaderboard.model import (
    Count,
    Estimate,
    Incomplete,
    Leaderboard,
    ModelEntry,
    ModelInfo,
    PhaseEntry,
    PhaseState,
    RunEntry,
    RunRuntime,
    Usage,
    VarianceSplit,
    VariantEffect,
)

DASH = "—"
INCOMPLETE = "incomplete"
UNRANKED = "unranked"
NOT_VERIFIED = "not verified"

KIND_LABEL = {"infra": "infra", "budget": "budget", "not_finished": "not finished"}


def score(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def rate(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def usd(value: float) -> str:
    """$12.34, $0.0123; below a tenth of a cent two significant digits ($0.000035), as costs per point are."""
    if value >= 1:
        return f"${value:,.2f}"
    if value == 0 or value >= 0.001:
        return f"${value:.4f}"
    return f"${value:.{1 - math.floor(math.log10(value))}f}"


def usd_or_dash(value: float | None) -> str:
    return DASH if value is None else usd(value)


def tokens(count: int) -> str:
    """1234567 -> 1.23M, 45600 -> 45.6k: token counts span six orders of magnitude."""
    for divisor, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if count >= divisor:
            return f"{count / divisor:.3g}{suffix}"
    return str(count)


def token_breakdown(usage: Usage) -> str:
    """'6k / 1.2k / 1.8k / 300': input / cached / output / reasoning."""
    return " / ".join(tokens(n) for n in (usage.input_tokens, usage.cached_tokens, usage.output_tokens,
                                          usage.reasoning_tokens))


def tokens_per_point(value: float | None) -> str:
    return DASH if value is None else tokens(round(value))


def rank(value: int | None) -> str:
    return DASH if value is None else str(value)


def group(entry: ModelEntry) -> str:
    """The contestant's tied group: ranked contestants sharing it are not significantly different."""
    return DASH if entry.tied_group is None else str(entry.tied_group)


def interval(ci95: tuple[float, float]) -> str:
    return f"[{ci95[0]:.1f}, {ci95[1]:.1f}]"


def estimate(value: Estimate | None) -> str:
    """'71.3 [68.0, 74.9]': a mean and its 95% interval; '98.0 ±0' when every resample agrees; the mean
    alone when there is none (one run)."""
    if value is None:
        return DASH
    return score(value.mean) + _spread(value.ci95)


def _spread(ci95: tuple[float, float] | None) -> str:
    if ci95 is None:
        return ""
    return " ±0" if ci95[0] == ci95[1] else f" {interval(ci95)}"


def mean(value: Estimate | None) -> str:
    """The mean alone, where the interval is shown elsewhere."""
    return score(None if value is None else value.mean)


def signed_estimate(value: Estimate) -> str:
    """'+8.0 [6.0, 10.0]': a difference and its 95% interval."""
    return signed(value.mean) + _spread(value.ci95)


def p_value(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def contestant_header(board: Leaderboard) -> str:
    """What a row is: a model, or a model under a harness variant when the round has variants."""
    return "contestant" if board.variants else "model"


def run_score(run: RunEntry) -> str:
    """A run's total ('72'), or why it has none ('⚠ infra')."""
    if run.incomplete is not None:
        return f"⚠ {KIND_LABEL[run.incomplete.kind]}"
    assert run.score is not None
    return str(run.score.total)


def project_mean(runs: list[RunEntry]) -> float | None:
    """The mean of a project's scored repeats: what its cell shows, and what the total averages."""
    totals = [run.score.total for run in runs if run.score is not None]
    return fmean(totals) if totals else None


def project_cell(runs: list[RunEntry]) -> str:
    """A project's ranking cell: '85 B' for one run; with repeats the mean of the scored ones and each
    run, '72.0 (70 / 74 / ⚠ infra)'."""
    if len(runs) == 1:
        run = runs[0]
        if run.incomplete is not None:
            return f"⚠ {INCOMPLETE} ({KIND_LABEL[run.incomplete.kind]})"
        assert run.score is not None
        return f"{run.score.total} {run.score.grade}"
    return f"{score(project_mean(runs))} ({' / '.join(run_score(run) for run in runs)})"


def serving_flag(entry: ModelEntry) -> str:
    return f"⚠ {entry.serving_flag}" if entry.serving_flag else ""


def front(entry: ModelEntry) -> str:
    """★ for a contestant on the score-vs-cost front."""
    return "★" if entry.pareto else ""


def seed(run: RunEntry) -> str:
    return DASH if run.seed is None else str(run.seed)


def run_ref(run: RunEntry) -> str:
    """'todo~2 (seed 1)': one run, in a list of notes."""
    return f"{run.label} (seed {seed(run)})"


def sd(variance: float) -> str:
    """A variance component as a standard deviation, in points: what a reader can compare with scores."""
    return f"{math.sqrt(variance):.1f}"


def variance_cells(split: VarianceSplit | None) -> list[str]:
    """run-to-run SD, between-project SD, run-to-run share."""
    if split is None:
        return [DASH] * 3
    return [sd(split.run_to_run), sd(split.between_projects), rate(split.run_to_run_share)]


def variance_summary(split: VarianceSplit) -> str:
    return (f"Run to run: {rate(split.run_to_run_share)} of the score variance (run-to-run SD {sd(split.run_to_run)}, "
            f"between-project SD {sd(split.between_projects)} points), pooled over the contestants with repeats.")


def effect_cells(effect: VariantEffect) -> list[str]:
    """A variant effect's row after its model: variant vs baseline, delta [CI], p, significant."""
    return [f"{effect.variant} vs {effect.baseline}", signed_estimate(effect.delta), p_value(effect.p_value),
            yes_no(effect.significant)]


def plural(count: int, noun: str) -> str:
    """'1 project', '4 projects'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def duration(seconds: float | None) -> str:
    """45 s, 12 min 5 s, 2 h 3 min: run times span seconds (simulator) to hours (a local model)."""
    if seconds is None:
        return DASH
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def prices(info: ModelInfo) -> str:
    """USD per million tokens: input / cached input / output."""
    return " / ".join(f"${value:g}" for value in (info.prices.input, info.prices.cached, info.prices.output))


def providers(names: list[str]) -> str:
    return ", ".join(names) or DASH


def run_details(run: RunEntry) -> str:
    """'14 calls · 3 min 5 s · $0.0120': what the run's finished phases took."""
    return " · ".join((plural(run.attempts, "call"), duration(run.duration_s), usd(run.usage.cost_usd)))


def passed(count: Count | None) -> str:
    """'27/33 · 81.8%': the count, so a rate over 3 scenarios does not read like one over 30."""
    if count is None or not count.total:
        return DASH
    return f"{count.passed}/{count.total} · {rate(count.passed / count.total)}"


def boots(runtime: RunRuntime | None) -> str:
    """yes / no, or — when the run was not verified or the farm could not take it as far as booting."""
    if runtime is None or runtime.boots is None:
        return DASH
    return "yes" if runtime.boots else "no"


def runtime_state(runtime: RunRuntime | None) -> str:
    """The verify's verdict, for styling: ok, failed (the model's code), infra (the farm's), not_verified."""
    if runtime is None:
        return "not_verified"
    if runtime.model_failed:
        return "failed"
    return "infra" if runtime.reason else "ok"


def golden(runtime: RunRuntime | None) -> str:
    """A run's Golden Set result: scenarios passed; 0.0% for a backend that failed before any ran; not
    verified when none ran for the farm's reasons (or no runtime.json)."""
    if runtime is not None and runtime.golden.total:
        return passed(runtime.golden)
    value = runtime.golden_rate if runtime is not None else None
    return NOT_VERIFIED if value is None else rate(value)


def runtime_cells(runtime: RunRuntime | None, categories: list[str]) -> list[str]:
    """A run's row of the runtime table: boots, golden overall, golden per category, e2e."""
    if runtime is None:
        return [boots(None), NOT_VERIFIED, *[DASH] * len(categories), DASH]
    return [boots(runtime), golden(runtime), *(passed(runtime.golden.by_category.get(c)) for c in categories),
            passed(runtime.e2e)]


def golden_rate(entry: ModelEntry) -> str:
    """A model's mean Golden Set pass rate over its verified runs."""
    if entry.golden_pass_rate is None:
        return NOT_VERIFIED
    return f"{rate(entry.golden_pass_rate)} ({plural(entry.golden_runs, 'run')})"


def signed(delta: float | None, digits: int = 1) -> str:
    if delta is None:
        return DASH
    return f"{delta:+.{digits}f}" if round(delta, digits) != 0 else f"{0:.{digits}f}"


def incomplete(entry: Incomplete) -> str:
    """'incomplete (infra): database ended without a result (infrastructure failure)'."""
    return f"{INCOMPLETE} ({KIND_LABEL[entry.kind]}): {entry.detail}"


def phase_cell(entry: PhaseEntry) -> str:
    """What a phase produced ('3 actors · 5 documents'), or how it ended when it produced nothing to count."""
    if entry.state is PhaseState.SUCCEEDED:
        return " · ".join(f"{value} {name.replace('_', ' ')}" for name, value in sorted(entry.summary.items())) or "ok"
    if entry.state is PhaseState.MODEL_FAILED:
        return "model failed"
    return KIND_LABEL.get(entry.state.value, entry.state.value.replace("_", " "))
