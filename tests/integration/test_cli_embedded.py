"""The CLI on the embedded default, as a newcomer runs it: no servers, no key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.servers import REPO, wait_until

pytestmark = pytest.mark.integration


def _farm(*args: str, store: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    return subprocess.run(
        [sys.executable, "-m", "farm", *args, "--store", str(store)], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _leftovers(store: Path) -> list[str]:
    """Processes still running that belong to this store's embedded farm."""
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            env = proc.info["environ"] or {}
        except (psutil.Error, TypeError):
            continue
        if str(store) in cmd or env.get("FARM_STORE") == str(store):
            found.append(f"{proc.pid}: {cmd}")
    return found


def test_demo_runs_to_completion_and_status_reads_it_back(tmp_path: Path) -> None:
    store = tmp_path / "store"
    demo = _farm("demo", store=store, timeout=240)  # two backends verified live: ~30 s, more under load
    assert demo.returncode == 0, demo.stderr + demo.stdout
    assert "complete" in demo.stdout and "model_failed" in demo.stdout and "succeeded" in demo.stdout
    round_id = next(w for w in demo.stdout.split() if w.startswith("demo-")).rstrip(":")
    assert _leftovers(store) == []

    status = _farm("round", "status", round_id, "--json", store=store)
    assert status.returncode == 0, status.stderr
    snap = json.loads(status.stdout)
    states = {run["model"]: tuple(run["jobs"][p]["state"] for p in ("analyze", "verify", "score")) for run in snap["runs"]}
    assert states == {
        "sim/clean": ("succeeded", "succeeded", "succeeded"),  # its backend built, booted and played live
        "sim/learner": ("succeeded", "succeeded", "succeeded"),
        "sim/broken": ("model_failed", "skipped", "succeeded"),
    }
    assert snap["state"] == "complete" and snap["usage"]["sim/clean"]["cost_usd"] > 0

    missing = _farm("round", "status", "nope", store=store)
    assert missing.returncode == 1 and "no round 'nope'" in missing.stderr
    assert _leftovers(store) == []


def test_ctrl_c_stops_everything_it_started(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "farm", "demo", "--store", str(store)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: bool(_leftovers(store)) and (store / ".embedded" / "worker.log").exists(), 30, "embedded farm up")
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    wait_until(lambda: _leftovers(store) == [], 10, "every embedded process to stop")


def test_preflight_refuses_an_endpoint_that_cannot_call_tools_and_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    round_file = tmp_path / "round.yaml"
    round_file.write_text(
        "round: unreachable\n"
        "models:\n"
        "  - {id: local/nothing, endpoint: {kind: openai-compatible, base_url: 'http://127.0.0.1:9/v1', timeout_s: 2},"
        " prices: {input: 0, output: 0}}\n"
        "projects: [todo]\nphases: [analyze]\n"
    )
    result = _farm("round", "submit", str(round_file), store=store)
    assert result.returncode == 1
    assert "preflight: model local/nothing at http://127.0.0.1:9/v1: connection_error" in result.stderr.replace("\n", " ")
    assert not (store / "rounds" / "unreachable").exists()
    status = _farm("round", "status", "unreachable", store=store)
    assert status.returncode == 1 and "no round 'unreachable'" in status.stderr
