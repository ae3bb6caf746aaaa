"""The simulator's HTTP app: an OpenAI-compatible chat endpoint playing scripted models.

Stateless per conversation: the operation comes from the `X-Farm-Operation` header and the attempt
index is the number of assistant messages in the request, so any number of harness workers can
share one simulator. Faults queued through the admin API (`/_sim/*`) take precedence over scripts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from farm.sim.behaviours import ErrorReply, Prose, Reply, ToolCall, reply
from farm.sim.fixtures import Behaviour, Fixtures, ScriptedModel, load_fixtures
from farm.sim.schema_fill import SchemaFillError, fill
from farm.sim.state import Fault, FaultQueue, Stats
from farm.sim.usage import estimate_usage

PROVIDER = "benchfarm-sim"
OPERATION_HEADER = "x-farm-operation"
_NEEDS_ANSWER = frozenset({"answer", "slow", "invalid_json", "broken_json", "schema_invalid"})


class BadRequest(ValueError):
    """The request itself is malformed; answered with a 400 naming the problem."""


@dataclass
class SimState:
    fixtures: Fixtures
    faults: FaultQueue = field(default_factory=FaultQueue)
    stats: Stats = field(default_factory=Stats)


def _error(error: ErrorReply) -> JSONResponse:
    headers = {}
    if error.retry_after is not None:
        headers = {"Retry-After": f"{error.retry_after:g}", "retry-after-ms": str(round(error.retry_after * 1000))}
    body = {"error": {"message": error.message, "type": error.type, "code": error.code}}
    return JSONResponse(body, status_code=error.status, headers=headers)


def _bad_request(message: str, code: str = "invalid_request") -> JSONResponse:
    return _error(ErrorReply(400, "invalid_request_error", code, message))


def _forced_tool(body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The tool the request forces (tool_choice, else the first tool) and its parameter schema."""
    functions: dict[str, dict[str, Any]] = {}
    for index, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise BadRequest(f"tools[{index}] is not a function tool with a name")
        functions[function["name"]] = function
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        name = choice["function"].get("name")
        if name not in functions:
            raise BadRequest(f"tool_choice names {name!r}, which is not among the tools {sorted(functions)}")
    else:
        name = next(iter(functions), None)
    parameters = (functions[name].get("parameters") or {}) if name else {}
    if not isinstance(parameters, dict):
        raise BadRequest(f"tools: parameters of {name!r} is not a JSON schema object")
    return name, parameters


def _answer(
    state: SimState, model: ScriptedModel, operation: str, behaviour: Behaviour, parameters: dict[str, Any]
) -> dict[str, Any]:
    """The correct arguments: the book's answer (or named variant), else the schema filler's."""
    answer = state.fixtures.answer(model, operation, behaviour.variant) if operation else None
    if answer is not None:
        return answer
    if behaviour.variant:
        raise LookupError(f"no answer {operation}@{behaviour.variant} in books {model.books} of {model.name}")
    state.stats.filled += 1
    filled = fill(parameters)
    return filled if isinstance(filled, dict) else {}


def _completion(model: str, result: ToolCall | Prose, usage: dict[str, Any]) -> dict[str, Any]:
    if isinstance(result, ToolCall):
        function = {"name": result.name, "arguments": result.arguments}
        call = {"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function", "function": function}
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": result.text}, "stop"
    return {
        "id": f"chatcmpl-sim-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "provider": PROVIDER,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }


async def _play(
    state: SimState, model: ScriptedModel, operation: str, body: dict[str, Any]
) -> tuple[JSONResponse, str]:
    """Choose the behaviour, wait the model's latency, build the response; returns it and its label."""
    if body.get("stream"):
        raise BadRequest("stream: the simulator answers whole completions only; send stream=false")
    messages: list[Any] = body["messages"]
    attempt = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant")
    tool_name, parameters = _forced_tool(body)
    behaviour = state.faults.take(model.name, operation) or (
        model.behaviour(operation, attempt) if operation else Behaviour(kind="answer")
    )
    delay = model.latency_ms / 1000 + (behaviour.delay if behaviour.kind == "slow" else 0)
    if delay:
        await asyncio.sleep(delay)
    try:
        answer = _answer(state, model, operation, behaviour, parameters) if behaviour.kind in _NEEDS_ANSWER else {}
    except (LookupError, SchemaFillError) as exc:
        return _error(ErrorReply(500, "sim_fixture_error", "sim_fixture_error", str(exc))), behaviour.label
    result: Reply = reply(behaviour, tool_name, parameters, answer)
    if isinstance(result, ErrorReply):
        return _error(result), behaviour.label
    output = result.arguments if isinstance(result, ToolCall) else result.text
    usage = estimate_usage(messages, body.get("tools") or [], output, attempt, model.prices)
    return JSONResponse(_completion(model.name, result, usage)), behaviour.label


async def chat_completions(request: Request) -> JSONResponse:
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
        response, label = await _play(state, model, operation, body)
    except BadRequest as exc:
        response, label = _bad_request(str(exc)), None
    finally:
        state.stats.leave()
    state.stats.record(model.name, operation, response.status_code, label)
    return response


async def list_models(request: Request) -> JSONResponse:
    """OpenAI's model list, with OpenRouter-style per-token `pricing` strings."""
    models = request.app.state.sim.fixtures.models.values()
    data = [
        {
            "id": m.name,
            "object": "model",
            "created": 0,
            "owned_by": PROVIDER,
            "description": m.description,
            "pricing": {
                "prompt": f"{m.prices.input / 1e6:.12f}",
                "completion": f"{m.prices.output / 1e6:.12f}",
                "input_cache_read": f"{m.prices.cached / 1e6:.12f}",
            },
        }
        for m in models
    ]
    return JSONResponse({"object": "list", "data": data})


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


def create_app(scripts_dir: Path | None = None) -> Starlette:
    """The simulator app over the fixtures in `scripts_dir` (default: farm/sim/scripts).

    Raises FixtureError at once when a fixture is invalid.
    """
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/_sim/faults", inject_fault, methods=["POST"]),
            Route("/_sim/stats", stats, methods=["GET"]),
            Route("/_sim/reset", reset, methods=["POST"]),
        ]
    )
    app.state.sim = SimState(fixtures=load_fixtures(scripts_dir))
    return app
