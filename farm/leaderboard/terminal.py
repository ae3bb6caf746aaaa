"""Rich renderings for the terminal: the leaderboard, and what moved between two rounds."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from farm.keys import VARIANT_MARK
from farm.leaderboard import fmt
from farm.leaderboard.compare import Comparison, Delta, Noise
from farm.leaderboard.model import Leaderboard, ModelEntry, PhaseState, RunEntry, VariantEffect

GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "dark_orange", "F": "red"}
PHASE_STYLE = {PhaseState.SUCCEEDED: "", PhaseState.MODEL_FAILED: "red", PhaseState.SKIPPED: "dim",
               PhaseState.INFRA: "magenta", PhaseState.BUDGET: "magenta", PhaseState.NOT_FINISHED: "yellow",
               PhaseState.PENDING: "dim"}
RUNTIME_STYLE = {"ok": "green", "failed": "red", "infra": "magenta", "not_verified": "dim"}


def _grade(value: str) -> Text:
    return Text(value, style=GRADE_STYLE[value])


def _run_score(run: RunEntry) -> Text:
    return Text(fmt.run_score(run), style="yellow" if run.incomplete is not None else "")


def _project_cell(runs: list[RunEntry]) -> Text:
    """'85 B' for one run; with repeats '72.0 (70 / 74 / ⚠ infra)', the incomplete runs in yellow."""
    if len(runs) > 1:
        parts = Text(" / ").join(_run_score(run) for run in runs)
        return Text.assemble(fmt.score(fmt.project_mean(runs)), " (", parts, ")")
    run = runs[0]
    if run.score is None:
        return _run_score(run)
    return Text.assemble(f"{run.score.total} ", _grade(run.score.grade))


def _total(entry: ModelEntry) -> Text:
    if entry.grade is None:
        return Text(fmt.DASH, style="dim")
    return Text.assemble(fmt.estimate(entry.total), " ", _grade(entry.grade))


def _contestant(entry: ModelEntry) -> Text:
    """The id in bold, then why it is unranked and whether its runs mixed providers."""
    cell = Text(entry.contestant, style="bold")
    if entry.unranked_because:
        cell.append(f"\n{fmt.UNRANKED}: {entry.unranked_because}", style="yellow")
    if entry.serving_flag:
        cell.append(f"\n{fmt.serving_flag(entry)}", style="yellow")
    return cell


def _ranking(board: Leaderboard) -> Table:
    repeats = board.repeats > 1
    table = Table(title=f"benchfarm leaderboard — round {board.round} ({board.date})",
                  caption=f"profile {board.profile}; total: mean over projects of each project's mean over its scored "
                          "runs, with its 95% interval; contestants in one group are not significantly different; "
                          "only contestants with every run scored are ranked (⚠ marks the runs the others miss)",
                  title_style="bold")
    # Contestant ids are what the reader looks for: never cut them (other columns wrap instead).
    table.add_column("#", justify="right")
    table.add_column("group", justify="center")
    table.add_column(fmt.contestant_header(board), no_wrap=True)
    table.add_column("total [95% CI]", justify="right")
    if repeats:
        table.add_column("repeats", justify="right")
    for project in board.projects:
        table.add_column(project, justify="center")
    if board.verified:
        table.add_column("golden", justify="right")
    for column in ("cost", "$/point", "tokens/point", "FCSR\n1st / retries"):
        table.add_column(column, justify="right")
    for index, entry in enumerate(board.models):
        last_ranked = entry.rank is not None and (index + 1 == len(board.models) or board.models[index + 1].rank is None)
        table.add_row(
            fmt.rank(entry.rank), fmt.group(entry), _contestant(entry), _total(entry),
            *([str(entry.repeats)] if repeats else []),
            *(_project_cell(entry.runs_of(project)) for project in board.projects),
            *([fmt.golden_rate(entry)] if board.verified else []),
            fmt.usd(entry.usage.cost_usd), fmt.usd_or_dash(entry.cost_per_point),
            fmt.tokens_per_point(entry.tokens_per_point),
            f"{fmt.rate(entry.fcsr.first_attempt_rate)} / {fmt.rate(entry.fcsr.after_retries_rate)}",
            end_section=last_ranked,
        )
    return table


def _axes(board: Leaderboard) -> Table:
    table = Table(title="Axes (mean over scored runs [95% CI])", title_style="bold")
    table.add_column(fmt.contestant_header(board))
    for axis in board.axes:
        table.add_column(f"{axis} ({board.axis_weights[axis]:g})", justify="right")
    for entry in board.models:
        table.add_row(entry.contestant, *(fmt.estimate(entry.axes.get(axis)) for axis in board.axes))
    return table


def _variance(board: Leaderboard) -> Table:
    assert board.variance is not None
    table = Table(title="Run-to-run variance", caption=fmt.variance_summary(board.variance), title_style="bold")
    table.add_column(fmt.contestant_header(board))
    for column in ("run-to-run SD", "between-project SD", "run-to-run share"):
        table.add_column(column, justify="right")
    for entry in board.models:
        table.add_row(entry.contestant, *fmt.variance_cells(entry.variance))
    return table


def _variants(board: Leaderboard) -> list[RenderableType]:
    settings = Table(title="Variants", title_style="bold")
    settings.add_column("variant")
    settings.add_column("settings")
    for name, text in board.variants.items():
        settings.add_row(name, text)
    if not board.variant_effects:
        return [settings]
    effects = Table(title="Variant effects (variant − baseline, paired by project)", title_style="bold",
                    caption=f"significant: p < α = {board.significance.alpha:g}")
    for column in ("model", "variant", "Δ total [95% CI]", "p", "significant"):
        effects.add_column(column, justify="left" if column in ("model", "variant") else "right")
    for effect in board.variant_effects:
        variant, delta, p_value, significant = fmt.effect_cells(effect)
        effects.add_row(effect.model, variant, _change(effect.delta.mean, text=delta, dim=not effect.significant),
                        p_value, Text(significant, style="bold" if effect.significant else "dim"))
    return [settings, effects]


def _cost(board: Leaderboard) -> Table:
    table = Table(title="Cost", caption="★: on the score-vs-cost front (no ranked contestant scores more for less)",
                  title_style="bold")
    table.add_column(fmt.contestant_header(board))
    for column in ("total", "cost per run", "$/point", "tokens/point", "tokens in / cached / out / reasoning", "front"):
        table.add_column(column, justify="center" if column == "front" else "right")
    for entry in board.models:
        table.add_row(entry.contestant, fmt.mean(entry.total),
                      fmt.usd_or_dash(entry.cost_per_run), fmt.usd_or_dash(entry.cost_per_point),
                      fmt.tokens_per_point(entry.tokens_per_point), fmt.token_breakdown(entry.usage),
                      Text(fmt.front(entry), style="bold green"))
    return table


def _models(board: Leaderboard) -> Table:
    table = Table(title="Models", title_style="bold")
    for column in (fmt.contestant_header(board), "served as", "endpoint", "providers", "prices $/M in / cached / out"):
        table.add_column(column)
    for entry in board.models:
        info = entry.info
        table.add_row(entry.contestant, info.served_name, info.endpoint, fmt.providers(info.providers),
                      fmt.prices(info))
    return table


def _phases(board: Leaderboard) -> Table:
    table = Table(title="Runs: what each phase produced", title_style="bold")
    for column in (fmt.contestant_header(board), "run", "seed", *board.phases, "calls · time · cost"):
        table.add_column(column)
    for entry in board.models:
        for run in entry.runs:
            table.add_row(entry.contestant, run.label, fmt.seed(run),
                          *(Text(fmt.phase_cell(p), style=PHASE_STYLE[p.state]) for p in run.phases),
                          fmt.run_details(run))
    return table


def _runtime_table(board: Leaderboard) -> Table:
    """Per run: does the backend boot, its Golden Set scenarios passed (overall, by category), its e2e tests."""
    table = Table(title="Runtime: each backend built, booted and tested live (farm verify)", title_style="bold")
    names = (fmt.contestant_header(board), "run", "seed")
    for column in (*names, "boots", "golden", *board.golden_categories, "e2e"):
        table.add_column(column, justify="left" if column in names else "right")
    for entry in board.models:
        for run in entry.runs:
            boots, *rest = fmt.runtime_cells(run.runtime, board.golden_categories)
            table.add_row(entry.contestant, run.label, fmt.seed(run),
                          Text(boots, style=RUNTIME_STYLE[fmt.runtime_state(run.runtime)]), *rest)
    return table


def _run_notes(board: Leaderboard) -> list[RenderableType]:
    """Why each incomplete run has no score, and why each verify that failed did."""
    notes: list[RenderableType] = []
    for entry in board.models:
        for run in entry.runs:
            where = f"{entry.contestant} × {fmt.run_ref(run)}"
            if run.incomplete is not None:
                notes.append(Text(f"{where}: {fmt.incomplete(run.incomplete)}", style="yellow"))
            if run.runtime is not None and run.runtime.reason:
                notes.append(Text(f"{where}: {run.runtime.reason}", style=RUNTIME_STYLE[fmt.runtime_state(run.runtime)]))
    return notes


def render_leaderboard(board: Leaderboard) -> RenderableType:
    parts: list[RenderableType] = [_ranking(board)]
    if board.axes:
        parts.append(_axes(board))
    if board.variance is not None:
        parts.append(_variance(board))
    if board.variants:
        parts += _variants(board)
    parts += [_cost(board), _models(board), _phases(board)]
    if board.verified:
        parts.append(_runtime_table(board))
    return Group(*parts, *_run_notes(board))


def _change(delta: float | None, digits: int = 1, *, lower_is_better: bool = False, unit: str = "",
            text: str | None = None, dim: bool = False) -> Text:
    """A signed change (or `text` for it), green when it is an improvement, red when not, dim when nothing
    moved or `dim` (within noise)."""
    if delta is None:
        return Text(fmt.DASH, style="dim")
    shown = text or fmt.signed(delta, digits) + unit
    if dim or round(delta, digits) == 0:
        return Text(shown, style="dim")
    better = delta < 0 if lower_is_better else delta > 0
    return Text(shown, style="green" if better else "red")


def _points(delta: Delta) -> Text:
    """A change of rate as percentage points."""
    return _change(None if delta.delta is None else 100 * delta.delta, unit="pp")


def _noise(noise: Noise | None) -> Text:
    """'exceeds noise · p = 0.005 · [-12.0, -8.0]', or — when the rounds have no scored project in common."""
    if noise is None:
        return Text(fmt.DASH, style="dim")
    verdict = Text("exceeds noise" if noise.exceeds_noise else "within noise",
                   style="bold" if noise.exceeds_noise else "dim")
    ci95 = [fmt.interval(noise.delta_ci95)] if noise.delta_ci95 is not None else []
    return Text(" · ").join([verdict, *map(Text, [fmt.p_value(noise.p_value), *ci95,
                                                   fmt.plural(noise.projects, "project")])])


def _effect_cell(effect: VariantEffect | None) -> str:
    if effect is None:
        return fmt.DASH
    verdict = "significant" if effect.significant else "not significant"
    return f"{fmt.signed_estimate(effect.delta)} · {fmt.p_value(effect.p_value)} · {verdict}"


def _effect_moves(comparison: Comparison) -> Table:
    table = Table(title="Variant effects (variant − baseline, paired by project) in each round", title_style="bold")
    for column in ("model", "variant", comparison.round_a, comparison.round_b):
        table.add_column(column)
    for move in comparison.variant_effects:
        baseline = (move.b or move.a).baseline  # type: ignore[union-attr] - one side always measured it
        table.add_row(move.model, f"{move.variant} vs {baseline}", _effect_cell(move.a), _effect_cell(move.b))
    return table


def render_comparison(comparison: Comparison) -> RenderableType:
    title = f"round {comparison.round_a} → {comparison.round_b}"
    notes = ["noise: the move in total against the contestant's own run-to-run noise (a paired permutation test "
             "by common project; [95% CI of the move])"]
    if comparison.profile_a != comparison.profile_b:
        notes.append(f"profile changed: {comparison.profile_a} → {comparison.profile_b} (totals are not like for like)")
    table = Table(title=title, caption="\n".join(notes), title_style="bold")
    who = "contestant" if any(VARIANT_MARK in move.model for move in comparison.models) else "model"
    for name in (who, "rank", "total", "noise", *comparison.axes, "cost", "FCSR 1st", "FCSR retries"):
        table.add_column(name, justify="left" if name in (who, "noise") else "right", no_wrap=name == "noise")
    for move in comparison.models:
        model = Text(move.model, style="bold")
        for label, runs in (("a", move.incomplete_a), ("b", move.incomplete_b)):
            if runs:
                round_id = comparison.round_a if label == "a" else comparison.round_b
                model.append(f"\n{fmt.INCOMPLETE} in {round_id}: {', '.join(runs)}", style="yellow")
        within_noise = move.noise is not None and not move.noise.exceeds_noise
        table.add_row(
            model,
            f"{fmt.rank(move.rank_a)} → {fmt.rank(move.rank_b)}",
            Text.assemble(f"{fmt.score(move.total.a)} → {fmt.score(move.total.b)} ",
                          _change(move.total.delta, dim=within_noise)),
            _noise(move.noise),
            *(_change(move.axes[axis].delta) for axis in comparison.axes),
            Text.assemble(f"{fmt.usd(move.cost_usd.b or 0.0)} ", _change(move.cost_usd.delta, 4, lower_is_better=True)),
            _points(move.fcsr_first_attempt),
            _points(move.fcsr_after_retries),
        )
    parts: list[RenderableType] = [table]
    if comparison.variant_effects:
        parts.append(_effect_moves(comparison))
    if comparison.new_models:
        parts.append(Text(f"new in {comparison.round_b}: {', '.join(comparison.new_models)}", style="cyan"))
    if comparison.dropped_models:
        parts.append(Text(f"dropped since {comparison.round_a}: {', '.join(comparison.dropped_models)}", style="dim"))
    return Group(*parts)
