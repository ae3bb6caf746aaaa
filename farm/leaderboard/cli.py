"""`farm leaderboard ROUND` and `farm compare A B`, mounted on the farm CLI by `register`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from farm import config, keys
from farm.leaderboard.build import build_leaderboard
from farm.leaderboard.compare import compare
from farm.leaderboard.html import render_html
from farm.leaderboard.markdown import render_markdown
from farm.leaderboard.model import Leaderboard
from farm.leaderboard.reading import LeaderboardError
from farm.leaderboard.terminal import render_comparison, render_leaderboard
from farm.store import Store, StoreError, open_store


class Format(StrEnum):
    TABLE = "table"
    MD = "md"
    JSON = "json"
    HTML = "html"


RENDERERS: dict[Format, Callable[[Leaderboard], str]] = {
    Format.MD: render_markdown,
    Format.JSON: Leaderboard.to_json,
    Format.HTML: render_html,
}
StoreOption = Annotated[str | None, typer.Option(
    "--store", metavar="STORE", help="artifact store: s3://bucket/prefix or a directory (default: $FARM_STORE or ./farm-store)")]


def _open(url: str | None) -> Store:
    try:
        return open_store(url or config.store_url(), config.s3_endpoint())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--store") from None


def _error(message: str) -> typer.Exit:
    """Report on stderr, unwrapped (messages carry store paths); the caller raises the returned Exit."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _build(store: Store, round_id: str) -> Leaderboard:
    try:
        return build_leaderboard(store, round_id)
    except (LeaderboardError, StoreError) as exc:
        raise _error(str(exc)) from None


def publish(store: Store, board: Leaderboard, fmt: Format, output: Path | None) -> str:
    """Store the rendering, and write it to `output` when given; returns the text and says where it went (stderr)."""
    text = RENDERERS[fmt](board)
    key = keys.leaderboard(board.round, fmt.value)
    store.put_text(key, text)
    written = [f"{store.url.rstrip('/')}/{key}"]
    if output is not None:
        output.write_text(text, encoding="utf-8")
        written.append(str(output))
    for place in written:
        typer.echo(f"wrote {place}", err=True)
    return text


def register(app: typer.Typer) -> None:
    """Add `leaderboard` and `compare` to `app` (the farm CLI)."""

    @app.command("leaderboard")
    def leaderboard(
        round_id: Annotated[str, typer.Argument(metavar="ROUND", help="round id, e.g. 2026-12")],
        fmt: Annotated[Format, typer.Option(
            "--format",
            help="table (for the terminal), or md, json, html: printed to stdout (or --output), and stored")] = Format.TABLE,
        output: Annotated[Path | None, typer.Option(
            "--output", "--out", "-o", metavar="FILE",
            help="write the md / json / html rendering here, not to stdout")] = None,
        store: StoreOption = None,
    ) -> None:
        """Rank a round's models from its store; md/json/html also go to rounds/ROUND/leaderboard.FORMAT."""
        if fmt is Format.TABLE and output is not None:
            raise typer.BadParameter("--output needs --format md, json or html", param_hint="--output")
        target = _open(store)
        board = _build(target, round_id)
        if fmt is Format.TABLE:
            Console().print(render_leaderboard(board))
            return
        try:
            text = publish(target, board, fmt, output)
        except (StoreError, OSError) as exc:
            raise _error(f"round {round_id}: writing the {fmt.value} leaderboard failed: {exc}") from None
        if output is None:
            typer.echo(text, nl=False)

    @app.command("compare")
    def compare_rounds(
        round_a: Annotated[str, typer.Argument(metavar="A", help="the earlier round")],
        round_b: Annotated[str, typer.Argument(metavar="B", help="the later round")],
        store: StoreOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    ) -> None:
        """What moved per model and axis between two rounds (models in both; new and dropped ones listed)."""
        target = _open(store)
        comparison = compare(_build(target, round_a), _build(target, round_b))
        if as_json:
            typer.echo(comparison.to_json(), nl=False)
        else:
            Console().print(render_comparison(comparison))
