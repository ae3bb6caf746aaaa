"""The verify job live, through real Celery workers: backends built and booted on a private
PostgreSQL, played their Golden Set, and scored with it; a farm-side failure kept apart from the
model's and resumed; a worker's PostgreSQL stopped with it."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from farm import keys
from farm.ledger import SCORE, VERIFY, Ledger
from farm.outcomes import JobState
from farm.queueing import make_celery
from farm.scheduler import resume
from farm.sim import SimServer
from farm.status import PIPELINE, snapshot
from farm.store import Store
from tests.integration import embedded_cli as cli
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess, wait_until
from workers.verify_job import POSTGRES_DATA_ENV

pytestmark = pytest.mark.integration

CLEAN, BROKEN = "sim/clean", "sim/broken"


@pytest.fixture
def postgres_root() -> Iterator[Path]:
    """A FARM_POSTGRES_DATA the `postgres` OS user can reach (pytest's tmp_path is private to root)."""
    root = Path(tempfile.mkdtemp(prefix="farm-verify-test-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _postmasters(root: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(root) in arg for arg in proc.info["cmdline"] or []):
            found.append(proc)
    return found


def _states(ledger: Ledger, round_id: str, model: str) -> dict[str, tuple[JobState, str]]:
    return {job.phase: (rec.state, rec.reason) for job, rec in ledger.jobs(round_id).items() if job.model == model}


@pytest.mark.timeout(600)
def test_backends_are_verified_live_scored_with_their_golden_set_and_a_farm_failure_resumed(
    redis_url: str, ledger: Ledger, local_store: Store, sim: SimServer, postgres_root: Path,
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    blocked = postgres_root / "pg"
    blocked.write_text("")  # PostgreSQL's data directory cannot be made: the farm's fault
    worker = start_worker(redis_url, local_store.url, concurrency=2, extra_env={POSTGRES_DATA_ENV: str(blocked)})
    submit_round(sim_round("live", [CLEAN, BROKEN]), local_store, redis_url, sim.base_url)
    wait_complete(ledger, "live", timeout=240)

    clean, broken = _states(ledger, "live", CLEAN), _states(ledger, "live", BROKEN)
    assert clean["realize"][0] is JobState.SUCCEEDED
    assert clean[VERIFY][0] is JobState.INFRA_FAILED and str(blocked) in clean[VERIFY][1]
    assert clean[SCORE] == (JobState.SKIPPED, "run incomplete: verify infra_failed")
    assert broken[VERIFY] == (JobState.SKIPPED, "no backend: the run ended model_failed at analyze")
    assert broken[SCORE][0] is JobState.SUCCEEDED
    run, broken_run = keys.RunKeys("live", CLEAN, "todo"), keys.RunKeys("live", BROKEN, "todo")
    assert not local_store.exists(run.runtime) and not local_store.exists(run.score)
    assert not local_store.exists(broken_run.runtime)
    broken_score = local_store.get_json(broken_run.score)  # nothing to score: a failed gate, 0 on every axis
    assert (broken_score["gate"]["passed"], broken_score["total"], broken_score["axes"]) == (False, 0, [])
    assert snapshot(ledger, "live")["phases"] == list(PIPELINE)

    blocked.unlink()
    assert resume("live", local_store, ledger, make_celery(redis_url)) == 1
    wait_complete(ledger, "live", timeout=240)

    state, reason = _states(ledger, "live", CLEAN)[VERIFY]
    assert state is JobState.SUCCEEDED and reason.startswith("golden ") and "e2e " in reason, reason
    runtime = local_store.get_json(run.runtime)
    assert runtime["boots"] and runtime["fault"] is None and runtime["golden"]["suite"] == "todo"
    assert 0 < runtime["golden"]["passed"] <= runtime["golden"]["total"] and runtime["e2e"]["total"] > 0
    axes = {axis["id"]: axis["score"] for axis in local_store.get_json(run.score)["axes"]}
    assert 0 < axes["golden"] <= 100
    assert _states(ledger, "live", CLEAN)[SCORE][0] is JobState.SUCCEEDED

    assert (postgres_root / "pg" / "slot-0" / "PG_VERSION").is_file()  # kept for the next start
    assert _postmasters(postgres_root)
    worker.stop()  # its pool processes stop the PostgreSQL they started
    assert _postmasters(postgres_root) == []


@pytest.mark.timeout(300)
def test_ctrl_c_while_a_demo_verifies_leaves_nothing_running(tmp_path: Path) -> None:
    """Stopping the embedded farm cold (its workers' jobs in flight outlast the warm stop) unwinds the
    verify in flight: its sandbox, its database and its worker's PostgreSQL are stopped."""
    store = tmp_path / "store"
    process = cli.start("demo", store=store)
    try:
        round_id = cli.submitted_round(store)
        wait_until(lambda: any(job.phase == VERIFY and rec.state is JobState.RUNNING
                               for job, rec in cli.ledger(store).jobs(round_id).items()), 120, "a verify running", 0.2)
        wait_until(lambda: any("postgres" in proc.name() for proc in psutil.process_iter(["name"])
                               if _farm_of(proc, store)), 30, "the worker's PostgreSQL")  # fmt: skip
        cli.ctrl_c(process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    wait_until(lambda: cli.leftovers(store) == [], 10, "everything stopped")


def _farm_of(proc: psutil.Process, store: Path) -> bool:
    try:
        return proc.environ().get("FARM_STORE") == str(store.resolve())
    except psutil.Error:
        return False
