"""A round's owner's commands on a real Redis server and the embedded farm: status that tells the
truth (time worked, stalled jobs, one meaning of tokens), `round list`, `run show`, `round delete`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from farm import keys
from farm.cli import app
from farm.ledger import JobKey, Ledger
from farm.metrics_state import Detail, Rounds
from farm.outcomes import JobState
from farm.sim import SimServer
from farm.status import NO_WORKER, PIPELINE, snapshot
from farm.store import LocalStore
from tests.integration.rounds import sim_round, submit_round
from tests.servers import REPO

pytestmark = pytest.mark.integration

A = JobKey("m/x", "todo", "analyze")
B = JobKey("m/x", "reddit", "analyze")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_time_worked_leaves_out_a_dead_worker_and_the_wait_for_a_new_delivery(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(1000.0)
    monkeypatch.setattr("farm.ledger.time", clock)
    ledger.register_round("r", [A, B], {})
    assert ledger.acquire_lease("r", A, "first", 60) and ledger.start("r", A) is not None
    clock.now = 1005.0
    assert ledger.acquire_lease("r", B, "b", 60) and ledger.start("r", B) is not None
    clock.now = 1010.0
    assert ledger.renew_lease("r", A, "first", 60)  # A's last heartbeat: its worker dies after it
    clock.now = 1020.0
    ledger.transition("r", B, JobState.SUCCEEDED, {JobState.RUNNING})
    ledger.release_lease("r", B, "b")
    ledger.release_lease("r", A, "first")  # A's lease lapses: nobody renews it

    for now in (1500.0, 3000.0):  # nothing climbs while nobody works
        snap = snapshot(ledger, "r", now=now)
        job = snap["runs"][1]["jobs"]["analyze"]
        assert (snap["runs"][1]["project"], job["state"], job["stalled"], job["worked_s"]) == ("todo", "running", True, 10.0)
        assert snap["stalled"] == 1 and snap["elapsed_s"] == now - 1000.0
        assert snap["worked_s"] == 20.0  # 1000–1010 and 1005–1020 overlap: 1000–1020, counted once

    clock.now = 2000.0  # the reaper sent A again; a new delivery starts it
    assert ledger.acquire_lease("r", A, "second", 60) and ledger.start("r", A) is not None
    assert ledger.job("r", A).worked == ((1000.0, 1010.0),) and ledger.job("r", A).deliveries == 2
    assert snapshot(ledger, "r", now=2012.0)["runs"][1]["jobs"]["analyze"]["worked_s"] == 22.0  # live again
    clock.now = 2030.0
    ledger.transition("r", A, JobState.SUCCEEDED, {JobState.RUNNING})
    assert ledger.mark_complete_if_done("r")

    snap = snapshot(ledger, "r", now=9000.0)
    assert [run["worked_s"] for run in snap["runs"]] == [15.0, 40.0]  # reddit, todo: 10 + 30
    assert snap["worked_s"] == 50.0 and snap["elapsed_s"] == 1030.0 and snap["eta_s"] is None


def test_status_counts_input_with_cached_and_output_with_reasoning(ledger: Ledger) -> None:
    ledger.register_round("r", [A], {})
    counters = {"tokens_input": 800, "tokens_cached": 200, "tokens_output": 60, "tokens_reasoning": 40,
                "cost_usd": 0.5, "attempts": 3}  # fmt: skip
    ledger.r.hset(Ledger.usage_key("r"), mapping={f"m/x|{name}": value for name, value in counters.items()})
    usage = snapshot(ledger, "r")["usage"]["m/x"]
    assert usage == {"attempts": 3, "input_tokens": 1000, "cached_tokens": 200, "output_tokens": 100,
                     "reasoning_tokens": 40, "cost_usd": 0.5}  # fmt: skip


# ---- round delete on a deployed farm -----------------------------------------------------------


def test_delete_refuses_an_active_round_and_then_removes_its_objects_and_ledger_keys(
    redis_url: str, ledger: Ledger, local_store: LocalStore, sim: SimServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for round_id in ("doomed", "doomed-2"):  # one id a prefix of the other: the second must survive
        submit_round(sim_round(round_id, ["sim/clean"], phases=["analyze"]), local_store, redis_url, sim.base_url)
    job = JobKey("sim/clean", "todo", "analyze")
    ledger.acquire_lease("doomed", job, "worker", 60)
    ledger.start("doomed", job)
    ledger.renew_lease("doomed", job, "worker", 60)
    ledger.r.hset(Ledger.usage_key("doomed"), "sim/clean|cost_usd", 0.01)  # as a settled call leaves it
    survivor_keys = sorted(ledger.r.keys("farm:round:doomed-2*"))
    assert {key.removeprefix("farm:round:doomed:") for key in ledger.r.keys("farm:round:doomed:*")} == {
        "jobs", "counters", "budget", "lease:sim/clean|todo|analyze", "alive"}
    monkeypatch.setenv("FARM_REDIS_URL", redis_url)
    monkeypatch.setenv("FARM_STORE", local_store.url)
    cli = CliRunner()

    refused = cli.invoke(app, ["round", "delete", "doomed", "--yes"])
    assert refused.exit_code == 1 and "round doomed has 1 running job(s)" in " ".join(refused.output.split())
    declined = cli.invoke(app, ["round", "delete", "doomed", "--force"], input="n\n")
    assert declined.exit_code == 1 and "delete round doomed: 1 object(s) under" in " ".join(declined.output.split())
    assert ledger.round_exists("doomed") and local_store.exists(keys.manifest("doomed"))

    deleted = cli.invoke(app, ["round", "delete", "doomed", "--force", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert ledger.r.keys("farm:round:doomed:*") == [] and not ledger.round_exists("doomed")
    assert ledger.rounds() == ["doomed-2"] and local_store.list("rounds/doomed/") == []
    assert sorted(ledger.r.keys("farm:round:doomed-2*")) == survivor_keys
    shown = Rounds.read(ledger)  # what /metrics serves: nothing of the deleted round, all of the other
    assert (shown.detail("doomed"), shown.detail("doomed-2")) == (Detail.NONE, Detail.PER_JOB)
    assert local_store.exists(keys.manifest("doomed-2"))
    listed = json.loads(cli.invoke(app, ["round", "list", "--json"]).output)
    assert [(r["round"], r["state"], r["models"], r["projects"], r["jobs"]) for r in listed] == [("doomed-2", "running", 1, 1, 2)]

    assert cli.invoke(app, ["round", "delete", "doomed", "--yes"]).exit_code == 1  # gone from both
    assert "is not a round id" in cli.invoke(app, ["round", "delete", "*", "--yes"]).output


# ---- the demo on the embedded farm, as a newcomer drives it --------------------------------------


def _farm(*args: str, store: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")} | {"COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "farm", *args, "--store", str(store)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def test_the_demo_round_listed_shown_at_80_columns_transcribed_and_deleted(tmp_path: Path) -> None:
    store = tmp_path / "store"
    demo = _ok(_farm("demo", store=store))
    round_id = next(word for word in demo.split() if word.startswith("demo-")).rstrip(":")

    (listed,) = json.loads(_ok(_farm("round", "list", "--json", store=store)))
    assert (listed["round"], listed["state"], listed["models"], listed["projects"]) == (round_id, "complete", 3, 1)
    assert listed["done"] == listed["jobs"] == 21 and listed["spent_usd"] > 0  # 3 runs × (5 phases, verify, score)

    status = _ok(_farm("round", "status", round_id, store=store))
    lines = status.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in status, status
    assert next(line for line in lines if line.startswith("project")).split() == ["project", *PIPELINE, "worked"]
    assert lines[lines.index("sim/broken") + 1].split()[:3] == ["todo", "failed", "skipped"]
    assert NO_WORKER not in status and "worked" in lines[0] and "21/21 jobs" in lines[1]
    # The why names the problem, not only where it is.
    assert "last: validation_failure: 1 problem(s): $.actors: expected a value (required)" in " ".join(status.split())

    shown = json.loads(_ok(_farm("run", "show", round_id, "sim/learner", "todo", "--phase", "analyze", "--json", store=store)))
    (phase,) = shown["phases"]
    plan = next(op for op in phase["operations"] if op["op_id"] == "plan")
    assert plan["status"] == "succeeded" and "Project: todo" in plan["prompt"]["user"]
    outcomes = [(a["outcome"], json.loads(a["feedback"])["status"] if a["feedback"] else "") for a in plan["attempts"]]
    assert outcomes == [("invalid_json", "invalid_json"), ("validation_failure", "invalid_arguments"),
                        ("compile_failure", "compile_errors"), ("success", "")]  # fmt: skip
    assert all(a["usage"]["cost_usd"] > 0 for a in plan["attempts"])

    broken = _ok(_farm("run", "show", round_id, "sim/broken", "todo", "--attempt", "4", store=store, columns=120))
    assert "attempt 4 · validation_failure" in broken and "attempt 3 " not in broken
    assert "feedback (not sent: the operation ended here)" in broken and '"path": "$.actors"' in broken
    assert "feedback sent" in _ok(_farm("run", "show", round_id, "sim/broken", "todo", "--attempt", "1", store=store))

    deleted = _ok(_farm("round", "delete", round_id, "--yes", store=store))
    assert f"deleted round {round_id}" in deleted and not (store / "rounds" / round_id).exists()
    assert json.loads(_ok(_farm("round", "list", "--json", store=store))) == []


def test_run_show_names_what_exists_when_asked_for_a_run_that_does_not(
    local_store: LocalStore, redis_url: str, sim: SimServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    submit_round(sim_round("shown", ["sim/clean"], phases=["analyze"]), local_store, redis_url, sim.base_url)
    monkeypatch.setenv("FARM_STORE", local_store.url)
    missing = CliRunner().invoke(app, ["run", "show", "shown", "sim/nope", "todo"])
    assert missing.exit_code == 1 and "round shown has no run sim/nope × todo (models: sim/clean; projects: todo)" in (
        " ".join(missing.output.split()))
    nothing = CliRunner().invoke(app, ["run", "show", "shown", "sim/clean", "todo"])  # queued, never ran
    assert nothing.exit_code == 0 and "nothing on record for this run yet" in nothing.output

