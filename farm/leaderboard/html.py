"""The leaderboard as one self-contained HTML page: inline CSS, CSS bars, no script, no external resource."""

from __future__ import annotations

from pathlib import Path

import jinja2

from farm.leaderboard import fmt
from farm.leaderboard.model import Leaderboard

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),  # leaderboard.html ships as package data
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a misspelt field fails the render instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
)


def _bar_width(value: float | None, scale: float = 1.0) -> str:
    """A CSS width percentage for a 0..100 score (scale 100 for a 0..1 rate)."""
    return "0" if value is None else f"{max(0.0, min(100.0, value * scale)):.1f}"


def render_html(board: Leaderboard) -> str:
    runs = [(entry.model, run) for entry in board.models for run in entry.runs]
    incomplete = [(model, run) for model, run in runs if run.incomplete is not None]
    runtime_reasons = [(model, run) for model, run in runs if run.runtime is not None and run.runtime.reason]
    return _ENV.get_template("leaderboard.html").render(board=board, fmt=fmt, pct=_bar_width, incomplete=incomplete,
                                                        runtime_reasons=runtime_reasons)
