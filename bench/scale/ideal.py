"""A run's latency bound: the shortest wall time its own operations allow when the farm costs nothing.

Rebuilt from what the run left in the store. Each phase job runs its operations in batches (one
`PhaseContext.run` each; a checkpoint names its batch), a batch ends when its last operation ends,
the phases of a run follow one another. An operation takes (its calls) × (the latency per call): its
attempts are sequential, each a call. A batch's operations share min(operation_concurrency, the
model's `concurrency`) slots, taken in the order the job started them — the schedule the farm's own
thread pool makes, with every check, checkpoint and hand-off taking no time. The bound is the sum
over phases of their batches' makespans; a run's efficiency is that bound over its wall time.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from farm import keys
from farm.store import Store


@dataclass(frozen=True)
class PhaseBound:
    phase: str
    batches: int
    operations: int
    calls: int
    bound_s: float


def makespan(durations: list[float], slots: int) -> float:
    """Greedy list schedule of `durations`, in order, on `slots` parallel slots."""
    free = [0.0] * max(1, min(slots, len(durations)))
    for duration in durations:
        heapq.heappush(free, heapq.heappop(free) + duration)
    return max(free) if durations else 0.0


def phase_bound(store: Store, phase_keys: keys.PhaseKeys, phase: str, latency_s: float, slots: int) -> PhaseBound:
    calls = Counter(json.loads(line)["op_id"] for line in store.get_text(phase_keys.calls).splitlines() if line)
    batches: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for _, checkpoint in store.iter_json(phase_keys.ops):
        if "batch" not in checkpoint:
            raise ValueError(f"{phase_keys.ops}: checkpoints without a batch (a run from before the scale bench)")
        batches[checkpoint["batch"]].append((checkpoint["started_at"], checkpoint["op_id"]))
    bound = sum(makespan([calls[op] * latency_s for _, op in sorted(ops)], slots) for ops in batches.values())
    return PhaseBound(phase, len(batches), sum(len(ops) for ops in batches.values()), sum(calls.values()), bound)


def run_bound(store: Store, run_keys: keys.RunKeys, phases: list[str], latency_s: float, slots: int) -> list[PhaseBound]:
    return [phase_bound(store, run_keys.phase(phase), phase, latency_s, slots) for phase in phases]
