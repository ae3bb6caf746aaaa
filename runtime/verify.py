"""Verify one generated backend live: build it, boot it on a fresh database, play the Golden Set
scenarios and its own e2e tests against it, contained, and say what happened (`RuntimeReport`).

Who runs what: our tools run as the worker (npm from the scaffold's lockfile, `prisma generate`,
psql with the DDL written from the Database AST, or translated from the tree's Prisma schema when
there is no AST); the model's code runs in a `Sandbox` (the compiler on it, its server, its
tests): its own uid, a network namespace with only `lo`, limits.
The server reaches PostgreSQL through the socket directory, which crosses the namespace; the
scenario runner joins the namespace to reach the server. Everything is stopped, the database
dropped and the scratch directory removed, whatever happens.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from farm.postgres_databases import VerifyPostgres
from farm.redis_server import free_port
from runtime.limits import Limits
from runtime.npm_cache import Completed
from runtime.project import Fault, Project, StepResult, trim
from runtime.report import RUNTIME_FAILED, E2e, Golden, RuntimeReport, Step
from runtime.sandbox import Outcome, Sandbox
from runtime.scenarios.result import SuiteResult
from workers.phases.database.ast import DatabaseApplication

REPO_ROOT = Path(__file__).resolve().parent.parent
BOOT_TIMEOUT_S = 60.0  # AutoBe's health poll
SUITE_DEADLINE_S = 600.0
SERVER_LIFETIME_S = 1800.0  # a server nobody stops is stopped after this
_NOT_COPIED = ("node_modules", "dist", ".git")


@dataclass(frozen=True)
class Source:
    """A backend to verify: its tree, the Database AST its schema came from (None: the schema is taken
    from the tree's .prisma files), and its scenario suite."""

    tree: Path
    database: DatabaseApplication | None
    suite: str | None  # a built-in suite name, a suite file, or None: no scenarios

    @classmethod
    def find(cls, path: Path, project: str | None = None) -> Source:
        """`path` is a run directory (`tree/` and `database/ast.json`) or a project tree (`package.json`;
        its AST looked for at `../database/ast.json`). The suite: `project`, else the package's name."""
        path = path.resolve()
        tree = path / "tree" if (path / "tree" / "package.json").is_file() else path
        if not (tree / "package.json").is_file():
            raise ValueError(f"{path}: not a NestJS project (no package.json) nor a run directory (no tree/)")
        ast_file = next((p for p in (path / "database" / "ast.json", tree.parent / "database" / "ast.json")
                         if p.is_file()), None)  # fmt: skip
        database = DatabaseApplication.model_validate_json(ast_file.read_text(encoding="utf-8")) if ast_file else None
        return cls(tree, database, project or _package_project(tree))


def _package_project(tree: Path) -> str | None:
    """Our trees are named `@benchfarm/<project>`; another tree names no suite unless told."""
    name = json.loads((tree / "package.json").read_text(encoding="utf-8")).get("name", "")
    return name.removeprefix("@benchfarm/") if name.startswith("@benchfarm/") else None


def verify(source: Source, postgres: VerifyPostgres, *, npm_cache: Path, limits: Limits | None = None,
           boot_timeout_s: float = BOOT_TIMEOUT_S, suite_deadline_s: float = SUITE_DEADLINE_S) -> RuntimeReport:
    """Every step in order; the first failure ends it, charged to the model or the farm."""
    started = time.monotonic()
    database_name = f"verify_{uuid.uuid4().hex[:16]}"
    with Sandbox(limits) as box:
        verification = _Verification(box, source, boot_timeout_s, suite_deadline_s)
        try:
            result = verification.run(postgres, database_name, npm_cache)
        finally:
            _drop_quietly(postgres, database_name)
    return result.model_copy(update={"seconds": round(time.monotonic() - started, 3), "isolation": box.isolation})


class _RunnerFailed(Exception):
    """Our scenario runner could not play the suite: the farm's fault, not the backend's."""

    def __init__(self, step: Step) -> None:
        super().__init__(step.reason)
        self.step = step


class _Verification:
    def __init__(self, box: Sandbox, source: Source, boot_timeout_s: float, suite_deadline_s: float) -> None:
        self.box, self.source = box, source
        self.steps: list[Step] = []
        self.boot_timeout_s, self.suite_deadline_s = boot_timeout_s, suite_deadline_s

    def run(self, postgres: VerifyPostgres, database_name: str, npm_cache: Path) -> RuntimeReport:
        tree = self.box.copy_in(self.source.tree, "tree", ignore=_NOT_COPIED)
        project = Project(tree=tree, database=self.source.database, contain=self._contained)
        for step in (lambda: project.install(npm_cache), project.generate_client):
            if (failed := self._record(step())) is not None:
                return failed
        try:
            database = postgres.create_database(database_name)
        except RuntimeError as exc:
            return self._record(StepResult("database", False, 0.0, trim(str(exc)), Fault.INFRA, "the database is down"))  # type: ignore[return-value]
        for step in (lambda: project.apply_schema(database.url), project.build):
            if (failed := self._record(step())) is not None:
                return failed
        port = free_port() if self.box.isolation == "loopback" else 3000
        env = _inside_sandbox({**project.env, "DATABASE_URL": database.socket_url, "JWT_SECRET": secrets.token_hex(32),
                               "PORT": str(port), "HOST": "127.0.0.1", "NODE_ENV": "production"})
        boot_started = time.monotonic()
        server = self.box.spawn(["node", "dist/src/main.js"], port=port, timeout_s=SERVER_LIFETIME_S,
                                ready_timeout_s=self.boot_timeout_s, cwd=tree, env=env)
        try:
            if not server.ready:
                ended = server.stop()
                return self._record(StepResult("boot", False, round(time.monotonic() - boot_started, 3),
                                               trim(ended.output), Fault.MODEL, f"the server did not boot: {ended.detail}"))  # type: ignore[return-value]
            self.steps.append(Step(step="boot", ok=True, seconds=round(time.monotonic() - boot_started, 3)))
            base_url = f"http://127.0.0.1:{port}"
            suite = self._scenarios(base_url, tree)
            e2e = project.e2e(base_url)
            self.steps.append(_step(e2e.result))
        except _RunnerFailed as failed:
            return self._report(boots=True, failed=failed.step)
        finally:
            ended = server.stop()
        crashed = ended.outcome is not Outcome.OK
        reason = f"{RUNTIME_FAILED}: the server ended while tested: {ended.detail}" if crashed else None
        golden = Golden.of(suite) if suite is not None else Golden()
        e2e_summary = E2e(passed=len(e2e.passed), total=len(e2e.passed) + len(e2e.failed), failed=e2e.failed)
        return RuntimeReport(boots=True, golden=golden, e2e=e2e_summary, reason=reason,
                             fault="model" if crashed else None, steps=self.steps,
                             scenarios=suite.scenarios if suite is not None else [])

    def _scenarios(self, base_url: str, tree: Path) -> SuiteResult | None:
        """The suite, played by our runner inside the sandbox's network (a trusted process, not the sandbox's uid)."""
        if self.source.suite is None:
            return None
        started = time.monotonic()
        argv = [sys.executable, "-m", "runtime.scenarios.run", "--base-url", base_url, "--openapi",
                str(tree / "openapi.json"), "--suite", self.source.suite, "--json",
                "--deadline", str(self.suite_deadline_s)]  # fmt: skip
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO_ROOT), "LANG": "C.UTF-8"}
        done = self.box.run_inside(argv, timeout_s=self.suite_deadline_s + 60, cwd=REPO_ROOT, env=env)
        seconds = round(time.monotonic() - started, 3)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
            failed = Step(step="scenarios", ok=False, seconds=seconds, fault="infra", log=trim(output),
                          reason=f"the scenario runner exited {done.returncode}")
            self.steps.append(failed)
            raise _RunnerFailed(failed)
        self.steps.append(Step(step="scenarios", ok=True, seconds=seconds))
        return SuiteResult.model_validate_json(done.stdout)

    def _contained(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float) -> Completed:
        """The model's code (the compiler on it, its tests) in the sandbox: the `Run` seam of `Project`."""
        ended = self.box.run(argv, timeout_s=timeout, cwd=cwd, env=_inside_sandbox(env))
        if ended.outcome is Outcome.TIMEOUT:
            return Completed(None, ended.output)
        suffix = "" if ended.outcome in (Outcome.OK, Outcome.EXIT) else f"\n[sandbox] {ended.outcome}: {ended.detail}"
        return Completed(ended.returncode if ended.returncode is not None else -1, ended.output + suffix)

    def _record(self, result: StepResult) -> RuntimeReport | None:
        """Keep the step; a failed one ends the verify with its report."""
        step = _step(result)
        self.steps.append(step)
        return None if step.ok else self._report(boots=False, failed=step)

    def _report(self, *, boots: bool, failed: Step) -> RuntimeReport:
        label = RUNTIME_FAILED if failed.fault == "model" else "infra"
        return RuntimeReport(boots=boots, golden=Golden(suite=self.source.suite), e2e=E2e(), fault=failed.fault,
                             reason=f"{label}: {failed.step}: {failed.reason}", steps=self.steps)


def _inside_sandbox(env: Mapping[str, str]) -> dict[str, str]:
    """The project's environment minus HOME and TMPDIR: inside, those are the sandbox's scratch directory."""
    return {key: value for key, value in env.items() if key not in ("HOME", "TMPDIR")}


def _step(result: StepResult) -> Step:
    return Step(step=result.step, ok=result.ok, seconds=result.seconds, reason=result.reason,
                fault=result.fault.value if result.fault else None, log="" if result.ok else result.log)


def _drop_quietly(postgres: VerifyPostgres, name: str) -> None:
    try:
        postgres.drop_database(name)
    except RuntimeError:
        pass  # the server is gone: so is the database

