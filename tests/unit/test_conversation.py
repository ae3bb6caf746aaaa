"""The messages an operation sends: bounded history, `""` never `null`, feedback role by dialect,
and answer room fitted to the endpoint's context (or a refusal naming the sizes)."""

from __future__ import annotations

import json

import pytest

from farm.outcomes import InfraFailed
from farm.spec import FeedbackRole
from workers.harness.conversation import Conversation, ToolCallMade, estimate_tokens

TOOLS = [{"type": "function", "function": {"name": "plan", "parameters": {"type": "object"}}}]


def _conversation(role: FeedbackRole = FeedbackRole.TOOL, context: int | None = None, max_tokens: int = 1024,
                  user: str = "Plan the todo app.") -> Conversation:
    return Conversation("You are an analyst.", user, TOOLS, role, max_tokens, context, where="phase analyze, operation plan")


def _call(n: int, size: int = 10) -> ToolCallMade:
    return ToolCallMade(f"call_{n}", "plan", json.dumps({"answer": n, "pad": "x" * size}))


def test_only_the_latest_answer_and_its_feedback_are_replayed() -> None:
    conversation = _conversation()
    for n in range(5):
        conversation.answered(None, _call(n), f"feedback {n}")
    messages, max_tokens = conversation.prepare()
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["tool_calls"][0]["function"]["arguments"] == _call(4).arguments
    assert messages[3] == {"role": "tool", "tool_call_id": "call_4", "content": "feedback 4"}
    assert max_tokens == 1024 and conversation.answers == 5


def test_replayed_content_is_an_empty_string_never_null() -> None:
    conversation = _conversation()
    conversation.answered(None, _call(0), "wrong")
    messages, _ = conversation.prepare()
    assert messages[2]["content"] == "" and "content" in messages[2]


def test_user_role_feedback_for_templates_that_drop_tool_turns() -> None:
    conversation = _conversation(FeedbackRole.USER)
    conversation.answered("", _call(0), "fix $.actors")
    messages, _ = conversation.prepare()
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[3]["content"] == "fix $.actors" and "tool_call_id" not in messages[3]


def test_prose_answers_are_replayed_as_text_with_user_feedback() -> None:
    conversation = _conversation(FeedbackRole.TOOL)
    conversation.answered("Sure, here is a plan", None, "call the tool")
    messages, _ = conversation.prepare()
    assert messages[2] == {"role": "assistant", "content": "Sure, here is a plan"}
    assert messages[3] == {"role": "user", "content": "call the tool"}


def test_an_answer_not_worth_replaying_leaves_only_its_feedback() -> None:
    conversation = _conversation(FeedbackRole.TOOL)
    conversation.answered(None, None, "your answer was cut at 256 tokens")
    messages, _ = conversation.prepare()
    assert [m["role"] for m in messages] == ["system", "user", "user"]
    assert messages[2]["content"] == "your answer was cut at 256 tokens"


def test_answer_room_shrinks_to_fit_the_context() -> None:
    conversation = _conversation(context=2048, max_tokens=4096)
    messages, max_tokens = conversation.prepare()
    used = conversation._tokens(messages)
    assert 512 <= max_tokens < 2048 - used and not conversation.compacted


def test_a_long_answer_is_left_out_when_it_would_not_fit_and_the_feedback_says_so() -> None:
    conversation = _conversation(context=2048, max_tokens=1024)
    conversation.answered("", _call(0, size=12_000), "fix $.actors[0].name")
    messages, max_tokens = conversation.prepare()
    assert conversation.compacted and [m["role"] for m in messages] == ["system", "user", "user"]
    assert "not repeated here" in messages[2]["content"] and "fix $.actors[0].name" in messages[2]["content"]
    assert max_tokens >= 512


def test_a_prompt_that_cannot_fit_is_refused_before_calling_naming_the_phase_and_sizes() -> None:
    conversation = _conversation(context=1024, user="requirement " * 1000)
    with pytest.raises(InfraFailed) as refused:
        conversation.prepare()
    text = str(refused.value)
    assert "phase analyze, operation plan" in text and "1024-token context" in text
    assert f"~{conversation._tokens(conversation.request)} tokens" in text


def test_token_estimate_errs_on_the_high_side_for_json() -> None:
    # 3 characters per token: a JSON answer of 3,000 characters is counted as ~1,000 tokens.
    assert estimate_tokens("x" * 3000) == 1001
    assert estimate_tokens({"a": 1}) == estimate_tokens('{"a": 1}')
