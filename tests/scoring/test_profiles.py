"""Profiles: the shipped files, their validation, and each profile difference pinned on both sides on a
mock-only project (the todo fixture with AutoBe-style `typia.random` providers) and on the complete one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rich.console import Console

from scoring import profiles, score_tree
from scoring.cli import render
from scoring.report import ScoreReport
from scoring.rounding import round_half_up

FIXTURES = Path(__file__).parent / "fixtures"
COMPLETE = FIXTURES / "autobe_todo"
MOCK_PROVIDERS = FIXTURES / "mock_providers"
AUTOBE, BENCHFARM = "autobe-2026.04", "benchfarm-2026.12"


@pytest.fixture(scope="module")
def mocked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScoreReport]:
    root = tmp_path_factory.mktemp("mocked") / "todo"
    shutil.copytree(COMPLETE, root)
    for provider in MOCK_PROVIDERS.rglob("*.ts"):
        shutil.copyfile(provider, root / "src" / "providers" / provider.relative_to(MOCK_PROVIDERS))
    return {profile: score_tree(root, profile) for profile in (AUTOBE, BENCHFARM)}


@pytest.fixture(scope="module")
def complete() -> dict[str, ScoreReport]:
    return {profile: score_tree(COMPLETE, profile) for profile in (AUTOBE, BENCHFARM)}


def axis_scores(report: ScoreReport) -> dict[str, int]:
    return {axis.id: axis.score for axis in report.axes}


def test_shipped_profiles() -> None:
    assert profiles.available() == ["autobe-2026.03", "autobe-2026.04", BENCHFARM]
    assert profiles.DEFAULT == BENCHFARM
    by_id = {p.id: p for p in profiles.known()}
    assert by_id["autobe-2026.04"].weights == {
        "documentation": 7, "requirements": 18, "tests": 23, "logic": 30, "api": 7, "golden": 15}
    assert by_id["autobe-2026.03"].weights == {
        "documentation": 5, "requirements": 20, "tests": 20, "logic": 30, "api": 10, "golden": 15}
    assert by_id[BENCHFARM].weights == {
        "documentation": 5, "requirements": 10, "tests": 20, "logic": 30, "api": 15, "golden": 20}
    assert {p.id: p.rules.stubs for p in by_id.values()} == {
        "autobe-2026.03": "autobe", "autobe-2026.04": "autobe", BENCHFARM: "strict"}
    # The switches the AutoBe generations differ on (test_profile_variants* pins each on both sides).
    march, april = by_id["autobe-2026.03"].rules, by_id["autobe-2026.04"].rules
    assert {name for name in profiles.Rules.model_fields if getattr(march, name) != getattr(april, name)} == {
        "documentation", "coverage_breadth", "coverage_fallback", "requirements_matching", "requirements_scoring",
        "gate_multiplier", "failed_gate", "penalty_combination", "gate_charged_warnings", "empty_interfaces"}


VALID = {"id": "x", "description": "d", "weights": dict.fromkeys(profiles.AXES, 1),
         "rules": profiles.load(BENCHFARM).rules.model_dump()}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"weights": {"documentation": 1}}, "field weights: Value error, has axes ['documentation']"),
        ({"weights": {**dict.fromkeys(profiles.AXES, 1), "api": -1}}, "field weights: Value error, has negative values"),
        ({"id": "y"}, "field id is 'y', expected the file stem 'x'"),
        ({"description": None}, "field description: Field required"),  # None: left out of the file
        ({"rules": None}, "field rules: Field required"),
        ({"rules": {**VALID["rules"], "stubs": "lenient"}}, "field rules.stubs: Input should be 'autobe' or 'strict'"),
        ({"rules": {"stubs": "strict"}}, "field rules.documentation: Field required"),
        ({"rules": {**VALID["rules"], "routes": "regex"}},
         "field rules.routes: Input should be 'autobe_text' or 'parsed_decorators'"),
        ({"rules": {**VALID["rules"], "golden": True}}, "field rules.golden: Extra inputs are not permitted"),
    ],
)
def test_bad_profile_files_name_file_and_field(tmp_path: Path, change: dict, error: str) -> None:
    content = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    (tmp_path / "x.json").write_text(json.dumps(content))
    with pytest.raises(ValueError) as caught:
        profiles.load("x", tmp_path)
    assert str(caught.value).startswith("x.json: ") and error in str(caught.value)


def test_a_valid_file_loads_and_a_missing_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps(VALID))
    assert profiles.load("x", tmp_path).rules == profiles.load(BENCHFARM).rules
    with pytest.raises(ValueError, match=r"unknown profile 'nope'; available: x$"):
        profiles.load("nope", tmp_path)


def test_mocks_are_stubs_under_benchfarm(mocked, complete) -> None:
    mock, real = mocked[BENCHFARM], complete[BENCHFARM]
    assert mock.gate.score == 100  # the mocks type-check: every point lost below is the stubs'
    logic = next(a for a in mock.axes if a.id == "logic")
    assert (logic.score, logic.metrics["byCode"]) == (100 - 7 * 8, {"L008": 8})  # 8 providers, one critical each
    api = next(a for a in mock.axes if a.id == "api")
    assert (api.score, api.metrics["endpoints"], api.metrics["stubs"]) == (0, 7, 7)  # each returns a mock's value
    assert real.total - mock.total >= 35


def test_mocks_are_invisible_to_autobe(mocked, complete) -> None:
    # AutoBe's rules see a lone return only, and in controllers only for the API axis: every mock passes.
    mock, real = mocked[AUTOBE], complete[AUTOBE]
    assert (axis_scores(mock)["logic"], axis_scores(mock)["api"]) == (100, 100)
    assert mock.total >= real.total


def stub_effect(report: ScoreReport):
    return next(effect for effect in report.profile_effects if effect.rule == "stubs")


def test_report_names_what_the_stub_rule_changed(mocked) -> None:
    strict = stub_effect(mocked[BENCHFARM])
    assert (strict.rule, strict.setting, strict.alternative) == ("stubs", "strict", "autobe")
    assert strict.profiles == ["autobe-2026.03", "autobe-2026.04"]
    assert strict.points == {"api": -100, "logic": -56}
    report = mocked[BENCHFARM]
    weights = profiles.load(BENCHFARM).weights
    lenient = {**axis_scores(report), "api": 100, "logic": 100}
    raw = sum(score * weights[axis] for axis, score in lenient.items()) / sum(weights[axis] for axis in lenient)
    assert report.penalties is not None
    assert strict.total == report.total - round_half_up(round_half_up(raw * report.multiplier) - report.penalties.total)
    autobe = stub_effect(mocked[AUTOBE])
    assert (autobe.setting, autobe.alternative, autobe.profiles) == ("autobe", "strict", [BENCHFARM])
    assert autobe.points == {"api": 100, "logic": 56}


def test_no_effect_is_listed_where_the_rules_agree(complete) -> None:
    # Without a stub, the stub rules agree: no effect of theirs, the same logic and API scores.
    assert all(effect.rule != "stubs" for report in complete.values() for effect in report.profile_effects)
    assert {axis: score for axis, score in axis_scores(complete[AUTOBE]).items() if axis in ("logic", "api")} == {
        axis: score for axis, score in axis_scores(complete[BENCHFARM]).items() if axis in ("logic", "api")}


def test_json_report_names_profile_and_effects(mocked) -> None:
    data = json.loads(mocked[BENCHFARM].to_json())
    assert data["profile"] == BENCHFARM and "weights" not in data
    stubs = {"rule": "stubs", "setting": "strict", "alternative": "autobe", "profiles": ["autobe-2026.03", "autobe-2026.04"],
             "points": {"api": -100, "logic": -56}, "total": stub_effect(mocked[BENCHFARM]).total}
    assert stubs in data["profileEffects"]
    text = mocked[BENCHFARM].to_json()
    assert ScoreReport.model_validate_json(text).to_json() == text


def test_a_report_written_before_profiles_reads_its_weight_set_as_the_profile(complete) -> None:
    data = json.loads(complete[AUTOBE].to_json())
    legacy = {**{k: v for k, v in data.items() if k not in ("profile", "profileEffects")}, "weights": AUTOBE}
    report = ScoreReport.model_validate(legacy)
    assert (report.profile, report.profile_effects, report.total) == (AUTOBE, [], complete[AUTOBE].total)


def test_readable_breakdown_names_profile_and_effects(mocked) -> None:
    console = Console(record=True, width=200)
    render(mocked[BENCHFARM], console)
    text = console.export_text()
    effect = stub_effect(mocked[BENCHFARM])
    assert "Axes (profile benchfarm-2026.12)" in text
    assert (f"rule stubs=strict (not autobe as in autobe-2026.03, autobe-2026.04): api -100, logic -56, "
            f"total {effect.total:+d}") in text
