"""What every axis returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.report import Issue, Metric


@dataclass(frozen=True)
class AxisResult:
    """Score 0..100, the metrics it was computed from, and the findings behind lost points."""

    id: str
    score: int
    metrics: dict[str, Metric]
    issues: list[Issue] = field(default_factory=list)


def tiered(value: float, tiers: tuple[tuple[float, int], ...]) -> int:
    """Points of the first (threshold, points) tier that `value` reaches; tiers run high to low."""
    return next((points for threshold, points in tiers if value >= threshold), 0)
