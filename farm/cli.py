"""`farm`: submit, watch and inspect benchmark rounds; run workers, the simulator and the demo."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

import scoring.cli as scoring_cli
from farm import cli_spend, config, keys

# The rest of the farm (Celery, Redis, the OpenAI client, the phases, the leaderboard) is imported by
# the commands that use it: `farm score` must start scoring without paying for it.
if TYPE_CHECKING:
    from celery import Celery

    from farm.conformance import Conformance
    from farm.embedded import EmbeddedFarm
    from farm.ledger import Ledger
    from farm.roundfile import LoadedRound
    from farm.store import Store


class _FarmCommands(TyperGroup):
    """The farm's commands, with `leaderboard` and `compare` mounted when first asked for (click's lazy
    subcommands): their module cannot be imported without the whole leaderboard package."""

    def _mount_leaderboard(self) -> None:
        if "leaderboard" in self.commands:
            return
        from farm.leaderboard.cli import register

        board = typer.Typer()
        register(board)
        # Ahead of the others, where they were registered before: `farm --help` keeps its order.
        self.commands = {**typer.main.get_group(board).commands, **self.commands}

    def list_commands(self, ctx: typer.Context) -> list[str]:
        self._mount_leaderboard()
        return super().list_commands(ctx)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> TyperCommand | TyperGroup | None:
        if cmd_name not in self.commands:  # theirs, or a typo to suggest a command for
            self._mount_leaderboard()
        return super().get_command(ctx, cmd_name)


app = typer.Typer(help="benchfarm: benchmark rounds of LLMs on backend generation by function calling.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=_FarmCommands)
round_app = typer.Typer(help="Validate, submit, watch, resume and compare rounds.", no_args_is_help=True)
app.add_typer(round_app, name="round")
scoring_cli.register(app)
cli_spend.register(app, round_app)

console = Console()
err = Console(stderr=True)

DEMO_ROUND = Path(__file__).resolve().parent / "demo_round.yaml"
StoreOption = Annotated[str | None, typer.Option("--store", help="artifact store: s3://bucket/prefix or a directory (default: $FARM_STORE or ./farm-store)")]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@dataclass
class Farm:
    """Where the CLI talks to: a deployed farm (FARM_REDIS_URL) or the embedded one."""

    ledger: Ledger
    store: Store
    celery: Celery
    simulator_url: str | None
    embedded: EmbeddedFarm | None


@contextmanager
def connect(store_url: str | None, *, run_workers: bool) -> Iterator[Farm]:
    from farm.embedded import EmbeddedFarm
    from farm.ledger import Ledger
    from farm.queueing import make_celery
    from farm.store import LocalStore, open_store

    store = open_store(store_url or config.store_url(), config.s3_endpoint())
    redis_url = config.redis_url()
    if redis_url:
        yield Farm(Ledger.from_url(redis_url), store, make_celery(redis_url), config.simulator_url(), None)
        return
    if not isinstance(store, LocalStore):
        raise fail("the embedded default needs a local store directory; set FARM_REDIS_URL to use a deployed farm")
    with EmbeddedFarm(store.root, workers=run_workers, simulator=run_workers) as embedded:
        yield Farm(Ledger.from_url(embedded.redis_url), store, make_celery(embedded.redis_url), embedded.simulator_url, embedded)


def watch(farm: Farm, round_id: str, *, until_complete: bool, interval: float = 0.5) -> dict:
    """Refresh the status table live; returns the last snapshot."""
    from rich.live import Live

    from farm.status import render, snapshot

    snap = snapshot(farm.ledger, round_id)
    with Live(render(snap), console=console, refresh_per_second=4, transient=False) as live:
        while not (until_complete and snap["state"] == "complete"):
            if farm.embedded and not farm.embedded.worker_alive():
                raise fail(f"the embedded worker stopped; see {farm.embedded.worker_log}")
            time.sleep(interval)
            snap = snapshot(farm.ledger, round_id)
            live.update(render(snap))
    return snap


# ---------------------------------------------------------------- round


@round_app.command("validate")
def round_validate(file: Path) -> None:
    """Check a round file; print every problem with its path and value, or a summary."""
    from farm.roundfile import RoundFileError, load_round

    try:
        loaded = load_round(file)
    except RoundFileError as exc:
        err.print(f"[bold red]{exc.source}[/]: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            err.print(f"  {problem}")
        raise typer.Exit(2) from None
    spec = loaded.spec
    runs = len(spec.models) * len(loaded.projects)
    console.print(f"[green]valid[/]: round [bold]{spec.round}[/] — {len(spec.models)} model(s) × "
                  f"{len(loaded.projects)} project(s) = {runs} run(s) × {len(spec.phases)} phase(s) = "
                  f"{runs * len(spec.phases)} job(s)")
    console.print(f"  models: {', '.join(m.id for m in spec.models)}")
    console.print(f"  projects: {', '.join(p.name for p in loaded.projects)}")
    console.print(f"  phases: {', '.join(spec.phases)}")
    budget = spec.budgets.round_usd
    console.print(f"  round budget: {'$%.2f' % budget if budget else 'none'}")


def _load(file: Path) -> LoadedRound:
    from farm.roundfile import RoundFileError, load_round

    try:
        return load_round(file)
    except RoundFileError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from None


def _preflight(farm: Farm, loaded: LoadedRound) -> dict[str, Conformance]:
    """Refuse a round whose endpoints cannot make forced tool calls or take its phases' schemas; warn
    when it will outrun a budget. Returns the conformance findings to freeze into the manifest."""
    from farm.preflight import preflight

    with console.status("preflight: probing every endpoint with a forced tool call and each phase's schemas…"):
        report = preflight(loaded, farm.store, farm.simulator_url)
    for p in report.probes:
        refused = p.conformance.failures(report.phases) if p.conformance else []
        mark = ("[bold red]FAILED[/]" if not p.tool_call else "[bold red]schemas refused[/]" if refused
                else "[yellow]invalid arguments[/]" if not p.arguments_valid else "[green]ok[/]")
        latency = f"{p.latency_ms:.0f} ms" if p.latency_ms is not None else "-"
        found = ""
        if p.conformance:
            tools = [t for t in p.conformance.tools if t.phase in report.phases]
            found = (f", {p.conformance.server.dialect.value}, "
                     f"{len(tools) - len(refused)}/{len(tools)} phase tool schemas accepted")
        console.print(f"  {mark} {p.model} ({latency}{', ' + p.provider if p.provider else ''}{found})")
    total = sum(row.cost_usd for row in report.estimate.rows)
    console.print(f"  projected cost: ${total:.2f}" + (" (from past rounds)" if report.estimate.from_history else " (priors)"))
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    if report.problems:
        for problem in report.problems:
            err.print(f"[bold red]preflight:[/] {problem}")
        raise fail("preflight failed: fix the endpoints above (`farm probe FILE` shows each phase), "
                   "or submit with --no-preflight")
    return report.endpoints


def _submit_and_watch(farm: Farm, loaded: LoadedRound, watch_live: bool, *, check: bool = True) -> None:
    from farm.scheduler import SubmitRefused, plan_jobs, submit

    endpoints = _preflight(farm, loaded) if check else None
    try:
        sub = submit(loaded, farm.store, farm.ledger, farm.celery, farm.simulator_url, endpoints)
    except SubmitRefused as exc:
        raise fail(str(exc)) from None
    verb = "resumed" if sub.resumed else "submitted"
    console.print(f"{verb} round [bold]{sub.manifest.round}[/]: {len(plan_jobs(sub.manifest))} jobs, "
                  f"{sub.enqueued} enqueued; manifest at {farm.store.url.rstrip('/')}/{keys.manifest(sub.manifest.round)}")
    if farm.embedded or watch_live:
        if farm.embedded:
            console.print("[dim]embedded farm: watching until the round completes (Ctrl-C stops it; resume later)[/]")
        watch(farm, sub.manifest.round, until_complete=True)
        console.print(f"\nartifacts: {farm.store.url.rstrip('/')}/rounds/{sub.manifest.round}/")


@round_app.command("submit")
def round_submit(
    file: Path,
    watch_live: Annotated[bool, typer.Option("--watch", help="follow the round live until it completes")] = False,
    check: Annotated[bool, typer.Option("--preflight/--no-preflight", help="probe every endpoint and estimate cost first")] = True,
    store: StoreOption = None,
) -> None:
    """Validate, preflight, freeze the manifest, register the round and enqueue its first jobs."""
    loaded = _load(file)
    with connect(store, run_workers=True) as farm:
        _submit_and_watch(farm, loaded, watch_live, check=check)


@round_app.command("status")
def round_status(
    round_id: str,
    watch_live: Annotated[bool, typer.Option("--watch", help="refresh live until the round completes")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    store: StoreOption = None,
) -> None:
    """Model × project × phase states, counts, elapsed time and usage."""
    from farm.status import render, snapshot

    with connect(store, run_workers=False) as farm:
        if not farm.ledger.round_exists(round_id):
            known = ", ".join(farm.ledger.rounds()) or "none"
            raise fail(f"no round {round_id!r} in the ledger (known: {known})")
        if as_json:
            print(json.dumps(snapshot(farm.ledger, round_id), indent=2, sort_keys=True))
        elif watch_live:
            watch(farm, round_id, until_complete=True)
        else:
            console.print(render(snapshot(farm.ledger, round_id)))


@round_app.command("resume")
def round_resume(
    round_id: str,
    store: StoreOption = None,
    budget_add: Annotated[float | None, typer.Option("--budget-add", help="raise the round budget by USD")] = None,
    round_budget: Annotated[float | None, typer.Option("--round-budget", help="set the round budget to USD")] = None,
    model_budget: Annotated[list[str] | None, typer.Option("--model-budget", help="MODEL=USD: set a model's budget (repeatable)")] = None,
) -> None:
    """Continue a round: re-queue what infra failures, budget stops or cancellation left undone."""
    from farm.budget import BudgetError
    from farm.manifest import Manifest
    from farm.scheduler import resume

    with connect(store, run_workers=True) as farm:
        stored = farm.store.get_json_or_none(keys.manifest(round_id))
        if stored is None:
            raise fail(f"no manifest for round {round_id!r} in {farm.store.url}")
        try:
            changes = cli_spend.change_budgets(farm.ledger, Manifest.model_validate(stored), add=budget_add,
                                               round_usd=round_budget, model_budgets=model_budget or [])
        except BudgetError as exc:
            raise fail(str(exc)) from None
        for change in changes:
            console.print(f"round [bold]{round_id}[/]: {change}")
        count = resume(round_id, farm.store, farm.ledger, farm.celery)
        console.print(f"round [bold]{round_id}[/]: {count} job(s) re-queued")
        if farm.embedded and count:
            watch(farm, round_id, until_complete=True)


@round_app.command("cancel")
def round_cancel(round_id: str, store: StoreOption = None) -> None:
    """Cancel every job not yet running (running phases finish: their spend is real)."""
    from farm.scheduler import cancel

    with connect(store, run_workers=False) as farm:
        console.print(f"round [bold]{round_id}[/]: {cancel(round_id, farm.ledger)} job(s) cancelled")


@round_app.command("diff")
def round_diff(a: str, b: str, store: StoreOption = None) -> None:
    """What differs between the manifests of two rounds (spec, prompts, packages, commit)."""
    from farm.manifest import Manifest, diff
    from farm.store import open_store

    target = open_store(store or config.store_url(), config.s3_endpoint())
    manifests = []
    for round_id in (a, b):
        data = target.get_json_or_none(keys.manifest(round_id))
        if data is None:
            raise fail(f"no manifest for round {round_id!r} in {target.url}")
        manifests.append(Manifest.model_validate(data).comparable())
    changes = diff(*manifests)
    if not changes:
        console.print(f"rounds {a} and {b} ran under the same conditions")
    for path, left, right in changes:
        console.print(f"[bold]{path}[/]: {_short(left)} → {_short(right)}")


def _short(value: object, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- processes


@app.command("demo")
def demo(store: StoreOption = None) -> None:
    """Run a small round on the embedded default: scripted models on the simulator, no key needed."""
    import yaml

    from farm.roundfile import parse_round

    data = yaml.safe_load(DEMO_ROUND.read_text())
    data["round"] = "demo-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    loaded = parse_round(data, str(DEMO_ROUND), DEMO_ROUND.parent)
    if config.redis_url():
        err.print("[yellow]FARM_REDIS_URL is set: the demo runs on that farm's workers[/]")
    with connect(store, run_workers=True) as farm:
        _submit_and_watch(farm, loaded, watch_live=True)


@app.command("sim")
def sim(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8399,
    scripts: Annotated[Path | None, typer.Option(help="folder of scripted models and answer books")] = None,
    n_ctx: Annotated[int, typer.Option("--n-ctx", help="context size the server dialects play")] = 8192,
) -> None:
    """Serve the simulator endpoint (OpenAI-compatible, scripted models, fault injection); it also
    plays real servers' dialects at /dialect/{llama.cpp,vllm,ollama}/v1."""
    from farm.sim import serve

    console.print(f"simulator on http://{host}:{port}/v1 (dialects: http://{host}:{port}/dialect/NAME/v1) — "
                  f"scripted models from {scripts or 'the built-in scripts'}")
    serve(host=host, port=port, scripts_dir=scripts, n_ctx=n_ctx)


@app.command("worker")
def worker(
    queues: Annotated[str, typer.Option(help="comma-separated: generate, score")] = "generate,score",
    concurrency: Annotated[int, typer.Option(help="worker processes (prefork)")] = 2,
    loglevel: Annotated[str, typer.Option(help="celery log level")] = "INFO",
) -> None:
    """Run a Celery worker of the farm (needs FARM_REDIS_URL and FARM_STORE)."""
    from farm.exporter import MULTIPROC_ENV

    if not config.redis_url():
        raise fail("FARM_REDIS_URL is not set: a worker needs the farm's Redis")
    # A node name of its own (several workers on a host must not all be celery@host), and no
    # gossip or mingle: both race Celery's reconnect after a broker restart, and the farm needs neither.
    args = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-Q", queues,
            "--pool", "prefork", "-c", str(concurrency), "--loglevel", loglevel,
            "-n", f"farm-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    if not os.environ.get(MULTIPROC_ENV):  # the image sets one; elsewhere each worker gets its own
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="farm-metrics-")
    os.execv(sys.executable, args)
