"""Behaviours, the schema filler, usage estimates, and the fault queue and stats (no server)."""

from __future__ import annotations

import json
from typing import Any, Literal

import json_repair
import pytest
from pydantic import BaseModel, Field

from farm.sim.behaviours import ErrorReply, Prose, ToolCall, break_schema, fenced_with_trailing_comma, garbage, reply
from farm.sim.fixtures import Behaviour, Prices, load_fixtures
from farm.sim.schema_fill import SchemaFillError, fill
from farm.sim.state import Fault, FaultQueue, Stats
from farm.sim.usage import estimate_tokens, estimate_usage
from workers.phases.analyze.ast import AnalyzePlan

TODO_ANSWERS = load_fixtures().books["todo"]
PLAN_SCHEMA = AnalyzePlan.model_json_schema()


@pytest.mark.parametrize("key", sorted(TODO_ANSWERS))
def test_invalid_json_is_beyond_repair(key: str) -> None:
    text = garbage("analyze_plan", TODO_ANSWERS[key])
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert not isinstance(json_repair.loads(text), dict)


@pytest.mark.parametrize("key", sorted(TODO_ANSWERS))
def test_broken_json_is_invalid_but_repairs_to_the_answer(key: str) -> None:
    text = fenced_with_trailing_comma(TODO_ANSWERS[key])
    assert text.startswith("```json\n") and text.endswith(",\n}\n```")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert json_repair.loads(text) == TODO_ANSWERS[key]


def test_schema_invalid_drops_the_first_required_key() -> None:
    broken = break_schema(TODO_ANSWERS["analyze/plan"], PLAN_SCHEMA)
    assert "actors" not in broken and broken["documents"] == TODO_ANSWERS["analyze/plan"]["documents"]
    with pytest.raises(ValueError, match="actors"):
        AnalyzePlan.model_validate(broken)


def test_schema_invalid_without_required_keys_breaks_the_first_type() -> None:
    assert break_schema({"count": 3, "name": "a"}, {}) == {"count": "not-a-number", "name": "a"}
    assert break_schema({"name": "a"}, {}) == {"name": 12345}


def test_reply_per_behaviour() -> None:
    answer = TODO_ANSWERS["analyze/plan"]

    def play(kind: str, **extra: Any) -> Any:
        return reply(Behaviour(kind=kind, **extra), "analyze_plan", PLAN_SCHEMA, answer)

    assert play("answer") == ToolCall("analyze_plan", json.dumps(answer, ensure_ascii=False))
    assert play("slow", delay=0) == play("answer")
    assert isinstance(play("prose"), Prose)
    assert reply(Behaviour(kind="answer"), None, {}, {}) == play("prose")  # no tools: plain chat
    assert play("rate_limit", retry_after=2.5) == ErrorReply(
        429, "requests", "rate_limit_exceeded", "Rate limit reached; retry later.", 2.5
    )
    statuses = {k: play(k).status for k in ("server_error", "payment_required", "context_length")}
    assert statuses == {"server_error": 500, "payment_required": 402, "context_length": 400}
    assert play("context_length").code == "context_length_exceeded"


class _Priority(BaseModel):
    level: Literal["low", "high"]


class _Item(BaseModel):
    title: str = Field(min_length=3)
    count: int = Field(ge=2)
    ratio: float = Field(gt=0.5)
    done: bool
    tags: list[str] = Field(min_length=2)
    priority: _Priority
    note: str | None
    optional: str = "kept out"


class _Tree(BaseModel):
    name: str
    children: list[_Tree]
    parent: _Tree | None = None


class _Loop(BaseModel):
    again: _Loop


def test_filler_satisfies_nested_schemas() -> None:
    value = fill(_Item.model_json_schema())
    _Item.model_validate(value)
    assert set(value) == set(_Item.model_json_schema()["required"])
    assert value["title"] == "xxx" and value["count"] == 2 and len(value["tags"]) == 2
    _Tree.model_validate(fill(_Tree.model_json_schema()))


def test_filler_basics() -> None:
    assert fill({"const": 7}) == 7
    assert fill({"enum": ["b", "a"]}) == "b"
    assert fill({"type": ["null", "integer"], "minimum": 4}) == 4
    assert fill({"type": "string", "format": "uuid"}) == "00000000-0000-4000-8000-000000000000"
    assert fill({"anyOf": [{"type": "boolean"}, {"type": "null"}]}) is False


def test_filler_refuses_what_it_cannot_fill() -> None:
    with pytest.raises(SchemaFillError, match="deeper"):
        fill(_Loop.model_json_schema())
    with pytest.raises(SchemaFillError, match="does not resolve"):
        fill({"$ref": "#/$defs/Missing"})


def test_usage_estimates_tokens_cache_and_cost() -> None:
    prices = Prices(input=2.0, cached=0.5, output=8.0)
    messages = [
        {"role": "user", "content": "u" * 400},
        {"role": "assistant", "content": "a" * 40},
        {"role": "tool", "content": "t" * 40},
    ]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    first = estimate_usage(messages[:1], tools, "o" * 100, 0, prices)
    assert first["completion_tokens"] == 25 and first["prompt_tokens_details"]["cached_tokens"] == 0
    prompt_text = json.dumps(tools, separators=(",", ":")) + json.dumps(messages[:1], separators=(",", ":"))
    assert first["prompt_tokens"] == estimate_tokens(prompt_text)
    retry = estimate_usage(messages, tools, "o" * 100, 1, prices)
    cached = retry["prompt_tokens_details"]["cached_tokens"]
    assert cached == first["prompt_tokens"]  # everything before the last two messages
    assert retry["total_tokens"] == retry["prompt_tokens"] + 25
    expected = ((retry["prompt_tokens"] - cached) * 2.0 + cached * 0.5 + 25 * 8.0) / 1e6
    assert retry["cost"] == pytest.approx(expected)
    assert estimate_tokens("") == 0 and estimate_tokens("abcde") == 2


def test_faults_are_consumed_in_order_by_matching_requests() -> None:
    queue = FaultQueue()
    queue.push(Fault(kind="rate_limit", model="a", count=2, retry_after=3))
    queue.push(Fault(kind="prose", operation="analyze/write-*"))
    queue.push(Fault(kind="server_error"))
    assert queue.pending == 4
    assert queue.take("b", "analyze/plan").kind == "server_error"  # "a" and the glob do not match
    assert queue.take("b", "analyze/plan") is None
    assert queue.take("b", "analyze/write-x").kind == "prose"
    taken = [queue.take("a", "") for _ in range(3)]
    assert [t.kind if t else None for t in taken] == ["rate_limit", "rate_limit", None]
    assert taken[0].retry_after == 3 and queue.pending == 0


def test_stats_count_and_track_peak_concurrency() -> None:
    stats = Stats()
    stats.enter(), stats.enter(), stats.leave(), stats.enter()
    stats.record("m", "analyze/plan", 200, "answer")
    stats.record("m", "", 429, "rate_limit")
    stats.record("x", "", 404, None)
    snap = stats.snapshot()
    assert snap["peak_in_flight"] == 2 and snap["in_flight"] == 2 and snap["requests"] == 3
    assert snap["by_model"] == {"m": 2, "x": 1} and snap["by_operation"] == {"analyze/plan": 1, "-": 2}
    assert snap["by_status"] == {"200": 1, "429": 1, "404": 1}
    assert snap["by_behaviour"] == {"answer": 1, "rate_limit": 1}
    stats.leave()
    stats.clear()
    assert stats.snapshot()["requests"] == 0 and stats.peak_in_flight == stats.in_flight == 1
