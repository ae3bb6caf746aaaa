"""Which serving stack is behind an endpoint, and what that means for the requests we send it.

A round file may name the dialect; `auto` asks the server. The facts used (shared/real-servers.md):
llama.cpp's `llama-server` lists models as `owned_by: "llamacpp"` and has `/props` (context size,
slot count); llama-cpp-python's server lists them as `owned_by: "me"`; vLLM says `"vllm"` and
gives `max_model_len`; Ollama says `"library"` and answers `/api/version`; LM Studio says
`"organization_owner"`. Anything else is treated as the strict OpenAI shape.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from farm.spec import Dialect, EndpointKind, FeedbackRole, ModelSpec

log = logging.getLogger(__name__)

_OWNED_BY = {
    "llamacpp": Dialect.LLAMA_CPP,
    "me": Dialect.LLAMA_CPP,  # llama-cpp-python's server
    "vllm": Dialect.VLLM,
    "library": Dialect.OLLAMA,
    "ollama": Dialect.OLLAMA,
    "organization_owner": Dialect.LMSTUDIO,
}
# Chat templates of these stacks render a `tool` message as an empty turn: feedback must be a `user` turn.
_USER_FEEDBACK = frozenset({Dialect.LLAMA_CPP, Dialect.LMSTUDIO})
DISCOVERY_TIMEOUT_S = 5.0


class ServerProfile(BaseModel):
    """What the farm knows of an endpoint's server: recorded in the manifest by the probe."""

    model_config = ConfigDict(frozen=True)

    dialect: Dialect
    context_tokens: int | None = None
    slots: int | None = None
    found_by: str = ""  # where the dialect came from: "round file", "/v1/models owned_by=…", "default"

    @property
    def feedback_role(self) -> FeedbackRole:
        return FeedbackRole.USER if self.dialect in _USER_FEEDBACK else FeedbackRole.TOOL


OPENAI_PROFILE = ServerProfile(dialect=Dialect.OPENAI, found_by="default")


def server_root(base_url: str) -> str:
    """`http://h:p/v1` → `http://h:p`: llama-server's `/props` and Ollama's `/api` live at the root."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def _get(client: httpx.Client, url: str) -> Any | None:
    try:
        response = client.get(url)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _entry(listing: Any, name: str) -> dict[str, Any] | None:
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        return None
    dicts = [e for e in entries if isinstance(e, dict)]
    return next((e for e in dicts if e.get("id") == name), dicts[0] if dicts else None)


@lru_cache(maxsize=64)
def discover(base_url: str, served_name: str, api_key: str | None = None) -> ServerProfile:
    """Ask the server what it is. Never raises: an unreachable server gets the openai default."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(timeout=DISCOVERY_TIMEOUT_S, headers=headers) as client:
        entry = _entry(_get(client, base_url.rstrip("/") + "/models"), served_name) or {}
        owner = str(entry.get("owned_by", ""))
        dialect = _OWNED_BY.get(owner)
        found_by = f"/v1/models owned_by={owner!r}" if dialect else ""
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        context = _positive_int(entry.get("max_model_len")) or _positive_int(meta.get("n_ctx"))
        props = _get(client, server_root(base_url) + "/props")
        slots = None
        if isinstance(props, dict) and isinstance(props.get("default_generation_settings"), dict):
            dialect = dialect or Dialect.LLAMA_CPP
            found_by = found_by or "/props"
            context = context or _positive_int(props["default_generation_settings"].get("n_ctx"))
            slots = _positive_int(props.get("total_slots"))
        if dialect is None and isinstance(_get(client, server_root(base_url) + "/api/version"), dict):
            dialect, found_by = Dialect.OLLAMA, "/api/version"
    return ServerProfile(dialect=dialect or Dialect.OPENAI, context_tokens=context, slots=slots,
                         found_by=found_by or "default (the server did not say)")


def resolve(model: ModelSpec, recorded: ServerProfile | None = None, base_url: str | None = None,
            api_key: str | None = None) -> ServerProfile:
    """The profile requests are shaped by: the round file's settings win over what the probe
    recorded at submission, which wins over asking the server now."""
    endpoint = model.endpoint
    if endpoint.kind is EndpointKind.OPENROUTER:
        found = ServerProfile(dialect=Dialect.OPENROUTER, found_by="endpoint kind")
    elif recorded is not None:
        found = recorded
    elif base_url is not None:
        found = discover(base_url, model.request_name, api_key)
    else:
        found = ServerProfile(dialect=Dialect.OPENAI, found_by="default (not asked)")
    update: dict[str, Any] = {}
    if endpoint.dialect is not Dialect.AUTO:
        update.update(dialect=endpoint.dialect, found_by="round file")
    if endpoint.context_tokens:
        update["context_tokens"] = endpoint.context_tokens
    return found.model_copy(update=update) if update else found


def feedback_role(model: ModelSpec, profile: ServerProfile) -> FeedbackRole:
    return model.endpoint.feedback_role or profile.feedback_role


def wait_until_idle(base_url: str, served_name: str, deadline_s: float, api_key: str | None = None) -> bool:
    """After a timed-out request, wait until a one-slot server has finished it (it keeps generating
    an abandoned request), so the next attempt does not queue behind it and time out too.

    llama-server tells through `/slots`; elsewhere a one-token completion queues behind the
    abandoned one and returns when the slot is free. True when idle within the deadline.
    """
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    end = time.monotonic() + deadline_s
    with httpx.Client(timeout=deadline_s, headers=headers) as client:
        while time.monotonic() < end:
            slots = _get(client, server_root(base_url) + "/slots")
            if not isinstance(slots, list):
                break
            if not any(isinstance(s, dict) and s.get("is_processing") for s in slots):
                return True
            time.sleep(0.5)
        else:
            return False
        body = {"model": served_name, "messages": [{"role": "user", "content": "ok"}], "max_tokens": 1}
        try:
            client.post(base_url.rstrip("/") + "/chat/completions", json=body, timeout=max(1.0, end - time.monotonic()))
        except httpx.HTTPError as exc:
            log.warning("waiting for %s to be idle: %s", server_root(base_url), type(exc).__name__)
            return False
    return True
