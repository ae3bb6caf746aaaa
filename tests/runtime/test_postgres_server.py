"""The private PostgreSQL: a real cluster, real roles, real connections over TCP and the Unix socket,
and a sandboxed node process reaching its database from inside its network namespace."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from farm.postgres_databases import Database
from farm.postgres_server import OS_USER_WHEN_ROOT, PostgresServer, postgres_bin_dir
from runtime.sandbox import Completed, Outcome, Sandbox

REPO = Path(__file__).resolve().parents[2]
PSQL = str(postgres_bin_dir() / "psql")


def psql(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          capture_output=True, text=True, timeout=30, check=False)


def ours(marker: str = "benchfarm-pg-") -> list[psutil.Process]:
    """postgres processes whose command line (their data directory) holds `marker`."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and marker in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A directory the server's OS user can reach (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="benchfarm-pg-test-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(OS_USER_WHEN_ROOT)
        os.chown(path, user.pw_uid, user.pw_gid)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
    assert not ours(str(path)), "a postgres outlived its test"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    before = {process.pid for process in ours()}
    with PostgresServer() as started:
        yield started
    assert not [process for process in ours() if process.pid not in before], "a postgres outlived its fixture"


def test_start_answers_and_stop_leaves_nothing(server: PostgresServer) -> None:
    throwaway = PostgresServer().start()
    data_dir, socket_dir, pid = throwaway.data_dir, throwaway.socket_dir, throwaway.pid
    assert data_dir is not None and socket_dir is not None
    try:
        expected_user = OS_USER_WHEN_ROOT if os.geteuid() == 0 else psutil.Process().username()
        assert psutil.Process(pid).username() == expected_user
        assert throwaway.admin("SHOW fsync; SHOW listen_addresses;").split() == ["off", "127.0.0.1"]
    finally:
        throwaway.stop()
    assert not psutil.pid_exists(pid) and not data_dir.exists() and not socket_dir.exists()


def test_database_over_tcp_and_over_the_socket(server: PostgresServer) -> None:
    db = server.create_database("verify_tcp_socket")
    try:
        for url in (db.url, db.socket_url):
            done = psql(url, "CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT current_user, count(*) FROM t; "
                             "DROP TABLE t")
            assert done.returncode == 0 and done.stdout.split() == ["verify_tcp_socket|1"], done.stderr
    finally:
        server.drop_database("verify_tcp_socket")


def test_a_role_is_confined_to_its_database(server: PostgresServer) -> None:
    mine, theirs = server.create_database("verify_mine"), server.create_database("verify_theirs")
    try:
        assert "permission denied to create database" in psql(mine.url, "CREATE DATABASE grab").stderr
        assert "permission denied to create role" in psql(mine.url, "CREATE ROLE grab").stderr
        other = mine.url.rsplit("/", 1)[0] + "/verify_theirs"
        assert "permission denied for database" in psql(other, "SELECT 1").stderr
        assert "permission denied for database" in psql(mine.url.rsplit("/", 1)[0] + "/postgres", "SELECT 1").stderr
        assert "must be superuser" in psql(mine.url, "COPY (SELECT 1) TO PROGRAM 'true'").stderr
        wrong = theirs.url.replace(theirs.password, "guess")
        assert "password authentication failed" in psql(wrong, "SELECT 1").stderr
        as_superuser = f"postgresql://benchfarm@localhost:{server.port}/postgres?host={server.socket_dir}"
        assert "password" in psql(as_superuser, "SELECT 1").stderr  # no trust on the socket
    finally:
        server.drop_database("verify_mine")
        server.drop_database("verify_theirs")


def test_drop_ends_open_sessions(server: PostgresServer) -> None:
    db = server.create_database("verify_busy")
    holder = subprocess.Popen([PSQL, "-X", db.socket_url, "-c", "SELECT pg_sleep(60)"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while server.admin("SELECT count(*) FROM pg_stat_activity WHERE datname = 'verify_busy'").strip() != "1":
            assert time.monotonic() < deadline and holder.poll() is None, "the session never opened"
            time.sleep(0.05)
        server.drop_database("verify_busy")
        assert holder.wait(timeout=10) != 0
        assert server.admin("SELECT count(*) FROM pg_database WHERE datname = 'verify_busy'").strip() == "0"
        assert server.admin("SELECT count(*) FROM pg_roles WHERE rolname = 'verify_busy'").strip() == "0"
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_create_replaces_a_killed_verifys_leftover(server: PostgresServer) -> None:
    first = server.create_database("verify_again")
    assert psql(first.url, "CREATE TABLE left_behind (x int)").returncode == 0
    second = server.create_database("verify_again")
    try:
        assert second.password != first.password
        assert psql(second.url, "SELECT to_regclass('left_behind') IS NULL").stdout.strip() == "t"
    finally:
        server.drop_database("verify_again")


def test_names_are_checked(server: PostgresServer) -> None:
    for name in ("Verify", "a-b", "x" * 64, "postgres", "template1", 'a"; DROP ROLE benchfarm; --'):
        with pytest.raises(ValueError):
            server.create_database(name)


def test_data_dir_reused_keeps_data(workdir: Path) -> None:
    data_dir = workdir / "kept"
    with PostgresServer(data_dir=data_dir) as first:
        db = first.create_database("verify_kept")
        assert psql(db.url, "CREATE TABLE t AS SELECT 42 AS x").returncode == 0
    with PostgresServer(data_dir=data_dir) as second:
        url = db.url.replace(f":{db.port}/", f":{second.port}/")
        assert psql(url, "SELECT x FROM t").stdout.strip() == "42"
    assert data_dir.is_dir() and (data_dir / "postgres.log").exists()


def test_port_taken_gives_the_log(workdir: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError) as failure:
            PostgresServer(data_dir=workdir / "busy", port=port).start()
    message = str(failure.value)
    assert f"127.0.0.1:{port} exited with code" in message and str(workdir / "busy" / "postgres.log") in message
    assert "Address already in use" in message


def test_corrupt_data_dir_gives_the_log(workdir: Path) -> None:
    data_dir = workdir / "corrupt"
    with PostgresServer(data_dir=data_dir):
        pass
    (data_dir / "global" / "pg_control").write_bytes(b"garbage")
    panic = r'PANIC:  could not read file "global/pg_control"'
    with pytest.raises(RuntimeError, match=r"(?s)the end of its log .*postgres\.log:\n.*" + panic):
        PostgresServer(data_dir=data_dir).start()


_NODE_QUERY = ("const {Client} = require('pg'); const c = new Client({connectionString: process.env.DATABASE_URL}); "
               "c.connect().then(() => c.query('SELECT current_user AS u')).then(r => { console.log(r.rows[0].u); "
               "return c.end() }).catch(e => { console.log('failed', e.code || e.message); process.exit(1) })")


def sandboxed_connections(db: Database) -> tuple[Completed, Completed, str]:
    """node-postgres in a sandbox connecting as `db`'s role through its socket URL and its TCP URL;
    and the sandbox's isolation."""
    with Sandbox() as sandbox:
        (sandbox.path / "node_modules").symlink_to(REPO / "node_modules")
        via_socket = sandbox.run(["node", "-e", _NODE_QUERY], timeout_s=60, env={"DATABASE_URL": db.socket_url})
        via_tcp = sandbox.run(["node", "-e", _NODE_QUERY], timeout_s=60, env={"DATABASE_URL": db.url})
    return via_socket, via_tcp, sandbox.isolation


def test_a_sandboxed_server_reaches_its_database_through_the_socket(server: PostgresServer) -> None:
    db = server.create_database("verify_sandboxed")
    try:
        via_socket, via_tcp, isolation = sandboxed_connections(db)
        assert via_socket.outcome is Outcome.OK and via_socket.output.strip() == "verify_sandboxed", via_socket
        if isolation == "netns":  # the host's 127.0.0.1 is out of its reach
            assert via_tcp.outcome is Outcome.EXIT and "ECONNREFUSED" in via_tcp.output
    finally:
        server.drop_database("verify_sandboxed")


def test_a_server_whose_owner_is_killed_outright_stops_and_leaves_no_files() -> None:
    """SIGKILL runs no cleanup in the owner: its guard gives the server a fast shutdown and removes
    the throwaway cluster and its socket directory."""
    owner = subprocess.Popen(
        [str(REPO / ".venv/bin/python"), "-c",
         "import sys, time\n"
         "from farm.postgres_server import PostgresServer\n"
         "server = PostgresServer().start()\n"
         "print(server.pid, server.data_dir, server.socket_dir, flush=True)\n"
         "time.sleep(600)\n"],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pid, data_dir, socket_dir = owner.stdout.readline().split()
        postmaster = psutil.Process(int(pid))
        assert Path(data_dir).is_dir() and Path(socket_dir).is_dir()
        owner.kill()
        owner.wait(timeout=10)
        postmaster.wait(timeout=40)  # raises if it lives on
        deadline = time.monotonic() + 10
        while (Path(data_dir).exists() or Path(socket_dir).exists()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(data_dir).exists() and not Path(socket_dir).exists()
    finally:
        owner.kill()
        owner.wait(timeout=10)


def command_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command line of every `subprocess.run` from now until `monkeypatch.undo()`, as ps shows it."""
    seen: list[str] = []
    real_run = subprocess.run

    def spying(argv, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - subprocess.run's signature
        seen.append(" ".join(map(str, argv)))
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spying)
    return seen


def test_a_new_roles_password_never_appears_on_a_command_line(server: PostgresServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Any user can read a process's argv; `admin` passes its variables to psql in the environment."""
    seen = command_lines(monkeypatch)
    database = server.create_database("argv_check")
    monkeypatch.undo()
    try:
        assert seen and not [line for line in seen if database.password in line]
        assert psql(database.url, "SELECT current_user").stdout.strip() == "argv_check"
    finally:
        server.drop_database("argv_check")
