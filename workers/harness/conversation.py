"""The messages of one operation: the request, the latest answer and its feedback — never every
failed attempt — fitted into the endpoint's context.

Replaying every failed answer grows the prompt with each retry until the server refuses it
(shared/real-servers.md: 2.2k → 8.8k tokens in one operation); the model only needs its latest
answer and what was wrong with it. Replayed assistant turns carry `""`, never `null` content
(llama-cpp-python answers 500 to `null` and to a missing key). Feedback goes back as the tool call's
result or as a user turn, by dialect, because some chat templates render `tool` turns empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from farm.outcomes import InfraFailed
from farm.spec import FeedbackRole

CHARS_PER_TOKEN = 3.0  # JSON-heavy text runs 3–4 characters per token: 3 overestimates, the safe side
MESSAGE_OVERHEAD_TOKENS = 8  # role markers of a chat template
SAFETY_TOKENS = 64
MIN_ANSWER_TOKENS = 512  # below this an answer of any phase is cut: refuse rather than pay for it


def estimate_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return int(len(text) / CHARS_PER_TOKEN) + 1


@dataclass(frozen=True)
class ToolCallMade:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class _Exchange:
    content: str
    call: ToolCallMade | None
    feedback: str


class Conversation:
    """Builds each attempt's messages and the answer room (`max_tokens`) that fits beside them."""

    def __init__(self, system: str, user: str, tools: list[dict[str, Any]], role: FeedbackRole,
                 max_tokens: int, context_tokens: int | None, where: str) -> None:
        self.request = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        self.role = role
        self.configured_max_tokens = max_tokens
        self.context_tokens = context_tokens
        self.where = where
        self.tools_tokens = estimate_tokens(tools)
        self.last: _Exchange | None = None
        self.answers = 0
        self.compacted = False  # the latest answer was left out to fit the context

    def answered(self, content: str | None, call: ToolCallMade | None, feedback: str) -> None:
        """The model's latest answer and what it is told about it; replaces the previous exchange."""
        self.last = _Exchange(content or "", call, feedback)
        self.answers += 1

    def prepare(self) -> tuple[list[dict[str, Any]], int]:
        """The messages to send and the `max_tokens` that fits beside them in the context."""
        candidates = [self._full(), self._compact()] if self.last else [list(self.request)]
        for index, messages in enumerate(candidates):
            room = self._room(messages)
            if room is None:
                self.compacted = False
                return messages, self.configured_max_tokens
            if room >= min(self.configured_max_tokens, MIN_ANSWER_TOKENS):
                self.compacted = index > 0
                return messages, min(self.configured_max_tokens, room)
        minimal = self._tokens(self.request)
        raise InfraFailed(
            f"{self.where}: the prompt (~{minimal} tokens with its tool schema of ~{self.tools_tokens}) leaves "
            f"no room for an answer of {min(self.configured_max_tokens, MIN_ANSWER_TOKENS)} tokens in the "
            f"endpoint's {self.context_tokens}-token context: serve the model with a larger context "
            "(and set endpoint.context_tokens), or lower sampling.max_tokens"
        )

    def _tokens(self, messages: list[dict[str, Any]]) -> int:
        return self.tools_tokens + sum(estimate_tokens(m.get("content") or "") + estimate_tokens(m.get("tool_calls") or "")
                                       + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def _room(self, messages: list[dict[str, Any]]) -> int | None:
        if self.context_tokens is None:
            return None
        return self.context_tokens - self._tokens(messages) - SAFETY_TOKENS

    def _full(self) -> list[dict[str, Any]]:
        assert self.last is not None
        last = self.last
        if last.call is None:
            answer = [{"role": "assistant", "content": last.content}] if last.content else []
            return [*self.request, *answer, {"role": "user", "content": last.feedback}]
        call = {"id": last.call.id, "type": "function",
                "function": {"name": last.call.name, "arguments": last.call.arguments}}
        answer = {"role": "assistant", "content": last.content, "tool_calls": [call]}
        if self.role is FeedbackRole.TOOL:
            return [*self.request, answer, {"role": "tool", "tool_call_id": last.call.id, "content": last.feedback}]
        return [*self.request, answer, {"role": "user", "content": last.feedback}]

    def _compact(self) -> list[dict[str, Any]]:
        """Without the answer itself: it is what overflowed, and the feedback quotes what was wrong."""
        assert self.last is not None
        note = ("Your previous answer was not accepted. It is not repeated here, to fit the context; "
                "what was wrong with it follows.\n")
        return [*self.request, {"role": "user", "content": note + self.last.feedback}]
