"""CLI commands a round's owner reaches for: `round list`, `round delete` and `run show`.

Mounted on the farm CLI by `register`. Each command imports what it needs when it runs, like the
rest of the CLI (see farm/cli_spend.py).
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from farm import config

if TYPE_CHECKING:
    from farm.ledger import Ledger

console = Console()
err = Console(stderr=True)

StoreOption = Annotated[str | None, typer.Option("--store", help="artifact store: s3://bucket/prefix or a directory (default: $FARM_STORE or ./farm-store)")]
run_app = typer.Typer(help="Inspect one run (model × project) of a round.", no_args_is_help=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


# ---------------------------------------------------------------- round list


def _summary(ledger: Ledger, round_id: str, now: float) -> dict[str, Any]:
    from farm.budget import ROUND_SCOPE, BudgetBook

    info = ledger.round_info(round_id)
    jobs = ledger.jobs(round_id)
    spent = {line.scope: line.spent_usd for line in BudgetBook(ledger.r).lines(round_id)}
    return {
        "round": round_id,
        "state": info["state"],
        "models": len({job.model for job in jobs}),
        "projects": len({job.project for job in jobs}),
        "jobs": len(jobs),
        "done": sum(record.state.terminal for record in jobs.values()),
        "spent_usd": spent.get(ROUND_SCOPE, 0.0),
        "created_at": info["created_at"],
        "age_s": round(now - info["created_at"], 1),
    }


def round_list(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    store: StoreOption = None,
) -> None:
    """Every round in the ledger, newest first: state, models × projects, jobs done, spend, age."""
    from farm.cli import connect
    from farm.status import duration

    with connect(store, run_workers=False) as farm:
        now = time.time()
        rounds = [_summary(farm.ledger, round_id, now) for round_id in reversed(farm.ledger.rounds())]
    if as_json:
        print(json.dumps(rounds, indent=2))
        return
    if not rounds:
        console.print("no rounds in the ledger")
        return
    table = Table("round", "state", "models × projects", "jobs done", "spent USD", "age", box=None, pad_edge=False,
                  header_style="bold")  # fmt: skip
    for r in rounds:
        table.add_row(r["round"], r["state"], f"{r['models']} × {r['projects']}", f"{r['done']}/{r['jobs']}",
                      f"{r['spent_usd']:.4f}", duration(r["age_s"]))  # fmt: skip
    console.print(table)


# ---------------------------------------------------------------- round delete


def round_delete(
    round_id: Annotated[str, typer.Argument(help="the round to delete")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="delete without asking")] = False,
    force: Annotated[bool, typer.Option("--force", help="delete even while jobs are queued or running")] = False,
    store: StoreOption = None,
) -> None:
    """Delete a round: its artifacts in the store and its keys in the ledger (jobs, usage, budgets),
    so a demo or a broken round stops feeding estimates, listings and metrics."""
    from farm import keys
    from farm.cli import connect
    from farm.purge import active_jobs, delete_round
    from farm.spec import ROUND_ID

    if not re.match(ROUND_ID, round_id):
        raise _fail(f"{round_id!r} is not a round id")
    with connect(store, run_workers=False) as farm:
        in_ledger = farm.ledger.round_exists(round_id)
        prefix = keys.round_prefix(round_id)
        objects = len(farm.store.list(prefix))
        if not in_ledger and not objects:
            raise _fail(f"no round {round_id!r} in the ledger or in {farm.store.url}")
        active = active_jobs(farm.ledger, round_id)
        if active and not force:
            what = " and ".join(f"{n} {state}" for state, n in active.items())
            raise _fail(f"round {round_id} has {what} job(s): workers would write to it as it goes. "
                        f"`farm round cancel {round_id}` stops what has not started; --force deletes anyway")
        where = f"{objects} object(s) under {farm.store.url.rstrip('/')}/{prefix}"
        ledger = "its ledger keys (jobs, usage, budgets)" if in_ledger else "nothing in the ledger"
        if not yes:
            typer.confirm(f"delete round {round_id}: {where} and {ledger}?", abort=True)
        deleted = delete_round(farm.store, farm.ledger, round_id)
    console.print(f"deleted round [bold]{round_id}[/]: {deleted.objects} object(s) from the store, "
                  f"{deleted.ledger_keys} key(s) from the ledger", highlight=False)


# ---------------------------------------------------------------- run show


def run_show(
    round_id: Annotated[str, typer.Argument(help="the round")],
    model: Annotated[str, typer.Argument(help="the run's model id, as in the round file (MODEL+VARIANT with variants)")],
    project: Annotated[str, typer.Argument(help="the run's project (PROJECT~N for its repeat N ≥ 2)")],
    phase: Annotated[str | None, typer.Option("--phase", help="only this phase")] = None,
    attempt: Annotated[int | None, typer.Option("--attempt", min=1, help="only the N-th attempt of each operation")] = None,
    full: Annotated[bool, typer.Option("--full", help="long prompts, answers and feedback in full")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output (always in full)")] = False,
    store: StoreOption = None,
) -> None:
    """The run's transcript: each operation's prompt, the model's answers, the feedback it was sent,
    outcomes, tokens and cost."""
    from farm import keys, transcript
    from farm.manifest import Manifest
    from farm.store import open_store
    from workers.phases.base import PHASES

    if phase is not None and phase not in PHASES:
        raise _fail(f"--phase must be one of {', '.join(PHASES)}, got {phase!r}")
    target = open_store(store or config.store_url(), config.s3_endpoint())
    manifest = target.get_json_or_none(keys.manifest(round_id))
    if manifest is None:
        raise _fail(f"no manifest for round {round_id!r} in {target.url}")
    runs = Manifest.model_validate(manifest).runs()
    if not any(run.contestant.id == model and run.run_project == project for run in runs):
        contestants = dict.fromkeys(run.contestant.id for run in runs)
        projects = dict.fromkeys(run.run_project for run in runs)
        raise _fail(f"round {round_id} has no run {model} × {project} (models: {', '.join(contestants)}; "
                    f"projects: {', '.join(projects)})")
    shown = transcript.load(target, round_id, model, project, phase, attempt)
    if as_json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        console.print(transcript.render(shown, full=full), highlight=False)


def register(app: typer.Typer, round_app: typer.Typer) -> None:
    round_app.command("list")(round_list)
    round_app.command("delete")(round_delete)
    run_app.command("show")(run_show)
    app.add_typer(run_app, name="run")
