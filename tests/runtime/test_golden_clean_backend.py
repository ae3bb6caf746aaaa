"""The clean model's todo backend, booted for real, on the behaviours the Golden Set found missing: every
request body and query checked against its DTO schema (400 naming the field and the rule), a history
entry for every change to a todo, and a login that cancels an account deletion."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runtime.project import Server

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-42"


@pytest.fixture
def client(clean_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=clean_server.base_url, timeout=10) as http:
        yield http


def _join(client: httpx.Client) -> tuple[str, dict[str, str]]:
    """A new member's email and the headers carrying their access token."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    joined = client.post("/auth/member/join", json={"email": email, "password": PASSWORD, "nickname": "Ann"})
    assert joined.status_code == 201, joined.text
    return email, {"Authorization": f"Bearer {joined.json()['token']['access']}"}


def _refused(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    messages: list[str] = response.json()["message"]
    return messages


def test_bodies_are_checked_against_their_dto_schema_and_errors_name_field_and_rule(client: httpx.Client) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    short = client.post("/auth/member/join", json={"email": email, "password": "abc12", "nickname": "Shorty"})
    assert _refused(short) == ["body.password: must NOT have fewer than 8 characters (minLength)"]
    (letters,) = _refused(client.post("/auth/member/join",
                                      json={"email": email, "password": "lettersonly", "nickname": "Letters"}))
    assert letters.startswith("body.password: must match pattern") and letters.endswith("(pattern)")
    _, auth = _join(client)
    assert _refused(client.post("/todos", json={"body": "no title"}, headers=auth)) == [
        "body.title: must have required property 'title' (required)"]
    assert _refused(client.post("/todos", json={"title": "x" * 201}, headers=auth)) == [
        "body.title: must NOT have more than 200 characters (maxLength)"]
    assert _refused(client.post("/todos", json={"title": "Paint", "colour": "red"}, headers=auth)) == [
        "body.colour: must NOT have additional properties (additionalProperties)"]
    assert "body.due_at: must match format \"date-time\" (format)" in _refused(
        client.post("/todos", json={"title": "Soon", "due_at": "tomorrow"}, headers=auth))
    assert client.post("/todos", json={"title": "x" * 200, "due_at": None}, headers=auth).status_code == 201


def test_queries_are_checked_after_their_numbers_are_converted(client: httpx.Client) -> None:
    _, auth = _join(client)
    assert _refused(client.get("/todos", params={"limit": "500"}, headers=auth)) == [
        "query.limit: must be <= 100 (maximum)"]
    assert _refused(client.get("/todos", params={"sort": "colour"}, headers=auth))[-1] == (
        "query.sort: must match exactly one schema in oneOf (oneOf)")
    listed = client.get("/todos", params={"limit": "100", "completed": "false"}, headers=auth)
    assert listed.status_code == 200 and listed.json()["pagination"]["limit"] == 100


def test_a_todo_created_without_a_priority_gets_the_normal_one(client: httpx.Client) -> None:
    _, auth = _join(client)
    created = client.post("/todos", json={"title": "Default priority"}, headers=auth)
    assert created.status_code == 201 and created.json()["priority"] == 3


def test_every_change_to_a_todo_writes_a_history_entry_newest_first(client: httpx.Client) -> None:
    _, auth = _join(client)
    todo: dict[str, Any] = client.post("/todos", json={"title": "Version one"}, headers=auth).json()
    changes = [client.put(f"/todos/{todo['id']}", json={"title": "Version two"}, headers=auth),
               client.put(f"/todos/{todo['id']}", json={"completed": True}, headers=auth),
               client.delete(f"/todos/{todo['id']}", headers=auth),
               client.post(f"/trash/todos/{todo['id']}/restore", headers=auth)]
    assert [response.status_code for response in changes] == [200, 200, 200, 201]
    history = client.get(f"/todos/{todo['id']}/snapshots", headers=auth).json()["data"]
    entries = [(e["title"], e["completed_at"] is not None, e["deleted_at"] is not None) for e in reversed(history)]
    assert entries == [("Version one", False, False), ("Version two", False, False), ("Version two", True, False),
                       ("Version two", True, True), ("Version two", True, False)]
    assert [e["created_at"] for e in history] == sorted((e["created_at"] for e in history), reverse=True)


def test_logging_in_within_30_days_of_deleting_the_account_cancels_the_deletion(client: httpx.Client) -> None:
    email, auth = _join(client)
    todo = client.post("/todos", json={"title": "Survivor"}, headers=auth).json()
    assert client.delete("/members/me", headers=auth).status_code == 200
    assert client.get("/members/me", headers=auth).status_code == 404
    back = client.post("/auth/member/login", json={"email": email, "password": PASSWORD})
    assert back.status_code == 201, back.text
    again = {"Authorization": f"Bearer {back.json()['token']['access']}"}
    assert client.get("/members/me", headers=again).json()["email"] == email
    assert client.get(f"/todos/{todo['id']}", headers=again).json()["title"] == "Survivor"
    wrong = client.post("/auth/member/login", json={"email": email, "password": "Wrong" + PASSWORD})
    assert wrong.status_code == 401
