"""bench/scale's latency bound: the schedule a zero-cost farm would make of a run's operations."""

from __future__ import annotations

import json

import pytest

from bench.scale.ideal import makespan, phase_bound
from farm import keys
from farm.store import open_store


@pytest.mark.parametrize(("durations", "slots", "expected"), [
    ([], 4, 0.0),
    ([0.3] * 4, 4, 0.3),
    ([0.3] * 5, 4, 0.6),  # one more than the slots: a second wave
    ([0.9, 0.3, 0.3, 0.3], 2, 0.9),  # the long one on its slot, the three short ones on the other
    ([0.3, 0.3, 0.9], 2, 1.2),  # in the order started: the long one comes last, after a short one
    ([0.3] * 3, 1, 0.9),
])
def test_makespan(durations: list[float], slots: int, expected: float) -> None:
    assert makespan(durations, slots) == pytest.approx(expected)


def test_a_phase_bound_is_the_sum_of_its_batches_with_retries_as_more_calls(tmp_path) -> None:  # noqa: ANN001
    store = open_store(str(tmp_path))
    phase = keys.RunKeys("r", "m", "p").phase("realize")
    batches = {"t1": 1, "t2": 1, "p1": 2, "p2": 2, "p3": 2}
    for i, (op, batch) in enumerate(batches.items()):
        store.put_json(phase.op(op), {"op_id": op, "batch": batch, "started_at": float(i), "status": "succeeded"})
    calls = ["t1", "t2", "p1", "p1", "p2", "p3"]  # p1 needed a second attempt
    store.put_text(phase.calls, "".join(json.dumps({"op_id": op}) + "\n" for op in calls))
    bound = phase_bound(store, phase, "realize", latency_s=0.5, slots=2)
    # batch 1: t1 ‖ t2 = 0.5; batch 2: p1 (2 calls) ‖ p2 then p3 = 1.0
    assert (bound.batches, bound.operations, bound.calls, bound.bound_s) == (2, 5, 6, pytest.approx(1.5))
