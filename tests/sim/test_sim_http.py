"""The simulator over HTTP, driven by the real `openai` client, as the harness will drive it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import json_repair
import openai
import pytest
import yaml

from farm.ratelimit import EndpointLimit
from farm.sim import FixtureError, SimAdmin, SimServer
from farm.sim.fixtures import load_fixtures
from farm.spec import ModelSpec
from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan

pytestmark = pytest.mark.integration

BOOK = load_fixtures().books["todo"]
PLAN_TOOL = {
    "type": "function",
    "function": {"name": "analyze_plan", "description": "Plan it.", "parameters": AnalyzePlan.model_json_schema()},
}
WRITE_TOOL = {
    "type": "function",
    "function": {"name": "analyze_write_document", "parameters": AnalysisDocument.model_json_schema()},
}


@pytest.fixture
def admin(sim_admin: SimAdmin) -> SimAdmin:
    """The shared simulator's admin client (tests/conftest.py resets it per test)."""
    return sim_admin


@pytest.fixture
def client(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url, api_key="sim", max_retries=0, timeout=20)


def call(
    client: openai.OpenAI,
    model: str,
    operation: str | None,
    tool: dict[str, Any] = PLAN_TOOL,
    retries: int = 0,
) -> Any:
    """One forced call as the harness makes it; `retries` earlier attempts sit in the conversation."""
    name = tool["function"]["name"]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You analyse requirements."},
        {"role": "user", "content": "Plan the todo app."},
    ]
    for index in range(retries):
        previous = {"id": f"call_{index}", "type": "function", "function": {"name": name, "arguments": "{}"}}
        messages.append({"role": "assistant", "content": None, "tool_calls": [previous]})
        messages.append({"role": "tool", "tool_call_id": previous["id"], "content": "actors: field required"})
    return client.chat.completions.create(
        model=model,
        messages=messages,
        tools=[tool],
        tool_choice={"type": "function", "function": {"name": name}},
        temperature=0,
        seed=7,
        max_tokens=4096,
        extra_headers={"X-Farm-Operation": operation} if operation else None,
        extra_body={"provider": {"order": ["sim"]}, "usage": {"include": True}},
    )


def arguments(completion: Any) -> str:
    assert completion.choices[0].finish_reason == "tool_calls"
    return completion.choices[0].message.tool_calls[0].function.arguments


def test_forced_call_returns_the_book_answer_with_usage(client: openai.OpenAI, admin: SimAdmin) -> None:
    completion = call(client, "sim/clean", "analyze/plan")
    call_ = completion.choices[0].message.tool_calls[0]
    assert call_.function.name == "analyze_plan"
    assert AnalyzePlan.model_validate_json(call_.function.arguments).model_dump() == BOOK["analyze/plan"]
    assert completion.model_extra["provider"] == "benchfarm-sim"
    usage = completion.usage
    assert usage.completion_tokens == (len(call_.function.arguments) + 3) // 4
    assert usage.prompt_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details.cached_tokens == 0 and usage.completion_tokens_details.reasoning_tokens == 0
    expected = (usage.prompt_tokens * 0.50 + usage.completion_tokens * 1.50) / 1e6
    assert usage.model_extra["cost"] == pytest.approx(expected)


def test_named_endpoints_play_the_same_models_as_servers_of_their_own(sim: SimServer) -> None:
    """`/endpoint/NAME/v1` is the plain API again: one simulator stands for several servers, and the
    farm, which shares a limit by base URL, gives each its own slots."""
    urls = [f"{sim.root}/endpoint/{name}/v1" for name in ("a", "b")]
    for url in urls:
        named = openai.OpenAI(base_url=url, api_key="sim", max_retries=0, timeout=20)
        assert arguments(call(named, "sim/clean", "analyze/plan")) == arguments(call(named, "sim/clean", "analyze/plan"))
        assert "sim/clean" in [m.id for m in named.models.list()]
    limits = [EndpointLimit.of(ModelSpec.model_validate({"id": "sim/clean", "endpoint": {"kind": "simulator",
              "base_url": url}, "prices": {"input": 0, "output": 0}})) for url in urls]  # fmt: skip
    assert limits[0].keys[0] != limits[1].keys[0]


def test_a_retry_reports_the_conversation_prefix_as_cached(client: openai.OpenAI, admin: SimAdmin) -> None:
    first, retry = call(client, "sim/clean", "analyze/plan"), call(client, "sim/clean", "analyze/plan", retries=1)
    assert retry.usage.prompt_tokens_details.cached_tokens == first.usage.prompt_tokens
    assert retry.usage.prompt_tokens > first.usage.prompt_tokens


def test_a_probe_without_operation_gets_a_filled_schema(client: openai.OpenAI, admin: SimAdmin) -> None:
    properties = {"ok": {"type": "boolean"}, "n": {"type": "integer"}}
    parameters = {"type": "object", "properties": properties, "required": ["ok"]}
    tool = {"type": "function", "function": {"name": "ping", "parameters": parameters}}
    for model in ("sim/clean", "sim/broken"):  # the script plays only on operations
        assert json.loads(arguments(call(client, model, None, tool))) == {"ok": False}
    assert admin.stats()["filled"] == 2


def test_the_learner_converges_through_feedback(client: openai.OpenAI, admin: SimAdmin) -> None:
    plan = [arguments(call(client, "sim/learner", "analyze/plan", retries=i)) for i in range(4)]
    assert not isinstance(json_repair.loads(plan[0]), dict)
    assert "actors" not in json.loads(plan[1])
    assert json.loads(plan[2]) == BOOK["analyze/plan@duplicate-actor"]
    assert json.loads(plan[3]) == BOOK["analyze/plan"]
    prose = call(client, "sim/learner", "analyze/write-user-accounts", WRITE_TOOL)
    assert prose.choices[0].finish_reason == "stop" and not prose.choices[0].message.tool_calls
    assert prose.choices[0].message.content
    fenced = arguments(call(client, "sim/learner", "analyze/write-user-accounts", WRITE_TOOL, retries=1))
    assert json_repair.loads(fenced) == BOOK["analyze/write-user-accounts"]
    by_behaviour = admin.stats()["by_behaviour"]
    assert by_behaviour == dict.fromkeys(
        ["invalid_json", "schema_invalid", "answer@duplicate-actor", "answer", "prose", "broken_json"], 1
    )


def test_the_broken_model_never_satisfies_the_schema(client: openai.OpenAI, admin: SimAdmin) -> None:
    for attempt in range(3):
        with pytest.raises(ValueError):
            AnalyzePlan.model_validate_json(arguments(call(client, "sim/broken", "analyze/plan", retries=attempt)))


def test_rate_limit_carries_retry_after(client: openai.OpenAI, admin: SimAdmin) -> None:
    admin.inject("rate_limit", model="sim/clean", retry_after=2.5)
    with pytest.raises(openai.RateLimitError) as info:
        call(client, "sim/clean", "analyze/plan")
    assert info.value.response.headers["retry-after"] == "2.5"
    assert info.value.code == "rate_limit_exceeded"


def test_faults_are_consumed_in_order(client: openai.OpenAI, admin: SimAdmin) -> None:
    admin.inject("rate_limit", retry_after=0.1)
    admin.inject("server_error", model="sim/clean", count=2)
    admin.inject("payment_required")
    assert admin.inject("context_length") == 5
    errors: list[type[Exception]] = [
        openai.RateLimitError,
        openai.InternalServerError,
        openai.InternalServerError,
        openai.APIStatusError,
        openai.BadRequestError,
    ]
    statuses = []
    for error in errors:
        with pytest.raises(error) as info:
            call(client, "sim/clean", "analyze/plan")
        statuses.append(info.value.status_code)
    assert statuses == [429, 500, 500, 402, 400]
    assert info.value.code == "context_length_exceeded"
    assert arguments(call(client, "sim/clean", "analyze/plan"))  # queue drained: back to the script
    assert admin.stats()["faults_pending"] == 0


def test_faults_only_hit_matching_model_and_operation(client: openai.OpenAI, admin: SimAdmin) -> None:
    admin.inject("prose", model="sim/learner", operation="analyze/plan")
    assert arguments(call(client, "sim/clean", "analyze/plan"))
    assert arguments(call(client, "sim/learner", "analyze/write-x", retries=1))
    assert call(client, "sim/learner", "analyze/plan", retries=3).choices[0].finish_reason == "stop"


def test_unknown_model_and_bad_requests(sim: SimServer, client: openai.OpenAI, admin: SimAdmin) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        call(client, "sim/nobody", "analyze/plan")
    assert "sim/clean" in info.value.message
    response = httpx.post(f"{sim.base_url}/chat/completions", content=b"not json")
    assert response.status_code == 400 and "'model'" in response.json()["error"]["message"]
    forced = {"type": "function", "function": {"name": "other"}}
    body = {"model": "sim/clean", "messages": [], "tools": [PLAN_TOOL], "tool_choice": forced}
    response = httpx.post(f"{sim.base_url}/chat/completions", json=body)
    assert response.status_code == 400 and "'other'" in response.json()["error"]["message"]
    streamed = httpx.post(f"{sim.base_url}/chat/completions", json={"model": "sim/clean", "messages": [], "stream": True})
    assert streamed.status_code == 400 and "stream" in streamed.json()["error"]["message"]
    with pytest.raises(RuntimeError, match="not a scripted model"):
        admin.inject("prose", model="sim/nobody")
    with pytest.raises(RuntimeError, match="kind"):
        admin.inject("explode")


def test_stats_count_by_model_operation_status_and_behaviour(client: openai.OpenAI, admin: SimAdmin) -> None:
    call(client, "sim/clean", "analyze/plan")
    call(client, "sim/clean", "analyze/write-user-accounts", WRITE_TOOL)
    call(client, "sim/broken", "analyze/plan")
    admin.inject("rate_limit", retry_after=0)
    with pytest.raises(openai.RateLimitError):
        call(client, "sim/clean", "analyze/plan")
    with pytest.raises(openai.NotFoundError):
        call(client, "nobody", None)
    stats = admin.stats()
    assert stats["requests"] == 5 and stats["in_flight"] == 0 and stats["peak_in_flight"] == 1
    assert stats["by_model"] == {"sim/clean": 3, "sim/broken": 1, "nobody": 1}
    assert stats["by_operation"] == {"analyze/plan": 3, "analyze/write-user-accounts": 1, "-": 1}
    assert stats["by_status"] == {"200": 3, "429": 1, "404": 1}
    assert stats["by_behaviour"] == {"answer": 2, "schema_invalid": 1, "rate_limit": 1}
    admin.reset()
    assert admin.stats()["requests"] == 0


def test_concurrency_peak_is_measured(sim: SimServer, admin: SimAdmin) -> None:
    admin.inject("slow", model="sim/clean", count=8, delay=1.0)

    async def burst() -> list[Any]:
        async with openai.AsyncOpenAI(base_url=sim.base_url, api_key="sim", max_retries=0) as client:
            return await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="sim/clean",
                        messages=[{"role": "user", "content": "go"}],
                        tools=[PLAN_TOOL],
                        extra_headers={"X-Farm-Operation": "analyze/plan"},
                    )
                    for _ in range(8)
                )
            )

    started = time.monotonic()
    results = asyncio.run(burst())
    assert time.monotonic() - started < 4.0  # the eight slow answers overlapped
    assert all(json.loads(arguments(r)) == BOOK["analyze/plan"] for r in results)
    stats = admin.stats()
    assert stats["peak_in_flight"] == 8 and stats["in_flight"] == 0 and stats["by_behaviour"] == {"slow": 8}


def test_models_are_listed_with_prices(client: openai.OpenAI, admin: SimAdmin) -> None:
    models = {m.id: m for m in client.models.list()}
    assert {"sim/clean", "sim/learner", "sim/broken"} <= set(models)
    assert float(models["sim/clean"].model_extra["pricing"]["prompt"]) == pytest.approx(0.5e-6)


def test_a_scripted_variant_and_latency_from_a_custom_scripts_dir(
    scripts_dir: Path, make_model: Callable[..., Path]
) -> None:
    make_model("thin", latency_ms=300, script={"analyze/write-*": [{"answer": "thin"}]})
    with SimServer(scripts_dir) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sim", max_retries=0)
        started = time.monotonic()
        thin = arguments(call(client, "test/thin", "analyze/write-user-accounts", WRITE_TOOL))
        assert time.monotonic() - started >= 0.3
        assert json.loads(thin) == BOOK["analyze/write-user-accounts@thin"]
        # The rule plays its variant only where the book has it: another document is answered right.
        plain = arguments(call(client, "test/thin", "analyze/write-service-overview", WRITE_TOOL))
        assert json.loads(plain) == BOOK["analyze/write-service-overview"]


def test_a_calls_project_selects_its_book_and_the_scripts_variants_in_it(tmp_path: Path) -> None:
    """`X-Farm-Project` picks the project book the simulator was given; other projects keep todo's."""
    plan = {**BOOK["analyze/plan"], "actors": BOOK["analyze/plan"]["actors"][:1]}
    damaged = {**plan, "actors": plan["actors"] * 2}
    book = tmp_path / "tiny"
    book.mkdir()
    (book / "analyze.yaml").write_text(yaml.safe_dump({"analyze/plan": plan, "analyze/plan@duplicate-actor": damaged}))
    with SimServer(project_books={"tiny": book}) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sim", max_retries=0)

        def plan_of(project: str, retries: int) -> Any:
            completion = client.chat.completions.create(
                model="sim/learner", messages=[{"role": "user", "content": "plan"}], tools=[PLAN_TOOL],
                extra_headers={"X-Farm-Operation": "analyze/plan", "X-Farm-Project": project, "X-Farm-Answers": str(retries)},
            )  # fmt: skip
            return json.loads(arguments(completion))

        assert plan_of("tiny", 3) == plan and plan_of("todo", 3) == BOOK["analyze/plan"]
        assert plan_of("tiny", 2) == damaged  # the learner's `{answer: duplicate-actor}`, on this book's plan


def test_an_invalid_fixture_fails_before_serving(scripts_dir: Path, make_model: Callable[..., Path]) -> None:
    path = make_model("bad", latency_ms=-5)
    with pytest.raises(FixtureError, match="latency_ms") as info:
        SimServer(scripts_dir)
    assert str(path) in str(info.value)


def test_stopping_does_not_wait_for_a_slow_request(scripts_dir: Path) -> None:
    with SimServer(scripts_dir) as server:
        SimAdmin(server.base_url).inject("slow", delay=30)
        started = time.monotonic()
        with pytest.raises(httpx.HTTPError):
            httpx.post(f"{server.base_url}/chat/completions", json={"model": "sim/clean", "messages": []}, timeout=0.5)
    assert time.monotonic() - started < 10
