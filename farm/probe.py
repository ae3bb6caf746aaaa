"""Probe an endpoint before spending on it: does it really return a forced tool call, what does it
say about itself (its `/v1/models` entry, the provider that served, latency, usage and cost), and
does it take every phase's real tool schema as the round will send it (a conformance check)?

Requests are the harness's own (same dialect, wire schemas, routing pins and headers), so a server
that passes the probe accepts what a round will send. The result is recorded in the manifest, and
preflight refuses a round whose endpoint cannot take one of its phases' schemas.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Sequence
from typing import Any, Literal

import openai
from pydantic import BaseModel, Field, ValidationError

from farm.conformance import Conformance, ToolConformance, Verdict
from farm.outcomes import InfraFailed
from farm.ratelimit import public_url
from farm.redact import redact, redact_value
from farm.spec import EndpointKind, ModelSpec, ToolSchemaMode
from workers.harness.dialect import ServerProfile, resolve
from workers.harness.endpoint import make_client, request_options
from workers.harness.parse import InvalidJson, parse_arguments
from workers.harness.transport import Fault, TransportFault, classify, names_our_request
from workers.harness.usage import served_provider, usage_of
from workers.phases.base import PHASES, Operation
from workers.phases.registry import PhaseTool, phase_tools

PROBE_MAX_TOKENS = 1024  # room for a reasoning model's thinking before the call, at a bounded cost
LOCAL_SCHEMA_MAX_TOKENS = 16  # enough for `{"first_key": `: whether the grammar held shows in the first tokens
# A 429 or a passing 5xx is retried this many times, with backoff (or the server's Retry-After, up to
# PROBE_MAX_WAIT_S), before it counts: one transient refusal must not fail a whole round's preflight.
PROBE_RETRIES = 3
PROBE_BACKOFF_S = 1.0
PROBE_MAX_WAIT_S = 30.0
_sleep = time.sleep


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


class ProbeWrapper(BaseModel):
    """Wraps the answer in a referenced definition: does the server take `$ref`?"""

    answer: ProbeAnswer


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
    conformance: Conformance | None = None


def _listed(client: openai.OpenAI, name: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        for entry in client.models.list():
            if entry.id == name:
                return entry.model_dump(), None
    except Exception as exc:  # noqa: BLE001 - a server without /models is still worth probing
        fault = classify(exc)
        return None, f"{fault.fault.value}: {fault.message}" if fault else redact(f"{type(exc).__name__}: {exc}")
    return None, f"{name!r} is not in the endpoint's model list"


def _passing(fault: TransportFault, previous: TransportFault | None) -> bool:
    """A refusal worth asking again: rate limits and gateways, and a 500 whose text neither blames
    our request nor repeats the one before (the harness's rule: a repeated 500 is deterministic)."""
    if fault.fault is Fault.RATE_LIMITED or fault.status in (502, 503, 504):
        return True
    return (fault.fault is Fault.SERVER_ERROR and not names_our_request(fault.message)
            and (previous is None or previous.message != fault.message))


def _create(client: openai.OpenAI, started: list[float] | None = None, **request: Any) -> Any:
    """`chat.completions.create`, with a transient refusal (429, 5xx) retried a few times; each
    attempt's start is appended to `started` (the latency is the last attempt's)."""
    previous: TransportFault | None = None
    for attempt in range(PROBE_RETRIES + 1):
        if started is not None:
            started.append(time.perf_counter())
        try:
            return client.chat.completions.create(**request)
        except Exception as exc:
            fault = classify(exc)
            if fault is None or attempt == PROBE_RETRIES or not _passing(fault, previous):
                raise
            previous = fault
            wait = fault.retry_after_s if fault.retry_after_s is not None else PROBE_BACKOFF_S * 2**attempt
            _sleep(min(wait, PROBE_MAX_WAIT_S) * random.uniform(1.0, 1.25))  # noqa: S311 - jitter
    raise AssertionError("unreachable")


def _messages(operation: Operation[Any]) -> list[dict[str, Any]]:
    return [{"role": "system", "content": operation.system}, {"role": "user", "content": operation.user}]


def probe(model: ModelSpec, simulator_url: str | None = None, phases: Sequence[str] | None = PHASES) -> ProbeReport:
    """The basic forced-call check, then (for `phases`, None for none) the conformance check.

    Everything the endpoint said is redacted of its key (and of anything shaped like a key): the
    report is printed, and preflight's findings go into the manifest."""
    report = _probe(model, simulator_url, phases)
    key = [os.environ.get(model.endpoint.key_env or "")]
    report.error = redact(report.error, key) if report.error else report.error
    report.models_error = redact(report.models_error, key) if report.models_error else report.models_error
    report.provider = redact(report.provider, key) if report.provider else report.provider
    report.listed = redact_value(report.listed, key) if report.listed else report.listed
    if report.conformance is not None:
        for tool in report.conformance.tools:
            tool.detail = redact(tool.detail, key)
    return report


def _probe(model: ModelSpec, simulator_url: str | None, phases: Sequence[str] | None) -> ProbeReport:
    try:
        url = public_url(model.endpoint.url(simulator_url))
        client = make_client(model, simulator_url)
    except (InfraFailed, ValueError) as exc:
        return ProbeReport(model=model.id, endpoint=model.endpoint.kind.value, served_name=model.request_name, error=str(exc))
    report = ProbeReport(model=model.id, endpoint=url, served_name=model.request_name)
    report.listed, report.models_error = _listed(client, model.request_name)
    profile = resolve(model, None, str(client.base_url), client.api_key)
    options = request_options(model, PROBE_OPERATION, "probe", profile)
    options["max_tokens"] = min(options["max_tokens"], PROBE_MAX_TOKENS)
    started: list[float] = []
    try:
        response = _create(client, started, messages=_messages(PROBE_OPERATION), **options)
    except Exception as exc:
        fault = classify(exc)
        if fault is None:
            raise
        report.error = f"{fault.fault.value}: {fault.message}"
        return report
    report.latency_ms = round((time.perf_counter() - started[-1]) * 1000, 1)
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
    if phases:
        report.conformance = _Conformer(client, model, profile).check(phases, named=report.tool_call)
        report.ok = report.ok and not report.conformance.failures(phases)
    return report


class _Conformer:
    """Sends each phase's real wire schema once, then checks what the server honours."""

    def __init__(self, client: openai.OpenAI, model: ModelSpec, profile: ServerProfile) -> None:
        self.client, self.model, self.profile = client, model, profile
        local = model.endpoint.kind is not EndpointKind.OPENROUTER and model.prices.output == 0
        self.max_tokens = min(model.sampling.max_tokens, LOCAL_SCHEMA_MAX_TOKENS if local else PROBE_MAX_TOKENS)
        self.dead = False

    def check(self, phases: Sequence[str], named: bool) -> Conformance:
        tools = [self._tool(tool) for phase in phases for tool in phase_tools(phase)]
        honours: dict[str, bool | None] = {"named tool_choice": named}
        if not self.dead:
            honours.update({
                "required tool_choice": self._honours_choice("required"),
                "auto tool_choice": self._honours_choice("auto"),
                "null content in replay": self._takes_null_content(),
                "$ref in schemas": self._takes_refs(),
            })
        return Conformance(server=self.profile, tools=tools, honours=honours)

    def _send(self, operation: Operation[Any], mode: ToolSchemaMode | None = None,
              messages: list[dict[str, Any]] | None = None, **overrides: Any) -> Any:
        model = self.model if mode is None else self.model.model_copy(
            update={"endpoint": self.model.endpoint.model_copy(update={"tool_schema": mode})})
        options = {**request_options(model, operation, "probe", self.profile), "max_tokens": self.max_tokens, **overrides}
        return _create(self.client, messages=messages or _messages(operation), **options)

    def _tool(self, tool: PhaseTool) -> ToolConformance:
        operation = Operation(op_id="probe", tool_name=tool.name, description=tool.description, ast=tool.ast,
                              system="You are a conformance check. Answer only by calling the tool.",
                              user=f"Call {tool.name} with a small example.")
        schema = request_options(self.model, operation, "probe", self.profile)["tools"][0]["function"]["parameters"]
        size = len(json.dumps(schema))
        if self.dead:
            return ToolConformance(phase=tool.phase, tool=tool.name, verdict=Verdict.NOT_TRIED, schema_chars=size)
        try:
            response = self._send(operation)
        except Exception as exc:
            verdict, detail = self._refused(exc)
            return ToolConformance(phase=tool.phase, tool=tool.name, verdict=verdict, schema_chars=size, detail=detail)
        calls = (response.choices[0].message.tool_calls or []) if response.choices else []
        arguments = calls[0].function.arguments if calls and calls[0].function.name == tool.name else None
        if arguments is None or not _shaped_like(arguments, schema):
            got = "no call of the tool" if arguments is None else f"arguments begin {arguments[:60]!r}"
            return ToolConformance(phase=tool.phase, tool=tool.name, verdict=Verdict.GRAMMAR_IGNORED,
                                   schema_chars=size, detail=got)
        return ToolConformance(phase=tool.phase, tool=tool.name, verdict=Verdict.ACCEPTED, schema_chars=size)

    def _refused(self, exc: Exception) -> tuple[Verdict, str]:
        fault = classify(exc)
        if fault is None:
            raise exc
        if fault.fault in (Fault.CONNECTION, Fault.TIMEOUT):
            # A connection dropped without an answer is a crash even when a supervisor restarts the
            # server at once; only a server that stays down ends the check.
            self.dead = not self._alive()
            back = "and stopped answering" if self.dead else "(it answered again afterwards)"
            return Verdict.SERVER_DIED, f"{fault.fault.value}: {fault.message} {back}"
        return Verdict.REJECTED, f"{fault.fault.value} (HTTP {fault.status}): {fault.message}"

    def _alive(self) -> bool:
        try:
            self.client.with_options(timeout=5).models.list()
        except Exception:  # noqa: BLE001 - any failure to answer means it is gone
            return False
        return True

    def _honours_choice(self, choice: str) -> bool | None:
        try:
            response = self._send(PROBE_OPERATION, tool_choice=choice, max_tokens=min(self.max_tokens * 4, PROBE_MAX_TOKENS))
        except Exception as exc:
            if classify(exc) is None:
                raise
            return False
        return bool(response.choices and response.choices[0].message.tool_calls)

    def _takes_null_content(self) -> bool | None:
        call = {"id": "call_probe", "type": "function",
                "function": {"name": PROBE_OPERATION.tool_name, "arguments": '{"status": "ok", "echo": 6}'}}
        messages = [*_messages(PROBE_OPERATION), {"role": "assistant", "content": None, "tool_calls": [call]},
                    {"role": "user", "content": "echo must be 7. Call report_status again."}]
        try:
            self._send(PROBE_OPERATION, messages=messages)
        except Exception as exc:
            if classify(exc) is None:
                raise
            return False
        return True

    def _takes_refs(self) -> bool | None:
        operation = Operation(op_id="probe", tool_name="report_wrapped", description="Report the status, wrapped.",
                              ast=ProbeWrapper, system=PROBE_OPERATION.system,
                              user='Call report_wrapped with answer {"status": "ok", "echo": 7}.')
        try:
            response = self._send(operation, mode=ToolSchemaMode.NATIVE)
        except Exception as exc:
            if classify(exc) is None:
                raise
            return False
        calls = (response.choices[0].message.tool_calls or []) if response.choices else []
        return bool(calls) and _shaped_like(calls[0].function.arguments, ProbeWrapper.model_json_schema())


def _shaped_like(arguments: str, schema: dict[str, Any]) -> bool:
    """Does the (maybe cut) answer begin the way a grammar built from `schema` forces: an object whose
    first key is one of the schema's properties? Unconstrained text rarely does."""
    text = arguments.lstrip()
    if not text.startswith("{"):
        return False
    rest = text[1:].lstrip()
    if not rest or rest.startswith("}"):
        return True
    if not rest.startswith('"'):
        return False
    key, closed, _ = rest[1:].partition('"')
    properties = schema.get("properties", {})
    return key in properties if closed else any(name.startswith(key) for name in properties)
