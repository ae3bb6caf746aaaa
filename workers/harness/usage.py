"""Tokens by kind and cost of one call. OpenRouter's billed `usage.cost` wins over our prices."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from farm.spec import Prices


# How a round's cost is metered; recorded in its manifest, so a change of policy shows in `round diff`.
COST_POLICY = {
    "cost": "billed usage.cost when the endpoint reports it, else tokens × prices",
    "cached_input": "priced at prices.cached (prices.input when unset)",
    "admission": "worst case = prices × (prompt estimate + max_tokens), reserved before each call",
}


class Usage(BaseModel):
    input_tokens: int = 0  # prompt tokens, cached ones included
    cached_tokens: int = 0
    output_tokens: int = 0  # completion tokens, reasoning ones included
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    cost_source: str = "none"  # "billed" (usage.cost), "prices", or "none" (no usage reported)

    def counters(self) -> dict[str, float]:
        """Ledger/metrics counters, by kind."""
        return {
            "tokens_input": self.input_tokens - self.cached_tokens,
            "tokens_cached": self.cached_tokens,
            "tokens_output": self.output_tokens - self.reasoning_tokens,
            "tokens_reasoning": self.reasoning_tokens,
            "cost_usd": self.cost_usd,
        }


def price(prices: Prices, input_tokens: int, cached_tokens: int, output_tokens: int) -> float:
    uncached = max(0, input_tokens - cached_tokens)
    return (uncached * prices.input + cached_tokens * prices.cached_or_input + output_tokens * prices.output) / 1e6


def _extra(obj: Any, name: str) -> Any:
    value = getattr(obj, name, None)
    if value is None and getattr(obj, "model_extra", None):
        value = obj.model_extra.get(name)
    return value


def usage_of(response: Any, prices: Prices) -> Usage:
    usage = getattr(response, "usage", None)
    if usage is None:
        return Usage()
    prompt = int(usage.prompt_tokens or 0)
    completion = int(usage.completion_tokens or 0)
    cached = int(getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", 0) or 0)
    reasoning = int(getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", 0) or 0)
    billed = _extra(usage, "cost")
    if isinstance(billed, (int, float)):
        cost, source = float(billed), "billed"
    else:
        cost, source = price(prices, prompt, cached, completion), "prices"
    return Usage(
        input_tokens=prompt,
        cached_tokens=cached,
        output_tokens=completion,
        reasoning_tokens=reasoning,
        cost_usd=cost,
        cost_source=source,
    )


def served_provider(response: Any) -> str | None:
    provider = _extra(response, "provider")
    return str(provider) if provider else None
