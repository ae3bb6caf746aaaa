"""`farm verify` on real generated backends: built, booted on a real PostgreSQL inside the sandbox,
played the todo Golden Set and its own e2e tests over real HTTP; failures charged to the right party.
That a closed sandbox leaves no process behind is tests/runtime/test_sandbox.py's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from farm.postgres_server import PostgresServer
from runtime.report import RUNTIME_FAILED
from runtime.verify import Source, verify

pytestmark = pytest.mark.integration

VERIFY_TIMEOUT = 600
STEPS = ["install", "generate", "apply_schema", "build", "boot", "scenarios", "e2e"]


def _copy_run(demo_run: Path, destination: Path) -> Path:
    shutil.copytree(demo_run / "tree", destination / "tree", ignore=shutil.ignore_patterns("node_modules", "dist"))
    shutil.copytree(demo_run / "database", destination / "database")
    return destination


def test_farm_verify_boots_the_clean_todo_backend_and_plays_its_golden_set_and_e2e(
        demo_run: Path, npm_cache: Path) -> None:  # fmt: skip
    env = {**os.environ, "FARM_RUNTIME_NPM_CACHE": str(npm_cache)}
    done = subprocess.run([sys.executable, "-m", "farm", "verify", str(demo_run), "--json"], env=env,
                          capture_output=True, text=True, timeout=VERIFY_TIMEOUT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["boots"] is True and report["reason"] is None, report["steps"]
    assert [step["step"] for step in report["steps"]] == STEPS and all(step["ok"] for step in report["steps"])
    assert report["isolation"] == ("netns" if os.geteuid() == 0 else "loopback")
    golden = report["golden"]
    assert golden["suite"] == "todo" and golden["total"] >= 18
    assert set(golden["by_category"]) == {"auth", "crud", "query", "negative", "workflow"}
    assert golden["passed"] >= 0.9 * golden["total"], [s for s in report["scenarios"] if s["verdict"] != "passed"]
    assert sum(c["total"] for c in golden["by_category"].values()) == golden["total"]
    assert report["e2e"]["total"] >= 10 and report["e2e"]["passed"] == report["e2e"]["total"], report["e2e"]
    passed = [s for s in report["scenarios"] if s["verdict"] == "passed"]
    assert passed[0]["steps"][0]["status"] is not None and passed[0]["steps"][0]["method"]


def test_code_that_does_not_compile_is_runtime_failed_and_its_database_is_dropped(
        demo_run: Path, npm_cache: Path, postgres: PostgresServer, tmp_path: Path) -> None:  # fmt: skip
    run = _copy_run(demo_run, tmp_path)
    provider = run / "tree" / "src" / "providers" / "postTodos.ts"
    provider.write_text(provider.read_text() + "\nexport const broken: number = 'not a number';\n")
    report = verify(Source.find(run), postgres, npm_cache=npm_cache)
    assert (report.boots, report.fault) == (False, "model")
    assert report.reason is not None and report.reason.startswith(f"{RUNTIME_FAILED}: build:")
    assert "error TS2322" in report.steps[-1].log
    assert report.golden_set() is not None and report.golden_set().scenarios[0].passed is False
    assert "verify_" not in postgres.admin("SELECT string_agg(datname, ',') FROM pg_database")


def test_a_server_that_dies_at_boot_is_runtime_failed_with_its_last_words(
        demo_run: Path, npm_cache: Path, postgres: PostgresServer, tmp_path: Path) -> None:  # fmt: skip
    run = _copy_run(demo_run, tmp_path)
    main = run / "tree" / "src" / "main.ts"
    main.write_text('throw new Error("refusing to start: the model forgot a setting");\n' + main.read_text())
    report = verify(Source.find(run), postgres, npm_cache=npm_cache, boot_timeout_s=30)
    assert (report.boots, report.fault) == (False, "model"), report.steps
    assert report.reason is not None and report.reason.startswith(f"{RUNTIME_FAILED}: boot:")
    assert "refusing to start" in report.steps[-1].log


def test_a_database_that_is_down_is_the_farms_fault_never_the_models(
        demo_run: Path, npm_cache: Path, tmp_path: Path) -> None:  # fmt: skip
    stopped = PostgresServer().start()
    stopped.stop()
    stopped.socket_dir = tmp_path  # as if it were still there: its clients get no answer
    report = verify(Source.find(_copy_run(demo_run, tmp_path / "run")), stopped, npm_cache=npm_cache)
    assert (report.boots, report.fault, report.infra_failed) == (False, "infra", True)
    assert report.reason is not None and report.reason.startswith("infra: database:")
    assert report.golden_set() is None  # not verified: left out of the score, never a 0


def test_a_tree_that_is_not_a_project_is_refused_clearly(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "farm", "verify", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "not a NestJS project (no package.json)" in " ".join(done.stderr.split())
