"""Repeats and harness variants: which runs a round has, how they are named, and what each is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from pydantic import BaseModel

from farm import keys
from farm.cli import app
from farm.estimate import estimate
from farm.roundfile import RoundFileError, parse_round
from farm.runplan import contestants, planned_runs, run_settings
from farm.spec import FeedbackRole, ToolSchemaMode
from workers.harness.endpoint import request_options
from workers.harness.procedure import PROCEDURE, with_procedure
from workers.phases.base import Operation


def _model(model_id: str, **overrides: Any) -> dict[str, Any]:
    return {"id": model_id, "endpoint": {"kind": "openrouter"}, "prices": {"input": 1, "output": 2}, **overrides}


def _round(**overrides: Any) -> dict[str, Any]:
    return {"round": "r1", "models": [_model("a/one", sampling={"seed": 7}), _model("b/two")],
            "projects": ["todo", "reddit"], **overrides}


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(RoundFileError) as info:
        parse_round(data, "r.yaml")
    return info.value.problems


def test_a_round_without_repeats_or_variants_keeps_its_plain_run_names() -> None:
    spec = parse_round(_round()).spec
    runs = planned_runs(spec, ["todo", "reddit"])
    assert [(r.contestant.id, r.run_project) for r in runs] == [
        ("a/one", "todo"), ("b/two", "todo"), ("a/one", "reddit"), ("b/two", "reddit")]
    assert [r.seed for r in runs] == [7, 0, 7, 0]


def test_repeats_and_variants_multiply_the_runs_each_with_its_own_seed() -> None:
    spec = parse_round(_round(repeats=3, variants={"plain": {}, "tight": {"retry": {"validation": 1}}},
                              models=[_model("a/one", sampling={"seed": 7}), _model("b/two", repeats=1)])).spec
    runs = planned_runs(spec, ["todo"])
    assert [c.id for c in contestants(spec)] == ["a/one+plain", "a/one+tight", "b/two+plain", "b/two+tight"]
    # Repeat by repeat, contestants taking turns; b/two overrides the round's 3 repeats with 1.
    assert [(r.contestant.id, r.run_project, r.seed) for r in runs] == [
        ("a/one+plain", "todo", 7), ("a/one+tight", "todo", 7), ("b/two+plain", "todo", 0), ("b/two+tight", "todo", 0),
        ("a/one+plain", "todo~2", 8), ("a/one+tight", "todo~2", 8),
        ("a/one+plain", "todo~3", 9), ("a/one+tight", "todo~3", 9)]
    assert len({(r.contestant.id, r.run_project) for r in runs}) == len(runs)


def test_run_names_round_trip_and_bad_ones_are_refused() -> None:
    assert keys.split_run_project(keys.run_project("todo", 1)) == ("todo", 1)
    assert keys.split_run_project(keys.run_project("erp", 12)) == ("erp", 12)
    assert keys.split_contestant(keys.contestant_id("qwen/qwen3-8b", "tight")) == ("qwen/qwen3-8b", "tight")
    assert keys.split_contestant("qwen/qwen3-8b") == ("qwen/qwen3-8b", None)
    assert keys.RunKeys("r", "m+v", "todo~3").project_name == "todo"
    for bad in ("todo~1", "todo~x", "todo~"):
        with pytest.raises(ValueError, match="repeat"):
            keys.split_run_project(bad)


def test_a_variant_changes_what_its_runs_send_and_allow_and_nothing_else() -> None:
    spec = parse_round(_round(repeats=2, variants={
        "plain": {},
        "hot": {"temperature": 0.9, "tool_schema": "inline", "feedback_role": "user", "procedure": True,
                "retry": {"compiler": 0}},
    })).spec
    plain = run_settings(spec, "a/one+plain", "todo")
    hot = run_settings(spec, "a/one+hot", "reddit~2")
    assert (plain.model, plain.policy, plain.procedure) == (spec.model("a/one"), spec.retry, False)
    assert (hot.project, hot.repeat) == ("reddit", 2)
    assert hot.model.id == "a/one"  # limits, budgets and prices stay the model's
    assert hot.model.sampling.temperature == 0.9 and hot.model.sampling.seed == 8
    assert hot.model.endpoint.tool_schema is ToolSchemaMode.INLINE
    assert hot.model.endpoint.feedback_role is FeedbackRole.USER
    assert hot.policy.compiler == 0 and hot.policy.validation == spec.retry.validation  # only what it names
    assert hot.procedure
    with pytest.raises(KeyError):
        run_settings(spec, "a/one+nope", "todo")


class _Plan(BaseModel):
    steps: list[str]


def test_the_repeat_seed_and_the_variant_temperature_reach_the_request() -> None:
    spec = parse_round(_round(repeats=3, variants={"hot": {"temperature": 0.7}})).spec
    operation = Operation(op_id="plan", tool_name="plan", description="d", ast=_Plan, system="s", user="u")
    options = request_options(run_settings(spec, "a/one+hot", "todo~3").model, operation, "analyze")
    assert (options["seed"], options["temperature"]) == (9, 0.7)
    unseeded = parse_round(_round(repeats=2, models=[_model("a/one", sampling={"seed": None})])).spec
    assert "seed" not in request_options(run_settings(unseeded, "a/one", "todo~2").model, operation, "analyze")


def test_the_procedure_section_is_added_once_at_the_end_of_the_system_prompt() -> None:
    assert with_procedure("You write SQL.\n").startswith("You write SQL.\n\n## Procedure")
    assert with_procedure("x").count(PROCEDURE) == 1


def test_repeats_and_variants_are_checked_with_path_and_value() -> None:
    problems = _problems(_round(repeats=0, variants={"Bad Name": {}, "ok": {"temperature": 3, "typo": 1}},
                                models=[_model("a/one", repeats=99)]))
    assert sorted(problems) == [
        "models[0].repeats: must be ≤ 20, got 99",
        "repeats: must be ≥ 1, got 0",
        "variants.Bad Name: must match ^[a-z0-9][a-z0-9_-]{0,31}$, got 'Bad Name'",
        "variants.ok.temperature: must be ≤ 2, got 3",
        "variants.ok.typo: unknown key, got 1",
    ]


def test_the_estimate_counts_every_variant_and_repeat() -> None:
    one = estimate(parse_round(_round()), {})
    many = estimate(parse_round(_round(repeats=3, variants={"x": {}, "y": {}})), {})
    assert {row.runs for row in one.rows} == {1} and {row.runs for row in many.rows} == {6}
    for a, b in zip(one.rows, many.rows, strict=True):
        assert b.cost_usd == pytest.approx(6 * a.cost_usd, rel=1e-3)


def test_validate_counts_contestants_repeats_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(_round(repeats=3, variants={"plain": {}, "tight": {"retry": {"compiler": 1}}})))
    result = CliRunner().invoke(app, ["round", "validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "4 contestant(s) × 2 project(s) × 3 repeat(s) = 24 run(s) × 5 phase(s) = 120 job(s)" in result.output
    assert "variants: plain, tight" in result.output and "seed + r − 1" in result.output


def test_a_variant_s_retry_budgets_are_bounded_as_the_round_s() -> None:
    assert _problems(_round(variants={"x": {"retry": {"compiler": 99, "transport": 51, "nope": 1}}})) == [
        "variants.x.retry.compiler: must be ≤ 20, got 99",
        "variants.x.retry.transport: must be ≤ 50, got 51",
        "variants.x.retry.nope: unknown key, got 1",
    ]
