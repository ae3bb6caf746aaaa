"""Stochastic scripted models: `draws` validated at load, drawn per run from the request's seed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from farm.sim import SimServer
from farm.sim.fixtures import FixtureError, Fixtures, ScriptedModel, load_fixtures
from tests.servers import REPO

MakeModel = Callable[..., Path]  # the make_model fixture of conftest.py
SEEDS = range(2000)
SIGMAS = 4
WEIGHTED = {"analyze/*": [{"p": 0.2, "script": ["prose", "answer"]}, {"p": 0.5, "script": ["answer"]},
                          {"p": 0.3, "script": [{"slow": 1}]}]}  # fmt: skip


def _model(**fields: Any) -> ScriptedModel:
    return ScriptedModel.model_validate(
        {"name": "t/m", "description": "d", "prices": {"input": 0, "cached": 0, "output": 0}, **fields})


def _error(scripts_dir: Path) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixtures(scripts_dir)
    return str(info.value)


def _labels(fixtures: Fixtures, model: ScriptedModel, seed: int, attempts: int = 3) -> dict[str, list[str]]:
    """Every todo operation's behaviours, attempt by attempt, for one run."""
    operations = [key for key in fixtures.books["todo"] if "@" not in key]
    return {op: [fixtures.behaviour(model, op, attempt, "todo", seed).label for attempt in range(attempts)]
            for op in operations}  # fmt: skip


def _within_bounds(hits: int, n: int, p: float) -> bool:
    """`hits` of `n` draws is within SIGMAS binomial standard deviations of probability `p`."""
    return abs(hits - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p))


@pytest.mark.parametrize(("draws", "field", "message"), [
    ({"analyze/*": [{"p": 0, "script": ["answer"]}, {"p": 1, "script": ["prose"]}]}, "draws.analyze/*.0.p",
     "greater than 0"),
    ({"analyze/*": [{"p": 1.5, "script": ["answer"]}]}, "draws.analyze/*.0.p", "less than or equal to 1"),
    ({"analyze/*": [{"p": 0.6, "script": ["answer"]}, {"p": 0.3, "script": ["prose"]}]}, "draws.analyze/*",
     "sum to 0.9, not 1"),
    ({"analyze/*": [{"p": 1, "script": []}]}, "draws.analyze/*.0.script", "at least 1 item"),
    ({"analyze/*": [{"p": 1, "script": ["answr"]}]}, "draws.analyze/*.0.script.0.kind", "(got 'answr')"),
])  # fmt: skip
def test_bad_draws_name_the_file_and_field(scripts_dir: Path, make_model: MakeModel, draws: dict[str, Any],
                                           field: str, message: str) -> None:  # fmt: skip
    path = make_model("bad", draws=draws)
    error = _error(scripts_dir)
    assert str(path) in error and f"{field}: " in error and message in error, error


def test_a_drawn_variant_missing_from_the_books_names_the_file_and_field(scripts_dir: Path,
                                                                         make_model: MakeModel) -> None:
    path = make_model("bad", draws={"realize/provider-*": [{"p": 0.5, "script": ["answer"]},
                                                          {"p": 0.5, "script": ["prose", {"answer": "thin"}]}]})
    error = _error(scripts_dir)
    assert str(path) in error and "draws.realize/provider-*.1.script.1: no answer variant 'thin'" in error


def test_probabilities_may_miss_1_by_the_tolerance_only() -> None:
    def alternatives(rest: float) -> list[dict[str, Any]]:
        return [{"p": 0.5, "script": ["answer"]}, {"p": rest, "script": ["prose"]}]

    assert len(_model(draws={"*": alternatives(0.5 - 1e-10)}).draws["*"]) == 2
    with pytest.raises(ValueError, match="sum to 0.999999, not 1"):
        _model(draws={"*": alternatives(0.5 - 1e-6)})


def test_the_same_seed_replays_every_operation_and_another_seed_draws_otherwise() -> None:
    fixtures = load_fixtures()
    dice = fixtures.models["sim/dice"]
    again = load_fixtures()
    assert _labels(again, again.models["sim/dice"], 7) == _labels(fixtures, dice, 7)
    base = _labels(fixtures, dice, 0)
    runs = [_labels(fixtures, dice, seed) for seed in range(1, 20)]
    assert sum(run != base for run in runs) >= 10
    changed = {op for run in runs for op, labels in run.items() if labels != base[op]}
    assert {"realize/provider-get-members-me", "analyze/write-listing-and-search"} <= changed


def test_the_draw_does_not_depend_on_the_process() -> None:
    """A SHA-256, not the salted hash(): a worker or simulator started anew draws the same."""
    code = ("import json; from farm.sim.fixtures import load_fixtures; f = load_fixtures(); m = f.models['sim/dice']; "
            "ops = [op for op in f.books['todo'] if '@' not in op]; "
            "print(json.dumps({s: {op: f.behaviour(m, op, 0, 'todo', s).label for op in ops} for s in range(30)}))")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONHASHSEED": salt},
                           capture_output=True, text=True, check=True).stdout for salt in ("1", "2")]  # fmt: skip
    fixtures = load_fixtures()
    dice = fixtures.models["sim/dice"]
    here = {str(seed): {op: labels[0] for op, labels in _labels(fixtures, dice, seed, 1).items()} for seed in range(30)}
    assert json.loads(runs[0]) == json.loads(runs[1]) == here


def test_every_attempt_of_an_operation_walks_the_one_list_drawn_for_the_run() -> None:
    fixtures = load_fixtures()
    dice = fixtures.models["sim/dice"]
    feedback = next(s for s in SEEDS if fixtures.behaviour(dice, "database/schema-todos", 0, "todo", s).variant)
    assert _labels(fixtures, dice, feedback)["database/schema-todos"] == ["answer@dangling-fk", "answer", "answer"]
    mocked = next(s for s in SEEDS if fixtures.behaviour(dice, "realize/provider-get-members-me", 0, "todo", s).variant)
    assert _labels(fixtures, dice, mocked)["realize/provider-get-members-me"] == ["answer@mock"] * 3


def test_the_draw_depends_on_model_and_project_too() -> None:
    first = _model(draws=WEIGHTED)
    other = first.model_copy(update={"name": "t/other"})
    plays = {(model.name, project): [model.behaviour("analyze/plan", 0, seed=seed, project=project).label
                                     for seed in range(50)]
             for model in (first, other) for project in ("todo", "shop")}  # fmt: skip
    assert len({tuple(labels) for labels in plays.values()}) == 4


def test_frequencies_over_many_seeds_match_the_probabilities() -> None:
    model = _model(draws=WEIGHTED)
    counts = Counter(model.behaviour("analyze/write-x", 0, seed=seed, project="todo").kind for seed in SEEDS)
    expected = {"prose": 0.2, "answer": 0.5, "slow": 0.3}
    assert set(counts) == set(expected)
    assert all(_within_bounds(counts[kind], len(SEEDS), p) for kind, p in expected.items()), counts


def test_dice_draws_at_its_rates_where_the_book_has_the_variant_and_falls_through_elsewhere() -> None:
    """A drawn alternative naming a variant the operation lacks plays the script (`answer`) instead."""
    fixtures = load_fixtures()
    dice = fixtures.models["sim/dice"]
    expected = {
        "realize/provider-get-members-me": {"answer@mock": 0.25, "answer": 0.75},
        "realize/provider-get-todos": {"answer@mock": 0.1, "answer@page-default": 0.05, "answer": 0.85},
        "realize/provider-put-todos-todo-item-id": {"answer@no-history": 0.1, "answer": 0.9},
        "realize/provider-post-todos": {"answer": 1.0},
    }
    for op, rates in expected.items():
        counts = Counter(fixtures.behaviour(dice, op, 0, "todo", seed).label for seed in SEEDS)
        assert set(counts) == set(rates), op
        assert all(_within_bounds(counts[label], len(SEEDS), p) for label, p in rates.items()), (op, counts)


def test_draws_take_precedence_over_the_script_for_the_operations_they_match() -> None:
    model = _model(script={"*": ["prose"]}, draws={"analyze/*": [{"p": 1, "script": ["invalid_json", "answer"]}]})
    assert [model.behaviour("analyze/plan", attempt, seed=3).kind for attempt in range(3)] == [
        "invalid_json", "answer", "answer"]
    assert model.behaviour("database/groups", 0, seed=3).kind == "prose"


def _completion(sim: SimServer, operation: str, seed: int | str | None) -> httpx.Response:
    """One forced call as the harness sends it, to sim/dice on todo, with `seed` in the body (or none)."""
    tool = {"type": "function", "function": {"name": "answer", "parameters": {"type": "object"}}}
    body: dict[str, Any] = {"model": "sim/dice", "messages": [{"role": "user", "content": "Go."}],
                            "tools": [tool], "tool_choice": {"type": "function", "function": {"name": "answer"}}}
    if seed is not None:
        body["seed"] = seed
    headers = {"X-Farm-Operation": operation, "X-Farm-Project": "todo"}
    return httpx.post(f"{sim.base_url}/chat/completions", json=body, headers=headers, timeout=20)


def _arguments(response: httpx.Response) -> str:
    """The tool call's arguments exactly as sent."""
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]


@pytest.mark.integration
def test_the_simulator_draws_from_the_request_seed(sim: SimServer) -> None:
    fixtures = load_fixtures()
    dice, book, op = fixtures.models["sim/dice"], fixtures.books["todo"], "realize/provider-get-members-me"
    by_seed = {seed: fixtures.behaviour(dice, op, 0, "todo", seed).variant for seed in SEEDS}
    mocked = next(seed for seed, variant in by_seed.items() if variant == "mock")
    plain = next(seed for seed, variant in by_seed.items() if variant is None)
    assert json.loads(_arguments(_completion(sim, op, mocked))) == book[f"{op}@mock"]
    assert json.loads(_arguments(_completion(sim, op, plain))) == book[op]
    assert _arguments(_completion(sim, op, mocked)) == _arguments(_completion(sim, op, mocked))
    # No seed is seed 0: on an operation where seed 0 draws a variant.
    zero = next(key for key in book if "@" not in key and fixtures.behaviour(dice, key, 0, "todo", 0).variant)
    variant = fixtures.behaviour(dice, zero, 0, "todo", 0).variant
    assert json.loads(_arguments(_completion(sim, zero, None))) == book[f"{zero}@{variant}"]


@pytest.mark.integration
def test_a_seed_that_is_not_an_integer_is_a_bad_request(sim: SimServer) -> None:
    response = _completion(sim, "analyze/plan", "7")
    assert response.status_code == 400 and "seed" in response.json()["error"]["message"]


def test_a_model_with_providers_is_served_by_one_per_run_drawn_from_the_seed() -> None:
    dice = load_fixtures().models["sim/dice"]
    served = {seed: dice.served_by(seed, "todo") for seed in range(40)}
    assert set(served.values()) == {"sim-east", "sim-west"}  # both, over enough runs
    assert all(dice.served_by(seed, "todo") == name for seed, name in served.items())  # every call of a run alike
    assert load_fixtures().models["sim/clean"].served_by(3, "todo") is None


@pytest.mark.integration
def test_the_completion_names_the_provider_the_run_was_drawn(sim: SimServer) -> None:
    dice = load_fixtures().models["sim/dice"]
    east = next(seed for seed in range(40) if dice.served_by(seed, "todo") == "sim-east")
    west = next(seed for seed in range(40) if dice.served_by(seed, "todo") == "sim-west")
    for seed, name in ((east, "sim-east"), (west, "sim-west")):
        for operation in ("analyze/plan", "realize/provider-get-todos"):
            assert _completion(sim, operation, seed).json()["provider"] == name
