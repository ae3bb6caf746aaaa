"""Whole reports: the AutoBe-layout fixture's breakdown, totals, profiles, determinism and the CLI."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scoring import GoldenScenario, GoldenSetResult, score_tree
from scoring.cli import register
from scoring.report import grade
from scoring.rounding import round_half_up
from scoring.scorer import gate_multiplier

FIXTURE = Path(__file__).parent / "fixtures" / "autobe_todo"


@pytest.fixture(scope="module")
def fixture_report():
    """Under AutoBe's April rules and weights, so the numbers below are the ones AutoBe's dashboard shows."""
    return score_tree(FIXTURE, "autobe-2026.04")


@pytest.fixture(scope="module")
def default_report():
    return score_tree(FIXTURE)


def test_fixture_gate_is_clean(fixture_report) -> None:
    gate = fixture_report.gate
    assert (gate.passed, gate.soft, gate.score, gate.failed_at, gate.counts) == (True, False, 100, None, {})
    assert gate.metrics["files"] == 27 and gate.metrics["prismaFiles"] == 3


def test_fixture_axis_breakdown(fixture_report) -> None:
    axes = {axis.id: axis for axis in fixture_report.axes}
    assert {k: a.score for k, a in axes.items()} == {
        "documentation": 65, "requirements": 100, "tests": 80, "logic": 98, "api": 100}
    # April's graded points: 3 files -> round(3 + 2/9*12); 5,638 chars of the 5,000 expected; README 1,120 chars (2),
    # 6 headers (3), 4 section words (3), one code block (3). "todo" is no boilerplate word any more.
    assert axes["documentation"].metrics["points"] == {
        "docsFolder": 10, "readme": 5, "docsCount": 6, "volume": 15, "content": 18, "readmeQuality": 11}
    assert axes["documentation"].metrics["contentPoints"] == {
        "structure": 6, "requirementLanguage": 3, "boilerplate": 0, "depth": 4, "topics": 5}
    tests = axes["tests"].metrics
    assert (tests["totalRoutes"], tests["coveredRoutes"], tests["meanControllerCoverage"]) == (7, 5, 0.65)
    assert tests["points"] == {"routes": 36, "methods": 12, "quality": 25, "perController": 7}
    assert (axes["requirements"].metrics["controllers"], axes["requirements"].metrics["providers"]) == (2, 8)
    assert axes["logic"].metrics["byCode"] == {"L101": 1}
    assert axes["api"].metrics["endpoints"] == 7 and axes["api"].metrics["implemented"] == 7
    assert fixture_report.absent_axes == ["golden"]


def test_fixture_penalties_total_and_issues(fixture_report) -> None:
    penalties = fixture_report.penalties
    assert penalties is not None
    assert {p.id: p.raw for p in penalties.parts} == {
        "warnings": 0, "duplication": 0, "missingJsdoc": 0, "schemaSync": 0, "suggestions": 0}
    # (65*7 + 100*18 + 80*23 + 98*30 + 100*7) / 85 = 91.0
    assert fixture_report.raw == pytest.approx(7735 / 85)
    assert (fixture_report.multiplier, fixture_report.total, fixture_report.grade) == (1.0, 91, "A")
    assert [(i.code, i.file, i.line) for i in fixture_report.issues] == [
        ("J002", "src/api/structures/IPage.ts", 9),
        ("L101", "src/providers/patchTodoUserItems.ts", 19),
        ("TEST005", "test/features/api", 0),
        ("TEST006", "test/features/api", 0),
    ]


def weighted_total(report, weights: dict[str, int]) -> int:
    """The rubric's total from the report's own axis scores and penalties under `weights`."""
    scores = {a.id: a.score for a in report.axes}
    raw = sum(scores[axis] * weights[axis] for axis in scores) / sum(weights[axis] for axis in scores)
    return round_half_up(round_half_up(raw * report.multiplier) - report.penalties.total)


def test_march_rules_and_weights_change_the_total(fixture_report) -> None:
    report = score_tree(FIXTURE, "autobe-2026.03")
    assert report.profile == "autobe-2026.03"
    # Basic documentation points ("todo" is boilerplate), names matched as they are, the >50% breadth.
    assert [(a.id, a.score) for a in report.axes] == [
        ("documentation", 78), ("requirements", 63), ("tests", 78), ("logic", 98), ("api", 100)]
    assert report.total == weighted_total(report, {"documentation": 5, "requirements": 20, "tests": 20, "logic": 30,
                                                   "api": 10})


def test_default_profile_is_benchfarm(default_report, fixture_report) -> None:
    # The complete fixture holds no stub, no TODO, no route or assertion AutoBe's text patterns miss: the axes
    # AutoBe's April rules give, under benchfarm's weights.
    assert default_report.profile == "benchfarm-2026.12"
    scores = {a.id: a.score for a in default_report.axes}
    assert scores == {a.id: a.score for a in fixture_report.axes}
    weights = {"documentation": 5, "requirements": 10, "tests": 20, "logic": 30, "api": 15}  # golden absent: 80
    assert default_report.raw == pytest.approx(sum(scores[axis] * w for axis, w in weights.items()) / 80)


def test_golden_set_joins_the_weighted_mean() -> None:
    scenarios = [GoldenScenario(category="auth", passed=True), GoldenScenario(category="auth", passed=True),
                 GoldenScenario(category="crud", passed=True, schema_warning=True),
                 GoldenScenario(category="crud", passed=False)]
    report = score_tree(FIXTURE, "autobe-2026.04", golden=GoldenSetResult(scenarios=scenarios))
    golden = next(a for a in report.axes if a.id == "golden")
    # categories renormalised over auth+crud: (0.25*100 + 0.35*50)/0.6 = 70.83; consistency 75
    assert golden.score == 71 and report.absent_axes == []
    assert report.total == weighted_total(report, {"documentation": 7, "requirements": 18, "tests": 23, "logic": 30,
                                                   "api": 7, "golden": 15})


@pytest.mark.parametrize(("value", "rounded"), [(0.5, 1), (1.5, 2), (2.5, 3), (-0.5, 0), (2.4999, 2), (7.5, 8)])
def test_round_half_up(value: float, rounded: int) -> None:
    assert round_half_up(value) == rounded


@pytest.mark.parametrize(("total", "letter"), [(100, "A"), (90, "A"), (89, "B"), (80, "B"), (79, "C"), (70, "C"),
                                               (69, "D"), (60, "D"), (59, "F"), (0, "F")])
def test_grades(total: int, letter: str) -> None:
    assert grade(total) == letter


def test_gate_multiplier() -> None:
    assert gate_multiplier(100, "gentle") == 1.0
    assert gate_multiplier(99, "gentle") == pytest.approx(0.9985)
    assert gate_multiplier(0, "gentle") == pytest.approx(0.85)


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="unknown profile 'nope'"):
        score_tree(FIXTURE, "nope")


def copy_shuffled(destination: Path, seed: int) -> Path:
    files = sorted(p for p in FIXTURE.rglob("*") if p.is_file())
    random.Random(seed).shuffle(files)
    for source in files:
        target = destination / source.relative_to(FIXTURE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return destination


def test_same_tree_gives_identical_bytes(tmp_path: Path, default_report) -> None:
    first = copy_shuffled(tmp_path / "one", seed=1)
    second = copy_shuffled(tmp_path / "elsewhere" / "two", seed=2)
    texts = {score_tree(first).to_json(), score_tree(second).to_json(), default_report.to_json()}
    assert len(texts) == 1
    text = texts.pop()
    assert str(tmp_path) not in text and "/tmp" not in text and str(FIXTURE) not in text
    assert text == json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def cli_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:
        """A second command, so `score` is a subcommand as in the farm CLI."""

    return app


def test_cli_json_prints_the_canonical_report(default_report, fixture_report) -> None:
    result = CliRunner().invoke(cli_app(), ["score", str(FIXTURE), "--json"])
    assert result.exit_code == 0, result.output
    assert result.output == default_report.to_json()
    chosen = CliRunner().invoke(cli_app(), ["score", str(FIXTURE), "--json", "--profile", "autobe-2026.04"])
    assert chosen.output == fixture_report.to_json()


def test_cli_readable_breakdown() -> None:
    result = CliRunner().invoke(cli_app(), ["score", str(FIXTURE), "--profile", "autobe-2026.03"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    report = score_tree(FIXTURE, "autobe-2026.03")
    for text in ("Gate passed", "profile autobe-2026.03", "documentation", "requirements", "logic", "missingJsdoc",
                 "schemaSync", f"Total {report.total}  grade {report.grade}", "absent", "L101"):
        assert text in result.output


def test_cli_weights_is_a_deprecated_alias_of_profile(fixture_report) -> None:
    result = CliRunner().invoke(cli_app(), ["score", str(FIXTURE), "--json", "--weights", "autobe-2026.04"])
    assert result.exit_code == 0, result.output
    assert result.stdout == fixture_report.to_json()
    assert "--weights is deprecated" in result.stderr and "--profile autobe-2026.04" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--profile", "nope"], "unknown profile 'nope'"), (["--weights", "nope"], "unknown profile 'nope'"),
    (["--profile", "autobe-2026.04", "--weights", "autobe-2026.03"], "give --profile only"),
    ([], "is not a directory")])
def test_cli_rejects_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    path = FIXTURE if args else tmp_path / "missing"
    result = CliRunner().invoke(cli_app(), ["score", str(path), *args], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and message in result.output
