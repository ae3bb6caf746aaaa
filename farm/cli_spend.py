"""CLI commands about spend and endpoints: `round estimate`, `probe`, `flower`, and budget changes.

Mounted on the farm CLI by `register`; `farm round resume` applies budget changes through
`change_budgets` before it re-queues budget-stopped jobs.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from farm import config
from farm.flower import AUTH_ENV, LOOPBACK, FlowerConfigError, check_basic_auth, flower_command, flower_env

# Each command imports the farm modules it needs (pydantic models, Redis, the phases): mounting these
# commands on the farm CLI must not slow down the CLI's other commands, `farm score` above all.
if TYPE_CHECKING:
    from farm.conformance import Conformance
    from farm.estimate import Estimate
    from farm.ledger import Ledger
    from farm.manifest import Manifest
    from farm.probe import ProbeReport
    from farm.spec import ModelSpec

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


# ---------------------------------------------------------------- budget changes


def parse_model_budget(value: str, manifest: Manifest) -> tuple[str, float]:
    """`MODEL=USD` → (model id, USD); the model must be one of the round's."""
    from farm.budget import BudgetError

    model, sep, amount = value.rpartition("=")
    if not sep or not model:
        raise BudgetError(f"--model-budget must be MODEL=USD, got {value!r}")
    if model not in {m.id for m in manifest.spec.models}:
        known = ", ".join(m.id for m in manifest.spec.models)
        raise BudgetError(f"--model-budget {value!r}: {model!r} is not a model of round {manifest.round} ({known})")
    try:
        return model, float(amount)
    except ValueError:
        raise BudgetError(f"--model-budget {value!r}: {amount!r} is not a number of USD") from None


def change_budgets(
    ledger: Ledger, manifest: Manifest, *, add: float | None, round_usd: float | None, model_budgets: list[str]
) -> list[str]:
    """Apply the changes to the live limits, record each in the round's info; returns what changed.

    Every value is checked before any limit changes, so a typo changes nothing (only a limit below
    what is already spent, known when it is set, can stop the changes after it).
    """
    from farm.budget import ROUND_SCOPE, BudgetBook, BudgetError, check_amount, model_scope

    models = [parse_model_budget(value, manifest) for value in model_budgets]
    if add is not None and round_usd is not None:
        raise BudgetError("give --budget-add or --round-budget, not both")
    changes = [(ROUND_SCOPE, check_amount(add, "--budget-add"), True)] if add is not None else []
    changes += [(ROUND_SCOPE, check_amount(round_usd, "--round-budget"), False)] if round_usd is not None else []
    changes += [(model_scope(model), check_amount(usd, f"--model-budget {model}"), False) for model, usd in models]
    if changes and not ledger.round_exists(manifest.round):
        raise BudgetError(f"round {manifest.round!r} is not in the ledger: resume it once without budget options first")
    book = BudgetBook(ledger.r)
    book.ensure(manifest.round, manifest.spec)
    done = []
    for scope, usd, relative in changes:
        old, new = book.set_limit(manifest.round, scope, usd, add=relative)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        ledger.append_info(manifest.round, "budget_changes", {"at": at, "scope": scope, "from": old, "to": new})
        done.append(f"{scope} budget: {'none' if old is None else f'${old:.4f}'} → ${new:.4f}")
    return done


# ---------------------------------------------------------------- estimate


def _render_estimate(result: Estimate) -> None:
    table = Table(title="projected per model × project (all its variants and repeats)", title_justify="left")
    numbers = ("runs", "input", "cached", "output", "cost USD")
    for column in ("model", "project", *numbers, "basis"):
        table.add_column(column, justify="right" if column in numbers else "left")
    for row in result.rows:
        t = row.tokens
        table.add_row(row.model, row.project, str(row.runs), f"{t.input:,.0f}", f"{t.cached:,.0f}",
                      f"{t.output:,.0f}", f"{row.cost_usd:.4f}", row.basis)
    console.print(table)
    for verdict in result.verdicts:
        what = "round" if verdict.scope == "round" else f"model {verdict.scope}"
        if verdict.limit_usd is None:
            console.print(f"{what}: ${verdict.projected_usd:.4f} projected, no budget")
            continue
        status = "[green]fits[/]" if verdict.fits else "[bold red]does not fit[/]"
        console.print(f"{what}: ${verdict.projected_usd:.4f} projected of ${verdict.limit_usd:.4f} budget — {status}")


def round_estimate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="round file (YAML) to estimate")],
    store: Annotated[str | None, typer.Option(
        "--store", metavar="STORE",
        help="store with past rounds: s3://bucket/prefix or a directory (default: $FARM_STORE)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Project tokens and cost per model × project, from past rounds or priors; exit 1 if a budget does not fit."""
    from farm.estimate import estimate, load_history
    from farm.roundfile import RoundFileError, load_round
    from farm.store import open_store

    try:
        loaded = load_round(file)
    except RoundFileError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from None
    history = load_history(open_store(store or config.store_url(), config.s3_endpoint()))
    result = estimate(loaded, history)
    if as_json:
        print(json.dumps({"rows": [asdict(r) for r in result.rows],
                          "verdicts": [asdict(v) | {"fits": v.fits} for v in result.verdicts],
                          "from_history": result.from_history}, indent=2))
    else:
        basis = "past rounds in the store" if result.from_history else "built-in priors (no past round on such endpoints)"
        console.print(f"[dim]basis: {basis}; simulator rounds only project simulator models, real rounds real ones[/]")
        _render_estimate(result)
    if not result.fits:
        raise typer.Exit(1)


# ---------------------------------------------------------------- probe


def _models_to_probe(target: str, base_url: str | None, api_key_env: str | None) -> list[ModelSpec]:
    from farm.roundfile import RoundFileError, load_round
    from farm.spec import Endpoint, EndpointKind, ModelSpec, Prices

    path = Path(target)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        try:
            return load_round(path).spec.models
        except RoundFileError as exc:
            err.print(str(exc))
            raise typer.Exit(2) from None
    kind = EndpointKind.OPENAI_COMPATIBLE if base_url else EndpointKind.OPENROUTER
    try:
        endpoint = Endpoint(kind=kind, base_url=base_url, api_key_env=api_key_env)
        return [ModelSpec(id=target, endpoint=endpoint, prices=Prices(input=0, output=0))]
    except ValueError as exc:
        raise _fail(f"cannot probe {target!r}: {exc}") from None


def _render_probe(report: ProbeReport) -> None:
    mark = "[green]ok[/]" if report.ok else "[bold red]FAILED[/]"
    console.print(f"{mark} [bold]{report.model}[/] at {report.endpoint} (as {report.served_name})")
    if report.error:
        console.print(f"  error: {report.error}")
    latency = f"{report.latency_ms:.0f} ms" if report.latency_ms is not None else "-"
    console.print(f"  tool call: {report.tool_call}, arguments valid: {report.arguments_valid}, latency: {latency}, "
                  f"provider: {report.provider or '-'}")
    console.print(f"  usage reported: {report.usage_present}, cost reported: {report.cost_present} (${report.cost_usd:.6f})")
    listed = ", ".join(f"{k}={v}" for k, v in sorted((report.listed or {}).items()) if k in ("context_length", "owned_by", "pricing"))
    console.print(f"  /models: {listed or ('listed' if report.listed else report.models_error)}")
    if report.conformance is not None:
        _render_conformance(report.conformance)


def _render_conformance(conformance: Conformance) -> None:
    """Per phase tool: did the server take the schema the round will send; then what it honours."""
    from farm.conformance import Verdict

    server = conformance.server
    console.print(f"  server: dialect {server.dialect.value} ({server.found_by}), context "
                  f"{server.context_tokens or 'unknown'} tokens, slots {server.slots or 'unknown'}, "
                  f"feedback as {server.feedback_role.value} turns")
    table = Table("phase", "tool", "schema chars", "verdict", "detail", box=None, padding=(0, 1))
    colour = {Verdict.ACCEPTED: "green", Verdict.NOT_TRIED: "dim"}
    for tool in conformance.tools:
        style = colour.get(tool.verdict, "bold red")
        table.add_row(tool.phase, tool.tool, str(tool.schema_chars), f"[{style}]{tool.verdict.value}[/]", tool.detail[:80])
    console.print(table)
    honoured = ", ".join(f"{name}: {'yes' if ok else 'no' if ok is False else '?'}" for name, ok in conformance.honours.items())
    console.print(f"  honours: {honoured}")


def probe_command(
    target: Annotated[str, typer.Argument(
        metavar="TARGET", help="a round file, or a model id (OpenRouter unless --base-url)")],
    base_url: Annotated[str | None, typer.Option(metavar="URL", help="OpenAI-compatible base URL of a local server")] = None,
    api_key_env: Annotated[str | None, typer.Option(
        metavar="VAR", help="environment variable holding the endpoint's key (default: none for --base-url)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="only the forced-call check, not every phase's schema")] = False,
) -> None:
    """Check each endpoint makes a forced tool call and takes every phase's tool schema; exit 1 on a failure.

    The requests are a round's own; the report says what the endpoint tells of itself and what it honours."""
    from farm.probe import probe  # the openai client is slow to import; only this command needs it
    from workers.phases.base import PHASES

    reports = [probe(model, config.simulator_url(), None if quick else PHASES)
               for model in _models_to_probe(target, base_url, api_key_env)]
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in reports], indent=2))
    else:
        for report in reports:
            _render_probe(report)
    if not all(r.ok for r in reports):
        raise typer.Exit(1)


# ---------------------------------------------------------------- flower


def flower(
    port: Annotated[int, typer.Option(metavar="PORT", help="port to listen on")] = 5555,
    address: Annotated[str, typer.Option(
        metavar="ADDRESS",
        help="address to bind; 0.0.0.0 to reach Flower from other hosts (a container's port)")] = LOOPBACK,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="run without basic auth (trusted networks only)")] = False,
) -> None:
    """Start Flower on the farm's broker, with basic auth from $FARM_FLOWER_BASIC_AUTH (user:password)."""
    broker = config.redis_url()
    if not broker:
        raise _fail("FARM_REDIS_URL is not set: Flower watches the farm's broker")
    try:
        auth = None if no_auth else check_basic_auth(os.environ.get(AUTH_ENV))
    except FlowerConfigError as exc:
        raise _fail(str(exc)) from None
    if no_auth:
        err.print("[yellow]Flower runs without authentication: anyone who reaches the port can see and revoke tasks[/]")
    os.execve(sys.executable, flower_command(port, address), flower_env(os.environ, broker, auth))


def register(app: typer.Typer, round_app: typer.Typer) -> None:
    round_app.command("estimate")(round_estimate)
    app.command("probe")(probe_command)
    app.command("flower")(flower)
