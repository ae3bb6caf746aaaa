"""An endpoint's key: a variable the round names must be set; an endpoint naming none is called without a key.

This is what rounds/example.yaml and the README say of a local server: preflight (the simulator
standing in for the server) refuses the round only when the named variable is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.preflight import preflight
from farm.roundfile import parse_round
from farm.sim import SimServer
from farm.store import open_store

pytestmark = pytest.mark.integration

KEY_ENV = "FARM_TEST_LOCAL_KEY"


def _preflight(sim: SimServer, tmp_path: Path, **endpoint: str) -> list[str]:
    data = {"round": "keys", "projects": ["todo"], "phases": ["analyze"], "models": [
        {"id": "sim/clean", "endpoint": {"kind": "openai-compatible", "base_url": sim.base_url, **endpoint},
         "prices": {"input": 0, "output": 0}}]}
    return preflight(parse_round(data, "<keys>", tmp_path), open_store(str(tmp_path / "store"))).problems


def test_a_local_endpoint_naming_no_key_is_called_without_one(sim: SimServer, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert _preflight(sim, tmp_path) == []


def test_a_named_key_must_be_set(sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    (problem,) = _preflight(sim, tmp_path, api_key_env=KEY_ENV)
    assert f"environment variable {KEY_ENV} (its API key) is not set" in problem
    monkeypatch.setenv(KEY_ENV, "local-secret")
    assert _preflight(sim, tmp_path, api_key_env=KEY_ENV) == []
