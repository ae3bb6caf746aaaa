"""Transport classification of real openai exceptions, and cost accounting."""

from __future__ import annotations

import httpx
import openai
import pytest

from farm.spec import Prices
from workers.harness.transport import Fault, classify
from workers.harness.usage import price, usage_of


def _status_error(status: int, message: str, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    body = {"error": {"message": message, "type": "x", "code": status}}
    response = httpx.Response(status, json=body, headers=headers or {}, request=request)
    client = openai.OpenAI(api_key="k", base_url="http://127.0.0.1/v1")
    return client._make_status_error_from_response(response)


@pytest.mark.parametrize(
    ("status", "message", "fault", "retryable"),
    [
        (429, "slow down", Fault.RATE_LIMITED, True),
        (500, "boom", Fault.SERVER_ERROR, True),
        (503, "overloaded", Fault.SERVER_ERROR, True),
        (402, "insufficient credits", Fault.PAYMENT_REQUIRED, False),
        (400, "This model's maximum context length is 8192 tokens", Fault.CONTEXT_EXCEEDED, False),
        (401, "bad key", Fault.AUTH, False),
        (404, "no such model", Fault.NOT_FOUND, False),
        (400, "tools are not supported", Fault.BAD_REQUEST, False),
    ],
)
def test_status_errors(status: int, message: str, fault: Fault, retryable: bool) -> None:
    result = classify(_status_error(status, message))
    assert result is not None and result.fault is fault and result.fault.retryable is retryable
    assert message in result.message


def test_retry_after_is_read() -> None:
    result = classify(_status_error(429, "wait", {"Retry-After": "7"}))
    assert result is not None and result.retry_after_s == 7.0


def test_timeouts_and_connection_errors_are_retryable() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/v1")
    assert classify(openai.APITimeoutError(request)).fault is Fault.TIMEOUT
    assert classify(openai.APIConnectionError(request=request)).fault is Fault.CONNECTION
    assert classify(ValueError("a bug")) is None


def test_prices_charge_cached_input_separately() -> None:
    prices = Prices(input=1.0, cached=0.1, output=4.0)
    assert price(prices, 1_000_000, 400_000, 500_000) == pytest.approx(0.6 + 0.04 + 2.0)
    assert price(Prices(input=1.0, output=1.0), 1000, 1000, 0) == pytest.approx(0.001)


def test_billed_cost_wins_over_prices() -> None:
    from openai.types.chat import ChatCompletion

    data = {
        "id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [], "provider": "Fireworks",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100, "cost": 0.0123,
                  "prompt_tokens_details": {"cached_tokens": 200}, "completion_tokens_details": {"reasoning_tokens": 40}},
    }  # fmt: skip
    usage = usage_of(ChatCompletion.model_validate(data), Prices(input=1, output=1))
    assert (usage.cost_usd, usage.cost_source) == (0.0123, "billed")
    assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens, usage.reasoning_tokens) == (1000, 200, 100, 40)
    assert usage.counters()["tokens_input"] == 800 and usage.counters()["tokens_output"] == 60
    del data["usage"]["cost"]
    priced = usage_of(ChatCompletion.model_validate(data), Prices(input=1, cached=0.5, output=2))
    assert priced.cost_source == "prices"
    assert priced.cost_usd == pytest.approx((800 * 1 + 200 * 0.5 + 100 * 2) / 1e6)
