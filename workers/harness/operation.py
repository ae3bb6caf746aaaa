"""Run one operation: forced call → lenient parse → AST validation → compiler check → feedback → retry.

Each failure kind has its own retry budget (validation, compiler, missing call, truncation,
transport), and every attempt, paid or not, is handed to the recorder the moment it ends.

Blame needs evidence: an operation fails as the model's only on an HTTP 200 answer that failed
parse, validation, compile or the forced call. Gateways, crashes, timeouts, requests we built wrong
and context overflows are the farm's or the server's problem, whatever they repeat.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import openai
import tenacity
from pydantic import BaseModel, Field, ValidationError

from farm.outcomes import BudgetStopped, InfraFailed, ModelFailed
from farm.redact import redact, redact_value
from farm.spec import EndpointKind, ModelSpec, RetryPolicy
from workers.harness import feedback
from workers.harness.conversation import Conversation, ToolCallMade
from workers.harness.dialect import OPENAI_PROFILE, ServerProfile, feedback_role, wait_until_idle
from workers.harness.endpoint import request_options
from workers.harness.gate import CallGate
from workers.harness.procedure import with_procedure
from workers.harness.parse import InvalidJson, parse_arguments
from workers.harness.transport import Fault, TransportFault, classify, names_our_request
from workers.harness.usage import Usage, price, served_provider, usage_of
from workers.phases.base import Operation

# Function-call results (design.md, "Metrics").
SUCCESS = "success"
VALIDATION_FAILURE = "validation_failure"
INVALID_JSON = "invalid_json"
NO_CALL = "no_call"
COMPILE_FAILURE = "compile_failure"
TRUNCATED = "truncated"
# A paid answer whose checks never finished (the worker stopped): on record, outcome unknown.
SETTLED = "settled"

log = logging.getLogger(__name__)


class Prompt(BaseModel):
    """An operation's request: the same for every attempt, so the log keeps it once, not per attempt."""

    op_id: str
    tool: str
    system: str
    user: str


class AttemptRecord(BaseModel):
    """One LLM call of an operation: a line of calls.jsonl."""

    attempt_id: str
    op_id: str
    attempt: int
    started_at: float
    latency_ms: float
    request_digest: str
    outcome: str  # a function-call result above, or "transport:<fault>"
    detail: str = ""
    response: dict[str, Any] = {}
    usage: Usage = Usage()
    provider: str | None = None
    # What the model was told about this answer (redacted); on the attempt that ran out of retries,
    # what it would have been told. Empty after a success or a transport failure (the call is resent).
    feedback: str = ""
    # On an operation's first attempt only, for the recorder to keep apart; never in the record itself.
    prompt: Prompt | None = Field(default=None, exclude=True)


class Recorder(Protocol):
    def __call__(self, record: AttemptRecord) -> None: ...


class _TransportError(Exception):
    def __init__(self, fault: TransportFault) -> None:
        super().__init__(fault.message)
        self.fault = fault


class _RetryAfterOrBackoff(tenacity.wait.wait_base):
    """Honour the server's Retry-After when it gives one; else exponential backoff with jitter."""

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _TransportError) and exc.fault.retry_after_s is not None:
            return exc.fault.retry_after_s
        return self.fallback(retry_state)


def _options_digest(options: dict[str, Any]) -> str:
    """The request's fixed part (model, tool schema, sampling), hashed once per operation."""
    fixed = {k: v for k, v in options.items() if k != "extra_headers"}
    return hashlib.sha256(json.dumps(fixed, sort_keys=True, default=str).encode()).hexdigest()


def _digest(messages: list[dict[str, Any]], options_digest: str) -> str:
    canonical = json.dumps(messages, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(f"{options_digest}\n{canonical}".encode()).hexdigest()


def estimate_prompt_tokens(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> int:
    """A deliberately generous estimate (≈3.5 chars per token) for worst-case admission."""
    return int(len(json.dumps(messages)) / 3.5 + len(json.dumps(tools)) / 3.5) + 16


@dataclass
class OperationRunner:
    """Runs operations of one job against one model endpoint."""

    client: openai.OpenAI
    model: ModelSpec
    policy: RetryPolicy
    phase: str
    gate: CallGate
    record: Recorder
    profile: ServerProfile = OPENAI_PROFILE  # jobs pass the endpoint's resolved profile
    project: str = ""  # the run's project, named to the endpoint (the simulator's book)
    procedure: bool = False  # the run's variant enforces the procedure (workers.harness.procedure)
    # Persists an answered call the moment it settles, before its (slow) checks: a worker killed
    # while compiling the answer leaves its spend on record (paid once, recorded once).
    settled: Recorder | None = None
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, operation: Operation[Any]) -> BaseModel:
        """The accepted AST; raises ModelFailed, InfraFailed or BudgetStopped."""
        return _OperationRun(self, operation).run()

    @property
    def paid(self) -> bool:
        prices = self.model.prices
        return prices.input > 0 or prices.output > 0

    @property
    def one_slot(self) -> bool:
        """A local server that serves one request at a time: an abandoned request still holds it."""
        local = self.model.endpoint.kind is not EndpointKind.OPENROUTER
        return local and (self.model.concurrency == 1 or self.profile.slots == 1)


class _OperationRun:
    def __init__(self, runner: OperationRunner, operation: Operation[Any]) -> None:
        self.runner = runner
        self.op = operation
        self.options = request_options(runner.model, operation, runner.phase, runner.profile, runner.project)
        self.options_digest = _options_digest(self.options)
        self.system = with_procedure(operation.system) if runner.procedure else operation.system
        self.conversation = Conversation(
            self.system, operation.user, self.options["tools"], feedback_role(runner.model, runner.profile),
            runner.model.sampling.max_tokens, runner.profile.context_tokens,
            where=f"phase {runner.phase}, operation {operation.op_id}",
        )
        self.attempts = 0
        self.calls = 0  # calls made by the current `_call` (its transport attempts)
        self.spent: Counter[str] = Counter()
        self.last_server_error: str | None = None
        self.after_timeout = False

    # ---- the attempt loop
    def run(self) -> BaseModel:
        tool = self.op.tool_name
        while True:
            message, record, max_tokens = self._call()
            tool_calls = getattr(message, "tool_calls", None) or []
            cut = self._truncated(record, max_tokens)
            if cut:
                # Not replayed: a cut call's arguments are broken JSON, which some servers refuse
                # in a history (llama.cpp #25510), and the model is better off starting afresh.
                told = feedback.truncated_feedback(tool, max_tokens)
                self._fail(record, TRUNCATED, "truncation", f"the answer was cut at {max_tokens} tokens", told)
                self.conversation.answered(None, None, told)
                continue
            if not tool_calls:
                told = feedback.missing_call_feedback(tool)
                self._fail(record, NO_CALL, "missing_call", "no tool call in the answer", told)
                self.conversation.answered(message.content, None, told)
                continue
            made = _made(tool_calls[0])
            reply = self._check(made.arguments, record)
            if isinstance(reply, BaseModel):
                return reply
            self.conversation.answered(message.content, made, reply)

    def _truncated(self, record: AttemptRecord, max_tokens: int) -> bool:
        """Cut off at max_tokens. llama.cpp still says "tool_calls" then, so an answer that used every
        token and is not complete JSON counts as cut too."""
        if record.response.get("finish_reason") == "length":
            return True
        if record.usage.output_tokens < max_tokens:
            return False
        calls = record.response.get("tool_calls") or []
        return not calls or not _complete_json(calls[0]["arguments"])

    def _check(self, arguments: str, record: AttemptRecord) -> BaseModel | str:
        """The accepted AST, or the feedback to send after recording the failure."""
        tool = self.op.tool_name
        try:
            parsed = parse_arguments(arguments)
        except InvalidJson as exc:
            told = feedback.invalid_json_feedback(tool, str(exc))
            self._fail(record, INVALID_JSON, "validation", str(exc), told)
            return told
        try:
            ast = self.op.ast.model_validate(parsed.value)
        except ValidationError as exc:
            # Repair turns almost anything into *some* object; when that object is still wrong,
            # the root cause was broken JSON, and the model is told both.
            problems = feedback.validation_problems(exc)
            outcome = INVALID_JSON if parsed.repaired else VALIDATION_FAILURE
            if parsed.repaired:
                told = feedback.invalid_json_feedback(tool, "it needed repair, and the repaired value is still wrong", problems)
            else:
                told = feedback.validation_feedback(tool, problems)
            self._fail(record, outcome, "validation", f"{len(problems)} problem(s): {_problem(problems[0])}", told)
            return told
        diagnostics = self.op.check(ast) if self.op.check else []
        if diagnostics:
            told = feedback.compiler_feedback(tool, diagnostics)
            self._fail(record, COMPILE_FAILURE, "compiler", f"{len(diagnostics)} diagnostic(s): {diagnostics[0].message}", told)
            return told
        self._finish(record, SUCCESS, "repaired JSON" if parsed.repaired else "")
        return ast

    def _fail(self, record: AttemptRecord, outcome: str, budget: str, detail: str, told: str) -> None:
        """Record a failed answer with the feedback `told` to the model; raise ModelFailed when it
        was the last its retry budget allowed."""
        record.feedback = self._redact(told)
        self._finish(record, outcome, detail)
        self.spent[budget] += 1
        allowed = getattr(self.runner.policy, budget)
        if self.spent[budget] > allowed:
            raise ModelFailed(
                f"operation {self.op.op_id}: {budget.replace('_', ' ')} retries exhausted "
                f"({self.spent[budget]} failures, {allowed} retries allowed); last: {outcome}: {record.detail}"
            )

    def _finish(self, record: AttemptRecord, outcome: str, detail: str) -> None:
        """Record the attempt, with every text the provider sent redacted of keys."""
        record.outcome, record.detail = outcome, self._redact(detail)[:500]
        record.provider = self._redact(record.provider) if record.provider else record.provider
        self.runner.record(record)

    @property
    def _key(self) -> str | None:
        key = getattr(self.runner.client, "api_key", None)
        return key if isinstance(key, str) else None

    def _redact(self, text: str) -> str:
        return redact(text, [self._key])

    # ---- one call, with transport retries
    def _call(self) -> tuple[Any, AttemptRecord, int]:
        self.calls = 0
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._should_retry),
            wait=_RetryAfterOrBackoff(
                tenacity.wait_exponential_jitter(multiplier=self.runner.backoff_initial_s, max=self.runner.backoff_max_s)
            ),
            stop=tenacity.stop_after_attempt(self.runner.policy.transport + 1),
            sleep=self.runner.sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt)
        except _TransportError as exc:
            raise self._gave_up(exc.fault) from exc

    def _should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, _TransportError) or not exc.fault.fault.retryable:
            return False
        if exc.fault.fault is Fault.SERVER_ERROR:
            # The same 5xx text twice is a deterministic refusal (a parser choking on our request or
            # on the model's history): retrying it blindly pays for nothing.
            repeated = exc.fault.message == self.last_server_error
            self.last_server_error = exc.fault.message
            return not repeated
        return True

    def _gave_up(self, fault: TransportFault) -> BudgetStopped | InfraFailed:
        """Never the model's fault: no answer from the model came back (design.md, "Outcomes")."""
        what = f"phase {self.runner.phase}, operation {self.op.op_id}: {fault.fault.value}"
        if fault.fault is Fault.PAYMENT_REQUIRED:
            return BudgetStopped(f"{what}: the provider refused payment (402): {fault.message}")
        if fault.fault in (Fault.BAD_REQUEST, Fault.CONTEXT_EXCEEDED) or names_our_request(fault.message):
            log.error("%s: the endpoint refused the request we built (a farm bug, or a server limit its "
                      "dialect does not know): HTTP %s: %s", what, fault.status, fault.message)
            return InfraFailed(f"{what}: the endpoint refused our request (HTTP {fault.status}): {fault.message}")
        if fault.fault is Fault.SERVER_ERROR and fault.message == self.last_server_error:
            return InfraFailed(f"{what}: the server failed twice the same way (HTTP {fault.status}): {fault.message}")
        tried = f"after {self.calls} attempt(s)" + ("" if fault.fault.retryable else ", not retryable")
        return InfraFailed(f"{what} {tried}: {fault.message}")

    def _attempt(self) -> tuple[Any, AttemptRecord, int]:
        runner = self.runner
        if self.after_timeout and runner.one_slot:
            self._wait_for_idle_server()
        messages, max_tokens = self.conversation.prepare()
        options = {**self.options, "max_tokens": max_tokens}
        # How many answers this operation has had: only the latest is replayed, and the simulator's
        # scripted models play by answer count. Harmless to real servers, like X-Farm-Operation.
        options["extra_headers"] = {**options["extra_headers"], "X-Farm-Answers": str(self.conversation.answers)}
        prompt_estimate = estimate_prompt_tokens(messages, options["tools"])
        worst_case = price(runner.model.prices, prompt_estimate, 0, max_tokens)
        record = AttemptRecord(
            attempt_id=uuid.uuid4().hex,
            op_id=self.op.op_id,
            attempt=self.attempts,
            started_at=time.time(),
            latency_ms=0.0,
            request_digest=_digest(messages, self.options_digest),
            outcome="pending",
            detail="",
            prompt=None if self.attempts else self._prompt(),
        )
        self.attempts += 1
        self.calls += 1
        with runner.gate.admit(runner.model.id, worst_case, record.attempt_id) as admission:
            started = time.perf_counter()
            try:
                response = runner.client.chat.completions.create(messages=messages, **options)
            except Exception as exc:  # noqa: BLE001 - classified below; anything unknown is re-raised
                fault = classify(exc)
                if fault is None:
                    raise
                record.latency_ms = (time.perf_counter() - started) * 1000
                if fault.fault is Fault.RATE_LIMITED:
                    admission.throttled(fault.retry_after_s)
                self.after_timeout = fault.fault is Fault.TIMEOUT
                record.usage = self._unknown_usage(prompt_estimate, max_tokens, worst_case) if self.after_timeout else Usage()
                admission.settle(record.usage)
                self._finish(record, f"transport:{fault.fault.value}", fault.message)
                raise _TransportError(fault) from exc
            self.after_timeout = False
            record.latency_ms = (time.perf_counter() - started) * 1000
            record.usage = usage_of(response, runner.model.prices)
            record.provider = served_provider(response)
            message = response.choices[0].message if response.choices else None
            if message is not None:
                record.response = redact_value({  # redacted once, for every record made of it
                    "finish_reason": response.choices[0].finish_reason,
                    "content": message.content,
                    "tool_calls": [
                        {"name": c.function.name, "arguments": c.function.arguments}
                        for c in (message.tool_calls or [])
                    ],
                }, [self._key])
                self._persist_settled(record)  # on record first, then charged: never charged unrecorded
            admission.settle(record.usage)
        if message is None:
            fault = TransportFault(Fault.SERVER_ERROR, "the response has no choices")
            self._finish(record, "transport:server_error", fault.message)
            raise _TransportError(fault)
        if self.conversation.compacted:
            record.detail = "history compacted to fit the context"
        return message, record, max_tokens

    def _prompt(self) -> Prompt:
        """The operation's request, redacted like every text the farm keeps (it quotes earlier
        phases' answers)."""
        op = self.op
        return Prompt(op_id=op.op_id, tool=op.tool_name, system=self._redact(self.system), user=self._redact(op.user))

    def _persist_settled(self, record: AttemptRecord) -> None:
        """Write the answered call to the store before the ledger charges it and before its (slow)
        checks: a worker killed anywhere after this leaves the call on record as `settled`."""
        if self.runner.settled is None:
            return
        self.runner.settled(record.model_copy(update={"outcome": SETTLED, "detail": "settled; not yet checked"}))

    def _unknown_usage(self, prompt_estimate: int, max_tokens: int, worst_case: float) -> Usage:
        """A timed-out call may still be generated and billed: a paid one is charged at its worst case."""
        if not self.runner.paid:
            return Usage()
        return Usage(input_tokens=prompt_estimate, output_tokens=max_tokens, cost_usd=worst_case,
                     cost_source="worst_case")

    def _wait_for_idle_server(self) -> None:
        runner = self.runner
        client = runner.client
        idle = wait_until_idle(str(client.base_url), runner.model.request_name,
                               runner.model.endpoint.timeout_s, client.api_key)
        if not idle:
            raise InfraFailed(f"phase {runner.phase}, operation {self.op.op_id}: the one-slot server at "
                              f"{client.base_url} was still busy with an abandoned request after "
                              f"{runner.model.endpoint.timeout_s:g}s")


def _problem(problem: dict[str, Any]) -> str:
    """One validation problem in a line: where, what was expected, what came (cut short)."""
    got = json.dumps(problem["got"], ensure_ascii=False, default=str)
    return f"{problem['path']}: expected {problem['expected']}, got {got if len(got) <= 80 else got[:79] + '…'}"


def _complete_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _made(call: Any) -> ToolCallMade:
    return ToolCallMade(call.id or f"call_{uuid.uuid4().hex[:12]}", call.function.name, call.function.arguments or "")
