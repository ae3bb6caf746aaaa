"""One `openai` client per model endpoint, and the request it sends for an operation."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import openai

from farm.outcomes import InfraFailed
from farm.redact import remember_secret
from farm.spec import EndpointKind, ModelSpec, ToolSchemaMode
from workers.harness.dialect import OPENAI_PROFILE, ServerProfile
from workers.harness.wire import wire_parameters
from workers.phases.base import Operation


def make_client(model: ModelSpec, simulator_url: str | None = None) -> openai.OpenAI:
    """The key is read from the environment here and nowhere else, and never logged or stored: from
    here on it is redacted from whatever this process records, logs or prints (farm.redact)."""
    env = model.endpoint.key_env
    key = os.environ.get(env) if env else None
    remember_secret(key)
    if env and not key and model.endpoint.kind is not EndpointKind.SIMULATOR:
        if model.endpoint.kind is EndpointKind.OPENROUTER or model.endpoint.api_key_env:
            raise InfraFailed(f"model {model.id}: environment variable {env} (its API key) is not set")
    return _client(model.endpoint.url(simulator_url), key or "not-needed", model.endpoint.timeout_s)


@lru_cache(maxsize=64)
def _client(base_url: str, api_key: str, timeout_s: float) -> openai.OpenAI:
    """One client (and connection pool) per endpoint per process: building one costs ~20 ms of TLS set-up."""
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=timeout_s,
        max_retries=0,  # the harness retries, with its own classification and records
    )


def tool_of(operation: Operation[Any], profile: ServerProfile, mode: ToolSchemaMode | None = None) -> dict[str, Any]:
    """The forced tool as this server can take it; validation still uses the full AST."""
    return {
        "type": "function",
        "function": {
            "name": operation.tool_name,
            "description": operation.description,
            "parameters": wire_parameters(operation.ast, profile.dialect, mode),
        },
    }


def request_options(model: ModelSpec, operation: Operation[Any], phase: str,
                    profile: ServerProfile = OPENAI_PROFILE, project: str = "") -> dict[str, Any]:
    """Everything of the request but the messages: sampling, the forced tool, routing.

    `X-Farm-Operation` and `X-Farm-Project` tell the simulator which answer to play (its books are
    per project); real servers ignore them, and they stay out of the request digest."""
    options: dict[str, Any] = {
        "model": model.request_name,
        "tools": [tool_of(operation, profile, model.endpoint.tool_schema)],
        "tool_choice": {"type": "function", "function": {"name": operation.tool_name}},
        "temperature": model.sampling.temperature,
        "max_tokens": model.sampling.max_tokens,
        "extra_headers": {"X-Farm-Operation": f"{phase}/{operation.op_id}"},
    }
    if project:
        options["extra_headers"]["X-Farm-Project"] = project
    if model.sampling.seed is not None:
        options["seed"] = model.sampling.seed
    if model.endpoint.kind is EndpointKind.OPENROUTER:
        extra: dict[str, Any] = {"usage": {"include": True}}
        if model.provider:
            extra["provider"] = model.provider.model_dump(exclude_defaults=True)
        options["extra_body"] = extra
        options["extra_headers"]["X-Title"] = "benchfarm"
    return options
