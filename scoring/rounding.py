"""Half-up rounding, as JavaScript's Math.round: the published rubric figures were computed that way."""

from __future__ import annotations

import math


def round_half_up(value: float) -> int:
    """floor(value + 0.5); Python's round() would send 2.5 to 2 and disagree with the published figures."""
    return math.floor(value + 0.5)


def ratio(part: float, whole: float) -> float:
    """part / whole, 0 when there is no whole (an empty set contributes nothing, never a division error)."""
    return part / whole if whole else 0.0
