"""Submitting rounds from a test, the way the CLI does, and waiting for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from farm.ledger import Ledger
from farm.queueing import make_celery
from farm.roundfile import LoadedRound, parse_round
from farm.scheduler import Submission, submit
from farm.store import Store
from tests.servers import wait_until

DEMO = Path(__file__).resolve().parents[2] / "farm" / "demo_round.yaml"


def sim_round(round_id: str, model_ids: list[str], **overrides: Any) -> LoadedRound:
    """The demo round with only the named demo models (or `models=[...]` specs given whole)."""
    data = yaml.safe_load(DEMO.read_text())
    data["round"] = round_id
    data["models"] = [m for m in data["models"] if m["id"] in model_ids]
    data.update(overrides)
    return parse_round(data, "test-round", DEMO.parent)


def submit_round(loaded: LoadedRound, store: Store, redis_url: str, sim_url: str) -> Submission:
    return submit(loaded, store, Ledger.from_url(redis_url), make_celery(redis_url), sim_url)


def wait_complete(ledger: Ledger, round_id: str, timeout: float = 90) -> None:
    wait_until(lambda: ledger.round_info(round_id)["state"] == "complete", timeout, f"round {round_id} to complete", 0.2)
