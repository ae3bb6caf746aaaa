"""Shared rate limits: a 429 storm from the simulator, Retry-After across workers, request windows."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from farm.admission import Admitted, AdmissionScripts, Wait
from farm.ratelimit import EndpointLimit, endpoint_states, public_url
from farm.sim import SimAdmin, SimServer
from tests.spend.calls import MODEL, run_calls, sim_spec
from workers.harness.shared_gate import SharedGate
from workers.harness.usage import Usage

pytestmark = pytest.mark.integration

CAP = 8


class CapWatch:
    """Records the endpoint's shared cap while a block runs."""

    def __init__(self, redis_url: str) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.caps: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.caps += [s.cap for s in endpoint_states(self.client)]

    def __enter__(self) -> CapWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def test_a_429_storm_never_exceeds_the_cap_and_throughput_recovers(
    redis_url: str, sim: SimServer, sim_admin: SimAdmin
) -> None:
    spec = sim_spec("storm", sim.base_url, concurrency=CAP)
    sim_admin.inject("rate_limit", model=MODEL, count=24, retry_after=0.3)
    with CapWatch(redis_url) as watch:
        storm = run_calls(redis_url, spec, 64, workers=2, transport_retries=10)
    stats = sim_admin.stats()
    assert storm.succeeded == 64
    assert stats["by_status"]["429"] == 24
    assert stats["peak_in_flight"] <= CAP, "more requests in flight than the endpoint's cap"
    assert min(watch.caps) <= CAP / 4, "429s did not shrink the shared concurrency"
    assert watch.caps[-1] > min(watch.caps), "successes did not grow it back"

    sim_admin.reset()
    calm = run_calls(redis_url, spec, 48, workers=2)
    after = sim_admin.stats()
    assert calm.succeeded == 48 and after["by_status"] == {"200": 48}
    assert 6 <= after["peak_in_flight"] <= CAP, "throughput did not recover after the storm"
    assert endpoint_states(redis.Redis.from_url(redis_url))[0].cap == CAP


def test_retry_after_holds_back_calls_of_every_worker(redis_url: str, sim: SimServer) -> None:
    spec = sim_spec("hold", sim.base_url, concurrency=4)
    worker_a, worker_b = (SharedGate(redis.Redis.from_url(redis_url), spec.round, spec) for _ in range(2))
    with worker_a.admit(MODEL, 0.0, "a") as admission:
        admission.throttled(1.5)
        admission.settle(Usage())
    started = time.monotonic()
    with worker_b.admit(MODEL, 0.0, "b") as admission:
        admission.settle(Usage())
    assert 1.2 <= time.monotonic() - started < 3
    # 4 halved by the 429 (the throttled call does not count as a success), + 1/2 for worker B's call.
    assert endpoint_states(redis.Redis.from_url(redis_url))[0].cap == 2.5


def test_requests_per_minute_are_shared_in_a_sliding_window(redis_url: str, sim: SimServer) -> None:
    scripts = AdmissionScripts(redis.Redis.from_url(redis_url))
    limit = EndpointLimit("http://127.0.0.1:1/v1", concurrency=10, rpm=3)
    results = [scripts.admit(f"call-{i}", "rpm", limit, 0, ["round"], 30_000) for i in range(4)]
    assert all(isinstance(r, Admitted) for r in results[:3])
    assert isinstance(results[3], Wait) and results[3].reason == "rpm" and 59 < results[3].seconds <= 60


def test_endpoint_keys_and_labels_never_hold_credentials() -> None:
    assert public_url("https://user:s3cret@llm.example:8443/v1/?key=abc#x") == "https://llm.example:8443/v1"


def _evalsha_calls(client: redis.Redis) -> int:
    return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def test_a_caller_waiting_for_a_slot_is_woken_by_the_call_that_frees_it(redis_url: str, sim: SimServer) -> None:
    """No polling: while the one slot is held for a second, the waiter asks Redis a handful of
    times (its first try, the 0.5 s fallback, the wake), not every few milliseconds."""
    spec = sim_spec("wake", sim.base_url, concurrency=1)
    client = redis.Redis.from_url(redis_url)
    holder, waiter = (SharedGate(redis.Redis.from_url(redis_url), spec.round, spec) for _ in range(2))
    admitted_at: list[float] = []

    def wait() -> None:
        with waiter.admit(MODEL, 0.0, "waiter") as admission:
            admitted_at.append(time.monotonic())
            admission.settle(Usage())

    with holder.admit(MODEL, 0.0, "holder") as admission:
        thread = threading.Thread(target=wait)
        before = _evalsha_calls(client)
        thread.start()
        time.sleep(1.0)
        assert not admitted_at, "admitted while the only slot was held"
        waiting_calls = _evalsha_calls(client) - before
        admission.settle(Usage())
        released = time.monotonic()
    thread.join(timeout=5)
    assert admitted_at and admitted_at[0] - released < 0.25, "the waiter was not woken when the slot freed"
    assert waiting_calls <= 4, f"{waiting_calls} admission attempts in one second of waiting: it polls"


def test_wake_tokens_nobody_waits_for_are_bounded_by_the_cap(redis_url: str, sim: SimServer) -> None:
    spec = sim_spec("tokens", sim.base_url, concurrency=3)
    gate = SharedGate(redis.Redis.from_url(redis_url), spec.round, spec)
    for i in range(10):
        with gate.admit(MODEL, 0.0, f"call-{i}") as admission:
            admission.settle(Usage())
    limit = EndpointLimit.of(spec.models[0], sim.base_url)
    assert redis.Redis.from_url(redis_url).llen(limit.wake_key) == 3
