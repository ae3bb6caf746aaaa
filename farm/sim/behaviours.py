"""What each behaviour sends back: a tool call (good or damaged), prose, or an HTTP error.

Pure functions of the behaviour, the forced tool and the answer, so every failure mode the
harness must classify (invalid JSON, repairable JSON, schema violation, no call, transport) is
reproducible byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from farm.sim.fixtures import Behaviour

PROSE_TEXT = (
    "Sure! Here is an outline of what I would do: first I would identify the actors, then I would "
    "list the documents and write each of them carefully. Let me know if you want me to continue."
)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # the JSON text exactly as a model would send it (maybe broken)


@dataclass(frozen=True)
class Prose:
    text: str


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error in OpenAI's shape; `retry_after` becomes the Retry-After header.

    `extra` adds fields beside message/type/code, as some servers send (llama-server's token
    counts, `param`); `code` is a string for OpenAI-style servers, the HTTP status for others.
    """

    status: int
    type: str
    code: str | int | None
    message: str
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Reply = ToolCall | Prose | ErrorReply

_ERRORS: dict[str, tuple[int, str, str, str]] = {
    "server_error": (500, "server_error", "server_error", "The server had an error while processing your request."),
    # A gateway in front of a server that crashed, restarts or hangs (nginx's, a cloud balancer's words).
    "bad_gateway": (502, "server_error", "bad_gateway", "Bad Gateway: the upstream server closed the connection."),
    "unavailable": (503, "server_error", "service_unavailable", "Service Unavailable: the model is loading."),
    "gateway_timeout": (504, "server_error", "gateway_timeout", "Gateway Timeout: the upstream server did not answer."),
    "payment_required": (
        402,
        "insufficient_quota",
        "payment_required",
        "Insufficient credits: add more to your account to keep using this model.",
    ),
    "context_length": (
        400,
        "invalid_request_error",
        "context_length_exceeded",
        "This model's maximum context length was exceeded; reduce the length of the messages.",
    ),
}


# Errors that quote the request's own key back, as some providers do ("Incorrect API key provided:
# sk-…"): what the farm must never record, log or print.
_KEY_ERRORS: dict[str, tuple[int, str, str, str]] = {
    "invalid_key": (
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys.",
    ),
    "server_error_echoing_key": (
        500,
        "server_error",
        "server_error",
        "The upstream refused the request made with key {key}; retry later.",
    ),
}


def garbage(tool_name: str, answer: dict[str, Any]) -> str:
    """An irreparable tool call: the model's chat template leaking into a cut-off pseudo-call.

    It holds no brace or bracket, so a JSON-repair library recovers no object from it (a cut-off
    `{"actors": [` would be repaired into an object and be a schema error, not invalid JSON).
    """
    key = next(iter(answer), "arguments")
    return f"<|tool_call_start|>{tool_name}\n{key}:: name= <|im_end|><|endoftext|>\ufffd\ufffd"


def fenced_with_trailing_comma(answer: dict[str, Any]) -> str:
    """The answer in a ```json fence with a trailing comma: broken, but repairable to the answer."""
    text = json.dumps(answer, indent=2, ensure_ascii=False)
    if answer:
        text = text[: -len("\n}")] + ",\n}"
    return f"```json\n{text}\n```"


def break_schema(answer: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The answer without its first required top-level key, or with its first key's type wrong."""
    broken = dict(answer)
    required = [key for key in parameters.get("required", []) if key in broken]
    if required:
        del broken[required[0]]
    elif broken:
        first = next(iter(broken))
        broken[first] = "not-a-number" if isinstance(broken[first], int | float) else 12345
    else:
        broken["unexpected"] = 12345
    return broken


def reply(
    behaviour: Behaviour, tool_name: str | None, parameters: dict[str, Any], answer: dict[str, Any], api_key: str = ""
) -> Reply:
    """The reply for one attempt; `answer` is the correct arguments, `tool_name` None if no tools,
    `api_key` the key the request carried (the key-echoing errors quote it)."""
    kind = behaviour.kind
    if kind in _KEY_ERRORS:
        status, kind_type, code, text = _KEY_ERRORS[kind]
        return ErrorReply(status, kind_type, code, text.format(key=api_key or "(none)"))
    if kind == "rate_limit":
        message = "Rate limit reached; retry later."
        return ErrorReply(429, "requests", "rate_limit_exceeded", message, behaviour.retry_after)
    if kind in _ERRORS:
        return ErrorReply(*_ERRORS[kind])
    if kind == "prose" or tool_name is None:
        return Prose(PROSE_TEXT)
    if kind == "invalid_json":
        return ToolCall(tool_name, garbage(tool_name, answer))
    if kind == "broken_json":
        return ToolCall(tool_name, fenced_with_trailing_comma(answer))
    if kind == "schema_invalid":
        return ToolCall(tool_name, json.dumps(break_schema(answer, parameters), ensure_ascii=False))
    return ToolCall(tool_name, json.dumps(answer, ensure_ascii=False))  # answer, slow (after its delay)
