"""The leaderboard as GitHub-flavoured Markdown, for release notes and READMEs."""

from __future__ import annotations

from collections.abc import Iterable

from farm.leaderboard import fmt
from farm.leaderboard.model import Leaderboard, ModelEntry, RunEntry


def _table(header: list[str], align: str, rows: Iterable[list[str]]) -> list[str]:
    """align: one of l, c, r per column."""
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _run(run: RunEntry) -> str:
    if run.incomplete is not None:
        return f"⚠ {fmt.INCOMPLETE} ({fmt.KIND_LABEL[run.incomplete.kind]})"
    assert run.score is not None
    return f"{run.score.total} {run.score.grade}"


def _model(entry: ModelEntry) -> str:
    marker = f" ⚠ {fmt.UNRANKED}: {entry.unranked_because}" if entry.unranked_because else ""
    return f"`{entry.model}`{marker}"


def render_markdown(board: Leaderboard) -> str:
    meta = [board.date, f"profile `{board.profile}`", f"phases: {', '.join(board.phases)}"]
    if board.scorer_versions:
        meta.append(f"scorer {', '.join(board.scorer_versions)}")
    lines = [f"# benchfarm leaderboard — round {board.round}", ""]
    if board.description:
        lines += [board.description, ""]
    lines += [" · ".join(meta), "", "## Ranking", ""]
    golden = ["Golden"] if board.verified else []
    lines += _table(
        ["#", "Model", "Total", "Grade", *board.projects, *golden, "Cost", "Tokens in / cached / out / reasoning",
         "FCSR 1st", "FCSR retries"],
        "rlrc" + "c" * len(board.projects) + "r" * len(golden) + "rrrr",
        ([fmt.rank(e.rank), _model(e), fmt.score(e.total), e.grade or fmt.DASH, *(_run(e.run(p)) for p in board.projects),
          *([fmt.golden_rate(e)] if golden else []), fmt.usd(e.usage.cost_usd),
          " / ".join(fmt.tokens(n) for n in (e.usage.input_tokens, e.usage.cached_tokens, e.usage.output_tokens,
                                             e.usage.reasoning_tokens)),
          fmt.rate(e.fcsr.first_attempt_rate), fmt.rate(e.fcsr.after_retries_rate)] for e in board.models),
    )
    if board.axes:
        lines += ["", "## Axes (mean over scored runs)", ""]
        lines += _table(["Model", *(f"{a} ({board.axis_weights[a]:g})" for a in board.axes)], "l" + "r" * len(board.axes),
                        ([f"`{e.model}`", *(fmt.score(e.axes.get(a)) for a in board.axes)] for e in board.models))
    lines += ["", "## Models", ""]
    lines += _table(["Model", "Served as", "Endpoint", "Providers", "Prices $/M in / cached / out"], "lllll",
                    ([f"`{e.model}`", f"`{e.info.served_name}`", e.info.endpoint, fmt.providers(e.info.providers),
                      fmt.prices(e.info)] for e in board.models))
    lines += ["", "## Runs: what each phase produced", ""]
    lines += _table(["Model", "Project", *board.phases, "Calls · time · cost"], "ll" + "l" * len(board.phases) + "r",
                    ([f"`{e.model}`", run.project, *(fmt.phase_cell(p) for p in run.phases), fmt.run_details(run)]
                     for e in board.models for run in e.runs))
    if board.verified:
        lines += ["", "## Runtime: each backend built, booted and tested live", ""]
        lines += _table(["Model", "Project", "Boots", "Golden", *board.golden_categories, "E2E"],
                        "llcr" + "r" * len(board.golden_categories) + "r",
                        ([f"`{e.model}`", run.project, *fmt.runtime_cells(run.runtime, board.golden_categories)]
                         for e in board.models for run in e.runs))
        reasons = [f"- `{e.model}` × {run.project}: {run.runtime.reason}"
                   for e in board.models for run in e.runs if run.runtime is not None and run.runtime.reason]
        if reasons:
            lines += ["", "## Runtime: why a verify failed", "", *reasons]
    incomplete = [f"- `{e.model}` × {run.project}: {fmt.incomplete(run.incomplete)}"
                  for e in board.models for run in e.runs if run.incomplete is not None]
    if incomplete:
        lines += ["", "## Incomplete runs", "", *incomplete]
    lines += ["", "## How to read this", "", *(f"- {note}" for note in fmt.how_to_read(board))]
    return "\n".join(lines) + "\n"
