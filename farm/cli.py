"""`farm`: submit, watch and inspect benchmark rounds; run workers, the simulator and the demo."""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

import runtime.cli as runtime_cli
import scoring.cli as scoring_cli
from farm import cli_help, cli_rounds, cli_spend, config, keys

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


cli_help.show_flags_untyped()
app = typer.Typer(help="benchfarm: benchmark rounds of LLMs on backend generation by function calling.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=_FarmCommands)
round_app = typer.Typer(help="Validate, submit, watch, resume and compare rounds.", no_args_is_help=True)
app.add_typer(round_app, name="round")
scoring_cli.register(app)
runtime_cli.register(app)
cli_spend.register(app, round_app)
cli_rounds.register(app, round_app)

console = Console()
err = Console(stderr=True)

StoreOption = Annotated[str | None, typer.Option("--store", metavar="STORE", help="artifact store: s3://bucket/prefix or a directory (default: $FARM_STORE or ./farm-store)")]
RoundArgument = Annotated[str, typer.Argument(metavar="ROUND", help="round id, e.g. 2026-12")]
RoundFileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="round file (YAML), e.g. rounds/example.yaml")]


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
def connect(store_url: str | None, *, run_workers: bool, books: dict[str, Path] | None = None) -> Iterator[Farm]:
    """`books`: project books for the embedded simulator (farm.sim.fixtures); a deployed farm's
    simulator has only its own, so they need the embedded farm."""
    from farm.embedded import EmbeddedFarm
    from farm.ledger import Ledger
    from farm.queueing import make_celery
    from farm.redis_server import RedisBusy
    from farm.store import LocalStore, open_store

    store = open_store(store_url or config.store_url(), config.s3_endpoint())
    redis_url = config.redis_url()
    if redis_url:
        if books:
            raise fail(f"generated projects ({', '.join(books)}) are played by the embedded farm's simulator; "
                       "unset FARM_REDIS_URL")
        yield Farm(Ledger.from_url(redis_url), store, make_celery(redis_url), config.simulator_url(), None)
        return
    if not isinstance(store, LocalStore):
        raise fail("the embedded default needs a local store directory; set FARM_REDIS_URL to use a deployed farm")
    embedded = EmbeddedFarm(store.root, workers=run_workers, simulator=run_workers, notify=_say, books=books)
    try:
        embedded.__enter__()
    except RedisBusy as exc:
        raise fail(str(exc)) from None
    try:
        if embedded.redis.shared and embedded.redis.info:
            _say(f"embedded farm: sharing the Redis of this store with another command ({embedded.redis.info.describe()})")
        yield Farm(Ledger.from_url(embedded.redis_url), store, make_celery(embedded.redis_url), embedded.simulator_url, embedded)
    finally:
        embedded.close()


def watch(farm: Farm, round_id: str, *, until_complete: bool, interval: float = 0.5) -> dict:
    """Refresh the status table live; returns the last snapshot."""
    from rich.live import Live

    from farm.status import render, snapshot

    snap = snapshot(farm.ledger, round_id)
    with Live(render(snap), console=console, refresh_per_second=4, transient=False) as live:
        while not (until_complete and snap["state"] == "complete"):
            if farm.embedded and farm.embedded.with_workers and not farm.embedded.worker_alive():
                raise fail(f"the embedded worker stopped; see {farm.embedded.worker_log}")
            time.sleep(interval)
            snap = snapshot(farm.ledger, round_id)
            live.update(render(snap))
    return snap


# ---------------------------------------------------------------- round


@round_app.command("validate")
def round_validate(file: RoundFileArgument) -> None:
    """Check a round file; print every problem with its path and value, or a summary."""
    from farm.roundfile import RoundFileError, load_round
    from farm.runplan import contestants, planned_runs

    try:
        loaded = load_round(file)
    except RoundFileError as exc:
        err.print(f"[bold red]{exc.source}[/]: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            err.print(f"  {problem}")
        raise typer.Exit(2) from None
    spec = loaded.spec
    runs = planned_runs(spec, [p.name for p in loaded.projects])
    repeats = sorted({spec.repeats_of(m.id) for m in spec.models})
    times = f"{repeats[0]} repeat(s)" if len(repeats) == 1 else "their repeats"
    console.print(f"[green]valid[/]: round [bold]{spec.round}[/] — {len(contestants(spec))} contestant(s) × "
                  f"{len(loaded.projects)} project(s) × {times} = {len(runs)} run(s) × {len(spec.phases)} phase(s) = "
                  f"{len(runs) * len(spec.phases)} job(s)")
    console.print(f"  models: {', '.join(m.id for m in spec.models)}")
    if spec.variants:
        console.print(f"  variants: {', '.join(spec.variants)} (each model runs under each)")
    if repeats != [1]:
        console.print(f"  repeats: {', '.join(map(str, repeats))} (repeat r is sent the model's seed + r − 1)")
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


def _submit_and_watch(farm: Farm, loaded: LoadedRound, watch_live: bool, store_option: str | None, *,
                      check: bool = True) -> None:
    from farm.scheduler import SubmitRefused, plan_jobs, previous_submission, submit

    embedded_simulator = farm.embedded is not None
    try:  # an unchanged file resumes its round: no probe call is spent on it
        resubmitted = previous_submission(loaded, farm.store, farm.simulator_url, embedded_simulator=embedded_simulator)
        if resubmitted is not None:
            console.print(f"round [bold]{loaded.spec.round}[/] was already submitted with this file: resuming it "
                          "(nothing done is redone)")
        endpoints = _preflight(farm, loaded) if check and resubmitted is None else None
        sub = submit(loaded, farm.store, farm.ledger, farm.celery, farm.simulator_url, endpoints,
                     embedded_simulator=embedded_simulator, progress=_say)
    except SubmitRefused as exc:
        raise fail(str(exc)) from None
    verb = "resumed" if sub.resumed else "submitted"
    console.print(f"{verb} round [bold]{sub.manifest.round}[/]: {len(plan_jobs(sub.manifest))} jobs, "
                  f"{sub.enqueued} enqueued; manifest at {farm.store.url.rstrip('/')}/{keys.manifest(sub.manifest.round)}")
    if farm.embedded or watch_live:
        if farm.embedded:
            console.print("[dim]embedded farm: watching until the round completes (Ctrl-C stops it; "
                          "`farm round resume` continues it)[/]")
        watch(farm, sub.manifest.round, until_complete=True)
        console.print(f"\nartifacts: {farm.store.url.rstrip('/')}/rounds/{sub.manifest.round}/")
        _check_outcome(farm, sub.manifest.round, store_option)


def _say(message: str) -> None:
    """What the farm is waiting for (stopping workers, jobs a worker may hold), on stderr."""
    err.print(message, style="dim", markup=False, highlight=False)


def _resume_command(round_id: str, store_option: str | None) -> str:
    return f"farm round resume {round_id}" + (f" --store {shlex.quote(store_option)}" if store_option else "")


@contextmanager
def _resumable(round_id: str, store_option: str | None) -> Iterator[None]:
    """Around a command that runs a round: on Ctrl-C or SIGTERM, once the embedded farm has stopped in
    order (farm.embedded: workers first, their jobs in flight back to the queue), say how to go on."""
    from farm.store import open_store

    try:
        yield
    except KeyboardInterrupt:
        if config.redis_url():
            message = (f"stopped watching: round {round_id} goes on on the farm's workers "
                       f"(farm round status {round_id} --watch follows it)")
        elif open_store(store_option or config.store_url(), config.s3_endpoint()).exists(keys.manifest(round_id)):
            message = (f"interrupted: round {round_id} is not complete; the embedded farm stopped, jobs in flight "
                       f"went back to the queue and nothing done is lost. Continue it with:\n  "
                       f"{_resume_command(round_id, store_option)}")
        else:
            message = f"interrupted before round {round_id} was submitted: nothing was written"
        err.print("\n" + message, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None


def _check_outcome(farm: Farm, round_id: str, store_option: str | None) -> None:
    """Fail when no job of the completed round could run (every one that ended, infra_failed: an
    endpoint down, a key missing); point at `resume` when some stopped short."""
    from rich.markup import escape

    from farm.outcomes import INCOMPLETE_STATES, JobState

    jobs = farm.ledger.jobs(round_id)
    ended = Counter(record.state for record in jobs.values())
    resume = _resume_command(round_id, store_option)
    if ended[JobState.INFRA_FAILED] and not ended[JobState.SUCCEEDED] + ended[JobState.MODEL_FAILED]:
        job, record = next((job, record) for job, record in jobs.items() if record.state is JobState.INFRA_FAILED)
        raise fail(escape(f"round {round_id}: no job could run, {ended[JobState.INFRA_FAILED]} ended infra_failed "
                          f"(first: {job}: {record.reason or 'no reason recorded'}); fix that, then: {resume}"))
    incomplete = sum(ended[state] for state in INCOMPLETE_STATES)
    if incomplete:
        err.print(f"round {round_id}: {incomplete} job(s) ended infra_failed, budget_stopped or cancelled; "
                  f"{resume} runs them again", style="yellow", markup=False, highlight=False)


@round_app.command("submit")
def round_submit(
    file: RoundFileArgument,
    watch_live: Annotated[bool, typer.Option("--watch", help="follow the round live until it completes")] = False,
    check: Annotated[bool, typer.Option("--preflight/--no-preflight", help="probe every endpoint and estimate cost first")] = True,
    store: StoreOption = None,
) -> None:
    """Validate, preflight, freeze the manifest, register the round and enqueue its first jobs."""
    loaded = _load(file)
    with _resumable(loaded.spec.round, store), connect(store, run_workers=True) as farm:
        _submit_and_watch(farm, loaded, watch_live, store, check=check)


@round_app.command("status")
def round_status(
    round_id: RoundArgument,
    watch_live: Annotated[bool, typer.Option("--watch", help="refresh live until the round completes")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    store: StoreOption = None,
) -> None:
    """Model × project × phase states, progress, time worked, usage, budgets and why jobs failed."""
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
            console.print(render(snapshot(farm.ledger, round_id), fit=False))  # all of it: the terminal scrolls


@round_app.command("resume")
def round_resume(
    round_id: RoundArgument,
    store: StoreOption = None,
    budget_add: Annotated[float | None, typer.Option("--budget-add", metavar="USD", help="raise the round budget by USD")] = None,
    round_budget: Annotated[float | None, typer.Option("--round-budget", metavar="USD", help="set the round budget to USD")] = None,
    model_budget: Annotated[list[str] | None, typer.Option("--model-budget", metavar="MODEL=USD", help="set a model's budget to USD (repeatable)")] = None,
) -> None:
    """Continue a round: re-queue what infra failures, budget stops, cancellation or a stopped farm left undone."""
    from farm.budget import BudgetError
    from farm.demo_project import generated_books
    from farm.manifest import Manifest
    from farm.outcomes import JobState
    from farm.scheduler import resume
    from farm.store import open_store

    target = open_store(store or config.store_url(), config.s3_endpoint())
    stored = target.get_json_or_none(keys.manifest(round_id))
    if stored is None:
        raise fail(f"no manifest for round {round_id!r} in {target.url}")
    manifest = Manifest.model_validate(stored)
    with _resumable(round_id, store), connect(store, run_workers=True, books=generated_books(manifest.projects)) as farm:
        try:
            changes = cli_spend.change_budgets(farm.ledger, manifest, add=budget_add,
                                               round_usd=round_budget, model_budgets=model_budget or [])
        except BudgetError as exc:
            raise fail(str(exc)) from None
        for change in changes:
            console.print(f"round [bold]{round_id}[/]: {change}")
        count = resume(round_id, farm.store, farm.ledger, farm.celery, progress=_say)
        moving = sum(r.state in (JobState.QUEUED, JobState.RUNNING) for r in farm.ledger.jobs(round_id).values())
        console.print(f"round [bold]{round_id}[/]: {count} job(s) re-queued; {moving} queued or running")
        if farm.ledger.round_info(round_id)["state"] == "complete":
            console.print(f"round [bold]{round_id}[/] is complete: nothing left to run")
        elif farm.embedded:
            watch(farm, round_id, until_complete=True)
        if farm.embedded:
            _check_outcome(farm, round_id, store)


@round_app.command("cancel")
def round_cancel(round_id: RoundArgument, store: StoreOption = None) -> None:
    """Cancel every job not yet running (running phases finish: their spend is real)."""
    from farm.scheduler import cancel

    with connect(store, run_workers=False) as farm:
        if not farm.ledger.round_exists(round_id):
            raise fail(f"no round {round_id!r} in the ledger (known: {', '.join(farm.ledger.rounds()) or 'none'})")
        console.print(f"round [bold]{round_id}[/]: {cancel(round_id, farm.ledger)} job(s) cancelled")


@round_app.command("diff")
def round_diff(
    a: Annotated[str, typer.Argument(metavar="A", help="the earlier round")],
    b: Annotated[str, typer.Argument(metavar="B", help="the later round")],
    store: StoreOption = None,
) -> None:
    """What differs between the manifests of two rounds (spec, prompts, packages, commit)."""
    from rich.markup import escape

    from farm.manifest import Manifest, diff
    from farm.store import open_store

    target = open_store(store or config.store_url(), config.s3_endpoint())
    manifests = []
    for round_id in (a, b):
        data = target.get_json_or_none(keys.manifest(round_id))
        if data is None:
            raise fail(f"no manifest for round {round_id!r} in {target.url}")
        manifests.append(_keyed(Manifest.model_validate(data).comparable()))
    changes = [(path.replace(".[", "["), left, right) for path, left, right in diff(*manifests) if path != "spec.round"]
    if not changes:
        console.print(f"rounds {a} and {b} ran under the same conditions")
    for path, left, right in changes:
        console.print(f"[bold]{escape(path)}[/]: {escape(_short(left, right))}")


def _keyed(value: object) -> object:
    """Lists of objects with an `id` (the models) as objects keyed `[id]`: a model added, removed or
    moved then shows as such, not as every later model changed."""
    if isinstance(value, dict):
        return {key: _keyed(item) for key, item in value.items()}
    if isinstance(value, list) and value and all(isinstance(item, dict) and "id" in item for item in value):
        return {f"[{item['id']}]": _keyed(item) for item in value}
    return value


def _short(left: object, right: object, limit: int = 80) -> str:
    """One change, told by what differs: the elements a list gained or lost, a long text around its first
    difference (two texts cut to the same length would read the same), else both values."""
    if left is None or right is None:
        return f"{'added' if left is None else 'removed'} {_text(right if left is None else left, limit)}"
    if isinstance(left, list) and isinstance(right, list):
        added = [_text(item, limit) for item in right if item not in left]
        removed = [_text(item, limit) for item in left if item not in right]
        if added or removed:
            return "; ".join(f"{verb} {', '.join(items)}" for verb, items in (("added", added), ("removed", removed)) if items)
    if isinstance(left, str) and isinstance(right, str) and max(len(left), len(right)) > limit:
        start = max(0, next((i for i, (x, y) in enumerate(zip(left, right)) if x != y), min(len(left), len(right))) - 20)
        return f"{_text(left[start:], limit, start > 0)} → {_text(right[start:], limit, start > 0)}"
    return f"{_text(left, limit)} → {_text(right, limit)}"


def _text(value: object, limit: int, cut_before: bool = False) -> str:
    text = value.replace("\n", "\\n") if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = ("…" if cut_before else "") + text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- processes


@app.command("demo")
def demo(
    store: StoreOption = None,
    project: Annotated[list[str] | None, typer.Option(metavar="NAME", help="todo (hand-written answers), or reddit, "
                       "shopping or erp at their real size (generated answers, written once to ~/.cache); repeat it "
                       "for several projects")] = None,
    size: Annotated[str | None, typer.Option(metavar="PRESET", help="the generated projects at this preset's size "
                                             "instead (small: a few tables, runs in seconds)")] = None,
    repeats: Annotated[int, typer.Option(min=1, metavar="N", help="run each model × project N times (at most 20), "
                                         "each with its own seed; a stochastic model (sim/dice) joins")] = 1,
    variants: Annotated[bool, typer.Option("--variants", help="also run every model under a second set of harness "
                                           "settings (fewer retries, procedure enforced)")] = False,
) -> None:
    """Run a small round on the embedded default: scripted models on the simulator, no key needed."""
    import yaml

    from farm.demo_project import DEMO_ROUND, demo_projects, round_data
    from farm.roundfile import RoundFileError, parse_round

    try:
        chosen = demo_projects(project or ["todo"], size)
        data = round_data(yaml.safe_load(DEMO_ROUND.read_text()), chosen, repeats, variants)
        data["round"] = "demo-" + datetime.now().strftime("%Y%m%d-%H%M%S")
        loaded = parse_round(data, str(DEMO_ROUND), DEMO_ROUND.parent)
    except RoundFileError as exc:
        raise fail("; ".join(exc.problems)) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    if config.redis_url():
        err.print("[yellow]FARM_REDIS_URL is set: the demo runs on that farm's workers[/]")
    books = {name: book for demo_project in chosen for name, book in demo_project.books.items()}
    with _resumable(loaded.spec.round, store), connect(store, run_workers=True, books=books) as farm:
        _submit_and_watch(farm, loaded, True, store)


@app.command("sim")
def sim(
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="port to listen on")] = 8399,
    scripts: Annotated[Path | None, typer.Option(metavar="DIR", help="folder of scripted models and answer books (default: the built-in ones)")] = None,
    n_ctx: Annotated[int, typer.Option("--n-ctx", metavar="TOKENS", help="context size the server dialects play")] = 8192,
) -> None:
    """Serve the simulator endpoint: OpenAI-compatible, scripted models, fault injection.

    It also plays real servers' dialects at /dialect/{llama.cpp,vllm,ollama}/v1."""
    from farm.sim import serve

    console.print(f"simulator on http://{host}:{port}/v1 (dialects: http://{host}:{port}/dialect/NAME/v1) — "
                  f"scripted models from {scripts or 'the built-in scripts'}")
    serve(host=host, port=port, scripts_dir=scripts, n_ctx=n_ctx)


@app.command("worker")
def worker(
    queues: Annotated[str, typer.Option(metavar="QUEUES", help="queues to take jobs from, comma-separated: generate, "
                                        "score, runtime (verify jobs: builds and live servers)")] = "generate,score,runtime",
    concurrency: Annotated[int, typer.Option(metavar="N", help="worker processes (prefork)")] = 2,
    loglevel: Annotated[str, typer.Option(metavar="LEVEL", help="celery log level: DEBUG, INFO, WARNING, ERROR")] = "INFO",
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
