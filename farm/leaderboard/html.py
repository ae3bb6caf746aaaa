"""The leaderboard as one self-contained HTML page: inline CSS and SVG, no script, no external resource."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from farm.leaderboard import fmt, notes
from farm.leaderboard.model import Estimate, Leaderboard
from farm.leaderboard.scatter import scatter_of

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


@dataclass(frozen=True)
class IntervalBar:
    """An estimate on the 0..100 scale as CSS percentages: the interval's left edge and width (None
    without an interval) and the mean's position."""

    mean: str
    low: str | None
    width: str | None


def _interval_bar(estimate: Estimate | None) -> IntervalBar | None:
    if estimate is None:
        return None
    if estimate.ci95 is None:
        return IntervalBar(mean=_bar_width(estimate.mean), low=None, width=None)
    low, high = (float(_bar_width(bound)) for bound in estimate.ci95)
    return IntervalBar(mean=_bar_width(estimate.mean), low=f"{low:.1f}", width=f"{high - low:.1f}")


def render_html(board: Leaderboard) -> str:
    runs = [(entry.contestant, run) for entry in board.models for run in entry.runs]
    incomplete = [(contestant, run) for contestant, run in runs if run.incomplete is not None]
    runtime_reasons = [(contestant, run) for contestant, run in runs if run.runtime is not None and run.runtime.reason]
    return _ENV.get_template("leaderboard.html").render(
        board=board, fmt=fmt, notes=notes.how_to_read(board), pct=_bar_width, interval_bar=_interval_bar, scatter=scatter_of(board.models),
        incomplete=incomplete, runtime_reasons=runtime_reasons)
