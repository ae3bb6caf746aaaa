"""Probe an endpoint before spending on it: does it really return a forced tool call, and what does
it say about itself (its `/v1/models` entry, the provider that served, latency, usage and cost)?

The request is the harness's own (same tool schema mode, routing pins and headers), so a server
that passes the probe accepts what a round will send.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import openai
from pydantic import BaseModel, Field, ValidationError

from farm.outcomes import InfraFailed
from farm.ratelimit import public_url
from farm.spec import ModelSpec
from workers.harness.endpoint import make_client, request_options
from workers.harness.parse import InvalidJson, parse_arguments
from workers.harness.transport import classify
from workers.harness.usage import served_provider, usage_of
from workers.phases.base import Operation

PROBE_MAX_TOKENS = 1024  # room for a reasoning model's thinking before the call, at a bounded cost


class ProbeAnswer(BaseModel):
    status: Literal["ok"] = Field(description='always "ok"')
    echo: int = Field(description="the number 7")


PROBE_OPERATION = Operation(
    op_id="probe",
    tool_name="report_status",
    description="Report that you can call tools.",
    ast=ProbeAnswer,
    system="You are a connectivity check. Answer only by calling the tool.",
    user='Call report_status with status "ok" and echo 7.',
)


class ProbeReport(BaseModel):
    model: str
    endpoint: str  # without credentials
    served_name: str
    ok: bool = False  # a tool call of the forced tool, with valid arguments
    tool_call: bool = False
    arguments_valid: bool = False
    latency_ms: float | None = None
    provider: str | None = None
    usage_present: bool = False
    cost_present: bool = False  # the endpoint reports what it billed (usage.cost)
    cost_usd: float = 0.0
    listed: dict[str, Any] | None = None  # the endpoint's /v1/models entry for the model
    models_error: str | None = None
    error: str | None = None


def _listed(client: openai.OpenAI, name: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        for entry in client.models.list():
            if entry.id == name:
                return entry.model_dump(), None
    except Exception as exc:  # noqa: BLE001 - a server without /models is still worth probing
        fault = classify(exc)
        return None, f"{fault.fault.value}: {fault.message}" if fault else f"{type(exc).__name__}: {exc}"
    return None, f"{name!r} is not in the endpoint's model list"


def probe(model: ModelSpec, simulator_url: str | None = None) -> ProbeReport:
    try:
        url = public_url(model.endpoint.url(simulator_url))
        client = make_client(model, simulator_url)
    except (InfraFailed, ValueError) as exc:
        return ProbeReport(model=model.id, endpoint=model.endpoint.kind.value, served_name=model.request_name, error=str(exc))
    report = ProbeReport(model=model.id, endpoint=url, served_name=model.request_name)
    report.listed, report.models_error = _listed(client, model.request_name)
    options = request_options(model, PROBE_OPERATION, "probe")
    options["max_tokens"] = min(options["max_tokens"], PROBE_MAX_TOKENS)
    messages = [
        {"role": "system", "content": PROBE_OPERATION.system},
        {"role": "user", "content": PROBE_OPERATION.user},
    ]
    started = time.perf_counter()
    try:
        response = client.chat.completions.create(messages=messages, **options)
    except Exception as exc:
        fault = classify(exc)
        if fault is None:
            raise
        report.error = f"{fault.fault.value}: {fault.message}"
        return report
    report.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    report.provider = served_provider(response)
    usage = usage_of(response, model.prices)
    report.usage_present = getattr(response, "usage", None) is not None
    report.cost_present = usage.cost_source == "billed"
    report.cost_usd = usage.cost_usd
    calls = (response.choices[0].message.tool_calls or []) if response.choices else []
    report.tool_call = bool(calls) and calls[0].function.name == PROBE_OPERATION.tool_name
    if report.tool_call:
        try:
            ProbeAnswer.model_validate(parse_arguments(calls[0].function.arguments).value)
            report.arguments_valid = True
        except (InvalidJson, ValidationError) as exc:
            report.error = f"the tool call's arguments are not valid: {str(exc)[:300]}"
    else:
        report.error = "no call of the forced tool in the answer"
    report.ok = report.tool_call and report.arguments_valid
    return report
