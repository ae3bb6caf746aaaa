"""Classify what went wrong on the wire, and decide whether to retry, wait, or stop.

Rules (design.md, "Harness contract"): 429 honours Retry-After; 5xx and timeouts back off; a 500
that repeats the same error text (a serving stack's tool parser choking) is not blindly retried;
"context length exceeded" is the model's limit, not retried; 402 is a budget stop; auth and
unknown-model errors are configuration faults that retrying cannot fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import openai

from farm.redact import redact, secrets_of_request


class Fault(StrEnum):
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection_error"
    PAYMENT_REQUIRED = "payment_required"
    CONTEXT_EXCEEDED = "context_length_exceeded"
    AUTH = "auth_error"
    NOT_FOUND = "not_found"
    BAD_REQUEST = "bad_request"

    @property
    def retryable(self) -> bool:
        return self in (Fault.RATE_LIMITED, Fault.SERVER_ERROR, Fault.TIMEOUT, Fault.CONNECTION)


@dataclass(frozen=True)
class TransportFault:
    fault: Fault
    message: str
    status: int | None = None
    retry_after_s: float | None = None


# Error texts that name the request's shape (a pydantic or JSON-schema validation of the body, a
# message field, a tool schema the server cannot build a grammar from): our bug, not the model's.
_REQUEST_SHAPE = re.compile(
    r"validation error|input should be|field required|messages\.\d|\btool_choice\b|\btools?\[|"
    r"invalid (json )?schema|failed to parse grammar|unsupported pattern", re.IGNORECASE)

_CONTEXT_MARKERS = ("context_length_exceeded", "maximum context length", "context length", "too many tokens",
                    "exceed_context_size_error", "available context size")  # the last two: llama-server


def _retry_after(response: object) -> float | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    """The provider's error text, redacted of the key the request carried and of anything shaped
    like a key (some endpoints echo the key they were sent): from here it is recorded and logged."""
    body = getattr(exc, "body", None)
    text = str(exc)
    if isinstance(body, dict):
        err = body.get("error", body)
        message = err.get("message") if isinstance(err, dict) else None
        if message:
            text = str(message)
    return redact(text, secrets_of_request(exc))[:500]


def names_our_request(message: str) -> bool:
    """Does a server's error text blame the request we built rather than the model's answer?"""
    return bool(_REQUEST_SHAPE.search(message))


def classify(exc: BaseException) -> TransportFault | None:
    """A TransportFault for errors of the OpenAI client; None for anything else (a bug: re-raise)."""
    if isinstance(exc, openai.APITimeoutError):
        return TransportFault(Fault.TIMEOUT, "the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return TransportFault(Fault.CONNECTION, _short(exc))
    if not isinstance(exc, openai.APIStatusError):
        return None
    status, message = exc.status_code, _short(exc)
    lowered = (message + " " + str(getattr(exc, "code", "") or "")).lower()
    if status == 429:
        return TransportFault(Fault.RATE_LIMITED, message, status, _retry_after(exc.response))
    if status == 402:
        return TransportFault(Fault.PAYMENT_REQUIRED, message, status)
    if status in (401, 403):
        return TransportFault(Fault.AUTH, message, status)
    if status == 404:
        return TransportFault(Fault.NOT_FOUND, message, status)
    if any(marker in lowered for marker in _CONTEXT_MARKERS):
        return TransportFault(Fault.CONTEXT_EXCEEDED, message, status)
    if status >= 500:
        return TransportFault(Fault.SERVER_ERROR, message, status, _retry_after(exc.response))
    return TransportFault(Fault.BAD_REQUEST, message, status)
