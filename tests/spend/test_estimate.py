"""`farm round estimate`: projections from priors, from past rounds in the store, and the budget verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from farm import keys
from farm.catalog import load_project
from farm.cli import app
from farm.estimate import (
    HISTORY_MODEL,
    HISTORY_OTHERS,
    HISTORY_SCALED,
    PRIOR,
    PRIOR_TODO,
    Tokens,
    estimate,
    load_history,
    project_size,
)
from farm.manifest import build_manifest
from farm.roundfile import load_round, parse_round
from farm.store import Store, open_store
from workers.harness.usage import price

PRICES = {"input": 1.0, "cached": 0.1, "output": 4.0}
REPO = Path(__file__).resolve().parents[2]


def _round_file(tmp_path: Path, projects: list[str], phases: list[str], budgets: dict[str, float]) -> Path:
    data = {
        "round": "next",
        "models": [
            {"id": "vendor/a", "endpoint": {"kind": "openrouter"}, "prices": PRICES},
            {"id": "vendor/b", "endpoint": {"kind": "openrouter"}, "prices": {"input": 2.0, "output": 8.0}},
        ],
        "projects": projects,
        "phases": phases,
        "budgets": budgets,
    }
    path = tmp_path / "next.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _past_result(store: Store, round_id: str, model: str, project: str, phase: str, tokens: Tokens, outcome: str,
                 kind: str = "openrouter") -> None:
    """A phase result of a past round, and the round's manifest saying which endpoint served the model."""
    manifest_key = keys.manifest(round_id)
    models = {m["id"]: m for m in (store.get_json_or_none(manifest_key) or {}).get("spec", {}).get("models", [])}
    models.setdefault(model, {"id": model, "endpoint": {"kind": kind}, "prices": PRICES})
    data = {"round": round_id, "models": list(models.values()), "projects": ["todo"], "phases": ["analyze"]}
    manifest = build_manifest(parse_round(data, round_id, REPO), simulator_url="http://127.0.0.1:9/v1")
    store.put_json(manifest_key, manifest.model_dump(mode="json"))
    totals = {"input_tokens": tokens.input, "cached_tokens": tokens.cached, "output_tokens": tokens.output, "cost_usd": 9.9}
    store.put_json(f"rounds/{round_id}/runs/{model}/{project}/{phase}/result.json",
                   {"model": model, "project": project, "phase": phase, "outcome": outcome, "calls": {"totals": totals}})


def test_without_history_priors_scale_with_project_size(tmp_path: Path) -> None:
    loaded = load_round(_round_file(tmp_path, ["todo", "erp"], ["analyze", "database"], {"round_usd": 1000}))
    result = estimate(loaded, load_history(open_store(str(tmp_path / "empty"))))
    assert not result.from_history and {r.basis for r in result.rows} == {PRIOR}
    todo = next(r for r in result.rows if (r.model, r.project) == ("vendor/a", "todo"))
    erp = next(r for r in result.rows if (r.model, r.project) == ("vendor/a", "erp"))
    expected = PRIOR_TODO["analyze"].input + PRIOR_TODO["database"].input
    assert todo.tokens.input == expected and erp.tokens.input == 4 * expected
    assert todo.cost_usd == pytest.approx(price(loaded.spec.model("vendor/a").prices, round(todo.tokens.input),
                                                round(todo.tokens.cached), round(todo.tokens.output)))
    assert result.fits


def test_history_prefers_the_same_model_then_others_then_scaled_projects(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    _past_result(store, "2026-11", "vendor/a", "todo", "analyze", Tokens(1000, 200, 300), "succeeded")
    _past_result(store, "2026-10", "vendor/a", "todo", "analyze", Tokens(3000, 600, 500), "succeeded")
    _past_result(store, "2026-11", "vendor/c", "todo", "analyze", Tokens(9000, 0, 900), "succeeded")
    _past_result(store, "2026-11", "vendor/c", "reddit", "analyze", Tokens(1, 1, 1), "model_failed")  # not a full phase
    loaded = load_round(_round_file(tmp_path, ["todo", "reddit"], ["analyze"], {"model_usd": 0.001}))
    result = estimate(loaded, load_history(store))
    rows = {(r.model, r.project): r for r in result.rows}
    assert rows["vendor/a", "todo"].tokens == Tokens(2000, 400, 400) and rows["vendor/a", "todo"].basis == HISTORY_MODEL
    assert rows["vendor/b", "todo"].tokens == Tokens(13000 / 3, 800 / 3, 1700 / 3)
    assert rows["vendor/b", "todo"].basis == HISTORY_OTHERS
    assert rows["vendor/a", "reddit"].tokens == Tokens(4 * 13000 / 3, 4 * 800 / 3, 4 * 1700 / 3)
    assert rows["vendor/a", "reddit"].basis == HISTORY_SCALED
    assert not result.fits and {v.scope for v in result.verdicts if not v.fits} == {"vendor/a", "vendor/b"}


def test_simulator_rounds_only_project_simulator_models(tmp_path: Path) -> None:
    """A demo round's scripted answers cost a fraction of a real model's: they must not lower a real round's estimate."""
    store = open_store(str(tmp_path / "store"))
    _past_result(store, "demo-1", "sim/clean", "todo", "analyze", Tokens(900, 0, 90), "succeeded", kind="simulator")
    real = load_round(_round_file(tmp_path, ["todo", "reddit"], ["analyze"], {}))
    with_demo = estimate(real, load_history(store))
    without = estimate(real, load_history(open_store(str(tmp_path / "empty"))))
    assert with_demo == without and not with_demo.from_history  # priors, as if the store were empty
    sim = tmp_path / "sim.yaml"
    sim.write_text(yaml.safe_dump({"round": "sim-next", "projects": ["todo"], "phases": ["analyze"], "models": [
        {"id": "sim/learner", "endpoint": {"kind": "simulator"}, "prices": PRICES}]}))
    (row,) = estimate(load_round(sim), load_history(store)).rows
    assert (row.tokens, row.basis) == (Tokens(900, 0, 90), HISTORY_OTHERS)  # the other simulator model's


def test_real_rounds_do_not_project_simulator_models(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    _past_result(store, "2026-11", "vendor/a", "todo", "analyze", Tokens(50_000, 0, 9000), "succeeded")
    _past_result(store, "2026-11", "sim/clean", "todo", "analyze", Tokens(900, 0, 90), "succeeded", kind="simulator")
    rows = {row.model: row for row in estimate(load_round(_round_file(tmp_path, ["todo"], ["analyze"], {})),
                                               load_history(store)).rows}
    assert rows["vendor/b"].tokens == Tokens(50_000, 0, 9000)  # vendor/a's only: the simulator's run is left out


def test_results_of_a_round_without_manifest_are_left_out(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    store.put_json("rounds/lost/runs/vendor/a/todo/analyze/result.json", {
        "model": "vendor/a", "project": "todo", "phase": "analyze", "outcome": "succeeded",
        "calls": {"totals": {"input_tokens": 1, "cached_tokens": 0, "output_tokens": 1}}})
    assert load_history(store) == {}


def test_a_user_project_is_sized_by_its_text(tmp_path: Path) -> None:
    todo = load_project("todo")
    twice = tmp_path / "twice.md"
    twice.write_text(todo.text * 2)
    assert project_size(todo) == 1.0
    assert project_size(load_project(str(twice))) == pytest.approx(2**1.6)


def test_the_command_says_whether_the_budgets_suffice(tmp_path: Path) -> None:
    runner = CliRunner()
    tight = _round_file(tmp_path, ["todo"], ["analyze"], {"round_usd": 0.01})
    refused = runner.invoke(app, ["round", "estimate", str(tight), "--store", str(tmp_path / "store")])
    assert refused.exit_code == 1, refused.output
    words = " ".join(refused.output.split())
    assert "built-in priors (no past round on such endpoints)" in words and "round: $" in words and "of $0.0100 budget — does not fit" in words
    roomy = _round_file(tmp_path, ["todo"], ["analyze"], {"round_usd": 100})
    ok = runner.invoke(app, ["round", "estimate", str(roomy), "--store", str(tmp_path / "store"), "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"fits": true' in ok.output and '"basis": "prior by project size"' in ok.output
