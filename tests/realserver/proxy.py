"""A recording reverse proxy in front of a real server: what the farm sent and what the server
answered, status and usage, seen from outside the farm — so a test can hold the farm's own records
(`calls.jsonl`) against the server's word."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass(frozen=True)
class Exchange:
    path: str
    status: int | None  # None: the server dropped the connection
    request: dict[str, Any]
    response: dict[str, Any]
    operation: str  # the farm's X-Farm-Operation header: "phase/op", "probe/…", or ""

    @property
    def usage(self) -> dict[str, Any]:
        return self.response.get("usage") or {}


class RecordingProxy:
    def __init__(self, upstream_root: str, timeout_s: float = 600) -> None:
        self.upstream_root = upstream_root.rstrip("/")
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=timeout_s)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def chat_exchanges(self) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.path.endswith("/chat/completions")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                return None

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
                try:
                    upstream = proxy._client.request(method, proxy.upstream_root + self.path, content=body, headers=headers)
                except httpx.HTTPError:
                    proxy._record(self.path, None, body, b"", self.headers.get("x-farm-operation", ""))
                    self.close_connection = True  # the server died: so does this answer
                    return
                proxy._record(self.path, upstream.status_code, body, upstream.content,
                              self.headers.get("x-farm-operation", ""))
                self.send_response(upstream.status_code)
                self.send_header("content-type", upstream.headers.get("content-type", "application/json"))
                self.send_header("content-length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._forward("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._forward("POST")

        return Handler

    def _record(self, path: str, status: int | None, request: bytes, response: bytes, operation: str) -> None:
        with self._lock:
            self.exchanges.append(Exchange(path, status, _json(request), _json(response), operation))

    @contextmanager
    def running(self) -> Iterator[RecordingProxy]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            self._client.close()
            thread.join(timeout=5)


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data) if data else {}
    except ValueError:
        return {"raw": data[:500].decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}
