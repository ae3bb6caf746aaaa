"""A phase's calls: its attempt records as `calls.jsonl` and as per-operation stats."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import orjson

from workers.harness.operation import SETTLED, SUCCESS


def calls_jsonl(attempts: list[dict[str, Any]]) -> str:
    return "".join(orjson.dumps(a, option=orjson.OPT_SORT_KEYS).decode() + "\n" for a in attempts)


def _answered(outcome: str) -> bool:
    """An answer whose checks ended: not a transport failure, nor a settled call whose worker
    stopped before checking it (its spend counts, its outcome is unknown)."""
    return not outcome.startswith("transport:") and outcome != SETTLED


def summarize(attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-operation counts and the phase's FCSR, first attempt and after retries.

    An operation's first attempt is its first *answered* call: a 429 before it says nothing of the
    model. Operations that never got an answer (infra) are left out of both rates.
    """
    by_op: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        by_op[attempt["op_id"]].append(attempt)
    operations: dict[str, Any] = {}
    totals: Counter[str] = Counter()
    for op_id, records in sorted(by_op.items()):
        outcomes = Counter(r["outcome"] for r in records)
        answered = [r for r in records if _answered(r["outcome"])]
        usage: Counter[str] = Counter()
        for r in records:
            for name in ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens", "cost_usd"):
                usage[name] += r["usage"][name]
        operations[op_id] = {
            "attempts": len(records),
            "outcomes": dict(sorted(outcomes.items())),
            "first_attempt_success": bool(answered) and answered[0]["outcome"] == SUCCESS,
            "succeeded": outcomes[SUCCESS] > 0,
            "usage": dict(sorted(usage.items())),
        }
        totals.update(usage)
        totals.update({f"outcome:{k}": v for k, v in outcomes.items()})
    answered_ops = [op for op, recs in by_op.items() if any(_answered(r["outcome"]) for r in recs)]
    n = len(answered_ops)
    return {
        "operations": operations,
        "totals": {k: round(v, 10) if isinstance(v, float) else v for k, v in sorted(totals.items())},
        "attempts": len(attempts),
        "fcsr_first_attempt": (sum(operations[o]["first_attempt_success"] for o in answered_ops) / n) if n else None,
        "fcsr_after_retries": (sum(operations[o]["succeeded"] for o in answered_ops) / n) if n else None,
    }
