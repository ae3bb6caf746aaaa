"""Number and label formatting shared by the table, Markdown and HTML renderings (one voice everywhere)."""

from __future__ import annotations

from farm.leaderboard.model import (
    Count,
    Incomplete,
    Leaderboard,
    ModelEntry,
    ModelInfo,
    PhaseEntry,
    PhaseState,
    RunEntry,
    RunRuntime,
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
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


def tokens(count: int) -> str:
    """1234567 -> 1.23M, 45600 -> 45.6k: token counts span six orders of magnitude."""
    for divisor, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if count >= divisor:
            return f"{count / divisor:.3g}{suffix}"
    return str(count)


def rank(value: int | None) -> str:
    return DASH if value is None else str(value)


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


RUNTIME_NOTE = (
    "Runtime: farm verify built each generated backend, booted it on a fresh PostgreSQL and played the "
    "project's Golden Set scenarios and its own e2e tests against it, contained (runtime.json). Boots: no when "
    "the model's code did not build or boot (runtime_failed, with the reason); — when the farm could not verify "
    "it (infra), which never counts against the model. Golden: scenarios passed, overall and by category; "
    "scenarios that need seeded accounts are skipped and left out. A model's golden rate is the mean over its "
    "verified runs, a backend that failed counting 0; a run without runtime.json is not verified, never a 0."
)


def how_to_read(board: Leaderboard) -> list[str]:
    """The page's reading notes, as plain sentences every format shows alike."""
    weights = ", ".join(f"{axis} {weight:g}" for axis, weight in board.axis_weights.items())
    return [
        f"Total: each run's score under the static rubric with profile {board.profile} (weights {weights}; its "
        "rules: scoring/PROFILES.md), averaged "
        "over the model's scored projects. Grades: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F. "
        "Ties rank the cheaper model first.",
        "Incomplete runs (stopped by an infrastructure failure or the budget, or not finished) are not scored "
        "and never count against the model. Only models with every run scored are ranked: the others are "
        "listed after them, unranked, with the runs they miss (their total covers their scored runs only). "
        "A run the model failed is scored on what it produced.",
        "FCSR, function-calling success rate: the share of operations whose first answered call was a valid "
        "function call that passed our compilers (1st), and that got there within the retries (retries). "
        "Counted over the operations of every phase of the scored runs, so each operation weighs the same.",
        "Cost (USD) and tokens are those of the scored runs: the same work the total describes. Input tokens "
        "include the cached ones, output tokens the reasoning ones. Prices are the round file's, in USD per "
        "million tokens (input / cached input / output); providers are those that served the calls, as the "
        "endpoint named them.",
        "Axis means: a run whose compilation gate failed counts 0 on every axis; an axis the scorer did not "
        "run (golden) is left out.",
    ] + ([RUNTIME_NOTE] if board.verified else [])

