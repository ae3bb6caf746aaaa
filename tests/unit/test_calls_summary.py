"""FCSR both ways, from attempt records."""

from __future__ import annotations

from workers.calls import calls_jsonl, summarize

USAGE = {"input_tokens": 10, "cached_tokens": 0, "output_tokens": 5, "reasoning_tokens": 0, "cost_usd": 0.5}


def _attempt(op: str, outcome: str, t: float) -> dict:
    return {"op_id": op, "outcome": outcome, "started_at": t, "attempt_id": f"{op}{t}", "usage": USAGE}


def test_fcsr_first_attempt_and_after_retries() -> None:
    attempts = [
        _attempt("plan", "transport:rate_limited", 1),  # says nothing about the model
        _attempt("plan", "success", 2),
        _attempt("write-a", "validation_failure", 3),
        _attempt("write-a", "success", 4),
        _attempt("write-b", "no_call", 5),
        _attempt("write-b", "no_call", 6),
        _attempt("write-c", "transport:timeout", 7),  # never answered: left out of both rates
    ]
    summary = summarize(attempts)
    assert summary["fcsr_first_attempt"] == 1 / 3
    assert summary["fcsr_after_retries"] == 2 / 3
    assert summary["operations"]["plan"]["first_attempt_success"] is True
    assert summary["operations"]["write-a"]["outcomes"] == {"success": 1, "validation_failure": 1}
    assert summary["totals"]["cost_usd"] == 3.5 and summary["attempts"] == 7
    assert calls_jsonl(attempts).count("\n") == 7


def test_no_answers_means_no_rate() -> None:
    assert summarize([])["fcsr_first_attempt"] is None
