"""`score PATH [--profile ID] [--json]`: the scorer as a CLI command the farm CLI mounts.

`--weights ID` is a deprecated alias of `--profile ID`, kept for commands written down for past rounds:
every weight-set id it accepted is the id of the profile with the same weights and AutoBe's rules,
which those sets were meant to reproduce.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scoring import profiles
from scoring.report import Metric, ScoreReport
from scoring.scorer import score_tree

MAX_LISTED_ISSUES = 20


def _metric(value: Metric) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(value) or "-"
    return str(value)


def _metrics_text(metrics: dict[str, Metric]) -> str:
    return "\n".join(f"{key}: {_metric(value)}" for key, value in sorted(metrics.items()))


def render(report: ScoreReport, console: Console) -> None:
    """Readable breakdown: gate, each axis with its metrics, penalties, total and grade."""
    gate = report.gate
    state = "FAILED at " + str(gate.failed_at) if not gate.passed else ("passed (soft)" if gate.soft else "passed")
    console.print(f"[bold]Gate[/bold] {state}  score {gate.score}")
    console.print(_metrics_text({**gate.metrics, "counts": gate.counts}))
    axes = Table(title=f"Axes (profile {report.profile})")
    for column in ("axis", "score", "weight", "metrics"):
        axes.add_column(column)
    for axis in report.axes:
        axes.add_row(axis.id, str(axis.score), f"{axis.weight:g}", _metrics_text(axis.metrics))
    for absent in report.absent_axes:
        axes.add_row(absent, "-", "-", "absent (left out, weights renormalised)")
    console.print(axes)
    if report.penalties is not None:
        table = Table(title=f"Penalties (cap {report.penalties.cap})")
        for column in ("penalty", "points", "inputs"):
            table.add_column(column)
        for part in report.penalties.parts:
            table.add_row(part.id, f"{part.points:g}", _metrics_text(part.inputs))
        console.print(table)
    for effect in report.profile_effects:
        moved = "".join(f"{axis} {points:+d}, " for axis, points in effect.points.items())
        console.print(f"rule {effect.rule}={effect.setting} (not {effect.alternative} as in "
                      f"{', '.join(effect.profiles)}): {moved}total {effect.total:+d}", markup=False)
    penalty = report.penalties.total if report.penalties else 0
    console.print(f"raw {report.raw:.2f} x multiplier {report.multiplier:.4f} - penalties {penalty:g}")
    console.print(f"[bold]Total {report.total}  grade {report.grade}[/bold]  (scorer {report.scorer_version})")
    ranked = sorted(report.issues, key=lambda i: (["critical", "warning", "suggestion", "info"].index(i.severity), i.sort_key()))
    for issue in ranked[:MAX_LISTED_ISSUES]:
        console.print(f"  {issue.severity:<10} {issue.code:<8} {issue.file}:{issue.line}  {issue.message}", markup=False)
    if len(ranked) > MAX_LISTED_ISSUES:
        console.print(f"  … {len(ranked) - MAX_LISTED_ISSUES} more issues (see --json)")


def _chosen_profile(profile: str | None, weights: str | None) -> str:
    if weights is not None:
        if profile is not None:
            raise typer.BadParameter("give --profile only (--weights is its deprecated alias)", param_hint="--weights")
        typer.echo(f"warning: --weights is deprecated; scoring with --profile {weights}", err=True)
    chosen = profile or weights or profiles.DEFAULT
    if chosen not in profiles.available():
        raise typer.BadParameter(f"unknown profile {chosen!r}; available: {', '.join(profiles.available())}",
                                 param_hint="--weights" if weights is not None else "--profile")
    return chosen


def score_command(path: Path, profile: str | None = None, as_json: bool = False, weights: str | None = None) -> None:
    """Score PATH and print the JSON report or a readable breakdown."""
    if not path.is_dir():
        raise typer.BadParameter(f"{path} is not a directory", param_hint="PATH")
    report = score_tree(path, _chosen_profile(profile, weights))
    if as_json:
        typer.echo(report.to_json(), nl=False)
    else:
        render(report, Console())


def register(app: typer.Typer) -> None:
    """Add the `score` command to `app` (the farm CLI mounts it as `farm score`)."""

    @app.command("score")
    def score(
        path: Annotated[Path, typer.Argument(metavar="PATH", help="Root of a generated project tree (AutoBe / NestJS layout).")],
        profile: Annotated[str | None, typer.Option(
            "--profile", metavar="PROFILE", help=f"Scoring profile id (default {profiles.DEFAULT}; see scoring/PROFILES.md).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the canonical JSON report.")] = False,
        weights: Annotated[str | None, typer.Option("--weights", metavar="PROFILE", hidden=True, help="Deprecated: --profile.")] = None,
    ) -> None:
        """Score a project tree with the static rubric."""
        score_command(path, profile, as_json, weights)
