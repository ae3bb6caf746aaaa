"""Shared rate limits per endpoint: which calls share a limit, their keys in Redis, and AIMD.

A local server's slots are shared by whatever it serves, so its limit is keyed by base URL. On
OpenRouter the limits that bite are per model (and provider), so each model there has its own.
Concurrency is a sorted set of leases scored by expiry (a dead worker's slot frees itself), the
request rate a sliding one-minute window, and the current cap a float that 429s halve and
successes grow back by about one slot per cap's worth of calls (AIMD).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis

from farm.spec import EndpointKind, ModelSpec

AIMD_DECREASE = 0.5  # cap × this on a 429, once per window
_REGISTRY = "farm:endpoints"


def public_url(url: str) -> str:
    """The URL without credentials, query or fragment: what may appear in keys, logs and metrics."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class EndpointLimit:
    """The limits one model's calls are admitted under, and the endpoint they share them on."""

    endpoint: str  # public base URL, plus "#<served name>" on OpenRouter
    concurrency: int
    rpm: int | None

    @classmethod
    def of(cls, model: ModelSpec, simulator_url: str | None = None) -> EndpointLimit:
        url = public_url(model.endpoint.url(simulator_url))
        if model.endpoint.kind is EndpointKind.OPENROUTER:
            url += "#" + model.request_name
        return cls(url, model.concurrency, model.endpoint.rpm)

    @property
    def keys(self) -> list[str]:
        """Leases (zset by expiry), state hash (cap, cut_at, hold_until, max_cap), request window."""
        base = f"farm:endpoint:{self.endpoint}"
        return [base + ":leases", base + ":state", base + ":rpm", _REGISTRY]

    @property
    def wake_key(self) -> str:
        """A list a settled call pushes a token on: a caller waiting for a slot blocks on it."""
        return f"farm:endpoint:{self.endpoint}:wake"


@dataclass(frozen=True)
class EndpointState:
    endpoint: str
    cap: float  # the current shared concurrency (AIMD)
    max_cap: int
    in_flight: int


def endpoint_states(client: redis.Redis) -> list[EndpointState]:
    """Every endpoint a gate has used: its current cap and live leases (expired ones not counted)."""
    now_s, now_us = client.time()
    now_ms = now_s * 1000 + now_us // 1000
    states = []
    for name in sorted(client.smembers(_REGISTRY)):
        name = name.decode() if isinstance(name, bytes) else name
        leases, state, _, _ = EndpointLimit(name, 1, None).keys
        fields = {(k.decode() if isinstance(k, bytes) else k): v for k, v in client.hgetall(state).items()}
        if "max_cap" not in fields:
            continue
        max_cap = int(fields["max_cap"])
        cap = min(float(fields.get("cap", max_cap)), max_cap)
        states.append(EndpointState(name, cap, max_cap, int(client.zcount(leases, f"({now_ms}", "+inf"))))
    return states
