"""Rich renderings for the terminal: the leaderboard, and what moved between two rounds."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from farm.leaderboard import fmt
from farm.leaderboard.compare import Comparison, Delta
from farm.leaderboard.model import Leaderboard, PhaseState, RunEntry

GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "dark_orange", "F": "red"}
PHASE_STYLE = {PhaseState.SUCCEEDED: "", PhaseState.MODEL_FAILED: "red", PhaseState.SKIPPED: "dim",
               PhaseState.INFRA: "magenta", PhaseState.BUDGET: "magenta", PhaseState.NOT_FINISHED: "yellow",
               PhaseState.PENDING: "dim"}
RUNTIME_STYLE = {"ok": "green", "failed": "red", "infra": "magenta", "not_verified": "dim"}


def _grade(value: str) -> Text:
    return Text(value, style=GRADE_STYLE[value])


def _run_cell(run: RunEntry) -> Text:
    if run.incomplete is not None:
        return Text(f"⚠ {fmt.KIND_LABEL[run.incomplete.kind]}", style="yellow")
    assert run.score is not None
    return Text.assemble(f"{run.score.total} ", _grade(run.score.grade))


def render_leaderboard(board: Leaderboard) -> RenderableType:
    ranking = Table(title=f"benchfarm leaderboard — round {board.round} ({board.date})",
                    caption=f"profile {board.profile}; totals are means over scored runs; only models with every run "
                            "scored are ranked (⚠ marks the runs the others miss)",
                    title_style="bold")
    # Model ids are what the reader looks for: never cut them (other columns wrap instead).
    ranking.add_column("#", justify="right")
    ranking.add_column("model", no_wrap=True)
    ranking.add_column("total", justify="right")
    for project in board.projects:
        ranking.add_column(project, justify="center")
    if board.verified:
        ranking.add_column("golden", justify="right")
    ranking.add_column("cost", justify="right")
    ranking.add_column("tokens in / cached / out / reasoning", justify="right")
    ranking.add_column("FCSR\n1st / retries", justify="right")
    for index, entry in enumerate(board.models):
        model = Text(entry.model, style="bold")
        if entry.unranked_because:
            model.append(f"\n{fmt.UNRANKED}: {entry.unranked_because}", style="yellow")
        usage = entry.usage
        last_ranked = entry.rank is not None and (index + 1 == len(board.models) or board.models[index + 1].rank is None)
        ranking.add_row(
            fmt.rank(entry.rank), model,
            Text(fmt.DASH, style="dim") if entry.grade is None else Text.assemble(fmt.score(entry.total), " ", _grade(entry.grade)),
            *(_run_cell(entry.run(project)) for project in board.projects),
            *([fmt.golden_rate(entry)] if board.verified else []),
            fmt.usd(usage.cost_usd),
            " / ".join(fmt.tokens(n) for n in (usage.input_tokens, usage.cached_tokens, usage.output_tokens,
                                               usage.reasoning_tokens)),
            f"{fmt.rate(entry.fcsr.first_attempt_rate)} / {fmt.rate(entry.fcsr.after_retries_rate)}",
            end_section=last_ranked,
        )
    parts: list[RenderableType] = [ranking]
    if board.axes:
        axes = Table(title="Axes (mean over scored runs)", title_style="bold")
        axes.add_column("model")
        for axis in board.axes:
            axes.add_column(f"{axis} ({board.axis_weights[axis]:g})", justify="right")
        for entry in board.models:
            axes.add_row(entry.model, *(fmt.score(entry.axes.get(axis)) for axis in board.axes))
        parts.append(axes)
    models = Table(title="Models", title_style="bold")
    for column in ("model", "served as", "endpoint", "providers", "prices $/M in / cached / out"):
        models.add_column(column)
    for entry in board.models:
        info = entry.info
        models.add_row(entry.model, info.served_name, info.endpoint, fmt.providers(info.providers), fmt.prices(info))
    parts.append(models)
    phases = Table(title="Runs: what each phase produced", title_style="bold")
    for column in ("model", "project", *board.phases, "calls · time · cost"):
        phases.add_column(column)
    for entry in board.models:
        for run in entry.runs:
            phases.add_row(entry.model, run.project,
                           *(Text(fmt.phase_cell(p), style=PHASE_STYLE[p.state]) for p in run.phases),
                           fmt.run_details(run))
    parts.append(phases)
    if board.verified:
        parts.append(_runtime_table(board))
    for entry in board.models:
        for run in entry.runs:
            if run.incomplete is not None:
                parts.append(Text(f"{entry.model} × {run.project}: {fmt.incomplete(run.incomplete)}", style="yellow"))
            if run.runtime is not None and run.runtime.reason:
                parts.append(Text(f"{entry.model} × {run.project}: {run.runtime.reason}",
                                  style=RUNTIME_STYLE[fmt.runtime_state(run.runtime)]))
    return Group(*parts)


def _runtime_table(board: Leaderboard) -> Table:
    """Per run: does the backend boot, its Golden Set scenarios passed (overall, by category), its e2e tests."""
    table = Table(title="Runtime: each backend built, booted and tested live (farm verify)", title_style="bold")
    for column in ("model", "project", "boots", "golden", *board.golden_categories, "e2e"):
        table.add_column(column, justify="left" if column in ("model", "project") else "right")
    for entry in board.models:
        for run in entry.runs:
            boots, *rest = fmt.runtime_cells(run.runtime, board.golden_categories)
            table.add_row(entry.model, run.project, Text(boots, style=RUNTIME_STYLE[fmt.runtime_state(run.runtime)]),
                          *rest)
    return table


def _change(delta: float | None, digits: int = 1, *, lower_is_better: bool = False, unit: str = "") -> Text:
    """A signed change, green when it is an improvement, red when not, dim when nothing moved."""
    if delta is None:
        return Text(fmt.DASH, style="dim")
    if round(delta, digits) == 0:
        return Text(fmt.signed(delta, digits) + unit, style="dim")
    better = delta < 0 if lower_is_better else delta > 0
    return Text(fmt.signed(delta, digits) + unit, style="green" if better else "red")


def _points(delta: Delta) -> Text:
    """A change of rate as percentage points."""
    return _change(None if delta.delta is None else 100 * delta.delta, unit="pp")


def render_comparison(comparison: Comparison) -> RenderableType:
    title = f"round {comparison.round_a} → {comparison.round_b}"
    caption = None
    if comparison.profile_a != comparison.profile_b:
        caption = f"profile changed: {comparison.profile_a} → {comparison.profile_b} (totals are not like for like)"
    table = Table(title=title, caption=caption, title_style="bold")
    for name in ("model", "rank", "total", *comparison.axes, "cost", "FCSR 1st", "FCSR retries"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for move in comparison.models:
        model = Text(move.model, style="bold")
        for label, projects in (("a", move.incomplete_a), ("b", move.incomplete_b)):
            if projects:
                round_id = comparison.round_a if label == "a" else comparison.round_b
                model.append(f"\n{fmt.INCOMPLETE} in {round_id}: {', '.join(projects)}", style="yellow")
        table.add_row(
            model,
            f"{fmt.rank(move.rank_a)} → {fmt.rank(move.rank_b)}",
            Text.assemble(f"{fmt.score(move.total.a)} → {fmt.score(move.total.b)} ", _change(move.total.delta)),
            *(_change(move.axes[axis].delta) for axis in comparison.axes),
            Text.assemble(f"{fmt.usd(move.cost_usd.b or 0.0)} ", _change(move.cost_usd.delta, 4, lower_is_better=True)),
            _points(move.fcsr_first_attempt),
            _points(move.fcsr_after_retries),
        )
    parts: list[RenderableType] = [table]
    if comparison.new_models:
        parts.append(Text(f"new in {comparison.round_b}: {', '.join(comparison.new_models)}", style="cyan"))
    if comparison.dropped_models:
        parts.append(Text(f"dropped since {comparison.round_a}: {', '.join(comparison.dropped_models)}", style="dim"))
    return Group(*parts)
