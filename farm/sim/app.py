"""The simulator's HTTP app: an OpenAI-compatible chat endpoint playing scripted models.

Stateless per conversation: the operation comes from the `X-Farm-Operation` header, the project
(whose book answers, see farm.sim.fixtures) from `X-Farm-Project`, the attempt index from
`X-Farm-Answers` (else the number of assistant messages in the request) and what a stochastic
model draws from the body's `seed` (0 when absent), so any number of harness workers can share one
simulator. Faults queued through the admin API (`/_sim/*`) take precedence over scripts.

`/v1` is the plain endpoint; `/dialect/{name}/v1` plays a real server's dialect around the same
scripts (farm.sim.dialects), with that server's native endpoints beside it under the prefix.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from farm.sim.behaviours import ErrorReply, Prose, Reply, ToolCall, reply
from farm.sim.dialects import (
    DEFAULT_N_CTX,
    DIALECT_NAMES,
    PLAIN,
    PROVIDER,
    BadRequest,
    Dialect,
    GrammarDropped,
    ServerCrash,
    make_dialects,
)
from farm.sim.fixtures import Behaviour, Fixtures, ScriptedModel, load_fixtures
from farm.sim.schema_fill import SchemaFillError, fill
from farm.sim.state import Fault, FaultQueue, Stats
from farm.sim.usage import estimate_prompt_tokens, estimate_usage

__all__ = ["ANSWERS_HEADER", "OPERATION_HEADER", "PROJECT_HEADER", "PROVIDER", "BadRequest", "SimState", "create_app"]

OPERATION_HEADER = "x-farm-operation"
PROJECT_HEADER = "x-farm-project"
ANSWERS_HEADER = "x-farm-answers"
_NEEDS_ANSWER = frozenset({"answer", "slow", "invalid_json", "broken_json", "schema_invalid"})
_DROP_CONNECTION = "farm.sim.drop_connection"
log = logging.getLogger(__name__)


@dataclass
class SimState:
    fixtures: Fixtures
    faults: FaultQueue = field(default_factory=FaultQueue)
    stats: Stats = field(default_factory=lambda: Stats(dialect_names=DIALECT_NAMES))


class SimApp(Starlette):
    """Starlette that lets a handler drop its client's connection, as a crashing server does.

    Only the ASGI server's own `send` leads to the connection (uvicorn's request cycle holds the
    transport), so it is captured here, before any middleware wraps it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_DROP_CONNECTION] = partial(_abort_transport, send)
        await super().__call__(scope, receive, send)


def _abort_transport(send: Send) -> bool:
    """Close the connection at once, unanswered; False when the ASGI server exposes no transport."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    return True


def _error(error: ErrorReply) -> JSONResponse:
    headers = {}
    if error.retry_after is not None:
        headers = {"Retry-After": f"{error.retry_after:g}", "retry-after-ms": str(round(error.retry_after * 1000))}
    body = {"error": {"message": error.message, "type": error.type, "code": error.code, **error.extra}}
    return JSONResponse(body, status_code=error.status, headers=headers)


def _bad_request(message: str, code: str = "invalid_request") -> JSONResponse:
    return _error(ErrorReply(400, "invalid_request_error", code, message))


def _answer(
    state: SimState, model: ScriptedModel, operation: str, behaviour: Behaviour, parameters: dict[str, Any],
    project: str,
) -> dict[str, Any]:  # fmt: skip
    """The correct arguments: the book's answer (or named variant, which a script plays only where the
    book has it), else the schema filler's."""
    answer = state.fixtures.answer(model, operation, behaviour.variant, project) if operation else None
    if answer is not None:
        return answer
    state.stats.filled += 1
    filled = fill(parameters)
    return filled if isinstance(filled, dict) else {}


def _completion(
    model: str, result: ToolCall | Prose, usage: dict[str, Any], finish: str | None, provider: str | None
) -> dict[str, Any]:
    """The chat completion; `finish` overrides the natural finish_reason (a cut answer's)."""
    if isinstance(result, ToolCall):
        function = {"name": result.name, "arguments": result.arguments}
        call = {"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function", "function": function}
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
        natural = "tool_calls"
    else:
        message, natural = {"role": "assistant", "content": result.text}, "stop"
    completion: dict[str, Any] = {
        "id": f"chatcmpl-sim-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "provider": provider,
        "choices": [{"index": 0, "message": message, "finish_reason": finish or natural, "logprobs": None}],
        "usage": usage,
    }
    if provider is None:
        del completion["provider"]
    return completion


def _answers(header: str | None) -> int | None:
    """`X-Farm-Answers`: how many answers the model already gave in this operation (the harness
    replays only the latest one); None when absent or not a count."""
    return int(header) if header is not None and header.isdigit() else None


def _seed(body: dict[str, Any]) -> int:
    """The request's sampling seed, which a stochastic model draws with; 0 when absent, as the farm's default."""
    seed = body.get("seed")
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise BadRequest(f"seed: must be an integer, got {seed!r:.40}")
    return seed


def _max_tokens(body: dict[str, Any]) -> int | None:
    value = body.get("max_completion_tokens", body.get("max_tokens"))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


async def _play(
    state: SimState, dialect: Dialect, model: ScriptedModel, operation: str, body: dict[str, Any],
    answers: int | None, api_key: str = "", project: str = "",
) -> tuple[JSONResponse, str | None]:  # fmt: skip
    """Serve one completion as `dialect`; returns the response and the behaviour's label.

    The messages are validated before queueing for a slot, everything else inside it.
    """
    if body.get("stream"):
        raise BadRequest("stream: the simulator answers whole completions only; send stream=false")
    refused = dialect.reject_messages(body["messages"], state.stats)
    if refused is not None:
        return _error(refused), None
    async with dialect.slot():
        # The reply goes out once the model's latency has passed since the request got its slot: the
        # simulator's own work is inside that latency, as a real server's is (a bench's latency bound
        # is then the endpoint's, not the endpoint's plus the simulator's).
        began = time.monotonic()
        response, label, delay = _generate(state, dialect, model, operation, body, answers, api_key, project)
        await asyncio.sleep(max(0.0, delay - (time.monotonic() - began)))
        return response, label


def _generate(
    state: SimState, dialect: Dialect, model: ScriptedModel, operation: str, body: dict[str, Any],
    answers: int | None, api_key: str = "", project: str = "",
) -> tuple[JSONResponse, str | None, float]:  # fmt: skip
    """Read the request as the dialect does, choose the behaviour, reply; and how long after the
    request the reply is due (the model's latency, and a `slow` behaviour's delay; 0 for a refusal)."""
    messages: list[Any] = body["messages"]
    tools: list[Any] = body.get("tools") or []
    chosen = dialect.choose_tool(body)
    if isinstance(chosen, ErrorReply):
        return _error(chosen), None, 0.0
    tool_name, parameters = chosen
    seen = dialect.rendered(messages)
    max_tokens = _max_tokens(body)
    refused = dialect.check_tools(tools, tool_name, parameters, state.stats) or dialect.context_error(
        estimate_prompt_tokens(seen, tools), max_tokens
    )
    if isinstance(refused, ErrorReply):
        return _error(refused), None, 0.0
    attempt = dialect.attempt(messages, answers, state.stats)
    seed = _seed(body)
    behaviour = state.faults.take(model.name, operation) or (
        state.fixtures.behaviour(model, operation, attempt, project, seed) if operation else Behaviour(kind="answer")
    )
    delay = model.latency_ms / 1000 + (behaviour.delay if behaviour.kind == "slow" else 0)
    try:
        needed = behaviour.kind in _NEEDS_ANSWER
        answer = _answer(state, model, operation, behaviour, parameters, project) if needed else {}
    except SchemaFillError as exc:
        return _error(ErrorReply(500, "sim_fixture_error", "sim_fixture_error", str(exc))), behaviour.label, delay
    result: Reply = reply(behaviour, tool_name, parameters, answer, api_key)
    if isinstance(refused, GrammarDropped) and isinstance(result, ToolCall):
        result = ToolCall(result.name, GrammarDropped.ARGUMENTS)
    if isinstance(result, ErrorReply):
        return _error(result), behaviour.label, delay
    result, finish = dialect.cut(result, max_tokens, state.stats)
    output = result.arguments if isinstance(result, ToolCall) else result.text
    usage = dialect.usage(estimate_usage(seen, tools, output, attempt, model.prices))
    provider = dialect.provider and (model.served_by(seed, project) or dialect.provider)
    return JSONResponse(_completion(model.name, result, usage, finish, provider)), behaviour.label, delay


async def _crashed(request: Request, crash: ServerCrash) -> Response:
    """Drop the connection unanswered; a plain 500 where the ASGI server gives no hold on it."""
    log.info("simulated crash: %s", crash)
    if not request.scope[_DROP_CONNECTION]():
        raise RuntimeError(f"simulated crash (the connection could not be dropped): {crash}") from crash
    await asyncio.sleep(0)  # let the transport report the connection lost, so nothing is sent on it
    return Response(status_code=500)


async def chat_completions(request: Request, dialect: Dialect = PLAIN) -> Response:
    state: SimState = request.app.state.sim
    operation = request.headers.get(OPERATION_HEADER, "")
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("model"), str) and isinstance(body.get("messages"), list)):
        state.stats.record("-", operation, 400, None)
        return _bad_request("the body must be a JSON object with 'model' (string) and 'messages' (array)")
    model = state.fixtures.models.get(body["model"])
    if model is None:
        state.stats.record(body["model"], operation, 404, None)
        message = f"model {body['model']!r} does not exist (known: {', '.join(state.fixtures.models)})"
        return _error(ErrorReply(404, "invalid_request_error", "model_not_found", message))
    state.stats.enter()
    try:
        answers = _answers(request.headers.get(ANSWERS_HEADER))
        api_key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        project = request.headers.get(PROJECT_HEADER, "")
        response, label = await _play(state, dialect, model, operation, body, answers, api_key, project)
    except BadRequest as exc:
        response, label = _bad_request(str(exc)), None
    except ServerCrash as crash:
        state.stats.record(model.name, operation, "dropped", None)
        return await _crashed(request, crash)
    finally:
        state.stats.leave()
    state.stats.record(model.name, operation, response.status_code, label)
    return response


async def list_models(request: Request, dialect: Dialect = PLAIN) -> JSONResponse:
    """OpenAI's model list, each entry as the dialect's server writes it (the plain one with
    OpenRouter-style per-token `pricing` strings)."""
    models = request.app.state.sim.fixtures.models.values()
    return JSONResponse({"object": "list", "data": [dialect.model_entry(m) for m in models]})


async def unknown_dialect(request: Request) -> JSONResponse:
    message = f"unknown dialect {request.path_params['name']!r} (known: {', '.join(DIALECT_NAMES)})"
    return _error(ErrorReply(404, "invalid_request_error", "unknown_dialect", message))


def _dialect_mount(dialect: Dialect) -> Mount:
    """`/dialect/{name}`: the OpenAI API under `/v1` as the dialect plays it, and its native endpoints."""
    routes = [
        Route("/v1/chat/completions", partial(chat_completions, dialect=dialect), methods=["POST"]),
        Route("/v1/models", partial(list_models, dialect=dialect), methods=["GET"]),
        *dialect.routes(),
    ]
    return Mount(f"/dialect/{dialect.name}", routes=routes)


async def inject_fault(request: Request) -> JSONResponse:
    state: SimState = request.app.state.sim
    try:
        fault = Fault.model_validate(await request.json())
    except (ValueError, ValidationError) as exc:
        return _bad_request(f"fault: {exc}")
    if fault.model != "*" and fault.model not in state.fixtures.models:
        known = ", ".join(state.fixtures.models)
        return _bad_request(f"fault: model {fault.model!r} is not a scripted model ({known})")
    state.faults.push(fault)
    return JSONResponse({"queued": fault.model_dump(), "pending": state.faults.pending})


async def stats(request: Request) -> JSONResponse:
    state: SimState = request.app.state.sim
    return JSONResponse({**state.stats.snapshot(), "faults_pending": state.faults.pending})


async def reset(request: Request) -> JSONResponse:
    state: SimState = request.app.state.sim
    state.faults.clear()
    state.stats.clear()
    return JSONResponse({"reset": True})


def create_app(
    scripts_dir: Path | None = None, n_ctx: int = DEFAULT_N_CTX, project_books: Mapping[str, Path] | None = None
) -> Starlette:
    """The simulator app over the fixtures in `scripts_dir` (default: farm/sim/scripts) and the
    `project_books` (project -> book directory) that answer those projects' calls.

    `n_ctx` is the context size the dialects' servers were started with (the plain `/v1` has
    none). Raises FixtureError at once when a fixture is invalid.
    """
    app = SimApp(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            *(_dialect_mount(dialect) for dialect in make_dialects(n_ctx).values()),
            Route("/dialect/{name}/{rest:path}", unknown_dialect),
            # The plain API again under a name of one's choosing: one simulator plays several servers,
            # each with slots of its own (the farm shares a limit by base URL, as a real server's).
            Route("/endpoint/{name}/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/endpoint/{name}/v1/models", list_models, methods=["GET"]),
            Route("/_sim/faults", inject_fault, methods=["POST"]),
            Route("/_sim/stats", stats, methods=["GET"]),
            Route("/_sim/reset", reset, methods=["POST"]),
        ]
    )
    app.state.sim = SimState(fixtures=load_fixtures(scripts_dir, project_books))
    return app
