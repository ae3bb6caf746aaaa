"""A generated backend, for real: `farm demo`'s clean todo tree installed from npm, its schema applied to
a real PostgreSQL, compiled, booted on 127.0.0.1 and called over HTTP; and failures charged to the
right party (a compile error or a crash at boot to the model, an unreachable database to infra).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from farm.postgres_server import PostgresServer
from farm.redis_server import free_port
from runtime.npm_cache import dependency_key
from runtime.project import Fault, Server, run_local, trim
from tests.runtime.clean_run import BOOT_SECONDS, Prepared, copy_run

pytestmark = pytest.mark.integration


def test_every_step_succeeds_on_the_clean_tree(prepared: Prepared, npm_cache: Path) -> None:
    assert [(step.step, step.ok, step.fault) for step in prepared.steps] == [
        ("install", True, None), ("generate", True, None), ("apply_schema", True, None), ("build", True, None)]
    tree = prepared.project.tree
    assert (tree / "node_modules" / ".prisma" / "client" / "index.d.ts").is_file()
    assert (tree / "dist" / "src" / "main.js").is_file() and (tree / "dist" / "test" / "index.js").is_file()
    # node_modules is the tree's own directory, its files hard links into the shared install
    linked = tree / "node_modules" / "typescript" / "package.json"
    shared = npm_cache / "installs" / dependency_key(tree) / "node_modules" / "typescript" / "package.json"
    assert not (tree / "node_modules").is_symlink() and linked.stat().st_ino == shared.stat().st_ino
    assert not shared.parent.parent.joinpath(".prisma").exists()


def test_the_schema_is_in_the_database(prepared: Prepared) -> None:
    query = ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1;"
             "SELECT indexdef FROM pg_indexes WHERE indexname = 'todo_items_title_idx';")
    listed = subprocess.run(["psql", "--no-psqlrc", "-At", "-d", prepared.database_url, "-c", query],
                            capture_output=True, text=True, check=True, timeout=30).stdout.split("\n")
    assert listed[:4] == ["todo_item_snapshots", "todo_items", "todo_member_sessions", "todo_members"]
    assert "USING gin (title gin_trgm_ops)" in listed[4]


def test_the_server_answers_a_member_and_their_todos(clean_server: Server) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=clean_server.base_url, timeout=10) as client:
        joined = client.post("/auth/member/join", json={"email": email, "password": "correct-horse-1", "nickname": "Ann"})
        assert joined.status_code == 201, joined.text
        member = joined.json()
        assert member["email"] == email and member["nickname"] == "Ann"
        assert client.post("/auth/member/join", json={"email": email, "password": "x" * 7 + "1",
                                                      "nickname": "Bo"}).status_code == 409

        logged_in = client.post("/auth/member/login", json={"email": email, "password": "correct-horse-1"})
        assert logged_in.status_code == 201, logged_in.text
        assert logged_in.json()["id"] == member["id"]
        assert logged_in.json()["token"]["access"] != member["token"]["access"]
        assert client.post("/auth/member/login", json={"email": email, "password": "wrong-one"}).status_code == 401

        assert client.post("/todos", json={"title": "nobody's", "priority": 1}).status_code == 401
        auth = {"Authorization": f"Bearer {logged_in.json()['token']['access']}"}
        created = client.post("/todos", json={"title": "Buy milk", "priority": 3}, headers=auth)
        assert created.status_code == 201, created.text
        todo = created.json()
        assert (todo["title"], todo["priority"], todo["completed_at"]) == ("Buy milk", 3, None)

        listed = client.get("/todos", params={"limit": "5", "page": "1", "completed": "false"}, headers=auth)
        assert listed.status_code == 200, listed.text
        page = listed.json()
        assert page["pagination"]["limit"] == 5 and page["pagination"]["records"] == 1
        assert [item["id"] for item in page["data"]] == [todo["id"]]
        assert client.get("/todos", params={"limit": "many"}, headers=auth).status_code == 400


def test_the_projects_own_e2e_tests_pass_against_it(prepared: Prepared, clean_server: Server) -> None:
    run = prepared.project.e2e(clean_server.base_url)
    assert run.failed == [], run.result.log
    assert len(run.passed) == 16 and run.result.ok and run.result.fault is None


def test_a_provider_that_does_not_compile_is_the_models_build_failure(
        demo_run: Path, npm_cache: Path, tmp_path: Path) -> None:
    project = copy_run(demo_run, tmp_path)
    assert project.install(npm_cache).ok and project.generate_client().ok
    provider = project.tree / "src" / "providers" / "postTodos.ts"
    provider.write_text(provider.read_text(encoding="utf-8") + '\nexport const priority: number = "high";\n',
                        encoding="utf-8")
    result = project.build()
    assert (result.ok, result.fault, result.reason) == (False, Fault.MODEL, "the code does not compile")
    assert "src/providers/postTodos.ts" in result.log and "error TS2322" in result.log


def test_a_server_that_crashes_while_starting_is_the_models_fault(
        demo_run: Path, npm_cache: Path, tmp_path: Path) -> None:
    project = copy_run(demo_run, tmp_path)
    assert project.install(npm_cache).ok
    entry = project.tree / "dist" / "src" / "main.js"
    entry.parent.mkdir(parents=True)
    entry.write_text('throw new Error("no configuration at boot");\n', encoding="utf-8")
    server = project.start(free_port(), {}, tmp_path / "server.log")
    try:
        result = server.wait_healthy(time.monotonic() + BOOT_SECONDS)
    finally:
        server.stop()
    assert (result.ok, result.fault) == (False, Fault.MODEL) and "exited 1" in result.reason
    assert "no configuration at boot" in result.log


def test_the_schema_is_applied_with_the_password_kept_off_psqls_command_line(
        demo_run: Path, postgres: PostgresServer, tmp_path: Path) -> None:
    """Any user can read a process's argv (ps): the database password goes to psql in its environment."""
    seen: list[tuple[list[str], str]] = []

    def recording(argv, cwd, env, timeout):  # noqa: ANN001, ANN202 - the Run signature
        seen.append((list(argv), env.get("PGPASSWORD", "")))
        return run_local(argv, cwd, env, timeout)

    project = copy_run(demo_run, tmp_path)
    project.run = recording
    database = postgres.create_database("t_" + uuid.uuid4().hex[:12])
    result = project.apply_schema(database.url, timeout=60)
    assert result.ok, result.log
    assert len(seen) == 2 and all(database.password not in " ".join(argv) and password == database.password
                                  for argv, password in seen)
    tables = postgres.admin("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database=database.name)
    assert int(tables.strip()) >= 3


def test_an_unreachable_database_is_infras_fault(demo_run: Path, tmp_path: Path) -> None:
    project = copy_run(demo_run, tmp_path)
    result = project.apply_schema(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", timeout=30)
    assert (result.ok, result.fault) == (False, Fault.INFRA) and "Connection refused" in result.log


def test_logs_keep_their_end() -> None:
    text = "\n".join(f"line {number}" for number in range(1000))
    assert trim(text).splitlines() == [f"line {number}" for number in range(800, 1000)]
    wide = "\n".join("y" * 1000 + str(number) for number in range(100))
    assert len(trim(wide).encode()) == 64 * 1024 and trim(wide).endswith("y99")
