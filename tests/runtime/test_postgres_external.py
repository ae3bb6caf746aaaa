"""An external PostgreSQL (FARM_POSTGRES_URL), played by a real private cluster with an admin role
that is not a superuser: verify databases confined as on the private cluster, a sandboxed process
reaching its database through the bridge, the bridge's limits and stop, and clear errors for bad
URLs that never show the password."""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.postgres_bridge import SocketBridge
from farm.postgres_databases import ROLE_CONNECTION_LIMIT
from farm.postgres_external import AdminUrl, ExternalPostgres, ExternalPostgresError
from farm.postgres_server import PostgresServer
from farm.redis_server import free_port
from runtime.sandbox import Outcome
from tests.external_postgres import ADMIN, external_url, leftovers
from tests.runtime.test_postgres_server import PSQL, REPO, command_lines, psql, sandboxed_connections

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with PostgresServer() as started:
        yield started


@pytest.fixture(scope="module")
def url(server: PostgresServer) -> str:
    return external_url(server)


@pytest.fixture(scope="module")
def external(url: str) -> Iterator[ExternalPostgres]:
    with ExternalPostgres(url) as started:
        yield started


def bridge_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "postgres-bridge"]


def test_a_verify_role_is_confined_to_its_database(server: PostgresServer, external: ExternalPostgres) -> None:
    assert server.admin(f"SELECT rolsuper FROM pg_roles WHERE rolname = '{ADMIN}'").strip() == "f"
    mine, theirs = external.create_database("verify_mine"), external.create_database("verify_theirs")
    try:
        assert mine.url.startswith(f"postgresql://verify_mine:{mine.password}@127.0.0.1:{server.port}/")
        assert psql(mine.url, "SELECT current_user").stdout.strip() == "verify_mine"
        assert "permission denied to create database" in psql(mine.url, "CREATE DATABASE grab").stderr
        assert "permission denied to create role" in psql(mine.url, "CREATE ROLE grab").stderr
        for other in ("verify_theirs", ADMIN, "postgres"):
            assert "permission denied for database" in psql(mine.url.rsplit("/", 1)[0] + "/" + other, "SELECT 1").stderr
        attributes = server.admin("SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolconnlimit "
                                  "FROM pg_roles WHERE rolname = 'verify_mine'").strip()
        assert attributes == f"f|f|f|f|{ROLE_CONNECTION_LIMIT}"
    finally:
        external.drop_database("verify_mine")
        external.drop_database("verify_theirs")
    assert leftovers(server) == []


def test_drop_ends_sessions_through_the_bridge_and_create_replaces_a_leftover(
        server: PostgresServer, external: ExternalPostgres) -> None:
    first = external.create_database("verify_again")
    assert psql(first.url, "CREATE TABLE left_behind (x int)").returncode == 0
    second = external.create_database("verify_again")  # as after a killed verify of the same name
    assert second.password != first.password
    assert psql(second.socket_url, "SELECT to_regclass('left_behind') IS NULL").stdout.strip() == "t"
    holder = subprocess.Popen([PSQL, "-X", second.socket_url, "-c", "SELECT pg_sleep(60)"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while server.admin("SELECT count(*) FROM pg_stat_activity WHERE datname = 'verify_again'").strip() != "1":
            assert time.monotonic() < deadline and holder.poll() is None, "the session never opened"
            time.sleep(0.05)
        external.drop_database("verify_again")
        assert holder.wait(timeout=10) != 0
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert leftovers(server) == []


def test_the_admin_role_and_database_are_never_dropped(external: ExternalPostgres) -> None:
    for name in (ADMIN, "postgres", "Verify", 'a"; DROP ROLE farm_admin; --'):
        with pytest.raises(ValueError):
            external.drop_database(name)


def test_a_sandboxed_process_reaches_its_database_through_the_bridge(external: ExternalPostgres) -> None:
    db = external.create_database("verify_sandboxed")
    try:
        bridged, direct, isolation = sandboxed_connections(db)
        assert isolation == "netns", "this test is about crossing a network namespace"
        assert bridged.outcome is Outcome.OK and bridged.output.strip() == "verify_sandboxed", bridged
        assert direct.outcome is Outcome.EXIT and "ECONNREFUSED" in direct.output  # the server is out of its reach
    finally:
        external.drop_database("verify_sandboxed")


@pytest.fixture
def holding_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP server that accepts and holds its connections: the port and what it accepted."""
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    yield listener.getsockname()[1], accepted
    done.set()
    thread.join()
    for connection in [listener, *accepted]:
        connection.close()


def connect(bridge: SocketBridge) -> socket.socket:
    client = socket.socket(socket.AF_UNIX)
    client.settimeout(5)
    client.connect(str(bridge.socket_path))
    return client


def test_the_bridge_limits_connections_and_stops_with_nothing_left(
        holding_server: tuple[int, list[socket.socket]]) -> None:
    port, accepted = holding_server
    before = bridge_threads()
    bridge = SocketBridge("127.0.0.1", port, max_connections=2).start()
    socket_dir = bridge.socket_path.parent
    assert socket_dir.stat().st_mode & 0o777 == 0o755 and bridge.socket_path.stat().st_mode & 0o777 == 0o777
    held = [connect(bridge), connect(bridge)]
    deadline = time.monotonic() + 5
    while len(accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    held[0].sendall(b"ping")
    assert accepted[0].recv(4) == b"ping"
    accepted[0].sendall(b"pong")
    assert held[0].recv(4) == b"pong"
    third = connect(bridge)
    assert third.recv(1) == b"", "a connection over the limit is closed at once"
    third.close()
    bridge.stop()
    for client in held:
        assert client.recv(1) == b""  # closed by the stop
        client.close()
    assert not socket_dir.exists() and bridge_threads() == before


def test_the_bridge_hangs_up_when_the_server_is_unreachable() -> None:
    bridge = SocketBridge("127.0.0.1", free_port()).start()
    try:
        client = connect(bridge)
        assert client.recv(1) == b""
        client.close()
    finally:
        bridge.stop()


WRONG_PASSWORD = "not-the-password-at-all"
BAD_URLS = {  # case: what the error says
    "not a URL": "does not start with postgresql://",
    "another scheme": "does not start with postgresql://",
    "port not a number": "the port is not a number",
    "no password": "no PASSWORD",
    "no database": "no DB",
    "options": "options (?...) are not supported",
    "wrong password": "password authentication failed",
    "unreachable host": "Connection refused",
    "role without CREATEDB and CREATEROLE": "lacks CREATEDB and CREATEROLE",
}


def bad_url(case: str, url: str, weak_url: str) -> str:
    admin = AdminUrl.parse(url)
    credentials, at = f"{admin.user}:{admin.password}", f"127.0.0.1:{admin.port}/{admin.database}"
    return {
        "not a URL": "just some text",
        "another scheme": url.replace("postgresql://", "mysql://"),
        "port not a number": f"postgresql://{credentials}@127.0.0.1:54x/{admin.database}",
        "no password": f"postgresql://{admin.user}@{at}",
        "no database": f"postgresql://{credentials}@127.0.0.1:{admin.port}",
        "options": f"{url}?sslmode=require",
        "wrong password": f"postgresql://{admin.user}:{WRONG_PASSWORD}@{at}",
        "unreachable host": f"postgresql://{credentials}@127.0.0.1:{free_port()}/{admin.database}",
        "role without CREATEDB and CREATEROLE": weak_url,
    }[case]


@pytest.fixture(scope="module")
def weak_url(server: PostgresServer) -> str:
    return external_url(server, privileges="", role="farm_weak")


@pytest.mark.parametrize("case", list(BAD_URLS))
def test_a_bad_url_gives_one_clear_error_without_its_password(url: str, weak_url: str, case: str) -> None:
    before = bridge_threads()
    with pytest.raises(ExternalPostgresError) as failure:
        ExternalPostgres(bad_url(case, url, weak_url)).start()
    message = str(failure.value)
    assert message.startswith("FARM_POSTGRES_URL") and BAD_URLS[case] in message, message
    for password in (AdminUrl.parse(url).password, AdminUrl.parse(weak_url).password, WRONG_PASSWORD):
        assert password not in message
    assert bridge_threads() == before


def test_the_admin_password_never_appears_on_a_command_line(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = command_lines(monkeypatch)
    with ExternalPostgres(url) as external:
        database = external.create_database("verify_argv")
        external.drop_database("verify_argv")
    monkeypatch.undo()
    secrets = (AdminUrl.parse(url).password, database.password)
    assert seen and not [line for line in seen if any(secret in line for secret in secrets)]


def test_the_bridge_directory_is_removed_at_stop(url: str) -> None:
    before = bridge_threads()
    external = ExternalPostgres(url).start()
    socket_dir: Path = external.socket_dir
    assert (socket_dir / f".s.PGSQL.{external.port}").is_socket()
    external.stop()
    assert not socket_dir.exists() and bridge_threads() == before


def test_databases_every_role_may_connect_to_are_reported_at_start(
        server: PostgresServer, url: str, caplog: pytest.LogCaptureFixture) -> None:
    server.admin("CREATE DATABASE open_to_all")  # PUBLIC may connect to a new database
    try:
        with caplog.at_level(logging.WARNING, logger="benchfarm.postgres"), ExternalPostgres(url):
            pass
    finally:
        server.admin("DROP DATABASE open_to_all")
    (warning,) = [record.getMessage() for record in caplog.records]
    assert "may connect to the databases open_to_all " in warning and AdminUrl.parse(url).password not in warning


def test_farm_verify_uses_farm_postgres_url_and_names_it_when_it_is_wrong(url: str, tmp_path: Path) -> None:
    """The standalone command takes the same external server as the workers; a wrong password ends
    it with exit 2 (the farm's), naming the variable and never showing the password."""
    (tmp_path / "package.json").write_text('{"name": "@benchfarm/todo"}')
    wrong = url.replace("@127.0.0.1", "x@127.0.0.1")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "FARM_POSTGRES_URL": wrong, "HOME": str(tmp_path)}
    done = subprocess.run([str(REPO / ".venv/bin/farm"), "verify", str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "FARM_POSTGRES_URL" in done.stderr and f"{ADMIN}:***@" in done.stderr
    assert AdminUrl.parse(wrong).password not in done.stdout + done.stderr
