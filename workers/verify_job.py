"""The verify job: build a run's backend, boot it on a fresh database, play its Golden Set scenarios
and its e2e tests (`runtime.verify`), and store `runtime.json` beside the run's `score.json`.

It runs between the run's realize and its score job, on the `runtime` queue (workers sized for
builds and live servers). A backend that does not build, boot or stay up is the model's fault:
model_failed with a `runtime_failed:` reason, and the run is still scored (its Golden Set axis at
0). A failure on the farm's side (npm, PostgreSQL, the sandbox, the store) is infra_failed and
stores nothing: the run is incomplete until `farm round resume` verifies it again.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

import psutil

from farm import keys, metrics
from farm.ledger import VERIFY, JobKey
from farm.manifest import ProjectEntry
from farm.outcomes import JobState
from farm.postgres_databases import VerifyPostgres
from farm.postgres_external import URL_ENV, ExternalPostgres
from farm.postgres_server import PostgresServer
from runtime.cli import npm_cache_dir
from runtime.report import RuntimeReport
from runtime.scenarios.suite import SUITE_SUFFIX, builtin_suites
from runtime.verify import Source, verify
from workers.environment import WorkerEnv
from workers.jobs import following, run_job
from workers.phases.database.ast import DatabaseApplication

log = logging.getLogger("benchfarm.verify")

POSTGRES_DATA_ENV = "FARM_POSTGRES_DATA"


def run_verify_job(env: WorkerEnv, round_id: str, model_id: str, project: str) -> JobState | None:
    """Verify (or finish the bookkeeping of) one run's backend; None when another delivery holds it."""
    run_keys = keys.RunKeys(round_id, model_id, project)
    job = JobKey(model_id, project, VERIFY)

    def finished() -> tuple[JobState, str] | None:
        stored = env.store.get_json_or_none(run_keys.runtime)
        return outcome(RuntimeReport.model_validate(stored)) if stored is not None else None

    return run_job(env, round_id, job, finished, execute=lambda: _verify(env, run_keys),
                   following=lambda state: following(env, round_id, job, state))  # fmt: skip


def outcome(report: RuntimeReport) -> tuple[JobState, str]:
    """The job's end: booted with no fault, the model's fault, or the farm's."""
    if report.infra_failed:
        return JobState.INFRA_FAILED, report.reason or "infra"
    if report.fault is not None or not report.boots:
        return JobState.MODEL_FAILED, report.reason or "runtime_failed"
    golden = f"golden {report.golden.passed}/{report.golden.total}" if report.golden.suite else "no golden set"
    return JobState.SUCCEEDED, f"{golden}, e2e {report.e2e.passed}/{report.e2e.total}"


def suite_of(entry: ProjectEntry, name: str) -> str | None:
    """A catalog project's built-in suite; a custom project's `<name>.scenarios.yaml` shipped beside its
    requirement file (when this worker can read it there); else None: no scenarios, no golden axis."""
    if entry.source == "catalog":
        return name if name in builtin_suites() else None
    path = Path(entry.source)
    return str(path) if path.with_name(path.stem + SUITE_SUFFIX).is_file() else None


def _verify(env: WorkerEnv, run_keys: keys.RunKeys) -> tuple[JobState, str]:
    where = f"{run_keys.model} × {run_keys.project}"
    try:  # anything that fails here is the farm's: the store, PostgreSQL, the sandbox, a bug
        started = time.monotonic()
        entry = env.manifest(run_keys.round_id).projects[run_keys.project_name]
        ast = env.store.get_json_or_none(run_keys.phase("database").ast)
        with tempfile.TemporaryDirectory(prefix="farm-verify-") as tmp:
            tree = Path(tmp) / "tree"
            env.store.materialize(run_keys.tree, tree)
            source = Source(tree, DatabaseApplication.model_validate(ast) if ast is not None else None,
                            suite_of(entry, run_keys.project_name))  # fmt: skip
            fetched = time.monotonic()
            postgres = POSTGRES.get()
            ready = time.monotonic()
            report = verify(source, postgres, npm_cache=npm_cache_dir())
        if not report.infra_failed:  # an infra verify says nothing of the backend: it is done again
            env.store.put_text(run_keys.runtime, report.model_dump_json(indent=1))
            _observe(run_keys, report)
    except Exception as exc:  # noqa: BLE001 - never the model's fault, never a crashed task
        log.exception("verifying %s failed", where)
        return JobState.INFRA_FAILED, f"verify: {type(exc).__name__}: {exc}"
    steps = ", ".join(f"{step.step} {step.seconds:.1f}s" for step in report.steps)
    log.info("verified %s in %.1fs (store %.1fs, postgres %.1fs, verify %.1fs: %s; %s isolation)", where,
             time.monotonic() - started, fetched - started, ready - fetched, report.seconds, steps, report.isolation)
    return outcome(report)


def _observe(run_keys: keys.RunKeys, report: RuntimeReport) -> None:
    labels = (run_keys.round_id, run_keys.model, run_keys.project)
    metrics.RUN_BOOTS.labels(*labels).set(1 if report.boots else 0)
    if report.golden.total:
        metrics.RUN_GOLDEN_PASS_RATE.labels(*labels).set(report.golden.passed / report.golden.total)


class ProcessPostgres:
    """This process's PostgreSQL: started at its first verify and kept (each verify gets a fresh
    database of its own in it), started again when it stops answering, stopped when the process ends.

    Under FARM_POSTGRES_URL it is an external server (`farm.postgres_external`): nothing is started
    but a bridge from a Unix socket to it, for the sandbox; a URL that cannot be used fails each
    verify as infra_failed, naming the variable and the problem.

    Else it is a private cluster. Under FARM_POSTGRES_DATA each process takes a data directory of its
    own (`slot-N`, held by a lock for the process's life): kept across restarts (a start then costs
    0.1 s, not initdb's 2 s) and never shared; a postmaster that a killed process left running in its
    slot is stopped first. Without it the cluster is a throwaway one.

    A cluster runs in a session of its own, which no stop of the worker's process group reaches, so it is
    stopped from Python: at worker_process_shutdown in a pool process (which ends with os._exit),
    else atexit. A cold shutdown gets there too: billiard turns a pool process's SIGTERM into
    SystemExit, which unwinds a verify in flight (its sandbox stopped, its database dropped) first.
    A process killed outright leaves it running: under FARM_POSTGRES_DATA its slot's next user
    stops it; a throwaway one stays until stopped by hand."""

    def __init__(self) -> None:
        self._server: VerifyPostgres | None = None
        self._slot: IO[str] | None = None

    def get(self) -> VerifyPostgres:
        if self._server is not None and _answers(self._server):
            return self._server
        self.stop()
        url = os.environ.get(URL_ENV)
        if url:
            started = time.monotonic()
            external = ExternalPostgres(url).start()
            self._server = external
            log.info("PostgreSQL for verifies: external %s (%s), bridged at %s, checked in %.1fs", external.url.masked,
                     URL_ENV, external.socket_dir, time.monotonic() - started)  # fmt: skip
            return external
        root = os.environ.get(POSTGRES_DATA_ENV)
        data_dir = self._take_slot(Path(root)) if root else None
        started = time.monotonic()
        server = PostgresServer(data_dir).start()
        self._server = server
        log.info("PostgreSQL for verifies on 127.0.0.1:%d (%s), started in %.1fs", server.port,
                 data_dir or "throwaway", time.monotonic() - started)  # fmt: skip
        return server

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.close()  # releases its lock

    def _take_slot(self, root: Path) -> Path:
        """The first data directory under `root` that no live process holds."""
        root.mkdir(parents=True, exist_ok=True)
        index = 0
        while True:
            handle = (root / f"slot-{index}.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                index += 1
                continue
            self._slot = handle
            _stop_orphan(root / f"slot-{index}")
            return root / f"slot-{index}"


def _answers(server: VerifyPostgres) -> bool:
    try:
        server.admin("SELECT 1")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        log.warning("PostgreSQL on port %d no longer answers (%s): starting it again", server.port, exc)
        return False
    return True


def _stop_orphan(data_dir: Path) -> None:
    """Stop a postmaster still serving `data_dir` (its process died without stopping it; the slot's
    lock says no live process uses it): a fast shutdown, then a kill."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        if str(data_dir) not in postmaster.cmdline():
            return  # a stale file, its pid reused
        log.warning("stopping the PostgreSQL (pid %d) a dead worker process left on %s", pid, data_dir)
        postmaster.send_signal(signal.SIGINT)
        try:
            postmaster.wait(timeout=20)
        except psutil.TimeoutExpired:
            postmaster.kill()
            postmaster.wait(timeout=10)
    except (OSError, ValueError, IndexError, psutil.Error):
        return  # no postmaster.pid, or its process is gone


POSTGRES = ProcessPostgres()
atexit.register(POSTGRES.stop)  # a prefork pool process ends with os._exit: workers/tasks.py stops it there
