"""The order a round's first jobs wait in the generate queue: models take turns."""

from __future__ import annotations

import base64
import json

import pytest
import redis

from farm.queueing import GENERATE_QUEUE
from farm.sim import SimServer
from tests.integration.rounds import sim_round, submit_round

pytestmark = pytest.mark.integration


def test_models_take_turns_in_the_queue(redis_url: str, local_store, sim: SimServer) -> None:  # noqa: ANN001
    """Workers take jobs in queue order: model by model, two workers would share one model's cap."""
    redis.Redis.from_url(redis_url).delete(GENERATE_QUEUE)
    loaded = sim_round("turns", ["sim/clean", "sim/learner"], projects=["todo", "reddit"], phases=["analyze"])
    submit_round(loaded, local_store, redis_url, sim.base_url)
    messages = redis.Redis.from_url(redis_url).lrange(GENERATE_QUEUE, 0, -1)[::-1]  # the oldest first
    order = [_run_of(message) for message in messages]
    assert order == [("sim/clean", "todo"), ("sim/learner", "todo"), ("sim/clean", "reddit"), ("sim/learner", "reddit")]


def _run_of(message: bytes) -> tuple[str, str]:
    """(model, project) of a queued phase job: its task args are (round, model, project, phase)."""
    args = json.loads(base64.b64decode(json.loads(message)["body"]))[0]
    return args[1], args[2]
