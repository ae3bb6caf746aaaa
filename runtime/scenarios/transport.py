"""HTTP to the server under test, bounded so a dead or hung server costs seconds, not the suite.

Every request has a timeout, capped by what is left of the suite's deadline. When a request
fails at the transport level the server's port is probed once; a refused probe, or a second
timeout in a row, marks the server as not answering and every later request fails at once.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

_PROBE_SECONDS = 1.0
_CONNECT_SECONDS = 3.0
_TIMEOUTS_TO_GIVE_UP = 2


class Unanswered(Exception):
    """A request got no HTTP answer. `fatal`: the server is gone, stop asking it anything."""

    def __init__(self, message: str, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # parsed JSON, else the text, else None
    has_json: bool
    elapsed_ms: int


class Transport:
    def __init__(self, base_url: str, timeout: float, deadline: float) -> None:
        """`deadline` is a `time.monotonic()` instant after which nothing more is sent."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self.gone: str | None = None
        self._timeouts_in_row = 0
        self._client = httpx.Client(base_url=self.base_url, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None,
                token: str | None = None) -> Reply:
        if self.gone:
            raise Unanswered(self.gone, fatal=True)
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.gone = "suite deadline exceeded"
            raise Unanswered(self.gone, fatal=True)
        seconds = min(self.timeout, left)
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            response = self._client.request(
                method, path, params=query or None, headers=headers,
                content=None if body is None else json.dumps(body).encode(),
                timeout=httpx.Timeout(seconds, connect=min(seconds, _CONNECT_SECONDS)),
            )
        except httpx.TimeoutException as exc:
            self._timeouts_in_row += 1
            self._give_up_if(self._timeouts_in_row >= _TIMEOUTS_TO_GIVE_UP or not self._alive(),
                             f"server not answering ({type(exc).__name__} after {seconds:.0f}s)")
            raise Unanswered(self.gone or f"no answer within {seconds:.0f}s", fatal=bool(self.gone)) from exc
        except httpx.TransportError as exc:
            self._give_up_if(not self._alive(), f"server not answering ({type(exc).__name__}: {exc})")
            raise Unanswered(self.gone or f"{type(exc).__name__}: {exc}", fatal=bool(self.gone)) from exc
        self._timeouts_in_row = 0
        return _reply(response, int((time.monotonic() - started) * 1000))

    def _give_up_if(self, condition: bool, reason: str) -> None:
        if condition:
            self.gone = reason

    def _alive(self) -> bool:
        """Whether the server's port still accepts a TCP connection."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=_PROBE_SECONDS):
                return True
        except OSError:
            return False


def _reply(response: httpx.Response, elapsed_ms: int) -> Reply:
    text = response.text
    if not text.strip():
        return Reply(response.status_code, None, False, elapsed_ms)
    try:
        return Reply(response.status_code, json.loads(text), True, elapsed_ms)
    except ValueError:
        return Reply(response.status_code, text, False, elapsed_ms)
