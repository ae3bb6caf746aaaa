"""The simulator's dialects over HTTP (`/dialect/{name}/v1`), driven by the real `openai` client.

Each test pins one thing a real server does (shared/real-servers.md) so the harness's rules for it
can be tested fast: llama.cpp's crashes, dropped grammars, 500s, empty tool turns, lying finish
reason and single slot; vLLM's context wording and honest truncation; Ollama's ignored tool_choice
and refused recursive schemas.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import json_repair
import openai
import pytest

from farm.sim import SimAdmin, SimServer
from farm.sim.behaviours import PROSE_TEXT
from farm.sim.fixtures import load_fixtures
from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan

pytestmark = pytest.mark.integration

BOOK = load_fixtures().books["todo"]
PLAN = "analyze/plan"  # the learner: invalid_json, schema_invalid, answer@duplicate-actor, answer
WRITE = "analyze/write-user-accounts"
DIALECTS = ("llama.cpp", "vllm", "ollama")


def tool(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


def string_schema(**string: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"host": {"type": "string", **string}}, "required": ["host"]}


RAW_PLAN_SCHEMA = AnalyzePlan.model_json_schema()
# The rewrite real-servers.md found to make llama.cpp's grammar converter accept the schema.
SAFE_PLAN_TOOL = tool("analyze_plan", json.loads(json.dumps(RAW_PLAN_SCHEMA).replace("\\\\.", "[.]")))
RAW_PLAN_TOOL = tool("analyze_plan", RAW_PLAN_SCHEMA)
WRITE_TOOL = tool("analyze_write_document", AnalysisDocument.model_json_schema())
NESTED_REF_TOOL = tool("nested", {
    "type": "object",
    "properties": {"a": {"$ref": "#/$defs/A"}},
    "required": ["a"],
    "$defs": {"A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}}, "B": {"type": "string"}},
})  # fmt: skip
RECURSIVE_TOOL = tool("tree", {
    "type": "object",
    "properties": {"root": {"$ref": "#/$defs/Node"}},
    "required": ["root"],
    "$defs": {"Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}},
})  # fmt: skip


def named(t: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": t["function"]["name"]}}


def conversation(answers: int = 0, feedback: str = "tool") -> list[dict[str, Any]]:
    """The harness's messages after `answers` rejected answers, feedback sent as `feedback` role."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You analyse requirements."},
        {"role": "user", "content": "Plan the todo app."},
    ]
    for index in range(answers):
        call = {"id": f"call_{index}", "type": "function", "function": {"name": "analyze_plan", "arguments": "{}"}}
        messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        if feedback == "tool":
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": "actors: field required"})
        else:
            messages.append({"role": "user", "content": "Your call was rejected: actors: field required"})
    return messages


def client_for(sim: SimServer, dialect: str | None, timeout: float = 20) -> openai.OpenAI:
    base_url = sim.dialect_url(dialect) if dialect else sim.base_url
    return openai.OpenAI(base_url=base_url, api_key="sim", max_retries=0, timeout=timeout)


def complete(
    client: openai.OpenAI,
    operation: str | None = PLAN,
    t: dict[str, Any] = SAFE_PLAN_TOOL,
    *,
    model: str = "sim/clean",
    messages: list[dict[str, Any]] | None = None,
    choice: Any = "named",
    max_tokens: int = 4096,
    headers: dict[str, str] | None = None,
) -> Any:
    """One call as the harness makes it: a named tool choice by default."""
    extra = {**({"X-Farm-Operation": operation} if operation else {}), **(headers or {})}
    return client.chat.completions.create(
        model=model,
        messages=messages or conversation(),
        tools=[t],
        tool_choice=named(t) if choice == "named" else choice,
        max_tokens=max_tokens,
        temperature=0,
        extra_headers=extra or None,
    )


def arguments(completion: Any) -> str:
    return completion.choices[0].message.tool_calls[0].function.arguments


def counters(admin: SimAdmin, dialect: str) -> dict[str, int]:
    return admin.stats()["dialects"][dialect]


@pytest.fixture
def admin(sim_admin: SimAdmin) -> SimAdmin:
    return sim_admin


# --- URLs, model lists, native endpoints --------------------------------------------------------


def test_each_dialect_lists_models_as_its_server_does(sim: SimServer, admin: SimAdmin) -> None:
    owners = {}
    for dialect in DIALECTS:
        models = {m.id: m for m in client_for(sim, dialect).models.list()}
        assert {"sim/clean", "sim/learner"} <= set(models)
        owners[dialect] = models["sim/clean"].owned_by
        assert "pricing" not in models["sim/clean"].model_extra  # local servers have no prices
    assert owners == {"llama.cpp": "llamacpp", "vllm": "vllm", "ollama": "library"}
    vllm = {m.id: m for m in client_for(sim, "vllm").models.list()}
    assert vllm["sim/clean"].model_extra["max_model_len"] == 8192
    plain = {m.id: m for m in client_for(sim, None).models.list()}
    assert plain["sim/clean"].owned_by == "benchfarm-sim" and "pricing" in plain["sim/clean"].model_extra


def test_native_endpoints_live_under_the_dialect_prefix(sim: SimServer, admin: SimAdmin) -> None:
    llama = f"{sim.root}/dialect/llama.cpp"
    assert httpx.get(f"{llama}/props").json() == {"default_generation_settings": {"n_ctx": 8192}, "total_slots": 1}
    slots = httpx.get(f"{llama}/slots").json()
    assert [(s["id"], s["is_processing"]) for s in slots] == [(0, False)]
    assert httpx.get(f"{llama}/health").json() == {"status": "ok"}
    version = httpx.get(f"{sim.root}/dialect/ollama/api/version").json()["version"]
    assert version.startswith("0.") and version.count(".") == 2
    assert httpx.get(f"{sim.root}/dialect/vllm/props").status_code == 404  # only llama.cpp has /props
    assert httpx.get(f"{sim.root}/dialect/ollama/props").status_code == 404
    unknown = httpx.get(f"{sim.root}/dialect/tgi/v1/models")
    assert unknown.status_code == 404 and "llama.cpp, vllm, ollama" in unknown.json()["error"]["message"]
    assert SimAdmin(sim.dialect_url("vllm")).stats()["requests"] == 0  # admin finds the root from a dialect URL


def test_the_context_size_is_configurable() -> None:
    with SimServer(n_ctx=2048) as server:
        assert httpx.get(f"{server.root}/dialect/llama.cpp/props").json()["default_generation_settings"]["n_ctx"] == 2048
        assert httpx.get(f"{server.root}/dialect/llama.cpp/slots").json()[0]["n_ctx"] == 2048
        vllm = {m.id: m for m in client_for(server, "vllm").models.list()}
        assert vllm["sim/clean"].model_extra["max_model_len"] == 2048
        with pytest.raises(openai.BadRequestError) as info:
            complete(client_for(server, "llama.cpp"), WRITE, WRITE_TOOL, max_tokens=2048)
        assert info.value.body["n_ctx"] == 2048


# --- llama.cpp ------------------------------------------------------------------------------------


def test_llama_rejects_a_replayed_answer_without_content(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    null = conversation(1, "user")
    null[2]["content"] = None
    with pytest.raises(openai.InternalServerError) as info:
        complete(client, messages=null)
    assert "messages.2.content" in info.value.message and "validation error" in info.value.message
    missing = conversation(2, "user")
    del missing[4]["content"]
    with pytest.raises(openai.InternalServerError) as info:
        complete(client, messages=missing)
    assert "messages.4.content" in info.value.message and "Field required" in info.value.message
    assert complete(client, messages=conversation(1, "user")).choices[0].finish_reason == "tool_calls"  # "" is fine
    assert counters(admin, "llama.cpp")["null_content_rejected"] == 2
    assert complete(client_for(sim, None), messages=null).choices[0].finish_reason == "tool_calls"  # plain /v1 takes null


def test_llama_crashes_on_an_escaped_pattern_and_serves_the_next_request(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    with pytest.raises(openai.APIConnectionError):
        complete(client, t=RAW_PLAN_TOOL)  # the project's own schema: pattern ^...\.md$
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):  # no status line at all: the process died
        body = {"model": "sim/clean", "messages": conversation(), "tools": [RAW_PLAN_TOOL], "tool_choice": named(RAW_PLAN_TOOL)}
        httpx.post(f"{sim.dialect_url('llama.cpp')}/chat/completions", json=body)
    assert json.loads(arguments(complete(client))) == BOOK[PLAN]  # still alive; the rewritten schema passes
    stats = admin.stats()
    assert stats["dialects"]["llama.cpp"]["crashes"] == 2 and stats["by_status"] == {"dropped": 2, "200": 1}
    assert stats["in_flight"] == 0
    assert complete(client_for(sim, "vllm"), t=RAW_PLAN_TOOL).choices[0].finish_reason == "tool_calls"


def test_llama_crashes_on_a_huge_max_length(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    huge = tool("long", string_schema(maxLength=30_000))
    with pytest.raises(openai.APIConnectionError):
        complete(client, None, huge)
    bounded = tool("long", string_schema(maxLength=1000))
    assert json.loads(arguments(complete(client, None, bounded))) == {"host": "x"}
    assert counters(admin, "llama.cpp")["crashes"] == 1


def test_llama_silently_drops_a_grammar_it_cannot_convert(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    # the converter fails on `(?` before the escape could reach the parser: no crash, no grammar
    # and the model fills the generic fallback grammar with placeholders shaped like no schema
    group = tool("host", string_schema(pattern=r"^(?:[a-z]+\.)+[a-z]+$"))
    placeholders = {"arg1": "value1", "arg2": "value2"}
    assert json.loads(arguments(complete(client, None, group))) == placeholders
    assert counters(admin, "llama.cpp")["grammar_ignored"] == 1
    assert json.loads(arguments(complete(client, None, NESTED_REF_TOOL))) == placeholders
    assert complete(client, WRITE, WRITE_TOOL).choices[0].finish_reason == "tool_calls"  # $defs without nesting: kept
    assert counters(admin, "llama.cpp") == {
        "crashes": 0, "grammar_ignored": 2, "null_content_rejected": 0, "tool_feedback_dropped": 0, "truncated": 0
    }  # fmt: skip


def test_llama_calls_a_tool_only_when_it_is_named(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    with pytest.raises(openai.InternalServerError) as info:
        complete(client, choice="required")
    assert "required" in info.value.message
    for choice in ("auto", "none"):
        prose = complete(client, choice=choice)
        assert prose.choices[0].finish_reason == "stop" and not prose.choices[0].message.tool_calls
        assert prose.choices[0].message.content == PROSE_TEXT
    assert json.loads(arguments(complete(client))) == BOOK[PLAN]
    plain = complete(client_for(sim, None), choice="required")  # the plain /v1 calls the first tool
    assert json.loads(arguments(plain)) == BOOK[PLAN]


def test_llama_never_sees_feedback_sent_in_tool_messages(sim: SimServer, admin: SimAdmin) -> None:
    llama, plain = client_for(sim, "llama.cpp"), client_for(sim, None)

    def learner(client: openai.OpenAI, answers: int, feedback: str, headers: dict[str, str] | None = None) -> str:
        return arguments(complete(client, model="sim/learner", messages=conversation(answers, feedback), headers=headers))

    # through tool messages the learner repeats its first, irreparable answer forever...
    for answers in range(4):
        assert not isinstance(json_repair.loads(learner(llama, answers, "tool")), dict)
    assert counters(admin, "llama.cpp")["tool_feedback_dropped"] == 3  # the three requests holding feedback
    # ...while the plain endpoint reads the same conversation as progress
    assert json.loads(learner(plain, 3, "tool")) == BOOK[PLAN]
    # feedback in user messages reaches it: the learner converges as scripted
    assert "actors" not in json.loads(learner(llama, 1, "user"))
    assert json.loads(learner(llama, 2, "user")) == BOOK["analyze/plan@duplicate-actor"]
    assert json.loads(learner(llama, 3, "user")) == BOOK[PLAN]
    # the harness replays only its latest answer and counts them in X-Farm-Answers
    assert json.loads(learner(llama, 1, "user", {"X-Farm-Answers": "3"})) == BOOK[PLAN]
    assert not isinstance(json_repair.loads(learner(llama, 1, "tool", {"X-Farm-Answers": "3"})), dict)
    assert counters(admin, "llama.cpp")["tool_feedback_dropped"] == 4
    # the empty turn is not in the prompt either
    vllm = client_for(sim, "vllm")
    for feedback, fewer in (("tool", True), ("user", False)):
        messages = conversation(1, feedback)
        prompts = [complete(c, messages=messages).usage.prompt_tokens for c in (llama, vllm)]
        assert (prompts[0] < prompts[1]) is fewer


def test_llama_refuses_a_request_beyond_its_context(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "llama.cpp")
    prompt = complete(client, max_tokens=16).usage.prompt_tokens
    assert complete(client, max_tokens=8192 - prompt).choices[0].finish_reason == "tool_calls"  # fits exactly
    with pytest.raises(openai.BadRequestError) as info:
        complete(client, max_tokens=8192 - prompt + 1)
    error = info.value.body
    assert error["message"].startswith("the request exceeds the available context size")
    assert error["type"] == "exceed_context_size_error" and error["code"] == 400
    assert (error["n_prompt_tokens"], error["n_ctx"]) == (prompt, 8192)


def test_llama_cuts_a_call_at_max_tokens_and_still_says_tool_calls(sim: SimServer, admin: SimAdmin) -> None:
    whole = json.dumps(BOOK[PLAN], ensure_ascii=False)
    cut = complete(client_for(sim, "llama.cpp"), max_tokens=10)
    assert cut.choices[0].finish_reason == "tool_calls"  # the lie: the answer was cut
    assert arguments(cut) == whole[:40] and cut.usage.completion_tokens == 10
    prose = complete(client_for(sim, "llama.cpp"), choice="auto", max_tokens=5)  # only calls lie
    assert prose.choices[0].finish_reason == "length" and prose.choices[0].message.content == PROSE_TEXT[:20]
    assert counters(admin, "llama.cpp")["truncated"] == 2
    assert set(cut.usage.model_dump(exclude_none=True)) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert "provider" not in cut.model_extra


def test_llama_serves_one_request_at_a_time(sim: SimServer, admin: SimAdmin) -> None:
    admin.inject("slow", model="sim/clean", count=6, delay=0.5)
    busy: list[bool] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            busy.append(httpx.get(f"{sim.root}/dialect/llama.cpp/slots").json()[0]["is_processing"])
            time.sleep(0.05)

    async def burst(dialect: str) -> float:
        async with openai.AsyncOpenAI(base_url=sim.dialect_url(dialect), api_key="sim", max_retries=0) as client:
            started = time.monotonic()
            results = await asyncio.gather(*(
                client.chat.completions.create(
                    model="sim/clean", messages=conversation(), tools=[SAFE_PLAN_TOOL],
                    tool_choice=named(SAFE_PLAN_TOOL), extra_headers={"X-Farm-Operation": PLAN},
                )
                for _ in range(3)
            ))  # fmt: skip
            assert all(json.loads(arguments(r)) == BOOK[PLAN] for r in results)
            return time.monotonic() - started

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        serial = asyncio.run(burst("llama.cpp"))
    finally:
        done.set()
        watcher.join()
    parallel = asyncio.run(burst("vllm"))
    assert serial >= 1.5  # three slow answers of 0.5 s+ one after the other
    assert parallel < 1.2  # vLLM batches them
    assert True in busy
    assert httpx.get(f"{sim.root}/dialect/llama.cpp/slots").json()[0]["is_processing"] is False


def test_an_abandoned_llama_request_keeps_the_slot_until_done(sim: SimServer, admin: SimAdmin) -> None:
    admin.inject("slow", model="sim/clean", count=1, delay=1.2)
    with pytest.raises(openai.APITimeoutError):
        complete(client_for(sim, "llama.cpp", timeout=0.3))
    assert httpx.get(f"{sim.root}/dialect/llama.cpp/slots").json()[0]["is_processing"] is True
    started = time.monotonic()
    assert complete(client_for(sim, "llama.cpp")).choices[0].finish_reason == "tool_calls"
    assert time.monotonic() - started >= 0.6  # it waited for the abandoned generation
    assert httpx.get(f"{sim.root}/dialect/llama.cpp/slots").json()[0]["is_processing"] is False


# --- vLLM and Ollama --------------------------------------------------------------------------------


def test_vllm_refuses_a_request_beyond_max_model_len_in_its_words(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "vllm")
    prompt = complete(client, max_tokens=16).usage.prompt_tokens
    with pytest.raises(openai.BadRequestError) as info:
        complete(client, max_tokens=8192)
    assert info.value.body["message"] == (
        f"This model's maximum context length is 8192 tokens. However, you requested {prompt + 8192} tokens "
        f"({prompt} in the messages, 8192 in the completion). Please reduce the length of the messages or completion."
    )
    assert complete(client_for(sim, "ollama"), max_tokens=8192).choices[0].finish_reason == "tool_calls"  # no limit told
    assert complete(client_for(sim, None), max_tokens=100_000).choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(("dialect", "finish"), [("llama.cpp", "tool_calls"), ("vllm", "length"), ("ollama", "length")])
def test_a_cut_call_per_dialect(sim: SimServer, admin: SimAdmin, dialect: str, finish: str) -> None:
    cut = complete(client_for(sim, dialect), max_tokens=12)
    assert (cut.choices[0].finish_reason, cut.usage.completion_tokens) == (finish, 12)
    with pytest.raises(ValueError):
        json.loads(arguments(cut))
    assert counters(admin, dialect)["truncated"] == 1
    assert "cost" not in cut.usage.model_extra and "provider" not in cut.model_extra


def test_the_plain_endpoint_never_cuts(sim: SimServer, admin: SimAdmin) -> None:
    whole = complete(client_for(sim, None), max_tokens=12)
    assert whole.choices[0].finish_reason == "tool_calls" and json.loads(arguments(whole)) == BOOK[PLAN]
    assert whole.model_extra["provider"] == "benchfarm-sim" and "cost" in whole.usage.model_extra
    assert all(not any(c.values()) for c in admin.stats()["dialects"].values())


def test_vllm_honours_every_tool_choice(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "vllm")
    for choice in ("named", "required", "auto"):
        assert json.loads(arguments(complete(client, choice=choice))) == BOOK[PLAN]
    none = complete(client, choice="none")
    assert none.choices[0].finish_reason == "stop" and not none.choices[0].message.tool_calls
    assert none.usage.prompt_tokens_details is None


def test_ollama_ignores_tool_choice(sim: SimServer, admin: SimAdmin) -> None:
    client = client_for(sim, "ollama")
    for choice in ("none", "required", {"type": "function", "function": {"name": "not_offered"}}):
        assert json.loads(arguments(complete(client, choice=choice))) == BOOK[PLAN]
    with pytest.raises(openai.BadRequestError):  # the plain endpoint checks the name
        complete(client_for(sim, None), choice={"type": "function", "function": {"name": "not_offered"}})
    # as with `auto`, the model may answer prose when its script says so, named tool or not
    prose = complete(client, WRITE, WRITE_TOOL, model="sim/learner")
    assert prose.choices[0].finish_reason == "stop" and prose.choices[0].message.content == PROSE_TEXT


def test_ollama_refuses_a_recursive_schema(sim: SimServer, admin: SimAdmin) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        complete(client_for(sim, "ollama"), None, RECURSIVE_TOOL)
    message = info.value.body["message"]
    assert message.startswith("invalid JSON schema") and "#/$defs/Node" in message
    assert json.loads(arguments(complete(client_for(sim, "ollama"), None, NESTED_REF_TOOL))) == {"a": {}}
    assert json.loads(arguments(complete(client_for(sim, "vllm"), None, RECURSIVE_TOOL))) == {"root": {}}
    dropped = json.loads(arguments(complete(client_for(sim, "llama.cpp"), None, RECURSIVE_TOOL)))
    assert dropped == {"arg1": "value1", "arg2": "value2"}
    assert counters(admin, "llama.cpp")["grammar_ignored"] == 1  # a $ref inside a definition: no grammar
