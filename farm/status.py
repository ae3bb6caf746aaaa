"""A round's state as data (for --json and scripts) and as a table (for people)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from farm.budget import BudgetBook
from farm.ledger import SCORE, Ledger
from farm.outcomes import JobState
from farm.redact import redact

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


def _elapsed(start: float | None, end: float | None, now: float) -> float | None:
    if start is None:
        return None
    return round((end or now) - start, 3)


def snapshot(ledger: Ledger, round_id: str) -> dict[str, Any]:
    """Everything `farm round status` shows, as plain JSON-able data."""
    now = time.time()
    info = ledger.round_info(round_id)
    jobs = ledger.jobs(round_id)
    # Running with no live lease: its worker died (or lost Redis); no clock climbs for it, the
    # workers' reaper sends it again (farm/reaper.py).
    stalled = ledger.running_without_lease(round_id, jobs)
    runs: dict[tuple[str, str], dict[str, Any]] = {}
    for job, rec in jobs.items():
        run = runs.setdefault((job.model, job.project), {"model": job.model, "project": job.project, "jobs": {}})
        run["jobs"][job.phase] = {
            "state": rec.state.value,
            "reason": redact(rec.reason),  # recorded redacted; redacted again for what older farms kept
            "deliveries": rec.deliveries,
            "elapsed_s": _elapsed(rec.started_at, rec.ended_at, now),
            "stalled": job in stalled,
        }
    counts = Counter(rec.state.value for rec in jobs.values())
    return {
        "round": round_id,
        "state": info["state"],
        "elapsed_s": _elapsed(info["created_at"], info.get("completed_at"), now),
        "counts": dict(sorted(counts.items())),
        "jobs": len(jobs),
        "stalled": len(stalled),
        "runs": list(runs.values()),
        "usage": ledger.usage(round_id),
        "budgets": [asdict(line) for line in BudgetBook(ledger.r).lines(round_id)],
        "budget_changes": info.get("budget_changes", []),
    }


def _phases(snap: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for run in snap["runs"]:
        for phase in run["jobs"]:
            if phase not in seen:
                seen.append(phase)
    return seen


NO_WORKER = "running (no worker)"


def _cell(phase: str, job: dict[str, Any]) -> Text:
    state = JobState(job["state"])
    if job.get("stalled"):
        return Text(NO_WORKER, style="bold red")
    label = job["reason"] if phase == SCORE and state is JobState.SUCCEEDED and job["reason"] else state.value
    if job["elapsed_s"] is not None and state is not JobState.PENDING:
        label += f" {job['elapsed_s']:.1f}s"
    if job["deliveries"] > 1:
        label += f" ×{job['deliveries']}"
    return Text(label, style=STYLE[state])


def render(snap: dict[str, Any]) -> Group:
    phases = _phases(snap)
    table = Table(title=f"round {snap['round']} — {snap['state']}", title_justify="left")
    table.add_column("model")
    table.add_column("project")
    for phase in phases:
        table.add_column(phase)
    for run in snap["runs"]:
        table.add_row(run["model"], run["project"], *(_cell(p, run["jobs"][p]) if p in run["jobs"] else "" for p in phases))
    usage = Table(title="usage", title_justify="left")
    for column in ("model", "attempts", "input", "cached", "output", "reasoning", "cost USD"):
        usage.add_column(column, justify="right" if column != "model" else "left")
    for model, c in sorted(snap["usage"].items()):
        usage.add_row(
            model,
            f"{c.get('attempts', 0):.0f}",
            f"{c.get('tokens_input', 0):,.0f}",
            f"{c.get('tokens_cached', 0):,.0f}",
            f"{c.get('tokens_output', 0):,.0f}",
            f"{c.get('tokens_reasoning', 0):,.0f}",
            f"{c.get('cost_usd', 0):.6f}",
        )
    counts = "  ".join(f"{state}: {n}" for state, n in snap["counts"].items())
    elapsed = f"{snap['elapsed_s']:.1f}s" if snap["elapsed_s"] is not None else "-"
    reasons = [
        Text(f"  {run['model']} × {run['project']} × {phase}: {job['reason']}", style="dim")
        for run in snap["runs"]
        for phase, job in run["jobs"].items()
        if job["reason"] and job["state"] not in (JobState.SKIPPED.value, JobState.SUCCEEDED.value)
    ]
    parts: list[Any] = [table, Text(f"{snap['jobs']} jobs — {counts} — elapsed {elapsed}")]
    if snap.get("stalled"):
        parts.append(Text(f"{snap['stalled']} job(s) {NO_WORKER}: no live worker holds their lease; the workers' reaper "
                          "sends them again (within 8/3 of the lease TTL), `farm round resume` does it now", style="bold red"))
    if reasons:
        parts += [Text("why:", style="bold"), *reasons]
    return Group(*parts, usage, *_budgets(snap))


def _budgets(snap: dict[str, Any]) -> list[Any]:
    if not snap["budgets"]:
        return []
    table = Table(title="budgets", title_justify="left")
    for column in ("budget", "spent USD", "reserved USD", "limit USD", "used"):
        table.add_column(column, justify="left" if column == "budget" else "right")
    for line in snap["budgets"]:
        limit = line["limit_usd"]
        used = (line["spent_usd"] + line["reserved_usd"]) / limit if limit else None
        table.add_row(
            line["scope"], f"{line['spent_usd']:.6f}", f"{line['reserved_usd']:.6f}",
            f"{limit:.6f}" if limit is not None else "-", f"{used:.0%}" if used is not None else "-",
        )  # fmt: skip
    changes = [
        Text(f"  {c['at']}: {c['scope']} {c['from'] if c['from'] is not None else 'none'} → {c['to']} USD", style="dim")
        for c in snap["budget_changes"]
    ]
    unknown = [Text(f"  {line['scope']}: ${line['expired_usd']:.6f} of its spend is calls of unknown outcome (their "
                    "worker died mid-call), charged at their worst case", style="dim")
               for line in snap["budgets"] if line["expired_usd"]]  # fmt: skip
    return [table, *unknown, *([Text("budget changes:", style="bold"), *changes] if changes else [])]
