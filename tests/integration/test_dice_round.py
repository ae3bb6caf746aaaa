"""sim/dice through the farm: one stochastic scripted model sampled with two seeds (as a round's
repeats are) gives two runs that both succeed and score differently."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from farm import keys
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.sim import SimServer
from farm.sim.fixtures import load_fixtures
from tests.integration.rounds import sim_round, submit_round, wait_complete
from tests.servers import WorkerProcess

pytestmark = pytest.mark.integration

ROUND = "dice"


def _drawn(seed: int) -> dict[str, str]:
    """The variants sim/dice draws on todo for the run sampled with `seed`, by operation."""
    fixtures = load_fixtures()
    dice = fixtures.models["sim/dice"]
    operations = [key for key in fixtures.books["todo"] if "@" not in key]
    return {op: b.variant for op in operations if (b := fixtures.behaviour(dice, op, 0, "todo", seed)).variant}


def _spec(seed: int) -> dict[str, Any]:
    """sim/dice under a farm id of its own, sampled with `seed`."""
    return {"id": f"sim/dice-{seed}", "served_name": "sim/dice", "endpoint": {"kind": "simulator"},
            "prices": {"input": 0.40, "cached": 0.04, "output": 1.20}, "sampling": {"seed": seed}, "concurrency": 4}


def test_two_seeds_of_the_dice_model_both_succeed_and_score_differently(
    redis_url: str, ledger: Ledger, local_store, sim: SimServer,  # noqa: ANN001
    start_worker: Callable[..., WorkerProcess],
) -> None:  # fmt: skip
    plain = next(seed for seed in count() if not _drawn(seed))
    mocked = next(seed for seed in count() if "mock" in _drawn(seed).values())
    start_worker(redis_url, local_store.url, concurrency=2)
    submit_round(sim_round(ROUND, [], models=[_spec(plain), _spec(mocked)]), local_store, redis_url, sim.base_url)
    wait_complete(ledger, ROUND, timeout=240)

    assert {record.state for record in ledger.jobs(ROUND).values()} == {JobState.SUCCEEDED}
    scores = {seed: local_store.get_json(keys.RunKeys(ROUND, f"sim/dice-{seed}", "todo").score)
              for seed in (plain, mocked)}
    assert scores[mocked]["total"] < scores[plain]["total"]
    axes = {seed: {axis["id"]: axis["score"] for axis in score["axes"]} for seed, score in scores.items()}
    assert axes[plain]["logic"] == 100 and axes[mocked]["logic"] < 100  # a mock is a stub under the strict rule
