"""The harness against the simulator's dialect play (`/dialect/{name}/v1`), over HTTP with the real
`openai` client: the rules of "real local servers" (shared/real-servers.md), each shown on the server
fault it exists for — wire schemas, conversation hygiene, truncation, blame and the one-slot server.

Requests are captured on the wire (an httpx event hook), so what is asserted is what a server got.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest

from farm import keys
from farm.ledger import JobKey, Ledger
from farm.outcomes import BudgetStopped, InfraFailed, JobState, ModelFailed
from farm.sim import SimAdmin, SimServer
from farm.spec import Dialect, Endpoint, ModelSpec, Prices, RetryPolicy, Sampling
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess
from workers.harness.dialect import resolve
from workers.harness.gate import LocalGate
from workers.harness.operation import AttemptRecord, OperationRunner
from workers.harness.usage import price
from workers.harness.wire import wire_parameters
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.analyze.phase import check_plan
from workers.phases.base import PHASES, Operation
from workers.phases.registry import PhaseTool, phase_tools

pytestmark = pytest.mark.integration

FREE = Prices(input=0, output=0)
PAID = Prices(input=1, output=2)
PLAN_OP = Operation(
    op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
    system="You are an analyst.", user="Plan the todo app.", check=check_plan,
)  # fmt: skip
# One answer in the todo book per phase tool: `{phase}/{op_id}` is the simulator's script key.
BOOK_OPS = {
    "analyze_plan": "plan", "analyze_write_document": "write-user-accounts",
    "database_groups": "groups", "database_schema": "schema-actors",
    "interface_endpoints": "endpoints-actors", "interface_operations": "operation-actors-1",
    "interface_schemas": "schemas-1", "test_scenario": "scenario-auth-member-join",
    "test_function": "test-auth-member-join", "realize_function": "transformer-todo-item",
}  # fmt: skip
NO_MISBEHAVIOUR = {"crashes": 0, "grammar_ignored": 0, "null_content_rejected": 0, "tool_feedback_dropped": 0, "truncated": 0}


def operation_for(tool: PhaseTool) -> Operation[Any]:
    return Operation(op_id=BOOK_OPS[tool.name], tool_name=tool.name, description=tool.description, ast=tool.ast,
                     system="You write this project's artifacts.", user=f"Call {tool.name}.")  # fmt: skip


class Run:
    """An OperationRunner on one endpoint, as a job builds it (profile resolved from the server), with
    every attempt recorded and every chat request captured as sent."""

    def __init__(self, base_url: str, model: str = "sim/clean", policy: RetryPolicy = RetryPolicy(), *,
                 phase: str = "analyze", prices: Prices = FREE, timeout_s: float = 30, max_tokens: int = 8192,
                 concurrency: int = 4, **endpoint: Any) -> None:  # fmt: skip
        self.model = ModelSpec(
            id=model, prices=prices, concurrency=concurrency, sampling=Sampling(max_tokens=max_tokens),
            endpoint=Endpoint(kind="openai-compatible", base_url=base_url, timeout_s=timeout_s, **endpoint),
        )  # fmt: skip
        self.records: list[AttemptRecord] = []
        self.sleeps: list[float] = []
        self.requests: list[dict[str, Any]] = []  # body, plus the headers and time it was sent at
        http = httpx.Client(event_hooks={"request": [self._capture]}, timeout=timeout_s)
        client = openai.OpenAI(base_url=base_url, api_key="sim", timeout=timeout_s, max_retries=0, http_client=http)
        self.profile = resolve(self.model, None, base_url, None)
        self.runner = OperationRunner(
            client=client, model=self.model, policy=policy, phase=phase, gate=LocalGate({model: concurrency}),
            record=self.records.append, profile=self.profile, sleep=self.sleeps.append,
        )  # fmt: skip

    def _capture(self, request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/chat/completions"):
            body = json.loads(request.content)
            self.requests.append({**body, "_answers": request.headers.get("x-farm-answers"), "_at": time.monotonic()})

    @property
    def outcomes(self) -> list[str]:
        return [r.outcome for r in self.records]

    def feedback_roles(self) -> list[str]:
        """The role of the turn after the replayed answer, in each retry's request."""
        return [r["messages"][3]["role"] for r in self.requests[1:]]


def dialect_counters(admin: SimAdmin, dialect: str) -> dict[str, int]:
    return admin.stats()["dialects"][dialect]


def settle(admin: SimAdmin, timeout: float = 5) -> None:
    """Wait until requests the harness gave up on have finished at the simulator (it keeps serving them)."""
    end = time.monotonic() + timeout
    while admin.stats()["in_flight"] and time.monotonic() < end:
        time.sleep(0.05)
    assert admin.stats()["in_flight"] == 0


@pytest.fixture(scope="module")
def small_sim() -> Iterator[SimServer]:
    """Local servers started with a 2048-token context."""
    with SimServer(n_ctx=2048) as server:
        yield server


# --- 1. wire schemas per dialect ---------------------------------------------------------------------


def test_a_discovered_llama_cpp_server_gets_its_wire_schema_for_every_phase_tool(sim: SimServer, sim_admin: SimAdmin) -> None:
    url = sim.dialect_url("llama.cpp")
    for phase in PHASES:
        for tool in phase_tools(phase):
            run = Run(url, phase=phase)
            assert (run.profile.dialect, run.profile.slots, run.profile.context_tokens) == (Dialect.LLAMA_CPP, 1, 8192)
            assert "llamacpp" in run.profile.found_by
            assert isinstance(run.runner.run(operation_for(tool)), tool.ast), tool.name
            assert run.outcomes == ["success"], tool.name
            (sent,) = run.requests
            assert sent["tools"][0]["function"]["parameters"] == wire_parameters(tool.ast, Dialect.LLAMA_CPP), tool.name
            assert sent["tool_choice"] == {"type": "function", "function": {"name": tool.name}}
    # Every request answered 200 (each run sent exactly one, above; an earlier test's abandoned slow
    # request may still land in these counts, so they are not compared with 10).
    assert set(sim_admin.stats()["by_status"]) == {"200"}
    assert dialect_counters(sim_admin, "llama.cpp") == NO_MISBEHAVIOUR  # neither crashed nor dropped a grammar


def test_the_openai_schema_forced_on_llama_cpp_crashes_it_and_ends_infra_failed(sim: SimServer, sim_admin: SimAdmin) -> None:
    run = Run(sim.dialect_url("llama.cpp"), policy=RetryPolicy(transport=2, validation=0), dialect="openai")
    assert run.profile.dialect is Dialect.OPENAI and run.profile.found_by == "round file"
    with pytest.raises(InfraFailed, match="connection_error") as info:  # never ModelFailed: no answer came back
        run.runner.run(PLAN_OP)
    assert "phase analyze, operation plan" in str(info.value)
    assert run.outcomes == ["transport:connection_error"] * 3 and len(run.sleeps) == 2
    assert all(r.usage.cost_usd == 0 for r in run.records)
    patterns = json.dumps(run.requests[0]["tools"][0]["function"]["parameters"])
    assert "\\\\.md" in patterns  # the native schema, with the escape llama.cpp's grammar parser dies on
    assert dialect_counters(sim_admin, "llama.cpp")["crashes"] == 3
    assert sim_admin.stats()["by_status"] == {"dropped": 3}


# --- 2. conversation hygiene ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "override", "role", "converges"),
    [
        ("llama.cpp", None, "user", True),  # its chat template renders tool turns empty
        ("vllm", None, "tool", True),
        ("vllm", "user", "user", True),  # endpoint.feedback_role wins over the dialect
        ("llama.cpp", "tool", "tool", False),  # ...even where it cannot work: the feedback never arrives
    ],
)
def test_feedback_role_by_dialect_with_empty_content_and_a_bounded_history(
    sim: SimServer, sim_admin: SimAdmin, dialect: str, override: str | None, role: str, converges: bool
) -> None:
    endpoint = {"feedback_role": override} if override else {}
    run = Run(sim.dialect_url(dialect), "sim/learner", RetryPolicy(validation=3, compiler=2), **endpoint)
    if converges:
        assert isinstance(run.runner.run(PLAN_OP), AnalyzePlan)
        assert run.outcomes == ["invalid_json", "validation_failure", "compile_failure", "success"]
    else:
        with pytest.raises(ModelFailed, match="validation retries exhausted"):
            run.runner.run(PLAN_OP)
        assert run.outcomes == ["invalid_json"] * 4  # the learner repeats its first answer, never told why
    assert run.feedback_roles() == [role] * 3
    assert [len(r["messages"]) for r in run.requests] == [2, 4, 4, 4]  # only the latest answer is replayed
    assert [r["_answers"] for r in run.requests] == ["0", "1", "2", "3"]
    replayed = [m for r in run.requests for m in r["messages"] if m["role"] == "assistant"]
    assert len(replayed) == 3 and all(m["content"] == "" for m in replayed)  # never null, never missing
    counters = dialect_counters(sim_admin, dialect)
    assert counters["null_content_rejected"] == 0
    assert counters["tool_feedback_dropped"] == (0 if converges else 3)


def test_history_stays_bounded_however_many_attempts(sim: SimServer, sim_admin: SimAdmin) -> None:
    run = Run(sim.dialect_url("llama.cpp"), "sim/broken", RetryPolicy(validation=7))
    with pytest.raises(ModelFailed, match="validation retries exhausted"):
        run.runner.run(PLAN_OP)
    assert len(run.requests) == 8
    assert max(len(r["messages"]) for r in run.requests) == 4
    prompts = {r.usage.input_tokens for r in run.records[1:]}
    assert len(prompts) == 1  # every retry's prompt is the same size: nothing accumulates
    assert sim_admin.stats()["by_status"] == {"200": 8}


def test_a_small_context_shrinks_the_answer_room_sent(sim: SimServer, small_sim: SimServer) -> None:
    discovered = Run(small_sim.dialect_url("llama.cpp"))  # /props says n_ctx 2048
    configured = Run(sim.dialect_url("vllm"), context_tokens=2048)  # the server says 8192; the round file wins
    for run in (discovered, configured):
        assert run.profile.context_tokens == 2048
        assert isinstance(run.runner.run(PLAN_OP), AnalyzePlan) and run.outcomes == ["success"]
        (sent,) = run.requests
        assert 512 <= sent["max_tokens"] < 2048 - run.records[0].usage.input_tokens  # not the configured 8192


def test_a_prompt_that_cannot_fit_the_context_is_refused_before_any_request(small_sim: SimServer) -> None:
    admin = SimAdmin(small_sim.base_url)
    admin.reset()
    (test_function,) = [t for t in phase_tools("test") if t.name == "test_function"]
    run = Run(small_sim.dialect_url("llama.cpp"), phase="test")
    with pytest.raises(InfraFailed) as info:
        run.runner.run(operation_for(test_function))
    message = str(info.value)
    assert "phase test, operation test-auth-member-join" in message
    assert "2048-token context" in message and "tool schema of ~" in message
    assert run.requests == [] and run.records == []
    assert admin.stats()["requests"] == 0


# --- 3. truncation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dialect", "finish"), [("llama.cpp", "tool_calls"), ("vllm", "length")])
def test_a_cut_answer_is_truncated_with_its_own_budget_and_feedback(
    sim: SimServer, sim_admin: SimAdmin, dialect: str, finish: str
) -> None:
    run = Run(sim.dialect_url(dialect), policy=RetryPolicy(truncation=2, validation=0), max_tokens=16)
    with pytest.raises(ModelFailed, match="truncation retries exhausted"):
        run.runner.run(PLAN_OP)
    assert run.outcomes == ["truncated"] * 3  # not invalid_json, and not stopped by validation=0
    assert [r.response["finish_reason"] for r in run.records] == [finish] * 3  # llama.cpp claims a whole call
    assert all(r.detail == "the answer was cut at 16 tokens" for r in run.records)
    assert [r["max_tokens"] for r in run.requests] == [16] * 3
    for request in run.requests[1:]:
        # The cut call is not replayed (its JSON is broken): only the request and what was wrong.
        assert [m["role"] for m in request["messages"]] == ["system", "user", "user"]
        assert "cut off at 16 tokens" in request["messages"][2]["content"]
    assert dialect_counters(sim_admin, dialect)["truncated"] == 3


# --- 4. blame ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "raised", "match", "outcomes"),
    [
        ("server_error", InfraFailed, "failed twice the same way", ["transport:server_error"] * 2),
        ("bad_gateway", InfraFailed, "502.*Bad Gateway", ["transport:server_error"] * 2),
        ("unavailable", InfraFailed, "503.*Service Unavailable", ["transport:server_error"] * 2),
        ("gateway_timeout", InfraFailed, "504.*Gateway Timeout", ["transport:server_error"] * 2),
        ("payment_required", BudgetStopped, "402", ["transport:payment_required"]),
        ("context_length", InfraFailed, "refused our request", ["transport:context_length_exceeded"]),
    ],
)
def test_server_faults_on_llama_cpp_are_never_the_models(
    sim: SimServer, sim_admin: SimAdmin, fault: str, raised: type[Exception], match: str, outcomes: list[str]
) -> None:
    sim_admin.inject(fault, model="sim/clean", count=10)
    run = Run(sim.dialect_url("llama.cpp"), policy=RetryPolicy(transport=5, validation=0, missing_call=0))
    with pytest.raises(raised, match=match):
        run.runner.run(PLAN_OP)
    assert run.outcomes == outcomes  # the identical 500 is not retried a third time


def test_a_400_naming_our_request_is_infra_failed_at_once(sim: SimServer) -> None:
    """Ollama refuses a recursive $ref (the native schema a forced vllm dialect sends) with a 400."""
    (schemas,) = [t for t in phase_tools("interface") if t.name == "interface_schemas"]
    run = Run(sim.dialect_url("ollama"), policy=RetryPolicy(transport=5), phase="interface", dialect="vllm")
    with pytest.raises(InfraFailed, match=r"refused our request \(HTTP 400\).*invalid JSON schema"):
        run.runner.run(operation_for(schemas))
    assert run.outcomes == ["transport:bad_request"] and run.sleeps == []


def test_llama_cpp_context_exceeded_is_infra_failed(small_sim: SimServer) -> None:
    """The round file claims more context than the server has: llama-server's own 400 comes back."""
    run = Run(small_sim.dialect_url("llama.cpp"), policy=RetryPolicy(transport=5), context_tokens=8192)
    with pytest.raises(InfraFailed, match="refused our request .*available context size"):
        run.runner.run(PLAN_OP)
    assert run.outcomes == ["transport:context_length_exceeded"]
    assert run.records[0].usage.cost_usd == 0


@pytest.mark.parametrize(("prices", "source"), [(PAID, "worst_case"), (FREE, "none")])
def test_timeouts_are_infra_failed_and_charged_at_worst_case_only_when_paid(
    sim: SimServer, sim_admin: SimAdmin, prices: Prices, source: str
) -> None:
    sim_admin.inject("slow", model="sim/clean", count=2, delay=1.0)
    run = Run(sim.dialect_url("vllm"), policy=RetryPolicy(transport=1), prices=prices, timeout_s=0.3)
    with pytest.raises(InfraFailed, match="timeout"):
        run.runner.run(PLAN_OP)
    assert run.outcomes == ["transport:timeout"] * 2
    for record, request in zip(run.records, run.requests, strict=True):
        assert record.usage.cost_source == source
        worst = price(prices, record.usage.input_tokens, 0, request["max_tokens"])
        assert record.usage.cost_usd == pytest.approx(worst) and (record.usage.cost_usd > 0) is (prices is PAID)
        assert record.usage.output_tokens == (request["max_tokens"] if prices is PAID else 0)
    settle(sim_admin)


def test_a_round_whose_endpoint_crashes_or_fails_every_call_ends_infra_failed_unscored(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    start_worker(redis_url, local_store.url, concurrency=2)
    llama = sim.dialect_url("llama.cpp")
    models = [
        {"id": "local/crashing", "served_name": "sim/clean", "prices": {"input": 0, "output": 0},
         "endpoint": {"kind": "openai-compatible", "base_url": llama, "dialect": "openai"}},
        {"id": "local/failing", "served_name": "sim/learner", "prices": {"input": 0, "output": 0},
         "endpoint": {"kind": "openai-compatible", "base_url": llama}},
    ]  # fmt: skip
    sim_admin.inject("server_error", model="sim/learner", count=100)
    loaded = sim_round("down", [], phases=["analyze"], models=models, retry={"transport": 1})
    submit_round(loaded, local_store, redis_url, sim.base_url)
    wait_complete(ledger, "down", timeout=60)
    for model, cause in (("local/crashing", "connection_error"), ("local/failing", "server_error")):
        assert ledger.job("down", JobKey(model, "todo", "analyze")).state is JobState.INFRA_FAILED, model
        assert ledger.job("down", JobKey(model, "todo", "score")).state is JobState.SKIPPED, model
        run = keys.RunKeys("down", model, "todo")
        outcome = local_store.get_json(run.phase("analyze").outcome)
        assert outcome["outcome"] == "infra_failed" and cause in outcome["reason"], outcome
        assert not local_store.exists(run.phase("analyze").result)  # no model_failed result to count
        assert not local_store.exists(run.score)
    assert dialect_counters(sim_admin, "llama.cpp")["crashes"] >= 2


# --- 5. the one-slot local server ------------------------------------------------------------------------


def test_after_a_timeout_a_one_slot_server_is_waited_for_until_idle(sim: SimServer, sim_admin: SimAdmin) -> None:
    """The abandoned generation ends 0.4 s after the timeout: within the wait's bound (one timeout)."""
    url = sim.dialect_url("llama.cpp")
    settle(sim_admin)
    sim_admin.reset()
    sim_admin.inject("slow", model="sim/clean", count=1, delay=1.2)
    run = Run(url, policy=RetryPolicy(transport=1), prices=PAID, timeout_s=0.8)  # slots 1 from /props
    assert run.profile.slots == 1 and run.runner.one_slot
    assert isinstance(run.runner.run(PLAN_OP), AnalyzePlan)
    assert run.outcomes == ["transport:timeout", "success"]
    assert run.records[0].usage.cost_source == "worst_case"
    first, second = (r["_at"] for r in run.requests)
    assert second - first >= 1.2  # sent once the abandoned generation had finished
    stats = sim_admin.stats()
    assert stats["peak_in_flight"] == 1 and stats["by_status"] == {"200": 2}  # never two at the server
    assert httpx.get(url.removesuffix("/v1") + "/slots").json()[0]["is_processing"] is False

    # Without the wait (a server that did not say it has one slot), the retry is sent at once and
    # queues at the server behind the abandoned request.
    sim_admin.reset()
    sim_admin.inject("slow", model="sim/clean", count=1, delay=1.2)
    blind = Run(url, policy=RetryPolicy(transport=1), timeout_s=0.8)
    blind.runner.profile = blind.profile.model_copy(update={"slots": None})
    assert not blind.runner.one_slot
    blind.runner.run(PLAN_OP)
    first, second = (r["_at"] for r in blind.requests)
    assert second - first < 1.2 and sim_admin.stats()["peak_in_flight"] == 2
    settle(sim_admin)
