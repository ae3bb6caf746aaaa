"""The leaderboard as GitHub-flavoured Markdown, for release notes and READMEs."""

from __future__ import annotations

from collections.abc import Iterable

from farm.leaderboard import fmt, notes
from farm.leaderboard.model import Leaderboard, ModelEntry, RunEntry


def _table(header: list[str], align: str, rows: Iterable[list[str]]) -> list[str]:
    """align: one of l, c, r per column."""
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _section(title: str, body: list[str]) -> list[str]:
    return ["", f"## {title}", "", *body]


def _contestant(entry: ModelEntry) -> str:
    """The id, then why it is unranked and whether its runs mixed providers."""
    markers = [f"⚠ {fmt.UNRANKED}: {entry.unranked_because}"] if entry.unranked_because else []
    markers += [fmt.serving_flag(entry)] if entry.serving_flag else []
    return " ".join([f"`{entry.contestant}`", *markers])


def _header(board: Leaderboard) -> str:
    return fmt.contestant_header(board).capitalize()


def _ranking(board: Leaderboard) -> list[str]:
    repeats = ["Repeats"] if board.repeats > 1 else []
    golden = ["Golden"] if board.verified else []
    header = ["#", "Group", _header(board), "Total [95% CI]", "Grade", *repeats, *board.projects, *golden, "Cost",
              "$/point", "Tokens/point", "FCSR 1st", "FCSR retries"]
    align = "rcl" + "rc" + "r" * len(repeats) + "c" * len(board.projects) + "r" * len(golden) + "rrrrr"
    rows = ([fmt.rank(e.rank), fmt.group(e), _contestant(e), fmt.estimate(e.total), e.grade or fmt.DASH,
             *([str(e.repeats)] if repeats else []), *(fmt.project_cell(e.runs_of(p)) for p in board.projects),
             *([fmt.golden_rate(e)] if golden else []), fmt.usd(e.usage.cost_usd), fmt.usd_or_dash(e.cost_per_point),
             fmt.tokens_per_point(e.tokens_per_point), fmt.rate(e.fcsr.first_attempt_rate),
             fmt.rate(e.fcsr.after_retries_rate)] for e in board.models)
    return _table(header, align, rows)


def _axes(board: Leaderboard) -> list[str]:
    return _table([_header(board), *(f"{a} ({board.axis_weights[a]:g})" for a in board.axes)],
                  "l" + "r" * len(board.axes),
                  ([f"`{e.contestant}`", *(fmt.estimate(e.axes.get(a)) for a in board.axes)] for e in board.models))


def _variance(board: Leaderboard) -> list[str]:
    assert board.variance is not None
    return [fmt.variance_summary(board.variance), "",
            *_table([_header(board), "Run-to-run SD", "Between-project SD", "Run-to-run share"], "lrrr",
                    ([f"`{e.contestant}`", *fmt.variance_cells(e.variance)] for e in board.models))]


def _variants(board: Leaderboard) -> list[str]:
    lines = _table(["Variant", "Settings"], "ll", ([f"`{name}`", text] for name, text in board.variants.items()))
    if board.variant_effects:
        lines += ["", f"Effect on the total, variant − baseline, paired by project (significant: p < α = "
                      f"{board.significance.alpha:g}):", ""]
        lines += _table(["Model", "Variant", "Δ total [95% CI]", "p", "Significant"], "llrrc",
                        ([f"`{effect.model}`", *fmt.effect_cells(effect)] for effect in board.variant_effects))
    return lines


def _cost(board: Leaderboard) -> list[str]:
    return _table([_header(board), "Total", "Cost per run", "$/point", "Tokens/point",
                   "Tokens in / cached / out / reasoning", "Front ★"], "lrrrrrc",
                  ([f"`{e.contestant}`", fmt.mean(e.total), fmt.usd_or_dash(e.cost_per_run),
                    fmt.usd_or_dash(e.cost_per_point), fmt.tokens_per_point(e.tokens_per_point),
                    fmt.token_breakdown(e.usage), fmt.front(e)] for e in board.models))


def _runs(board: Leaderboard) -> Iterable[tuple[ModelEntry, RunEntry]]:
    return ((entry, run) for entry in board.models for run in entry.runs)


def _run_cells(entry: ModelEntry, run: RunEntry) -> list[str]:
    return [f"`{entry.contestant}`", run.label, fmt.seed(run)]


def _run_note(entry: ModelEntry, run: RunEntry, text: str) -> str:
    return f"- `{entry.contestant}` × {fmt.run_ref(run)}: {text}"


def _runtime(board: Leaderboard) -> list[str]:
    lines = _section("Runtime: each backend built, booted and tested live", _table(
        [_header(board), "Run", "Seed", "Boots", "Golden", *board.golden_categories, "E2E"],
        "llrcr" + "r" * len(board.golden_categories) + "r",
        ([*_run_cells(e, run), *fmt.runtime_cells(run.runtime, board.golden_categories)] for e, run in _runs(board))))
    reasons = [_run_note(e, run, run.runtime.reason) for e, run in _runs(board)
               if run.runtime is not None and run.runtime.reason]
    return lines + (_section("Runtime: why a verify failed", reasons) if reasons else [])


def render_markdown(board: Leaderboard) -> str:
    meta = [board.date, f"profile `{board.profile}`", f"phases: {', '.join(board.phases)}"]
    if board.repeats > 1:
        meta.append(f"{fmt.plural(board.repeats, 'run')} per project")
    if board.scorer_versions:
        meta.append(f"scorer {', '.join(board.scorer_versions)}")
    lines = [f"# benchfarm leaderboard — round {board.round}", ""]
    if board.description:
        lines += [board.description, ""]
    lines += [" · ".join(meta), *_section("Ranking", _ranking(board))]
    if board.axes:
        lines += _section("Axes (mean over scored runs [95% CI])", _axes(board))
    if board.variance is not None:
        lines += _section("Run-to-run variance", _variance(board))
    if board.variants:
        lines += _section("Variants", _variants(board))
    lines += _section("Cost", _cost(board))
    lines += _section("Models", _table(
        [_header(board), "Served as", "Endpoint", "Providers", "Prices $/M in / cached / out"], "lllll",
        ([f"`{e.contestant}`", f"`{e.info.served_name}`", e.info.endpoint, fmt.providers(e.info.providers),
          fmt.prices(e.info)] for e in board.models)))
    lines += _section("Runs: what each phase produced", _table(
        [_header(board), "Run", "Seed", *board.phases, "Calls · time · cost"], "llr" + "l" * len(board.phases) + "r",
        ([*_run_cells(e, run), *(fmt.phase_cell(p) for p in run.phases), fmt.run_details(run)]
         for e, run in _runs(board))))
    if board.verified:
        lines += _runtime(board)
    incomplete = [_run_note(e, run, fmt.incomplete(run.incomplete)) for e, run in _runs(board)
                  if run.incomplete is not None]
    if incomplete:
        lines += _section("Incomplete runs", incomplete)
    lines += _section("How to read this", [f"- {note}" for note in notes.how_to_read(board)])
    return "\n".join(lines) + "\n"
