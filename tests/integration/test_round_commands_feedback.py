"""What `farm run show` reads: each attempt keeps the feedback the model was sent on it, and each
operation its prompt, once; both redacted like every provider text the farm keeps."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from farm import keys
from farm.outcomes import ModelFailed
from farm.sim import SimServer
from farm.spec import Endpoint, ModelSpec, Prices, RetryPolicy
from farm.store import LocalStore
from workers.harness.endpoint import make_client
from workers.harness.gate import LocalGate
from workers.harness.operation import OperationRunner
from workers.oplog import OperationLog
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.analyze.phase import check_plan
from workers.phases.base import Operation

pytestmark = pytest.mark.integration

PHASE = keys.RunKeys("r", "m/x", "todo").phase("analyze")
PLAN_OP = Operation(
    op_id="plan", tool_name="analyze_plan", description="plan", ast=AnalyzePlan,
    system="You are an analyst.", user="Plan the todo app, the one with history and a trash.", check=check_plan,
)  # fmt: skip


def _runner(client: Any, model: ModelSpec, policy: RetryPolicy, log: OperationLog) -> OperationRunner:
    return OperationRunner(client=client, model=model, policy=policy, phase="analyze",
                           gate=LocalGate({model.id: 1}), record=log, settled=log.settled)  # fmt: skip


def test_each_attempt_keeps_the_feedback_the_model_got_next_and_the_prompt_is_kept_once(
    sim: SimServer, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path)
    log = OperationLog(store, "r", "sim/learner", "todo", "analyze", PHASE, "d1")
    model = ModelSpec(id="sim/learner", endpoint=Endpoint(kind="simulator", base_url=sim.base_url), prices=Prices(input=1, output=2))
    client = make_client(model)
    sent: list[list[dict[str, Any]]] = []
    create = client.chat.completions.create

    def spy(messages: list[dict[str, Any]], **options: Any) -> Any:
        sent.append(messages)
        return create(messages=messages, **options)

    client.chat.completions.create = spy
    _runner(client, model, RetryPolicy(validation=3, compiler=2), log).run(PLAN_OP)
    log.save_checkpoint("plan", {"status": "succeeded", "ast": {}})

    attempts = log.attempts()
    assert [a["outcome"] for a in attempts] == ["invalid_json", "validation_failure", "compile_failure", "success"]
    # The feedback on record is, to the character, what the next request carried after the answer.
    assert [a["feedback"] for a in attempts[:-1]] == [messages[-1]["content"] for messages in sent[1:]]
    assert json.loads(attempts[1]["feedback"])["problems"][0]["path"] == "$.actors"
    assert attempts[-1]["feedback"] == ""
    # The prompt once per operation, apart from the attempts (calls.jsonl does not grow with it).
    assert store.list(PHASE.prefix + "prompts/") == [PHASE.prompt("plan")]
    assert store.get_json(PHASE.prompt("plan")) == {"op_id": "plan", "tool": "analyze_plan",
                                                     "system": PLAN_OP.system, "user": PLAN_OP.user}  # fmt: skip
    kept = b"".join(p.read_bytes() for p in tmp_path.rglob("*.json") if "prompts" not in p.parts)
    assert PLAN_OP.user.encode() not in kept and b'"prompt"' not in kept


class _Echoing:
    """A model that answers with the key it was given in its arguments (it happens: keys in prompts,
    in documents the model saw); usage as an OpenAI-compatible server reports it."""

    api_key = "not-a-secret"
    base_url = "http://127.0.0.1:9/v1"

    def __init__(self, arguments: str) -> None:
        self.arguments = arguments
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    def _create(self, messages: list[dict[str, Any]], **options: Any) -> Any:
        call = SimpleNamespace(id="call_1", function=SimpleNamespace(name="analyze_plan", arguments=self.arguments))
        message = SimpleNamespace(content=None, tool_calls=[call])
        usage = SimpleNamespace(prompt_tokens=100, completion_tokens=20, prompt_tokens_details=None,
                                completion_tokens_details=None)  # fmt: skip
        return SimpleNamespace(choices=[SimpleNamespace(finish_reason="tool_calls", message=message)], usage=usage)


def test_stored_feedback_and_the_why_are_redacted_and_the_why_names_the_problem(tmp_path: Path) -> None:
    key = "sk-or-v1-" + secrets.token_hex(32)
    store = LocalStore(tmp_path)
    log = OperationLog(store, "r", "m/x", "todo", "analyze", PHASE, "d1")
    model = ModelSpec(id="m/x", endpoint=Endpoint(kind="simulator", base_url="http://127.0.0.1:9/v1"),
                      prices=Prices(input=0, output=0))  # fmt: skip
    arguments = json.dumps({"actors": key, "documents": [{"filename": "a.md", "reason": "r", "outline": ["x"]}]})

    with pytest.raises(ModelFailed) as failed:
        _runner(_Echoing(arguments), model, RetryPolicy(validation=0), log).run(PLAN_OP)

    (attempt,) = log.attempts()
    assert attempt["outcome"] == "validation_failure"
    assert json.loads(attempt["feedback"])["problems"] == [
        {"path": "$.actors", "expected": "an array", "got": "[REDACTED]"}]  # fmt: skip
    assert 'last: validation_failure: 1 problem(s): $.actors: expected an array, got "[REDACTED]"' in failed.value.reason
    leaks = [str(p) for p in tmp_path.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert leaks == []
