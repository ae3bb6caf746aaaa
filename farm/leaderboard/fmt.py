"""Number and label formatting shared by the table, Markdown and HTML renderings (one voice everywhere)."""

from __future__ import annotations

from farm.leaderboard.model import Incomplete, Leaderboard, ModelInfo, PhaseEntry, PhaseState, RunEntry

DASH = "—"
INCOMPLETE = "incomplete"
UNRANKED = "unranked"

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
    ]
