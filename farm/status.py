"""A round's state as data (for --json and scripts) and as a view (for people).

Times are time worked, never time waited. A job's `worked_s` sums its deliveries' active intervals
(`JobRecord.intervals`: from each delivery's start to its end, or to its last heartbeat when its
worker died); a run's sums its jobs' (they run one after another); the round's is the wall-clock
time during which at least one of its jobs was being worked on. A stopped farm, a dead worker or a
budget stop awaiting its raise add nothing; `elapsed_s` is the plain time since submission.

Tokens mean what they mean in calls.jsonl, the leaderboard and the estimates: input tokens include
the cached ones, output tokens the reasoning ones (the ledger counts the kinds apart).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Column, Table
from rich.text import Text

from farm.budget import BudgetBook
from farm.ledger import SCORE, Ledger, pipeline
from farm.outcomes import JobState
from farm.redact import redact
from workers.phases.base import PHASES

# The order of a run's jobs, and of the status columns; a round shows the columns it has jobs of
# (no verify without realize, nor in rounds submitted before verify existed).
PIPELINE = tuple(pipeline(PHASES))

STYLE = {
    JobState.PENDING: "dim",
    JobState.QUEUED: "cyan",
    JobState.RUNNING: "bold yellow",
    JobState.SKIPPED: "dim",
    JobState.SUCCEEDED: "green",
    JobState.MODEL_FAILED: "bold red",
    JobState.INFRA_FAILED: "magenta",
    JobState.BUDGET_STOPPED: "bold magenta",
    JobState.CANCELLED: "dim red",
}
# Short enough for seven job columns at 80 columns; the legend spells out the ones that differ.
LABEL = {
    JobState.PENDING: "·",
    JobState.QUEUED: "queued",
    JobState.RUNNING: "running",
    JobState.SKIPPED: "skipped",
    JobState.SUCCEEDED: "ok",
    JobState.MODEL_FAILED: "failed",
    JobState.INFRA_FAILED: "infra",
    JobState.BUDGET_STOPPED: "budget",
    JobState.CANCELLED: "cancelled",
}
NO_WORKER = "stalled"  # a running job no live worker holds: its worker died, its clock stopped
ACTIVE = frozenset({JobState.QUEUED, JobState.RUNNING})


# ---------------------------------------------------------------- data


def _length(intervals: Iterable[tuple[float, float]]) -> float:
    """The time covered by the intervals, overlaps counted once."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _usage(counters: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The ledger's counters (disjoint kinds) in the one meaning: input with cached, output with reasoning."""
    return {
        model: {
            "attempts": c.get("attempts", 0),
            "input_tokens": c.get("tokens_input", 0) + c.get("tokens_cached", 0),
            "cached_tokens": c.get("tokens_cached", 0),
            "output_tokens": c.get("tokens_output", 0) + c.get("tokens_reasoning", 0),
            "reasoning_tokens": c.get("tokens_reasoning", 0),
            "cost_usd": c.get("cost_usd", 0),
        }
        for model, c in sorted(counters.items())
    }


def snapshot(ledger: Ledger, round_id: str, now: float | None = None) -> dict[str, Any]:
    """Everything `farm round status` shows, as plain JSON-able data."""
    now = time.time() if now is None else now
    info = ledger.round_info(round_id)
    jobs = ledger.jobs(round_id)
    # Running with no live lease: its worker died (or lost Redis); no clock climbs for it, the
    # workers' reaper sends it again (farm/reaper.py).
    stalled = ledger.running_without_lease(round_id, jobs)
    heartbeats = ledger.heartbeats(round_id)
    order = {phase: index for index, phase in enumerate(PIPELINE)}
    spans: list[tuple[float, float]] = []
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    for job, rec in sorted(jobs.items(), key=lambda item: (item[0].model, item[0].project, order.get(item[0].phase, 99))):
        intervals = rec.intervals(now, live=job not in stalled, alive_at=heartbeats.get(job))
        spans += intervals
        run = runs.setdefault((job.model, job.project), {"model": job.model, "project": job.project, "worked_s": 0.0, "jobs": {}})
        run["worked_s"] = round(run["worked_s"] + _length(intervals), 3)
        run["jobs"][job.phase] = {
            "state": rec.state.value,
            "reason": redact(rec.reason),  # recorded redacted; redacted again for what older farms kept
            "deliveries": rec.deliveries,
            "worked_s": round(_length(intervals), 3) if intervals else None,
            "stalled": job in stalled,
        }
    counts = Counter(rec.state for rec in jobs.values())
    done = sum(n for state, n in counts.items() if state.terminal)
    worked = _length(spans)
    running = info["state"] == "running"
    return {
        "round": round_id,
        "state": info["state"],
        "created_at": info["created_at"],
        "elapsed_s": round((info.get("completed_at") or now) - info["created_at"], 3),
        "worked_s": round(worked, 3),
        # At the pace so far: rough (phases differ in length), and only once some job is done.
        "eta_s": round(worked * (len(jobs) - done) / done, 1) if running and 0 < done < len(jobs) else None,
        "phases": sorted({job.phase for job in jobs}, key=lambda phase: order.get(phase, 99)),
        "counts": {state.value: n for state in JobState if (n := counts[state])},
        "jobs": len(jobs),
        "done": done,
        "stalled": len(stalled),
        "runs": list(runs.values()),
        "usage": _usage(ledger.usage(round_id)),
        "budgets": [asdict(line) | {"model": line.model} for line in BudgetBook(ledger.r).lines(round_id)],
        "budget_changes": info.get("budget_changes", []),
    }


# ---------------------------------------------------------------- view


def duration(seconds: float | None) -> str:
    """8.4s, 12m05s, 3h07m, 2d03h."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, hours = int(seconds // 60), int(seconds // 3600)
    if hours < 1:
        return f"{minutes}m{int(seconds % 60):02d}s"
    if hours < 24:
        return f"{hours}h{minutes % 60:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"


def _tokens(n: float) -> str:
    if n < 10_000:
        return f"{n:,.0f}"
    return f"{n / 1000:.1f}k" if n < 1_000_000 else f"{n / 1e6:.2f}M"


def _label(phase: str, job: dict[str, Any]) -> Text:
    state = JobState(job["state"])
    if job["stalled"]:
        return Text(NO_WORKER, style="bold red")
    scored = phase == SCORE and state is JobState.SUCCEEDED and job["reason"]
    label = job["reason"].removeprefix("total ") if scored else LABEL[state]
    return Text(label + (f"×{job['deliveries']}" if job["deliveries"] > 1 else ""), style=STYLE[state])


def _legend(runs: list[dict[str, Any]]) -> Text:
    shown = {JobState(job["state"]) for run in runs for job in run["jobs"].values() if not job["stalled"]}
    words = [f"{LABEL[s]}={s.value}" for s in JobState if s in shown and LABEL[s] != s.value]
    if any(job["stalled"] for run in runs for job in run["jobs"].values()):
        words.append(f"{NO_WORKER}=running, no live worker")
    if any(job["deliveries"] > 1 for run in runs for job in run["jobs"].values()):
        words.append("×N=deliveries")
    return Text("  ".join(words), style="dim")


def _runs(snap: dict[str, Any], runs: list[dict[str, Any]]) -> Group:
    """Runs grouped under their model, so a long model id never squeezes the phase columns; one
    set of fixed column widths keeps every model's rows aligned under the one header."""
    phases = snap["phases"]
    names = ["project", *phases, "worked"]
    rows = [
        (run["model"], [Text("  " + run["project"]),
                        *(_label(p, run["jobs"][p]) if p in run["jobs"] else Text("") for p in phases),
                        Text(duration(run["worked_s"]))])
        for run in runs
    ]  # fmt: skip
    widths = [max([len(name), *(cells[i].cell_len for _, cells in rows)]) for i, name in enumerate(names)]

    def table(show_header: bool) -> Table:
        columns = [Column(name, width=w, no_wrap=True, justify="right" if name == "worked" else "left")
                   for name, w in zip(names, widths, strict=True)]  # fmt: skip
        # One space between columns: seven job columns and a long project name still fit 80 columns.
        return Table(*columns, box=None, padding=(0, 1, 0, 0), pad_edge=False, show_header=show_header,
                     header_style="bold")

    parts: list[RenderableType] = [table(show_header=True)]
    for model in dict.fromkeys(model for model, _ in rows):
        body = table(show_header=False)
        for _, cells in (row for row in rows if row[0] == model):
            body.add_row(*cells)
        parts += [Text(model, style="bold", overflow="fold"), body]
    return Group(*parts, _legend(runs))


def _summary(snap: dict[str, Any]) -> Group:
    title = Text.assemble((f"round {snap['round']}", "bold"), f" — {snap['state']} · worked "
                          f"{duration(snap['worked_s'])} ({duration(snap['elapsed_s'])} since submission)")  # fmt: skip
    progress = f"{snap['done']}/{snap['jobs']} jobs" + (f" · ETA ~{duration(snap['eta_s'])}" if snap["eta_s"] is not None else "")
    bar = Table.grid(Column(ratio=1), Column(no_wrap=True, justify="right"), padding=(0, 1), expand=True)
    bar.add_row(ProgressBar(total=max(snap["jobs"], 1), completed=snap["done"]), progress)
    counts = [f"{n} {state}" for state, n in snap["counts"].items()] + ([f"{snap['stalled']} {NO_WORKER}"] if snap["stalled"] else [])
    return Group(title, bar, Text(" · ".join(counts)))


def _stalled(snap: dict[str, Any]) -> Text | None:
    if not snap["stalled"]:
        return None
    return Text(f"{snap['stalled']} job(s) {NO_WORKER}: running, but no live worker holds their lease (their clock "
                "stops); the workers' reaper sends them again (within 8/3 of the lease TTL), `farm round resume` "
                "does it now", style="bold red")  # fmt: skip


def _why(snap: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f"{run['model']} × {run['project']} × {phase}", job["reason"])
            for run in snap["runs"] for phase, job in run["jobs"].items()
            if job["reason"] and job["state"] not in (JobState.SKIPPED.value, JobState.SUCCEEDED.value)]  # fmt: skip


def _usage_table(snap: dict[str, Any]) -> Table:
    usage = Table(title="usage", title_justify="left", box=None, pad_edge=False, header_style="bold")
    usage.add_column("model", overflow="fold")  # a long model id folds onto a second line, never cut
    for column in ("calls", "input incl.\n(cached)", "output incl.\n(reasoning)", "cost USD"):
        usage.add_column(column, justify="right", no_wrap=True)
    for model, c in snap["usage"].items():
        usage.add_row(
            model, f"{c['attempts']:.0f}", f"{_tokens(c['input_tokens'])} ({_tokens(c['cached_tokens'])})",
            f"{_tokens(c['output_tokens'])} ({_tokens(c['reasoning_tokens'])})", f"{c['cost_usd']:.6f}",
        )  # fmt: skip
    return usage


def _budget_table(snap: dict[str, Any]) -> Group:
    table = Table(title="budgets (USD)", title_justify="left", box=box.SQUARE, show_edge=False)
    table.add_column("budget", overflow="fold")
    for column in ("spent", "reserved", "limit", "used"):
        table.add_column(column, justify="right", no_wrap=True)
    for line in snap["budgets"]:
        limit = line["limit_usd"]
        used = (line["spent_usd"] + line["reserved_usd"]) / limit if limit else None
        table.add_row(
            line["model"] or line["scope"], f"{line['spent_usd']:.6f}", f"{line['reserved_usd']:.6f}",
            f"{limit:.6f}" if limit is not None else "-", f"{used:.0%}" if used is not None else "-",
        )  # fmt: skip
    changes = [
        Text(f"  {c['at']}: {c['scope']} {c['from'] if c['from'] is not None else 'none'} → {c['to']} USD", style="dim")
        for c in snap["budget_changes"]
    ]
    unknown = [Text(f"  {line['model'] or line['scope']}: ${line['expired_usd']:.6f} of its spend is calls of unknown outcome (their "
                    "worker died mid-call), charged at their worst case", style="dim")
               for line in snap["budgets"] if line["expired_usd"]]  # fmt: skip
    return Group(table, *unknown, *([Text("budget changes:", style="bold"), *changes] if changes else []))


def _budget_line(snap: dict[str, Any]) -> Text:
    limited = [line for line in snap["budgets"] if line["limit_usd"]]
    parts = [f"{line['model'] or line['scope']} ${line['spent_usd'] + line['reserved_usd']:.2f} of ${line['limit_usd']:.2f} "
             f"({(line['spent_usd'] + line['reserved_usd']) / line['limit_usd']:.0%})" for line in limited]  # fmt: skip
    return Text("budgets: " + (" · ".join(parts) or "no limits"))


@dataclass(frozen=True)
class _Block:
    """A part of the view, in versions from the richest to the sparest (None: left out)."""

    versions: list[RenderableType | None]


def _blocks(snap: dict[str, Any]) -> tuple[list[_Block], list[int]]:
    """The view's blocks in display order, and the order in which the live view gives them room."""
    runs = snap["runs"]
    active = [run for run in runs if any(JobState(job["state"]) in ACTIVE for job in run["jobs"].values())]
    hint = f"`farm round status {snap['round']}` shows all"
    run_versions: list[RenderableType | None] = [_runs(snap, runs)]
    if 0 < len(active) < len(runs):
        run_versions.append(Group(_runs(snap, active), Text(f"{len(active)} active run(s) of {len(runs)}; {hint}", style="dim")))
    run_versions.append(Text(f"{len(runs)} run(s): {len(active)} active; {hint}", style="dim"))
    why = _why(snap)
    reasons = Group(Text("why:", style="bold"), *(Text(f"  {where}: {reason}", style="dim") for where, reason in why))
    cost = sum(c["cost_usd"] for c in snap["usage"].values())
    spent = Text(f"usage: {sum(c['attempts'] for c in snap['usage'].values()):.0f} calls, ${cost:.6f}")
    blocks = [
        _Block([_summary(snap)]),
        _Block([_stalled(snap)]),
        _Block(run_versions),
        _Block([reasons, Text(f"{len(why)} job(s) ended without success; {hint}", style="dim")] if why else [None]),
        _Block([_usage_table(snap), spent]),
        _Block([_budget_table(snap), _budget_line(snap)] if snap["budgets"] else [None]),
    ]
    return blocks, [5, 2, 4, 3]  # budgets first (spend is what cannot wait), then runs, usage, why


class StatusView:
    """The status as rich draws it. `fit`: on a terminal, only what fits its height — the summary,
    then budgets, runs, usage and why in full as room allows, each else in brief (a live view taller
    than the terminal is cut at the bottom, where the budgets are). Off a terminal, or without
    `fit`, everything."""

    def __init__(self, snap: dict[str, Any], *, fit: bool) -> None:
        self.snap = snap
        self.fit = fit

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        blocks, priority = _blocks(self.snap)
        if not (self.fit and console.is_terminal):
            yield from (block.versions[0] for block in blocks if block.versions[0] is not None)
            return

        def height(renderable: RenderableType | None) -> int:
            return len(console.render_lines(renderable, options, pad=False)) if renderable is not None else 0

        chosen = [len(block.versions) - 1 for block in blocks]  # each block's sparest version first
        used = sum(height(block.versions[-1]) for block in blocks)
        room = options.max_height - 1  # the line the cursor sits on
        for index in priority:
            versions = blocks[index].versions
            for better in range(chosen[index]):
                extra = height(versions[better]) - height(versions[chosen[index]])
                if used + extra <= room:
                    chosen[index], used = better, used + extra
                    break
        yield from (v for block, i in zip(blocks, chosen, strict=True) if (v := block.versions[i]) is not None)


def render(snap: dict[str, Any], *, fit: bool = True) -> StatusView:
    """The view of a snapshot; with `fit` (the live view) it fits the terminal's height."""
    return StatusView(snap, fit=fit)
