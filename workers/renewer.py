"""Keeps expiring leases alive from one background thread per owner, not one thread per lease.

A lease in Redis expires unless its holder renews it, so a dead holder frees it by itself. Every
lease a process holds is renewed in one batch by one thread, started when the first lease is added
and ending when none are left: holding a lease costs no thread start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import redis

log = logging.getLogger("benchfarm.renewer")

T = TypeVar("T")


class Renewer(Generic[T]):
    def __init__(self, renew: Callable[[list[T]], None], interval_s: float, name: str) -> None:
        self._renew = renew
        self._interval_s = interval_s
        self._name = name
        self._live: dict[str, T] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, key: str, lease: T) -> None:
        with self._lock:
            self._live[key] = lease
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def drop(self, key: str) -> None:
        with self._lock:
            self._live.pop(key, None)

    def _loop(self) -> None:
        while True:
            time.sleep(self._interval_s)
            with self._lock:
                live = list(self._live.values())
                if not live:
                    self._thread = None
                    return
            try:
                self._renew(live)
            except redis.RedisError as exc:  # the next round retries; a lease lost meanwhile is taken over
                log.warning("%s: renewing %d lease(s) failed: %s", self._name, len(live), exc)
