"""A small in-memory todo backend on 127.0.0.1 that honours our clean model's openapi.json.

It plays the generated server's part in the runner tests: the same paths, bodies and status
codes as `fixtures/todo_clean_openapi.json` (so scenarios resolve and conform; `PATCH /todos`
also searches, as AutoBe's backends do), and the same
gaps (no edit-history entry on create, no digit rule for passwords). Knobs make it misbehave on
purpose: an undocumented property in todo bodies, dying or hanging after N requests.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_UUID = r"[0-9a-f-]{36}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HttpError(Exception):
    def __init__(self, status: int, message: str, path: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.path = status, message, path


@dataclass
class Knobs:
    undocumented_property: bool = False  # todo bodies carry a property the schema forbids
    die_after: int | None = None  # answer this many requests, then close the port
    hang_after: int | None = None  # answer this many requests, then never answer again


@dataclass
class State:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # access token -> member id
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> member id
    todos: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class TodoApp:
    """The todo contract's behaviour, free of HTTP."""

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.state = State()
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, query: dict[str, str], body: Any, token: str | None) -> tuple[int, Any]:
        with self.lock:
            for pattern, verb, action in self._routes():
                match = re.fullmatch(pattern, path)
                if match and verb == method:
                    member = None if action.__name__.startswith("guest_") else self._member(token)
                    return action(member, *match.groups(), query=query, body=body)
        raise HttpError(404, f"Cannot {method} {path}")

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            (r"/auth/member/join", "POST", self.guest_join),
            (r"/auth/member/login", "POST", self.guest_login),
            (r"/auth/member/refresh", "POST", self.guest_refresh),
            (r"/members/me", "GET", self.me),
            (r"/members/me", "PUT", self.update_me),
            (r"/members/me", "DELETE", self.delete_me),
            (r"/todos", "GET", self.list_todos),
            (r"/todos", "PATCH", self.search_todos),
            (r"/todos", "POST", self.create_todo),
            (rf"/todos/({_UUID})", "GET", self.read_todo),
            (rf"/todos/({_UUID})", "PUT", self.update_todo),
            (rf"/todos/({_UUID})", "DELETE", self.delete_todo),
            (rf"/todos/({_UUID})/snapshots", "GET", self.list_snapshots),
            (rf"/todos/({_UUID})/snapshots/({_UUID})", "GET", self.read_snapshot),
            (r"/trash/todos", "GET", self.list_trash),
            (rf"/trash/todos/({_UUID})/restore", "POST", self.restore),
            (rf"/trash/todos/({_UUID})", "DELETE", self.purge),
        ]

    # -- accounts
    def _member(self, token: str | None) -> dict[str, Any]:
        member_id = self.state.sessions.get(token or "")
        if member_id is None or member_id not in self.state.members:
            raise HttpError(401, "Unauthorized")
        return self.state.members[member_id]

    def _authorized(self, member: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self.state.sessions[access] = member["id"]
        self.state.refresh[refresh] = member["id"]
        token = {"access": access, "refresh": refresh, "expired_at": _now(), "refreshable_until": _now()}
        return 201, {**self._profile(member, authorized=True), "token": token}

    @staticmethod
    def _profile(member: dict[str, Any], authorized: bool = False) -> dict[str, Any]:
        keys = ("id", "email", "nickname", "created_at") + (() if authorized else ("updated_at",))
        return {k: member[k] for k in keys}

    def guest_join(self, _: Any, query: dict[str, str], body: Any) -> tuple[int, Any]:
        body = _object(body, required={"email": str, "password": str, "nickname": str}, optional={})
        if len(body["password"]) < 8:
            raise HttpError(400, "password: minLength 8", "$input.password")
        if any(m["email"].lower() == body["email"].lower() for m in self.state.members.values()):
            raise HttpError(409, "email already taken")
        member = {"id": str(uuid.uuid4()), "email": body["email"], "password": body["password"],
                  "nickname": body["nickname"], "created_at": _now(), "updated_at": _now()}
        self.state.members[member["id"]] = member
        return self._authorized(member)

    def guest_login(self, _: Any, query: dict[str, str], body: Any) -> tuple[int, Any]:
        body = _object(body, required={"email": str, "password": str}, optional={})
        for member in self.state.members.values():
            if member["email"].lower() == body["email"].lower() and member["password"] == body["password"]:
                return self._authorized(member)
        raise HttpError(403, "wrong email or password")

    def guest_refresh(self, _: Any, query: dict[str, str], body: Any) -> tuple[int, Any]:
        body = _object(body, required={"refresh_token": str}, optional={})
        member_id = self.state.refresh.pop(body["refresh_token"], None)
        if member_id is None:
            raise HttpError(401, "invalid refresh token")
        return self._authorized(self.state.members[member_id])

    def me(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, self._profile(member)

    def update_me(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        body = _object(body, required={"nickname": str}, optional={})
        member.update(nickname=body["nickname"], updated_at=_now())
        return 200, self._profile(member)

    def delete_me(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        del self.state.members[member["id"]]
        return 200, None

    # -- todos
    def _todo(self, member: dict[str, Any], todo_id: str, trashed: bool = False) -> dict[str, Any]:
        todo = self.state.todos.get(todo_id)
        if todo is None or todo["owner"] != member["id"] or (todo["deleted_at"] is not None) != trashed:
            raise HttpError(404, "todo item not found")
        return todo

    def _full(self, todo: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in todo.items() if k != "owner"}
        if self.knobs.undocumented_property:
            shown["owner"] = todo["owner"]
        return shown

    @staticmethod
    def _summary(todo: dict[str, Any]) -> dict[str, Any]:
        return {k: todo[k] for k in ("id", "title", "priority", "due_at", "completed_at", "created_at")}

    def create_todo(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        body = _object(body, required={"title": str, "priority": int},
                       optional={"body": (str, type(None)), "due_at": (str, type(None))})
        _title(body["title"])
        stamp = _now()
        todo = {"id": str(uuid.uuid4()), "title": body["title"], "body": body.get("body"),
                "priority": body["priority"], "due_at": body.get("due_at"), "completed_at": None,
                "created_at": stamp, "updated_at": stamp, "deleted_at": None, "owner": member["id"]}
        self.state.todos[todo["id"]] = todo
        time.sleep(0.002)  # distinct creation times keep "newest first" meaningful
        return 201, self._full(todo)

    def read_todo(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, self._full(self._todo(member, todo_id))

    def update_todo(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        todo = self._todo(member, todo_id)
        body = _object(body, required={}, optional={"title": str, "body": (str, type(None)), "priority": int,
                                                    "due_at": (str, type(None)), "completed": bool})
        if "title" in body:
            _title(body["title"])
        snapshot = {"id": str(uuid.uuid4()), **{k: todo[k] for k in ("title", "body", "priority", "due_at",
                                                                     "completed_at")}, "created_at": _now()}
        self.state.snapshots.setdefault(todo_id, []).insert(0, snapshot)
        completed = body.pop("completed", None)
        if completed is not None:
            todo["completed_at"] = _now() if completed else None
        todo.update(body, updated_at=_now())
        return 200, self._full(todo)

    def delete_todo(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self._todo(member, todo_id)["deleted_at"] = _now()
        time.sleep(0.002)
        return 200, None

    def list_todos(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        return 200, self._page([t for t in self._owned(member, trashed=False) if _matches(t, query)], query)

    def search_todos(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        """AutoBe's layout: the list's filters come as a JSON body of a PATCH."""
        filters = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (body or {}).items()}
        return self.list_todos(member, filters, None)

    def list_trash(self, member: dict[str, Any], query: dict[str, str], body: Any) -> tuple[int, Any]:
        found = sorted(self._owned(member, trashed=True), key=lambda t: t["deleted_at"], reverse=True)
        return 200, self._page(found, {**query, "sort": "deleted_at"})

    def restore(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        todo = self._todo(member, todo_id, trashed=True)
        todo["deleted_at"] = None
        return 201, self._full(todo)

    def purge(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self._todo(member, todo_id, trashed=True)
        del self.state.todos[todo_id]
        self.state.snapshots.pop(todo_id, None)
        return 200, None

    def list_snapshots(self, member: dict[str, Any], todo_id: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self._todo(member, todo_id)
        snapshots = self.state.snapshots.get(todo_id, [])
        return 200, {"pagination": {"current": 1, "limit": 20, "records": len(snapshots), "pages": 1},
                     "data": snapshots}

    def read_snapshot(self, member: dict[str, Any], todo_id: str, snapshot_id: str, query: dict[str, str],
                      body: Any) -> tuple[int, Any]:
        self._todo(member, todo_id)
        for snapshot in self.state.snapshots.get(todo_id, []):
            if snapshot["id"] == snapshot_id:
                return 200, snapshot
        raise HttpError(404, "snapshot not found")

    def _owned(self, member: dict[str, Any], trashed: bool) -> list[dict[str, Any]]:
        return [t for t in self.state.todos.values()
                if t["owner"] == member["id"] and (t["deleted_at"] is not None) == trashed]

    def _page(self, todos: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        sort = query.get("sort", "created_at")
        descending = query.get("direction", "desc") == "desc"
        if sort != "deleted_at":
            dated = [t for t in todos if t.get(sort) is not None]
            undated = [t for t in todos if t.get(sort) is None]
            todos = sorted(dated, key=lambda t: t[sort], reverse=descending) + undated
        page, limit = int(query.get("page", 1)), int(query.get("limit", 20))
        if not 1 <= limit <= 100 or page < 1:
            raise HttpError(400, "page/limit out of range", "$input.limit")
        chunk = todos[(page - 1) * limit: page * limit]
        return {"pagination": {"current": page, "limit": limit, "records": len(todos),
                               "pages": -(-len(todos) // limit)},
                "data": [self._summary(t) for t in chunk]}


def _matches(todo: dict[str, Any], query: dict[str, str]) -> bool:
    if "search" in query and query["search"].lower() not in todo["title"].lower():
        return False
    if "completed" in query and (todo["completed_at"] is not None) != (query["completed"] == "true"):
        return False
    if "due_before" in query and not (todo["due_at"] and todo["due_at"] < query["due_before"]):
        return False
    return not ("due_after" in query and not (todo["due_at"] and todo["due_at"] > query["due_after"]))


def _title(title: str) -> None:
    if not 1 <= len(title) <= 200:
        raise HttpError(400, "title: 1 to 200 characters", "$input.title")


def _object(body: Any, required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    """Validate like the generated server: required properties, types, nothing undeclared."""
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be an object", "$input")
    for name in required:
        if name not in body:
            raise HttpError(400, f"{name} is required", f"$input.{name}")
    for name, value in body.items():
        kind = required.get(name, optional.get(name))
        if kind is None:
            raise HttpError(400, f"{name} is not allowed", f"$input.{name}")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise HttpError(400, f"{name} has the wrong type", f"$input.{name}")
    return dict(body)


class _Handler(BaseHTTPRequestHandler):
    app: TodoApp
    counter: dict[str, int]
    on_limit: Any
    released: threading.Event

    def log_message(self, *_: Any) -> None:
        pass

    def _serve(self) -> None:
        self.counter["requests"] += 1
        count = self.counter["requests"]
        knobs = self.app.knobs
        if knobs.hang_after is not None and count > knobs.hang_after:
            self.released.wait(60)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or None
        try:
            status, payload = self.app.handle(self.command, url.path, query, json.loads(raw) if raw else None, token)
        except HttpError as exc:
            status, payload = exc.status, {"statusCode": exc.status, "message": exc.message, "path": exc.path}
        except json.JSONDecodeError:
            status, payload = 400, {"statusCode": 400, "message": "malformed JSON"}
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if knobs.die_after is not None and count >= knobs.die_after:
            self.on_limit()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


@contextmanager
def todo_server(knobs: Knobs | None = None) -> Iterator[str]:
    """Serve the todo contract on an ephemeral 127.0.0.1 port; yields the base URL."""
    app = TodoApp(knobs or Knobs())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True

    def close_port() -> None:
        threading.Thread(target=lambda: (server.shutdown(), server.server_close()), daemon=True).start()

    released = threading.Event()
    handler = type("Handler", (_Handler,), {"app": app, "counter": {"requests": 0},
                                            "on_limit": staticmethod(close_port), "released": released})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        released.set()
        server.shutdown()
        server.server_close()
