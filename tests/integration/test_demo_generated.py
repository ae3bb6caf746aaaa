"""`farm demo --project NAME` on a generated book (farm.sim.bookgen), as a user runs it: the same three
scripted models end as on todo, and the generated backend is verified on its own e2e tests and on the
Golden Set suite generated for its API (farm.sim.bookgen.suite), which a clean backend passes whole.

Played at the `small` preset's size (`--size`, hidden): the reference sizes take minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.embedded_cli import env
from tests.servers import REPO

pytestmark = pytest.mark.integration


def _farm(*args: str, store: Path, cache: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "farm", *args, "--store", str(store)], cwd=REPO,
        env={**env(), "XDG_CACHE_HOME": str(cache)}, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_demo_on_a_generated_project_ends_as_on_todo(tmp_path: Path) -> None:
    store, cache = tmp_path / "store", tmp_path / "cache"
    demo = _farm("demo", "--project", "reddit", "--size", "small", store=store, cache=cache, timeout=300)
    assert demo.returncode == 0, demo.stderr + demo.stdout
    round_id = next(w for w in demo.stdout.split() if w.startswith("demo-")).rstrip(":")

    status = _farm("round", "status", round_id, "--json", store=store, cache=cache, timeout=60)
    assert status.returncode == 0, status.stderr
    snap = json.loads(status.stdout)
    assert snap["state"] == "complete"
    states = {run["model"]: tuple(run["jobs"][p]["state"] for p in ("analyze", "verify", "score")) for run in snap["runs"]}
    assert states == {
        "sim/clean": ("succeeded", "succeeded", "succeeded"),
        "sim/learner": ("succeeded", "succeeded", "succeeded"),
        "sim/broken": ("model_failed", "skipped", "succeeded"),
    }
    runs = store / "rounds" / round_id / "runs"
    for model in ("clean", "learner"):
        runtime = json.loads((runs / "sim" / model / "reddit" / "runtime.json").read_text())
        assert runtime["boots"] and runtime["e2e"]["total"] > 0
        golden = runtime["golden"]  # the generated API's own suite (the catalog's reddit one tests another API)
        assert golden["suite"] == "reddit-generated" and golden["skipped"] == 0
        assert set(golden["by_category"]) == {"auth", "crud", "query", "negative", "workflow"}
        failed = {s["id"]: s["message"] for s in runtime["scenarios"] if s["verdict"] != "passed"}
        assert golden["passed"] == golden["total"] >= 15 and not failed, failed
        assert json.loads((runs / "sim" / model / "reddit" / "score.json").read_text())["total"] > 0
    # The learner met every fault its script plays, each on the generated op it fits, and recovered.
    failed = {phase: [json.loads(line)["outcome"] for line in (runs / "sim" / "learner" / "reddit" / phase / "calls.jsonl")
                      .read_text().splitlines() if json.loads(line)["outcome"] != "success"]
              for phase in ("analyze", "database", "interface", "test", "realize")}  # fmt: skip
    assert all(failed.values()), failed
