"""A small client for the simulator's admin API, for tests and the embedded mode."""

from __future__ import annotations

from typing import Any

import httpx


class SimAdmin:
    """Queue faults, read stats and reset a running simulator.

    `base_url` is the simulator's OpenAI base URL (`http://host:port/v1`, or a dialect's
    `http://host:port/dialect/NAME/v1`) or its root.
    """

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.root = base_url.rstrip("/").removesuffix("/v1").split("/dialect/")[0]
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.root}{path}", json=body, timeout=self.timeout)
        if response.is_error:
            raise RuntimeError(f"simulator {method} {path} answered {response.status_code}: {response.text}")
        return response.json()

    def inject(
        self,
        kind: str,
        *,
        model: str = "*",
        count: int = 1,
        operation: str = "*",
        retry_after: float = 1.0,
        delay: float = 5.0,
    ) -> int:
        """Queue `count` faults of `kind` for requests matching `model` and `operation` (a glob).

        Returns the number of fault units now pending.
        """
        body = {"kind": kind, "model": model, "count": count, "operation": operation,
                "retry_after": retry_after, "delay": delay}
        return int(self._call("POST", "/_sim/faults", body)["pending"])

    def stats(self) -> dict[str, Any]:
        """Request counts by model, operation, status and behaviour; in-flight and peak concurrency."""
        return self._call("GET", "/_sim/stats")

    def reset(self) -> None:
        """Drop queued faults and zero the stats."""
        self._call("POST", "/_sim/reset")
