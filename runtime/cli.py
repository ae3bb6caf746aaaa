"""`farm verify PATH [--project P] [--json]`: boot a backend on a fresh PostgreSQL and test it live.

Standalone, it starts a throwaway PostgreSQL of its own (Debian's `postgresql` binaries, stopped
and removed at the end), or uses the external one FARM_POSTGRES_URL names, as runtime workers do;
the npm install is shared across verifies under FARM_RUNTIME_NPM_CACHE.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from runtime.report import RuntimeReport

DEFAULT_NPM_CACHE = Path.home() / ".cache" / "benchfarm" / "runtime-npm"


def npm_cache_dir() -> Path:
    return Path(os.environ.get("FARM_RUNTIME_NPM_CACHE") or DEFAULT_NPM_CACHE)


def render(report: RuntimeReport, console: Console) -> None:
    """Each step with its time, then the scenarios by category, the e2e tests and the verdict."""
    steps = Table(title=f"verify ({report.isolation} isolation, {report.seconds:.1f}s)")
    for column in ("step", "result", "seconds"):
        steps.add_column(column)
    for step in report.steps:
        steps.add_row(step.step, "ok" if step.ok else f"failed ({step.fault}): {step.reason}", f"{step.seconds:.2f}")
    console.print(steps)
    golden = report.golden
    if golden.total or golden.skipped:
        table = Table(title=f"golden set: {golden.suite}")
        for column in ("category", "passed", "of"):
            table.add_column(column)
        for category, count in sorted(golden.by_category.items()):
            table.add_row(category, str(count.passed), str(count.total))
        table.add_row("all", str(golden.passed), str(golden.total))
        console.print(table)
        extra = [f"{golden.skipped} skipped (need seeded accounts)"] if golden.skipped else []
        extra += [f"{golden.schema_warnings} with responses off the project's openapi.json"] if golden.schema_warnings else []
        if extra:
            console.print("golden set: " + "; ".join(extra))
        for scenario in report.scenarios:
            if scenario.verdict not in ("passed", "skipped"):
                console.print(f"  {scenario.verdict} {scenario.id}: {scenario.message or ''}", markup=False)
    if report.e2e.total:
        console.print(f"e2e tests: {report.e2e.passed}/{report.e2e.total} passed"
                      + (f"; failed: {', '.join(report.e2e.failed)}" if report.e2e.failed else ""))
    console.print(f"boots: {'yes' if report.boots else 'no'}" + (f" — {report.reason}" if report.reason else ""),
                  markup=False)
    for step in report.steps:
        if not step.ok and step.log:
            console.print(f"--- {step.step} log (end) ---\n{step.log}", markup=False, highlight=False)


def verify_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="a project tree (package.json) or a run directory (tree/, database/ast.json)")],
    project: Annotated[str | None, typer.Option(
        "--project", metavar="SUITE",
        help="scenario suite: todo, reddit, shopping, erp or a suite file (default: from the tree's package name)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print runtime.json to stdout")] = False,
) -> None:
    """Build a backend, boot it on a fresh PostgreSQL, play the Golden Set and its e2e tests, contained.

    Exit 0 when it boots, 1 when it does not (the model's code), 2 when the farm could not verify it."""
    from farm.postgres_external import URL_ENV, ExternalPostgres
    from farm.postgres_server import PostgresServer
    from runtime.verify import Source, verify

    err = Console(stderr=True)
    try:
        source = Source.find(path, project)
    except (OSError, ValueError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if source.suite is None:
        err.print("[yellow]no scenario suite: give --project (the tree's package is not one of ours)[/]")
    err.print(f"verifying {source.tree} (suite: {source.suite or 'none'}) …", style="dim")
    url = os.environ.get(URL_ENV)  # an external PostgreSQL, as the runtime workers may use; else a private one
    try:
        with ExternalPostgres(url) if url else PostgresServer() as postgres:
            report = verify(source, postgres, npm_cache=npm_cache_dir())
    except RuntimeError as exc:  # PostgreSQL could not start or be reached: nothing of the backend was judged
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(report.model_dump_json(indent=1))
    else:
        render(report, Console())
    raise typer.Exit(0 if report.boots and not report.fault else 2 if report.infra_failed else 1)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
