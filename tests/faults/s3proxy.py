"""A fault-injecting HTTP proxy in front of an S3-compatible server (moto's, in the tests).

What S3 really does under load, at chosen rates, seeded: answers `500 InternalError`,
`503 SlowDown` or `503 ServiceUnavailable` (the request never reaches the server); drops the
connection without an answer (before the server saw the request, or after it acted on it); and
truncates an answer's body (headers with the full Content-Length, part of the body, then the
connection closes) — the fault botocore does not retry, as the body is read after its retried call.

Binds 127.0.0.1 on a free port, forwards to one upstream, stops when its `with` block ends.
Bounded: every socket has a timeout, threads are daemons, and after `max_requests` it answers 503
without forwarding (a runaway client cannot keep it busy).
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"}
_S3_ERRORS = [
    (500, "InternalError", "We encountered an internal error. Please try again."),
    (503, "SlowDown", "Please reduce your request rate."),
    (503, "ServiceUnavailable", "Service is unable to handle request."),
]


@dataclass(frozen=True)
class FaultRates:
    """The chance of each fault per request (their sum at most 1)."""

    error: float = 0.0  # a 500/503 S3 error, the upstream untouched
    drop: float = 0.0  # the connection closed unanswered (half before forwarding, half after)
    truncate: float = 0.0  # part of the body, then the connection closed (answers that have a body)

    def __post_init__(self) -> None:
        if min(self.error, self.drop, self.truncate) < 0 or self.error + self.drop + self.truncate > 1:
            raise ValueError(f"fault rates must be >= 0 and sum to <= 1: {self}")


def _error_body(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()


class FaultyS3Proxy:
    def __init__(self, upstream: str, rates: FaultRates, seed: int = 0, *, max_requests: int = 50_000,
                 timeout_s: float = 30.0) -> None:  # fmt: skip
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.upstream_host, self.upstream_port = parts.hostname, parts.port or 80
        self.rates = rates
        self.max_requests = max_requests
        self.timeout_s = timeout_s
        self.counts: Counter[str] = Counter()  # "requests", each fault kind, and "kind:detail"
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def faults(self) -> dict[str, int]:
        with self._lock:
            return {kind: self.counts[kind] for kind in ("error", "drop", "truncate")}

    def set_rates(self, rates: FaultRates) -> None:
        with self._lock:
            self.rates = rates

    def _choose(self) -> tuple[str | None, float]:
        """The fault for the next request (None: none) and a second draw for its details."""
        with self._lock:
            self.counts["requests"] += 1
            if self.counts["requests"] > self.max_requests:
                return "over", 0.0
            u, detail = self._random.random(), self._random.random()
            r = self.rates
            if u < r.error:
                return "error", detail
            if u < r.error + r.drop:
                return "drop", detail
            if u < r.error + r.drop + r.truncate:
                return "truncate", detail
            return None, detail

    def _count(self, kind: str, detail: str) -> None:
        with self._lock:
            self.counts[kind] += 1
            self.counts[f"{kind}:{detail}"] += 1

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=self.timeout_s)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            if body or method in ("PUT", "POST"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
            timeout = proxy.timeout_s

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                return None

            def _body(self) -> bytes:
                if "chunked" in self.headers.get("transfer-encoding", "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("content-length") or 0)
                return self.rfile.read(length) if length else b""

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _send(self, status: int, reason: str, headers: list[tuple[str, str]], data: bytes, *,
                      cut: int | None = None) -> None:  # fmt: skip
                self.send_response_only(status, reason)
                has_length = False
                for name, value in headers:
                    if name.lower() in _HOP_BY_HOP:
                        continue
                    if name.lower() == "content-length":
                        has_length = True
                        if self.command != "HEAD":
                            value = str(len(data))
                    self.send_header(name, value)
                if not has_length:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data if cut is None else data[:cut])
                self.wfile.flush()
                if cut is not None:
                    self._drop()

            def _handle(self) -> None:
                body = self._body()
                fault, detail = proxy._choose()
                if fault == "over":
                    self._send(503, "Service Unavailable", [], _error_body("SlowDown", "proxy request bound reached"))
                    return
                if fault == "error":
                    status, code, message = _S3_ERRORS[int(detail * len(_S3_ERRORS))]
                    proxy._count("error", f"{status}-{code}")
                    data = b"" if self.command == "HEAD" else _error_body(code, message)
                    self._send(status, "Error", [("Content-Type", "application/xml")], data)
                    return
                if fault == "drop" and detail < 0.5:
                    proxy._count("drop", "before")
                    self._drop()
                    return
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-length"}]
                status, reason, answer_headers, data = proxy._forward(self.command, self.path, headers, body)
                if fault == "drop":
                    proxy._count("drop", f"after-{self.command}")
                    self._drop()
                    return
                if fault == "truncate" and self.command != "HEAD" and len(data) >= 2:
                    proxy._count("truncate", self.command)
                    self._send(status, reason, answer_headers, data, cut=int(len(data) * detail))
                    return
                self._send(status, reason, answer_headers, data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server's names

        return Handler

    def start(self) -> FaultyS3Proxy:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="faulty-s3-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FaultyS3Proxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
