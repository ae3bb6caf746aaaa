"""Token and cost estimates for simulated calls, in the `usage` shape OpenRouter returns.

Roughly chars / 4, so that metering, budgets and cost reports see plausible, deterministic
numbers; a retry's conversation prefix counts as cached, as a prompt cache would serve it.
"""

from __future__ import annotations

import json
from typing import Any

from farm.sim.fixtures import Prices


def estimate_tokens(text: str) -> int:
    """About four characters per token, rounded up."""
    return (len(text) + 3) // 4


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


def estimate_prompt_tokens(messages: list[Any], tools: list[Any]) -> int:
    """The prompt's tokens: the tool schemas and the conversation as sent."""
    return estimate_tokens(_dump(tools) + _dump(messages))


def estimate_usage(messages: list[Any], tools: list[Any], output: str, attempt: int, prices: Prices) -> dict[str, Any]:
    """The `usage` object of a completion: tokens by kind and the cost in USD.

    On a retry (attempt > 0) everything before the last two messages (the model's previous answer
    and the feedback on it) is reported as cached.
    """
    prompt = estimate_prompt_tokens(messages, tools)
    cached = estimate_prompt_tokens(messages[:-2], tools) if attempt > 0 else 0
    completion = estimate_tokens(output)
    cost = ((prompt - cached) * prices.input + cached * prices.cached + completion * prices.output) / 1_000_000
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": 0},
        "cost": round(cost, 10),
    }
