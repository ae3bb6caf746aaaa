"""The HTML page's score-vs-cost view as SVG geometry: axes with round ticks, each ranked contestant at
its cost per run and total (its interval as an error bar), labels placed clear of each other, and the
Pareto front as a line. The template draws it; no script runs on the page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from farm.leaderboard import fmt
from farm.leaderboard.model import Estimate, ModelEntry

# The scatter's canvas (SVG user units; the page scales it to its width) and the plot area's margins:
# room for the y ticks on the left, the x ticks and axis titles below, labels on the right.
WIDTH, HEIGHT = 900, 380
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 48
# A label's size in the scatter (12 px monospace) and its distance from its point; a marker's half size.
CHAR_WIDTH, LABEL_ASCENT, LABEL_DESCENT, LABEL_GAP, MARKER = 7.3, 11, 3, 9, 6
# Where a label may go, tried in order: above right, below right, above left, below left of its point.
LABEL_SPOTS = ((LABEL_GAP, -LABEL_GAP + 2, "start"), (LABEL_GAP, LABEL_GAP + LABEL_ASCENT, "start"),
               (-LABEL_GAP, -LABEL_GAP + 2, "end"), (-LABEL_GAP, LABEL_GAP + LABEL_ASCENT, "end"))


@dataclass(frozen=True)
class Tick:
    at: float  # SVG coordinate along its axis
    label: str


@dataclass(frozen=True)
class Point:
    """A contestant in the scatter, in SVG coordinates: its mean at (x, y), its interval from low to high,
    its label's anchor point and side."""

    contestant: str
    x: float
    y: float
    low: float
    high: float
    pareto: bool
    title: str
    label_x: float
    label_y: float
    anchor: str  # "start": the label runs right of label_x; "end": left of it


Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Scatter:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    points: list[Point]
    front: str  # the Pareto front's points by cost, as an SVG polyline's `points`; empty for fewer than two


def _nice_step(span: float, count: int) -> float:
    """A 1, 2 or 5 × 10^k step that cuts `span` into about `count` parts."""
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= raw)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at or below `low` to at or above `high` (a span of 0 is widened)."""
    step = _nice_step(high - low or max(abs(high), 1.0), count)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 10) for i in range(first, max(last, first + 1) + 1)]


@dataclass(frozen=True)
class _Frame:
    """The plot's tick values and the linear maps from cost and score to SVG coordinates."""

    x_values: list[float]
    y_values: list[float]

    def x(self, cost: float) -> float:
        return round(_map(cost, self.x_values, LEFT, WIDTH - RIGHT), 1)

    def y(self, score: float) -> float:
        return round(_map(score, self.y_values, HEIGHT - BOTTOM, TOP), 1)


def _map(value: float, ticks: list[float], start: float, end: float) -> float:
    """`value` on the ticks' range mapped linearly onto [start, end]."""
    return start + (value - ticks[0]) * (end - start) / (ticks[-1] - ticks[0])


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_spot(x: float, y: float, text: str, taken: list[Box]) -> tuple[float, float, str, Box]:
    """The first spot around (x, y) where the label stays on the canvas and clear of the markers and
    labels already placed; the first spot on the canvas when none is clear."""
    width = len(text) * CHAR_WIDTH
    spots = []
    for dx, dy, anchor in LABEL_SPOTS:
        left = x + dx if anchor == "start" else x + dx - width
        spots.append((x + dx, y + dy, anchor, (left, y + dy - LABEL_ASCENT, left + width, y + dy + LABEL_DESCENT)))
    on_canvas = [spot for spot in spots if spot[3][0] >= 0 and spot[3][1] >= 0 and spot[3][2] <= WIDTH
                 and spot[3][3] <= HEIGHT]
    clear = [spot for spot in on_canvas if not any(_overlaps(spot[3], other) for other in taken)]
    return (clear or on_canvas or spots)[0]


def _points(placed: list[tuple[ModelEntry, Estimate, float]], frame: _Frame) -> list[Point]:
    """Each contestant at its cost and mean, its interval, and its label where it collides with no
    marker and no earlier label."""
    centres = [(frame.x(cost), frame.y(total.mean)) for _, total, cost in placed]
    taken: list[Box] = [(x - MARKER, y - MARKER, x + MARKER, y + MARKER) for x, y in centres]
    points = []
    for (entry, total, cost), (x, y) in zip(placed, centres, strict=True):
        low, high = total.ci95 or (total.mean, total.mean)
        label_x, label_y, anchor, box = _label_spot(x, y, entry.contestant, taken)
        taken.append(box)
        points.append(Point(
            contestant=entry.contestant, x=x, y=y, low=frame.y(low), high=frame.y(high), pareto=entry.pareto,
            title=f"{entry.contestant}: {fmt.estimate(total)} at {fmt.usd(cost)} per run",
            label_x=round(label_x, 1), label_y=round(label_y, 1), anchor=anchor))
    return points


def scatter_of(entries: list[ModelEntry]) -> Scatter | None:
    """Score (total mean, with its interval) against cost per run of the ranked contestants; None when
    none is ranked."""
    placed = [(entry, total, cost) for entry in entries
              if entry.rank is not None and (total := entry.total) is not None and (cost := entry.cost_per_run) is not None]
    if not placed:
        return None
    bounds = [bound for _, total, _ in placed for bound in (total.ci95 or (total.mean, total.mean))]
    frame = _Frame(x_values=_ticks(0.0, max(cost for _, _, cost in placed)),
                   y_values=_ticks(max(0.0, min(bounds)), min(100.0, max(bounds))))
    points = _points(placed, frame)
    front = sorted((point for point in points if point.pareto), key=lambda point: (point.x, -point.y))
    return Scatter(
        width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=HEIGHT - BOTTOM,
        x_ticks=[Tick(frame.x(value), fmt.usd(value)) for value in frame.x_values],
        y_ticks=[Tick(frame.y(value), f"{value:g}") for value in frame.y_values],
        points=points, front=" ".join(f"{point.x},{point.y}" for point in front) if len(front) > 1 else "")
