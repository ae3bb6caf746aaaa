"""Penalties (rubric §4): each threshold from both sides, and the combined cap (AutoBe's counting rules:
test_autobe_rules_penalties)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.penalties import (
    PenaltyInputs,
    duplication_penalty,
    jsdoc_penalty,
    penalties,
    schema_sync_penalty,
    suggestion_penalty,
    warnings_penalty,
)
from scoring.project import Project
from scoring.report import Issue
from tests.scoring.scoring_trees import SCHEMA, write_tree

APRIL = profiles.load("autobe-2026.04").rules
BENCHFARM = profiles.load("benchfarm-2026.12").rules  # +3 without DTO types; min(20, raw sum)


def issues(count: int, code: str = "L101", severity: str = "warning", message: str = "m") -> list[Issue]:
    return [Issue(code=code, severity=severity, file=f"src/f{i}.ts", line=1, message=message)  # type: ignore[arg-type]
            for i in range(count)]


@pytest.mark.parametrize(
    ("count", "files", "raw"),
    [(2, 10, 0), (3, 10, 1), (25, 100, 0), (26, 100, 0), (32, 100, 1), (350, 1000, 0), (450, 1000, 1), (400, 10, 20)],
)
def test_warnings_threshold_scales_with_project_size(count: int, files: int, raw: int) -> None:
    # threshold 0.2 up to 50 files, +0.001 per file beyond, at most 0.35
    assert warnings_penalty(issues(count), files, APRIL).raw == raw


def test_gate_penalised_glue_and_info_issues_are_not_warnings() -> None:
    counted = issues(5, code="TS2322") + issues(5, code="P002") + issues(5, severity="info") \
        + issues(5, message="PlainFetcher.fetch is deprecated")
    assert warnings_penalty(counted, 1, APRIL).inputs["warnings"] == 0
    assert warnings_penalty(issues(5, code="TSX1") + issues(5, code="P2X"), 1, APRIL).inputs["warnings"] == 10


def shared_lines(count: int) -> str:
    return "".join(f"  const value{i} = compute({i}, input, 'shared');\n" for i in range(count))


@pytest.mark.parametrize(("lines", "blocks", "raw"), [(40, 30, 0), (49, 39, 0), (50, 40, 1), (210, 200, 5)])
def test_duplication_threshold(tmp_path: Path, lines: int, blocks: int, raw: int) -> None:
    # Each 12-line window inside the shared run is one block: lines + 1 (the shared header) - 12 + 1 of them.
    files = {f"src/providers/p{i}.ts": "export function f() {\n" + shared_lines(lines) + f'  const tag = "{i}";\n}}\n'
             for i in range(2)}
    part = duplication_penalty(Project.load(write_tree(tmp_path, files)))
    assert (part.inputs["duplicateBlocks"], part.inputs["threshold"], part.raw) == (blocks, 30, raw)


def test_duplicated_imports_and_comments_do_not_count(tmp_path: Path) -> None:
    lines = "".join(f'import {{ thing{i} }} from "../lib/thing{i}";\n// shared comment line {i} with words\n' for i in range(60))
    files = {f"src/providers/p{i}.ts": lines for i in range(2)}
    assert duplication_penalty(Project.load(write_tree(tmp_path, files))).inputs["duplicateBlocks"] == 0


def structures(documented: int, undocumented: int) -> dict[str, str]:
    text = "".join(f"/** I{i}. */\nexport interface I{i} {{\n  a: string;\n}}\n" for i in range(documented))
    text += "".join(f"export interface J{i} {{\n  a: string;\n}}\n" for i in range(undocumented))
    return {"src/api/structures/I.ts": text}


@pytest.mark.parametrize(("missing", "raw"), [(3, 0), (4, 1), (10, 5)])
def test_missing_jsdoc_share(tmp_path: Path, missing: int, raw: int) -> None:
    part, found = jsdoc_penalty(Project.load(write_tree(tmp_path, structures(10 - missing, missing))))
    assert (part.inputs["declarations"], part.inputs["missing"], part.raw) == (10, missing, raw)
    assert len(found) == missing and all(i.code == "J002" and i.severity == "info" for i in found)


def test_jsdoc_counts_namespaced_interfaces_and_controller_classes(tmp_path: Path) -> None:
    files = {
        "src/api/structures/I.ts": "/** I. */\nexport interface I {}\nexport namespace I {\n  export interface ICreate {}\n}\n",
        "src/controllers/C.ts": "/** C. */\n@Controller()\nexport class C {}\n",
    }
    part, found = jsdoc_penalty(Project.load(write_tree(tmp_path, files)))
    assert (part.inputs["declarations"], part.inputs["missing"]) == (3, 1)
    assert [(i.code, i.file, i.line) for i in found] == [("J002", "src/api/structures/I.ts", 4)]


def test_no_dto_types_costs_three(tmp_path: Path) -> None:
    part, _ = schema_sync_penalty(Project.load(write_tree(tmp_path, {"src/providers/p.ts": "export const p = 1;\n"})), BENCHFARM)
    assert part.raw == 3


def tagged(name: str, column: str, model: str = "items") -> str:
    """A DTO interface with one property tagged the way AutoBe's DTOs are."""
    return (f"/** {name}. */\nexport interface {name} {{\n  /**\n   * A property.\n   *\n"
            f"   * @x-autobe-database-schema-property {column}\n"
            f"   * @x-autobe-specification Direct mapping from {model}.{column}.\n   */\n  {column}: string;\n}}\n")


def dto_files(good: int, empty: int, mismatched: int) -> dict[str, str]:
    text = "".join(tagged(f"G{i}", "created_at") for i in range(good))
    text += "".join(f"export type E{i} = {{}};\n" for i in range(empty))
    text += "".join(tagged(f"M{i}", "expired_at") for i in range(mismatched))
    return {"src/api/structures/T.ts": text, **SCHEMA}


@pytest.mark.parametrize(
    ("good", "empty", "mismatched", "raw"),
    [
        (9, 1, 0, 0),  # empty 1/10 <= 0.15
        (8, 2, 0, 2),  # empty 2/10 > 0.15 -> round(0.2 * 10)
        (10, 0, 0, 0),
        (9, 0, 1, 1),  # mismatch 1/10 > 0.05
        (3, 0, 0, 0),  # n is at least 10
        (35, 6, 0, 0),  # n = 41: empty threshold 0.161, 6/41 = 0.146
        (34, 7, 0, 2),  # 7/41 = 0.171
        (0, 10, 10, 10),  # 5 + 5
    ],
)
def test_schema_sync(tmp_path: Path, good: int, empty: int, mismatched: int, raw: int) -> None:
    part, found = schema_sync_penalty(Project.load(write_tree(tmp_path, dto_files(good, empty, mismatched))), APRIL)
    assert part.raw == raw
    assert sum(1 for i in found if i.code == "SYNC002") == mismatched
    assert sum(1 for i in found if i.code == "SYNC001") == empty


@pytest.mark.parametrize(
    ("suggestions", "files", "raw"),
    [(500, 10, 0), (574, 10, 0), (575, 10, 1), (5_000, 10, 10), (762, 100, 0), (763, 100, 1)],
)
def test_suggestion_overflow(suggestions: int, files: int, raw: int) -> None:
    # <= 50 files: threshold 500, divisor 150; 100 files: threshold 650, divisor 225 (1 point from 762.5)
    assert suggestion_penalty(suggestions, files).raw == raw


def test_suggestion_overflow_counts_the_deduplicated_suggestion_issues(tmp_path: Path) -> None:
    project = Project.load(write_tree(tmp_path, {"src/controllers/C.ts": "/** C. */\nexport class C {}\n"}))
    suggestions = issues(575, code="TS2339", severity="suggestion")
    report, _ = penalties(project, PenaltyInputs(issues=suggestions, suggestions=9), APRIL)
    part = next(p for p in report.parts if p.id == "suggestions")
    assert (part.raw, part.inputs["suggestions"], part.inputs["gateSuggestions"]) == (1, 575, 9)


def test_parts_are_scaled_down_to_the_cap(tmp_path: Path) -> None:
    project = Project.load(write_tree(tmp_path, {"src/controllers/C.ts": "export class C {}\n"}))
    report, _ = penalties(project, PenaltyInputs(issues=issues(400), suggestions=0), BENCHFARM)
    raws = {p.id: p.raw for p in report.parts}
    assert raws == {"warnings": 20, "duplication": 0, "missingJsdoc": 5, "schemaSync": 3, "suggestions": 0}
    assert (report.raw_sum, report.total) == (28, 20.0)
    points = {p.id: p.points for p in report.parts}
    assert points["warnings"] == pytest.approx(20 * 20 / 28) and points["schemaSync"] == pytest.approx(3 * 20 / 28)
    assert sum(points.values()) == pytest.approx(20)
