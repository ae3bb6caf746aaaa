"""Golden Set axis: HTTP scenarios replayed against a live server (optional; results come from outside)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from scoring.axes.base import AxisResult
from scoring.rounding import round_half_up

Category = Literal["auth", "crud", "query", "negative", "workflow"]
CATEGORY_WEIGHTS: dict[str, float] = {"auth": 0.25, "crud": 0.35, "query": 0.15, "negative": 0.15, "workflow": 0.10}


class GoldenScenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    category: Category
    passed: bool
    schema_warning: bool = False


class GoldenSetResult(BaseModel):
    """Outcome of one project's reference scenarios; the scorer itself never talks to a server."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenarios: list[GoldenScenario]


def golden_axis(result: GoldenSetResult) -> AxisResult:
    """round(0.85 * category score + 0.15 * round(consistency)), category weights renormalised over those present."""
    if not result.scenarios:
        return AxisResult("golden", 0, {"scenarios": 0})
    by_category: dict[str, list[bool]] = {}
    for scenario in result.scenarios:
        by_category.setdefault(scenario.category, []).append(scenario.passed)
    present = sorted(by_category)
    weight_sum = sum(CATEGORY_WEIGHTS[c] for c in present)
    pass_rates = {c: 100 * sum(by_category[c]) / len(by_category[c]) for c in present}
    category_score = sum(CATEGORY_WEIGHTS[c] * pass_rates[c] for c in present) / weight_sum
    warned = sum(1 for s in result.scenarios if s.schema_warning)
    consistency = round_half_up(100 * (1 - warned / len(result.scenarios)))  # AutoBe rounds it before weighting
    score = round_half_up(0.85 * category_score + 0.15 * consistency)
    metrics = {"scenarios": len(result.scenarios), "categoryScore": category_score, "consistency": consistency,
               "passRates": {c: round_half_up(pass_rates[c]) for c in present}}
    return AxisResult("golden", score, metrics)
