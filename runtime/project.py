"""The steps that take a generated backend from files to a live server, each timed and judged.

install -> generate_client -> apply_schema -> build -> start -> wait_healthy (-> e2e). Each step
returns a `StepResult` whose `fault` says who failed: the model (its code does not compile, its
server does not come up, its schema does not apply) or the infrastructure (the npm registry, the
database, a missing tool). Every command goes through a `Run` / `Spawn` callable: `contain` for the
ones that execute the model's code, so a containment layer (runtime.verify) can wrap them.

The schema is applied as DDL written here, not by Prisma: Prisma 7's `db push` and `migrate` run
its native schema engine, which the CLI downloads from Prisma's binary host (not a package
registry, so unreachable here and in CI). For our runs the DDL comes from the Database phase's AST,
which the `.prisma` files were emitted from (workers/phases/database/emit.py), so the tables,
columns, keys, relations and indexes below mirror them one for one; for any other tree (AutoBe's
layout) from its `.prisma` files, translated by runtime.prisma_schema. The database refusing the
AST's DDL is the model's fault (its schema); refusing translated DDL is ours (the translator). `prisma generate` itself runs offline: the Rust-free client
needs no engine, and pointing PRISMA_SCHEMA_ENGINE_BINARY at a file skips the download the CLI
would otherwise attempt first.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from runtime.npm_cache import Completed, Run, link_modules, shared_install
from runtime.prisma_schema import UnsupportedSchema, tree_ddl
from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication, ForeignField, Model, PlainType

LOG_LINES = 200
LOG_BYTES = 64 * 1024
INSTALL_TIMEOUT = 900.0
GENERATE_TIMEOUT = 120.0
SCHEMA_TIMEOUT = 60.0
BUILD_TIMEOUT = 300.0
E2E_TIMEOUT = 300.0
STOP_TIMEOUT = 10.0
_NETWORK_ERRORS = re.compile(r"ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|socket hang up")
_PRISMA_SCHEMA_ERROR = re.compile(r"P1012|Prisma schema validation|error: .*\n\s*-->")
_TS_ERROR = re.compile(r"error TS\d+:")
_E2E_LINE = re.compile(r"^(passed|FAILED) (test_\w+)", re.MULTILINE)


class Fault(StrEnum):
    """Who a failed step is charged to."""

    MODEL = "model"
    INFRA = "infra"


@dataclass(frozen=True)
class StepResult:
    """One step: whether it worked, how long it took, the tail of its output and, if it failed, whose fault."""

    step: str
    ok: bool
    seconds: float
    log: str
    fault: Fault | None = None
    reason: str = ""


def trim(text: str, lines: int = LOG_LINES, limit: int = LOG_BYTES) -> str:
    """The end of `text`: its last `lines` lines, and at most `limit` bytes of them."""
    tail = "\n".join(text.splitlines()[-lines:])
    data = tail.encode("utf-8", errors="replace")
    return data[-limit:].decode("utf-8", errors="ignore") if len(data) > limit else tail


def run_local(argv: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float) -> Completed:
    """Runs `argv` in its own process group; at the timeout the whole group is killed (npm and tsc fork)."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            returncode = None
        output.seek(0)
        return Completed(returncode, output.read().decode("utf-8", errors="replace"))


# Starts a long-running command writing its output to `log`: (argv, cwd, env, log) -> process.
Spawn = Callable[[Sequence[str], Path, Mapping[str, str], BinaryIO], subprocess.Popen[bytes]]


def spawn_local(argv: Sequence[str], cwd: Path, env: Mapping[str, str], log: BinaryIO) -> subprocess.Popen[bytes]:
    """Starts `argv` in its own process group, so stopping it stops everything it started."""
    return subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def base_env() -> dict[str, str]:
    """A small environment for the project's commands: never the farm's own (it holds API keys).
    Prisma's CLI is told not to phone home (no network but the registries here)."""
    node = shutil.which("node")
    directories = ([str(Path(node).parent)] if node else []) + ["/usr/local/bin", "/usr/bin", "/bin"]
    return {"PATH": os.pathsep.join(dict.fromkeys(directories)), "HOME": tempfile.gettempdir(), "LANG": "C.UTF-8",
            "NO_COLOR": "1", "CHECKPOINT_DISABLE": "1", "PRISMA_HIDE_UPDATE_MESSAGE": "1"}


# ---- the schema as SQL, from the Database phase's AST

_SQL_TYPES: dict[PlainType, str] = {
    "boolean": "BOOLEAN",
    "int": "INTEGER",
    "double": "DOUBLE PRECISION",
    "string": "TEXT",
    "uri": "TEXT",
    "uuid": "UUID",
    "datetime": "TIMESTAMPTZ",
}
_MAX_IDENTIFIER = 63  # PostgreSQL cuts longer names, which could make two constraint names collide


def _name(text: str) -> str:
    """A quoted constraint or index name, shortened with a digest when PostgreSQL would cut it."""
    if len(text) > _MAX_IDENTIFIER:
        text = f"{text[:_MAX_IDENTIFIER - 9]}_{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return f'"{text}"'


def _columns(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _create_table(model: Model) -> str:
    columns = [f'"{PRIMARY_KEY}" UUID NOT NULL']
    columns += [f'"{fk.name}" UUID' + ("" if fk.nullable else " NOT NULL") for fk in model.foreign_fields]
    columns += [f'"{plain.name}" {_SQL_TYPES[plain.type]}' + ("" if plain.nullable else " NOT NULL")
                for plain in model.plain_fields]
    columns.append(f"CONSTRAINT {_name(model.name + '_pkey')} PRIMARY KEY (\"{PRIMARY_KEY}\")")
    return f'CREATE TABLE "{model.name}" (\n  ' + ",\n  ".join(columns) + "\n);"


def _index(table: str, fields: Sequence[str], suffix: str, kind: str = "INDEX", using: str = "") -> str:
    name = _name("_".join([table, *fields, suffix]))
    return f'CREATE {kind} {name} ON "{table}"{using} ({_columns(fields)});'


def _indexes(model: Model) -> list[str]:
    """Unique indexes (one-to-one references included), plain ones, and trigram GIN ones, as in the schema."""
    unique = [[fk.name] for fk in model.foreign_fields if fk.unique] + [index.fields for index in model.unique_indexes]
    statements = [_index(model.name, fields, "key", kind="UNIQUE INDEX") for fields in unique]
    statements += [_index(model.name, index.fields, "idx") for index in model.plain_indexes]
    for gin in model.gin_indexes:
        name = _name(f"{model.name}_{gin.field}_idx")
        statements.append(f'CREATE INDEX {name} ON "{model.name}" USING GIN ("{gin.field}" gin_trgm_ops);')
    return statements


def _foreign_key(model: Model, fk: ForeignField) -> str:
    """A reference to the target's primary key; an optional one becomes null when the target goes (as emitted)."""
    on_delete = "SET NULL" if fk.nullable else "CASCADE"
    return (f'ALTER TABLE "{model.name}" ADD CONSTRAINT {_name(f"{model.name}_{fk.name}_fkey")} '
            f'FOREIGN KEY ("{fk.name}") REFERENCES "{fk.relation.target}" ("{PRIMARY_KEY}") '
            f"ON DELETE {on_delete} ON UPDATE CASCADE;")


EXTENSIONS_SQL = 'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n'  # main.prisma's `extensions = [pg_trgm]`


def schema_sql(app: DatabaseApplication) -> str:
    """Every table, then every index, then every foreign key (so references may point forward)."""
    models = [model for namespace in app.namespaces for model in namespace.models]
    statements = [_create_table(model) for model in models]
    statements += [statement for model in models for statement in _indexes(model)]
    statements += [_foreign_key(model, fk) for model in models for fk in model.foreign_fields]
    return "\n".join(statements) + "\n"


# ---- the project


def _timed(step: str, started: float, completed: Completed | None, fault: Fault | None = None,
           reason: str = "", log: str = "") -> StepResult:
    text = log or (completed.output if completed else "")
    return StepResult(step=step, ok=fault is None, seconds=round(time.monotonic() - started, 3), log=trim(text),
                      fault=fault, reason=reason)


def _ended(completed: Completed) -> str:
    return "timed out" if completed.returncode is None else f"exited {completed.returncode}"


@dataclass
class Project:
    """A generated backend tree (and the Database AST its schema came from), taken through the boot steps."""

    tree: Path
    database: DatabaseApplication | None = None
    run: Run = run_local  # our tools: npm from the scaffold's lockfile, prisma generate, psql
    spawn: Spawn = spawn_local
    contain: Run = run_local  # the model's code: the compiler on it, its tests (runtime.verify: a sandbox)
    env: dict[str, str] = field(default_factory=base_env)

    @classmethod
    def from_run(cls, run_dir: Path, run: Run = run_local, spawn: Spawn = spawn_local) -> Project:
        """The tree of a pipeline run directory (`<run>/tree`) with the AST in `<run>/database/ast.json`."""
        ast = DatabaseApplication.model_validate_json((run_dir / "database" / "ast.json").read_text(encoding="utf-8"))
        return cls(tree=run_dir / "tree", database=ast, run=run, spawn=spawn)

    def _bin(self, name: str) -> str:
        return str(self.tree / "node_modules" / ".bin" / name)

    def install(self, cache_dir: Path, timeout: float = INSTALL_TIMEOUT) -> StepResult:
        """node_modules from the shared install of the project's dependencies (made on first use).

        The manifest and lockfile are the scaffold's, never the model's, so any failure is infra's.
        """
        started = time.monotonic()
        if not (self.tree / "package.json").is_file():
            return _timed("install", started, None, Fault.INFRA, "the tree has no package.json")
        shared = shared_install(self.tree, cache_dir, self.run, self.env, timeout)
        if shared.completed is not None and shared.completed.returncode != 0:
            network = _NETWORK_ERRORS.search(shared.completed.output)
            reason = "npm registry unreachable" if network else f"npm {_ended(shared.completed)}"
            return _timed("install", started, shared.completed, Fault.INFRA, reason)
        link_modules(shared.modules, self.tree)
        npm_output = shared.completed.output if shared.completed else ""
        return _timed("install", started, None, log=f"{npm_output}\nnode_modules linked from {shared.modules}")

    def generate_client(self, timeout: float = GENERATE_TIMEOUT) -> StepResult:
        """The Prisma client for the tree's schema, in the tree's node_modules/.prisma/client."""
        started = time.monotonic()
        engine = shutil.which("false") or "/bin/false"  # never run by `generate`; only skips the engine download
        env = {**self.env, "PRISMA_SCHEMA_ENGINE_BINARY": engine}
        completed = self.run([self._bin("prisma"), "generate"], self.tree, env, timeout)
        if completed.returncode == 0:
            return _timed("generate", started, completed)
        if _PRISMA_SCHEMA_ERROR.search(completed.output):
            return _timed("generate", started, completed, Fault.MODEL, "the Prisma schema is invalid")
        return _timed("generate", started, completed, Fault.INFRA, f"prisma generate {_ended(completed)}")

    def apply_schema(self, database_url: str, timeout: float = SCHEMA_TIMEOUT) -> StepResult:
        """The extensions, then every table, index and foreign key in one transaction, by psql.

        The DDL comes from the Database AST, or without one (a tree not from our pipeline) from the
        tree's Prisma schema files (runtime.prisma_schema); a construct that translator does not
        know is infra's fault, as is a database that cannot be reached or lacks an extension; DDL
        the database refuses came from the model's schema. The SQL goes to psql as files in a
        temporary directory, which a wrapping `run` must let it read.
        """
        started = time.monotonic()
        try:
            extensions_sql, tables_sql = self._schema_ddl()
        except UnsupportedSchema as exc:
            return _timed("apply_schema", started, None, Fault.INFRA, f"cannot translate the Prisma schema: {exc}")
        psql = shutil.which("psql")
        if psql is None:
            return _timed("apply_schema", started, None, Fault.INFRA, "psql is not installed")
        with tempfile.TemporaryDirectory(prefix="farm-schema-") as scratch:
            extensions, tables = Path(scratch) / "extensions.sql", Path(scratch) / "schema.sql"
            extensions.write_text(extensions_sql, encoding="utf-8")
            tables.write_text(tables_sql, encoding="utf-8")
            url, password = _split_password(database_url)
            env = {**self.env, "PGPASSWORD": password}  # not on the command line, which any user can read
            first = self.run(_psql_argv(psql, url, extensions), self.tree, env, timeout)
            if first.returncode != 0:
                return _timed("apply_schema", started, first, Fault.INFRA, f"database setup: psql {_ended(first)}")
            second = self.run(_psql_argv(psql, url, tables), self.tree, env, timeout)
        if second.returncode == 0:
            return _timed("apply_schema", started, second)
        if second.returncode != _PSQL_SCRIPT_ERROR:
            return _timed("apply_schema", started, second, Fault.INFRA, f"psql {_ended(second)}")
        if self.database is None:  # DDL of our translator from a schema prisma accepted: ours to fix
            return _timed("apply_schema", started, second, Fault.INFRA,
                          "the database refused the DDL translated from the Prisma schema (runtime/prisma_schema.py)")
        return _timed("apply_schema", started, second, Fault.MODEL, "the database refused the schema")

    def _schema_ddl(self) -> tuple[str, str]:
        """(extensions, tables) SQL: from the Database AST if there is one, else from the tree's .prisma files."""
        if self.database is not None:
            return EXTENSIONS_SQL, schema_sql(self.database)
        translated = tree_ddl(self.tree)
        return EXTENSIONS_SQL + translated.extensions, translated.tables

    def build(self, timeout: float = BUILD_TIMEOUT) -> StepResult:
        """src and test compiled to dist by the project's own TypeScript; any type error fails the build."""
        started = time.monotonic()
        argv = [self._bin("tsc"), "-p", "tsconfig.json", "--pretty", "false"]
        completed = self.contain(argv, self.tree, self.env, timeout)
        if completed.returncode == 0:
            return _timed("build", started, completed)
        if completed.returncode is None or _TS_ERROR.search(completed.output):
            reason = "the compiler timed out" if completed.returncode is None else "the code does not compile"
            return _timed("build", started, completed, Fault.MODEL, reason)
        return _timed("build", started, completed, Fault.INFRA, f"tsc {_ended(completed)}")

    def start(self, port: int, env: Mapping[str, str], log_path: Path) -> Server:
        """`node dist/src/main.js` on 127.0.0.1:`port`; `env` adds DATABASE_URL, JWT_SECRET and the like."""
        server_env = {**self.env, **env, "PORT": str(port), "HOST": "127.0.0.1"}
        log = log_path.open("wb")
        try:
            process = self.spawn(["node", "dist/src/main.js"], self.tree, server_env, log)
        finally:
            log.close()  # the child holds its own descriptor
        return Server(process=process, port=port, log_path=log_path, started=time.monotonic())

    def e2e(self, base_url: str, timeout: float = E2E_TIMEOUT) -> E2eRun:
        """The project's own e2e tests (`node dist/test/index.js`) against the server at `base_url`."""
        started = time.monotonic()
        completed = self.contain(["node", "dist/test/index.js"], self.tree, {**self.env, "TEST_HOST": base_url}, timeout)
        outcomes = {name: verdict == "passed" for verdict, name in _E2E_LINE.findall(completed.output)}
        passed = sorted(name for name, ok in outcomes.items() if ok)
        failed = sorted(name for name, ok in outcomes.items() if not ok)
        if completed.returncode == 0 and outcomes:
            return E2eRun(_timed("e2e", started, completed), passed, failed)
        reason = f"{len(failed)} of {len(outcomes)} tests failed" if failed else f"the test runner {_ended(completed)}"
        return E2eRun(_timed("e2e", started, completed, Fault.MODEL, reason), passed, failed)


_PSQL_SCRIPT_ERROR = 3  # psql's exit status when a statement fails under ON_ERROR_STOP


def _split_password(database_url: str) -> tuple[str, str]:
    """A postgresql:// URL without its password, and the password (percent-decoded)."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url, ""
    user = f"{parts.username}@" if parts.username else ""
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    netloc = f"{user}{host}{f':{parts.port}' if parts.port else ''}"
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


def _psql_argv(psql: str, database_url: str, script: Path) -> list[str]:
    return [psql, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
            "-d", database_url, "-f", str(script)]


@dataclass(frozen=True)
class E2eRun:
    """The e2e step and the tests that passed and failed, by function name."""

    result: StepResult
    passed: list[str]
    failed: list[str]


@dataclass
class Server:
    """A started backend: wait until it answers HTTP, read its log, stop it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started: float

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return trim(self.log_path.read_text(encoding="utf-8", errors="replace")) if self.log_path.exists() else ""

    def wait_healthy(self, deadline: float) -> StepResult:
        """Polls until any HTTP answer comes back (a 404 counts: the server is up), the process exits, or
        the `time.monotonic()` deadline passes; the last two are the model's fault."""
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return self._result(Fault.MODEL, f"the server exited {self.process.returncode} while starting")
                try:
                    client.get(self.base_url + "/")
                    return self._result(None)
                except httpx.TransportError:
                    time.sleep(0.1)
        return self._result(Fault.MODEL, "the server did not answer HTTP before the deadline")

    def _result(self, fault: Fault | None, reason: str = "") -> StepResult:
        return StepResult(step="boot", ok=fault is None, seconds=round(time.monotonic() - self.started, 3),
                          log=self.log(), fault=fault, reason=reason)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the server's process group (Nest's shutdown hooks run), SIGKILL after `timeout`."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                _kill_group(self.process)
