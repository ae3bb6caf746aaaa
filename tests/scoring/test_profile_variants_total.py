"""The switches past the axes, each pinned on both sides: `gate_multiplier`, `failed_gate`, `penalty_combination`,
`gate_charged_warnings`, `missing_types`, `empty_interfaces`, `sync_specification`; and the report's profile
effects for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles, score_tree
from scoring.penalties import combine, penalised, schema_sync_penalty, warnings_penalty
from scoring.project import Project
from scoring.report import Issue, PenaltyPart, ScoreReport
from scoring.rounding import round_half_up
from scoring.scorer import gate_multiplier
from tests.scoring.scoring_trees import SCHEMA, filler_sources, minimal_project, write_tree

MARCH, APRIL, BENCHFARM = (profiles.load(p).rules for p in ("autobe-2026.03", "autobe-2026.04", "benchfarm-2026.12"))
PARTS = ("warnings", "duplication", "missingJsdoc", "schemaSync", "suggestions")
FIXTURE = Path(__file__).parent / "fixtures" / "autobe_todo"


def parts(*raws: int) -> list[PenaltyPart]:
    return [PenaltyPart(id=name, points=float(raw), raw=raw, inputs={}) for name, raw in zip(PARTS, raws)]


def effects(report: ScoreReport) -> dict[str, tuple[str, dict[str, int], int]]:
    """Rule -> (alternative, points, total) of the report's effects whose rule has one alternative among them."""
    return {e.rule: (e.alternative, e.points, e.total) for e in report.profile_effects}


def effect_of(report: ScoreReport, rule: str, alternative: str) -> tuple[dict[str, int], int]:
    found = next(e for e in report.profile_effects if (e.rule, e.alternative) == (rule, alternative))
    return found.points, found.total


@pytest.mark.parametrize(("gate", "steep", "gentle"), [(100, 1.0, 1.0), (99, 0.997, 0.9985), (80, 0.94, 0.97),
                                                      (0, 0.7, 0.85)])
def test_gate_multiplier_is_steep_in_march_and_gentle_from_april(gate: int, steep: float, gentle: float) -> None:
    assert gate_multiplier(gate, "steep") == pytest.approx(steep)
    assert gate_multiplier(gate, "gentle") == pytest.approx(gentle)


@pytest.mark.parametrize(
    ("raws", "score", "sequential", "proportional", "capped_sum"),
    [((3, 2, 0, 0, 0), 80, 75, 75, 75),  # under every cap they agree
     ((13, 5, 5, 0, 0), 80, 57, 61, 60),  # 23: above 20 only; proportional rounds 11.3 + 4.3 + 4.3 to 19
     ((20, 5, 5, 3, 0), 50, 20, 30, 30),  # 33: one by one 17, then the 3 above 30 given back
     ((8, 5, 5, 8, 0), 10, 0, 0, 0),  # floored at 0 after the first part; 26 is under 30, nothing given back
     ((20, 5, 5, 10, 0), 10, 10, 0, 0)],  # 40: floored at 0, then 10 given back
)
def test_penalty_combinations(raws: tuple[int, ...], score: int, sequential: int, proportional: int,
                              capped_sum: int) -> None:
    for rule, total in (("sequential", sequential), ("proportional", proportional), ("capped_sum", capped_sum)):
        assert penalised(score, combine(parts(*raws), rule), rule) == total


def test_proportional_parts_are_rounded_one_by_one() -> None:
    report = combine(parts(13, 5, 5, 0, 0), "proportional")
    assert [p.points for p in report.parts] == [11.0, 4.0, 4.0, 0.0, 0.0]
    assert (report.raw_sum, report.total, report.cap) == (23, 19.0, 20)
    capped = combine(parts(13, 5, 5, 0, 0), "capped_sum")
    assert (capped.total, capped.cap, sum(p.points for p in capped.parts)) == (20.0, 20, pytest.approx(20))
    sequential = combine(parts(13, 5, 5, 0, 0), "sequential")
    assert (sequential.total, sequential.cap, [p.points for p in sequential.parts]) == (23.0, 30, [13, 5, 5, 0, 0])


def test_prisma_warnings_count_in_march_only() -> None:
    issues = [Issue(code="P002", severity="warning", file="prisma/schema", line=0, message="no schema"),
              Issue(code="TS2322", severity="warning", file="src/a.ts", line=1, message="wrong")]
    assert warnings_penalty(issues, 1, MARCH).inputs["warnings"] == 1  # TS codes are the gate's in every profile
    assert warnings_penalty(issues, 1, APRIL).inputs["warnings"] == 0
    assert warnings_penalty(issues, 1, BENCHFARM).inputs["warnings"] == 0


def sync(root: Path, structure: str, rules, schema: dict[str, str] | None = None) -> PenaltyPart:
    files = {"src/api/structures/IA.ts": structure, **(SCHEMA if schema is None else schema)}
    part, _ = schema_sync_penalty(Project.load(write_tree(root, files)), rules)
    return part


@pytest.mark.parametrize(("rules", "raw"), [(MARCH, 0), (APRIL, 0), (BENCHFARM, 3)])
def test_no_dto_type_costs_three_for_benchfarm_only(tmp_path: Path, rules, raw: int) -> None:
    assert sync(tmp_path, "export const x = 1;\n", rules).raw == raw


@pytest.mark.parametrize(
    ("structure", "multiline", "same_line"),
    [("export interface IA {\n\n}\n", 1, 0), ("export interface IA {\n}\n", 1, 0),
     ("export interface IA {}\n", 1, 1), ("export interface IA {\n  a: string;\n}\n", 0, 0)],
)
def test_empty_interfaces_over_lines_in_march_and_benchfarm_only(
    tmp_path: Path, structure: str, multiline: int, same_line: int
) -> None:
    for rules, empty in ((MARCH, multiline), (BENCHFARM, multiline), (APRIL, same_line)):
        part = sync(tmp_path, structure, rules)
        assert (part.inputs["types"], part.inputs["emptyTypes"]) == (1, empty)


def tagged(column: str, spec: str | None, spec_after: int = 0) -> str:
    """A property tagged with `column`; its specification (if any) `spec_after` lines under the tag."""
    lines = [f"   * @x-autobe-database-schema-property {column}", *["   *"] * spec_after,
             *([f"   * @x-autobe-specification {spec}"] if spec else [])]
    return "  /**\n" + "\n".join(lines) + f"\n   */\n  {column}: string;\n"


@pytest.mark.parametrize(
    ("body", "nearby", "own"),
    [
        # The second property has no specification: AutoBe reads the first one's (items), which lacks "total".
        (tagged("title", "From items.title.") + tagged("total", None), 1, 0),
        # Its own specification 2 lines under the tag: AutoBe looks 1 line down only, and finds the first one's.
        (tagged("title", "From items.title.") + tagged("total", "From orders.total.", spec_after=2), 1, 0),
        # Its own, 2 lines down, names a model lacking the column: only the own comment sees the mismatch.
        (tagged("expired_at", "From items.expired_at.", spec_after=2), 0, 1),
        (tagged("expired_at", "From items.expired_at."), 1, 1),  # the next line: both read it
    ],
)
def test_the_specification_is_read_nearby_by_autobe_and_from_the_own_comment_by_benchfarm(
    tmp_path: Path, body: str, nearby: int, own: int
) -> None:
    schema = {**SCHEMA, "prisma/schema/orders.prisma": "model orders {\n  id    String @id\n  total Int\n}\n"}
    structure = f"export interface IA {{\n{body}}}\n"
    assert sync(tmp_path, structure, APRIL, schema).inputs["mismatchedProperties"] == nearby
    assert sync(tmp_path, structure, BENCHFARM, schema).inputs["mismatchedProperties"] == own


def test_a_failed_gate_totals_zero_in_march_and_its_credit_from_april(tmp_path: Path) -> None:
    broken = {f"src/broken{i}.ts": "export function broken( {\n  return 1;\n" for i in range(2)}
    root = minimal_project(tmp_path, {**broken, **filler_sources(5)})  # 2 of 10 files: credit round(30 * 0.8)
    march, april = score_tree(root, "autobe-2026.03"), score_tree(root, "autobe-2026.04")
    assert (march.gate.score, march.total, march.grade) == (24, 0, "F")
    assert (april.gate.score, april.total) == (24, 24)
    assert effects(march) == {"failed_gate": ("partial", {}, -24)}
    assert effects(april) == {"failed_gate": ("zero", {}, 24)}


def test_a_gate_below_100_costs_more_in_march(tmp_path: Path) -> None:
    warnings = {f"src/w{i}.ts": 'export const wrong: number = "text";\n' for i in range(2)}
    root = minimal_project(tmp_path, {**warnings, **filler_sources(5)})  # gate 88
    for profile, floor in (("autobe-2026.03", 0.7), ("autobe-2026.04", 0.85)):
        report = score_tree(root, profile)
        assert report.gate.score == 88 and report.multiplier == pytest.approx(floor + (1 - floor) * 0.88)
        assert report.penalties is not None
        assert report.total == round_half_up(round_half_up(report.raw * report.multiplier) - report.penalties.total)
        alternative, points, total = effects(report)["gate_multiplier"]
        other = gate_multiplier(88, alternative)
        assert points == {}
        assert total == report.total - round_half_up(round_half_up(report.raw * other) - report.penalties.total)
        assert (total < 0) is (floor == 0.7)


def test_a_missing_schema_is_a_counted_warning_in_march(tmp_path: Path) -> None:
    # Warnings of 3 files: P002 (no schema) and REQ004 (no analysis document) under both; under March's name
    # matching also REQ005 (ItemsController maps to no getItemsItemId). March: 3/3 -> round(0.8 * 8);
    # April: 1/3 -> round(0.133 * 8).
    root = minimal_project(tmp_path, schema=False)
    march, april = score_tree(root, "autobe-2026.03"), score_tree(root, "autobe-2026.04")
    assert march.penalties is not None and april.penalties is not None
    assert [(p.inputs["warnings"], p.raw) for p in march.penalties.parts if p.id == "warnings"] == [(3, 6)]
    assert [(p.inputs["warnings"], p.raw) for p in april.penalties.parts if p.id == "warnings"] == [(1, 1)]
    # March without P002: 2/3 -> round(3.73) = 4, 2 points fewer; April with it: 2/3 -> 4, 3 points more.
    assert effects(march)["gate_charged_warnings"] == ("ts_and_prisma", {}, -2)
    assert effects(april)["gate_charged_warnings"] == ("ts", {}, 3)
    # Matching by name forms maps the controller: no REQ005, one warning fewer, so the penalty moves too.
    points, total = effect_of(march, "requirements_matching", "forms")
    assert points == {"requirements": -85}
    weights = profiles.load("autobe-2026.03").weights
    scores = {a.id: a.score - points.get(a.id, 0) for a in march.axes}
    raw = sum(score * weights[axis] for axis, score in scores.items()) / sum(weights[axis] for axis in scores)
    assert total == march.total - (round_half_up(raw * march.multiplier) - 4)  # P002 + REQ004: 2/3 -> 4


def test_profile_effects_name_each_moved_axis_under_the_new_switches() -> None:
    report = score_tree(FIXTURE, "autobe-2026.04")
    assert effects(report) == {
        "documentation": ("basic", {"documentation": -13}, -1),  # graded 65 against basic 78
        "coverage_breadth": ("share_over_half", {"tests": 2}, 1),
        "requirements_matching": ("names", {"requirements": 37}, 8),  # March maps no auth controller
    }
    assert [e.profiles for e in report.profile_effects] == [["autobe-2026.03"]] * 3
