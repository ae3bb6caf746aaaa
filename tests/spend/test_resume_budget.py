"""A round stopped by its budget, raised from the CLI and resumed on real Celery workers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest
import yaml

from farm import keys
from farm.budget import BudgetBook
from farm.ledger import JobKey, Ledger
from farm.outcomes import JobState
from farm.roundfile import parse_round
from farm.sim import SimAdmin, SimServer
from tests.integration.rounds import DEMO, submit_round, wait_complete
from tests.servers import REPO, WorkerProcess

pytestmark = pytest.mark.integration

ROUND = "broke"
JOB = JobKey("sim/clean", "todo", "analyze")


def _farm(*args: str, redis_url: str, store_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FARM_REDIS_URL": redis_url, "FARM_STORE": store_url}
    return subprocess.run([sys.executable, "-m", "farm", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def _unwrapped(text: str) -> str:
    """The console wraps long lines; compare words."""
    return " ".join(text.split())


def _op_ids(store, phase: keys.PhaseKeys) -> set[str]:  # noqa: ANN001
    return {key.rsplit("/", 1)[1].removesuffix(".json") for key in store.list(phase.ops)}


def test_budget_stopped_job_resumes_after_the_raise_and_nothing_is_paid_twice(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer, sim_admin: SimAdmin,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    data = yaml.safe_load(DEMO.read_text())
    data.update(round=ROUND, phases=["analyze"], operation_concurrency=1, budgets={"round_usd": 0.005})
    data["models"] = [{**m, "sampling": {"max_tokens": 1000}} for m in data["models"] if m["id"] == "sim/clean"]
    start_worker(redis_url, local_store.url, concurrency=1)
    submit_round(parse_round(data, "test-round", DEMO.parent), local_store, redis_url, sim.base_url)
    wait_complete(ledger, ROUND)

    stopped = ledger.job(ROUND, JOB)
    assert stopped.state is JobState.BUDGET_STOPPED and "round budget $0.0050" in stopped.reason
    phase = keys.RunKeys(ROUND, "sim/clean", "todo").phase("analyze")
    paid_before = _op_ids(local_store, phase)
    assert paid_before, "no operation finished within the budget"
    assert local_store.get_json_or_none(phase.result) is None  # resumable: no result record

    status = _farm("round", "status", ROUND, "--json", redis_url=redis_url, store_url=local_store.url)
    (budget,) = json.loads(status.stdout)["budgets"][:1]
    assert budget["scope"] == "round" and budget["limit_usd"] == 0.005 and budget["reserved_usd"] == 0
    assert 0 < budget["spent_usd"] <= 0.005

    typo = _farm("round", "resume", ROUND, "--model-budget", "sim/nope=1", redis_url=redis_url, store_url=local_store.url)
    assert typo.returncode == 1 and "'sim/nope' is not a model of round broke (sim/clean)" in _unwrapped(typo.stderr)
    bad = _farm("round", "resume", ROUND, "--budget-add", "5", "--model-budget", "sim/clean=-1",
                redis_url=redis_url, store_url=local_store.url)  # fmt: skip
    assert bad.returncode == 1 and "--model-budget sim/clean must be a positive number of USD, got -1.0" in _unwrapped(bad.stderr)
    assert BudgetBook(ledger.r).lines(ROUND)[0].limit_usd == 0.005  # nothing of a refused change applies
    assert ledger.job(ROUND, JOB).state is JobState.BUDGET_STOPPED  # and nothing resumes

    resumed = _farm("round", "resume", ROUND, "--budget-add", "1", redis_url=redis_url, store_url=local_store.url)
    assert resumed.returncode == 0, resumed.stderr
    assert "round budget: $0.0050 → $1.0050" in _unwrapped(resumed.stdout)
    assert "1 job(s) re-queued" in _unwrapped(resumed.stdout)
    wait_complete(ledger, ROUND)

    record = ledger.job(ROUND, JOB)
    assert record.state is JobState.SUCCEEDED and record.deliveries == 2
    (change,) = ledger.round_info(ROUND)["budget_changes"]
    assert (change["scope"], change["from"], change["to"]) == ("round", 0.005, 1.005)
    # The manifest still says what the round was submitted with.
    assert local_store.get_json(keys.manifest(ROUND))["spec"]["budgets"]["round_usd"] == 0.005

    # Operations paid for before the stop were not called again after the resume.
    requests = sim_admin.stats()["by_operation"]
    for op_id in paid_before:
        assert requests[f"analyze/{op_id}"] == 1, op_id
    calls = [json.loads(line) for line in local_store.get_text(phase.calls).splitlines()]
    assert Counter(c["op_id"] for c in calls if c["outcome"] == "success") == Counter(_op_ids(local_store, phase))
    spent = ledger.usage(ROUND)["sim/clean"]["cost_usd"]
    assert spent == pytest.approx(sum(c["usage"]["cost_usd"] for c in calls))
    budget = json.loads(_farm("round", "status", ROUND, "--json", redis_url=redis_url, store_url=local_store.url).stdout)
    assert budget["budgets"][0]["spent_usd"] == pytest.approx(spent, abs=1e-8)
    table = _unwrapped(_farm("round", "status", ROUND, redis_url=redis_url, store_url=local_store.url).stdout)
    assert re.search(rf"round │ {budget['budgets'][0]['spent_usd']:.6f} │ 0.000000 │ 1.005000 │ 1%", table), table
    assert "budget changes:" in table and "round 0.005 → 1.005 USD" in table
