"""Serving stacks' dialects: what a real server does differently, or wrongly, around the scripted play.

`http://HOST:PORT/dialect/{name}/v1` plays dialect `name` (llama.cpp, vllm, ollama); the plain
`/v1` is `PLAIN`, the well-behaved OpenAI endpoint with OpenRouter's extras. The scripted models
and answer books are the same everywhere: a dialect only decides how the request is read (tool
choice, tool messages, schemas, context size), how the answer goes back (truncation, usage, model
list) and which native endpoints exist. The rules follow shared/real-servers.md, so fast tests can
pin the harness against each server's faults without the server.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from farm.sim.behaviours import ErrorReply, Prose, ToolCall
from farm.sim.fixtures import ScriptedModel
from farm.sim.schema_checks import largest, nested_refs, patterns, recursive_ref
from farm.sim.state import Stats
from farm.sim.usage import estimate_tokens

PROVIDER = "benchfarm-sim"
DEFAULT_N_CTX = 8192
OLLAMA_VERSION = "0.12.6"
# llama-cpp-python's grammar expands maxLength into repetitions; far above this the parser overflows.
LLAMA_SANE_MAX_LENGTH = 1000

ToolChoice = tuple[str | None, dict[str, Any]]  # the tool the answer calls (None: no call) and its schema


class BadRequest(ValueError):
    """The request itself is malformed; answered with a 400 naming the problem."""


class ServerCrash(Exception):
    """The served process dies on this request: the client's connection drops with no response."""


class GrammarDropped:
    """The server could not turn the tool schema into a grammar and generated under its generic
    fallback instead: a small model then fills placeholder arguments (seen on llama-cpp-python),
    shaped like no schema of ours."""

    ARGUMENTS = '{ "arg1": "value1", "arg2": "value2" }'


GRAMMAR_DROPPED = GrammarDropped()


def forced_tool(body: dict[str, Any]) -> ToolChoice:
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


def _answer_indexes(messages: list[Any]) -> list[int]:
    """Where the model's earlier answers (assistant messages) are in the conversation."""
    return [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"]


def _feedback_role(messages: list[Any], answer: int) -> str | None:
    """How feedback on the answer at index `answer` came: "user" if a non-empty user message
    follows it before the next answer, else "tool" if a non-empty tool message does, else None."""
    roles: set[str] = set()
    for message in messages[answer + 1:]:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant":
            break
        if message.get("content"):
            roles.add(str(message.get("role")))
    return "user" if "user" in roles else "tool" if "tool" in roles else None


def _token_counts(usage: dict[str, Any]) -> dict[str, Any]:
    """Only the three counts: local servers have no prices, cache details or cost."""
    return {key: usage[key] for key in ("prompt_tokens", "completion_tokens", "total_tokens")}


class Dialect:
    """The plain simulator (`/v1`): every hook is the well-behaved OpenAI reading.

    Subclasses override the hooks where their server departs from it; `app` calls them in order:
    reject_messages (before queueing), slot, choose_tool, check_tools, context_error, attempt,
    then cut and usage on the scripted reply.
    """

    name: ClassVar[str] = "plain"
    owned_by: ClassVar[str] = PROVIDER
    provider: ClassVar[str | None] = PROVIDER  # the completion's `provider` field (OpenRouter's)
    cut_call_finish: ClassVar[str | None] = None  # finish_reason of a call cut at max_tokens; None: never cut

    def __init__(self, n_ctx: int = DEFAULT_N_CTX) -> None:
        self.n_ctx = n_ctx

    def model_entry(self, model: ScriptedModel) -> dict[str, Any]:
        """The model's entry in `/v1/models`."""
        entry = {"id": model.name, "object": "model", "created": 0, "owned_by": self.owned_by}
        return {**entry, **self.model_extras(model)}

    def model_extras(self, model: ScriptedModel) -> dict[str, Any]:
        """OpenRouter-style description and per-token `pricing` strings."""
        return {
            "description": model.description,
            "pricing": {
                "prompt": f"{model.prices.input / 1e6:.12f}",
                "completion": f"{model.prices.output / 1e6:.12f}",
                "input_cache_read": f"{model.prices.cached / 1e6:.12f}",
            },
        }

    def routes(self) -> list[Route]:
        """Native endpoints beside `/v1` under the dialect's prefix."""
        return []

    def reject_messages(self, messages: list[Any], stats: Stats) -> ErrorReply | None:
        """An error for messages the server's request model refuses, before any queueing."""
        return None

    def slot(self) -> AbstractAsyncContextManager[Any]:
        """Held while the request is served: no limit unless the server has few slots."""
        return nullcontext()

    def choose_tool(self, body: dict[str, Any]) -> ToolChoice | ErrorReply:
        """The tool the answer calls, honouring tool_choice; raises BadRequest on malformed tools."""
        return forced_tool(body)

    def check_tools(
        self, tools: list[Any], chosen: str | None, parameters: dict[str, Any], stats: Stats
    ) -> ErrorReply | GrammarDropped | None:
        """An error for schemas the server refuses, GRAMMAR_DROPPED for schemas it silently ignores;
        raises ServerCrash for schemas that kill it."""
        return None

    def context_error(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply | None:
        """An error when the prompt and the answer room do not fit the served context."""
        return None

    def rendered(self, messages: list[Any]) -> list[Any]:
        """The conversation as the model sees it once the chat template rendered it."""
        return messages

    def attempt(self, messages: list[Any], answers: int | None, stats: Stats) -> int:
        """The script's attempt index: the earlier answers the harness counted (`X-Farm-Answers`),
        else the assistant messages in the history."""
        return answers if answers is not None else len(_answer_indexes(messages))

    def cut(
        self, result: ToolCall | Prose, max_tokens: int | None, stats: Stats
    ) -> tuple[ToolCall | Prose, str | None]:
        """The reply as sent when it runs past `max_tokens`, and the finish_reason claimed (None: natural).

        The cut keeps `max_tokens * 4` characters, so the reported completion tokens equal max_tokens.
        """
        text = result.arguments if isinstance(result, ToolCall) else result.text
        if self.cut_call_finish is None or max_tokens is None or estimate_tokens(text) <= max_tokens:
            return result, None
        stats.count(self.name, "truncated")
        kept = text[: max_tokens * 4]
        if isinstance(result, ToolCall):
            return ToolCall(result.name, kept), self.cut_call_finish
        return Prose(kept), "length"

    def usage(self, usage: dict[str, Any]) -> dict[str, Any]:
        """The `usage` object as the server reports it."""
        return usage


class _LocalServer(Dialect):
    """What the self-hosted servers share: no provider field, no cost, a context size they enforce."""

    provider = None
    cut_call_finish = "length"

    def model_extras(self, model: ScriptedModel) -> dict[str, Any]:
        return {}

    def usage(self, usage: dict[str, Any]) -> dict[str, Any]:
        return _token_counts(usage)

    def context_error(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply | None:
        if prompt_tokens + (max_tokens or 1) <= self.n_ctx:
            return None
        return self.context_exceeded(prompt_tokens, max_tokens)

    def context_exceeded(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply:
        raise NotImplementedError


class LlamaCpp(_LocalServer):
    """llama-cpp-python's server with `chatml-function-calling` (plus llama-server's discovery endpoints).

    - one slot: requests are served one at a time, and one whose client left keeps the slot until done;
    - an assistant message replayed with `content` null or missing fails its pydantic model: HTTP 500;
    - only a named tool_choice calls a tool (with a grammar); `required` is an HTTP 500 and
      `auto`/`none`/absent answer prose;
    - the grammar is built from the named tool's schema: a regex group extension `(?` or a nested
      `$ref` makes the converter fail and the grammar is silently dropped (answered, counted
      grammar_ignored); otherwise a backslash escape in a `pattern`, or a maxLength above
      LLAMA_SANE_MAX_LENGTH, makes a grammar the C parser dies on: the connection drops (crashes);
    - `tool` messages render as empty turns: feedback sent that way never reaches the model, so the
      answer it was about does not advance the script (see `attempt`);
    - a call cut at max_tokens still claims finish_reason "tool_calls".
    """

    name = "llama.cpp"
    owned_by = "llamacpp"
    cut_call_finish = "tool_calls"

    def __init__(self, n_ctx: int = DEFAULT_N_CTX) -> None:
        super().__init__(n_ctx)
        self._slot = asyncio.Lock()

    def routes(self) -> list[Route]:
        return [
            Route("/props", self.props, methods=["GET"]),
            Route("/slots", self.slots, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
        ]

    async def props(self, request: Request) -> JSONResponse:
        """llama-server's `/props`: where a client finds the context size."""
        return JSONResponse({"default_generation_settings": {"n_ctx": self.n_ctx}, "total_slots": 1})

    async def slots(self, request: Request) -> JSONResponse:
        return JSONResponse([{"id": 0, "n_ctx": self.n_ctx, "is_processing": self._slot.locked()}])

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    def slot(self) -> AbstractAsyncContextManager[Any]:
        return self._slot

    def reject_messages(self, messages: list[Any], stats: Stats) -> ErrorReply | None:
        problems = []
        for index, message in enumerate(messages):
            if not (isinstance(message, dict) and message.get("role") == "assistant"):
                continue
            if "content" not in message:
                problems.append(f"messages.{index}.content\n  Field required [type=missing, input_value="
                                f"{message!r:.60}, input_type=dict]")
            elif message["content"] is None:
                problems.append(f"messages.{index}.content\n  Input should be a valid string "
                                "[type=string_type, input_value=None, input_type=NoneType]")
        if not problems:
            return None
        stats.count(self.name, "null_content_rejected")
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''}"
        message = f"{count} for CreateChatCompletionRequest\n" + "\n".join(problems)
        return ErrorReply(500, "internal_server_error", None, message, extra={"param": None})

    def choose_tool(self, body: dict[str, Any]) -> ToolChoice | ErrorReply:
        name, parameters = forced_tool(body)
        choice = body.get("tool_choice")
        if choice == "required":
            message = "chatml-function-calling supports tool_choice 'auto', 'none' or a named function, not 'required'"
            return ErrorReply(500, "internal_server_error", None, message, extra={"param": None})
        return (name, parameters) if isinstance(choice, dict) else (None, {})

    def check_tools(
        self, tools: list[Any], chosen: str | None, parameters: dict[str, Any], stats: Stats
    ) -> ErrorReply | GrammarDropped | None:
        if chosen is None:
            return None  # no grammar: nothing constrains the answer
        regexes = patterns(parameters)
        if any("(?" in regex for regex in regexes) or nested_refs(parameters):
            stats.count(self.name, "grammar_ignored")
            return GRAMMAR_DROPPED
        escaped = [regex for regex in regexes if "\\" in regex]
        longest = largest(parameters, "maxLength")
        if escaped or longest > LLAMA_SANE_MAX_LENGTH:
            stats.count(self.name, "crashes")
            why = f"unknown escape in pattern {escaped[0]!r}" if escaped else f"maxLength {longest}"
            raise ServerCrash(f"llama.cpp: failed to parse the grammar of {chosen!r} ({why}): segfault")
        return None

    def context_exceeded(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply:
        message = "the request exceeds the available context size, try increasing it"
        extra = {"n_prompt_tokens": prompt_tokens, "n_ctx": self.n_ctx}
        return ErrorReply(400, "exceed_context_size_error", 400, message, extra=extra)

    def rendered(self, messages: list[Any]) -> list[Any]:
        return [{**m, "content": ""} if isinstance(m, dict) and m.get("role") == "tool" else m for m in messages]

    def attempt(self, messages: list[Any], answers: int | None, stats: Stats) -> int:
        """Earlier answers whose feedback reached the model: feedback only in `tool` messages renders
        empty, so that answer does not count (the model repeats itself) and the request counts
        tool_feedback_dropped; a non-empty `user` message after the answer does reach it.

        Answers the history leaves out (`X-Farm-Answers` above the assistant messages shown) are
        taken to have had their feedback sent the way the latest shown one did.
        """
        shown = _answer_indexes(messages)
        feedback = [_feedback_role(messages, index) for index in shown]
        if "tool" in feedback:
            stats.count(self.name, "tool_feedback_dropped")
        reached = [role == "user" for role in feedback]
        given = answers if answers is not None else len(shown)
        hidden = max(0, given - len(shown))
        return min(given, sum(reached) + (hidden if not reached or reached[-1] else 0))


class Vllm(_LocalServer):
    """vLLM with auto tool choice enabled: every tool_choice honoured (`none` answers prose), a
    `max_model_len` in the model list, OpenAI's context wording, and an honest "length" when cut."""

    name = "vllm"
    owned_by = "vllm"

    def model_extras(self, model: ScriptedModel) -> dict[str, Any]:
        return {"root": model.name, "parent": None, "max_model_len": self.n_ctx}

    def choose_tool(self, body: dict[str, Any]) -> ToolChoice | ErrorReply:
        chosen = forced_tool(body)
        return (None, {}) if body.get("tool_choice") == "none" else chosen

    def context_exceeded(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply:
        if max_tokens is None:
            detail = (f"However, your messages resulted in {prompt_tokens} tokens. "
                      "Please reduce the length of the messages.")
        else:
            detail = (f"However, you requested {prompt_tokens + max_tokens} tokens ({prompt_tokens} in the messages, "
                      f"{max_tokens} in the completion). Please reduce the length of the messages or completion.")
        message = f"This model's maximum context length is {self.n_ctx} tokens. {detail}"
        return ErrorReply(400, "BadRequestError", 400, message, extra={"param": None})

    def usage(self, usage: dict[str, Any]) -> dict[str, Any]:
        return {**_token_counts(usage), "prompt_tokens_details": None}


class Ollama(_LocalServer):
    """Ollama's OpenAI API: tool_choice ignored (the model decides, as with `auto`: the script may
    answer prose), schemas only prompted (never enforced) but a recursive `$ref` refused with a 400,
    and no context error (Ollama silently truncates the prompt to num_ctx)."""

    name = "ollama"
    owned_by = "library"

    def routes(self) -> list[Route]:
        return [Route("/api/version", self.version, methods=["GET"])]

    async def version(self, request: Request) -> JSONResponse:
        return JSONResponse({"version": OLLAMA_VERSION})

    def choose_tool(self, body: dict[str, Any]) -> ToolChoice | ErrorReply:
        return forced_tool({key: value for key, value in body.items() if key != "tool_choice"})

    def check_tools(
        self, tools: list[Any], chosen: str | None, parameters: dict[str, Any], stats: Stats
    ) -> ErrorReply | GrammarDropped | None:
        for index, tool in enumerate(tools):
            ref = recursive_ref(tool["function"].get("parameters") or {})
            if ref is not None:
                message = f"invalid JSON schema in tools[{index}].function.parameters: recursive $ref {ref!r}"
                return ErrorReply(400, "invalid_request_error", None, message, extra={"param": None})
        return None

    def context_error(self, prompt_tokens: int, max_tokens: int | None) -> ErrorReply | None:
        return None


PLAIN = Dialect()
DIALECTS: tuple[type[Dialect], ...] = (LlamaCpp, Vllm, Ollama)
DIALECT_NAMES: tuple[str, ...] = tuple(dialect.name for dialect in DIALECTS)


def make_dialects(n_ctx: int = DEFAULT_N_CTX) -> dict[str, Dialect]:
    """One instance of each dialect, by name; each app gets its own (llama.cpp's slot is per server)."""
    return {dialect.name: dialect(n_ctx) for dialect in DIALECTS}
