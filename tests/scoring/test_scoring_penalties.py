"""Penalties (rubric §4): each threshold from both sides, and the combined cap."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def warnings(count: int, code: str = "L101", severity: str = "warning") -> list[Issue]:
    return [Issue(code=code, severity=severity, file=f"src/f{i}.ts", line=1, message="m") for i in range(count)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "files", "raw"),
    [(2, 10, 0), (3, 10, 1), (25, 100, 0), (26, 100, 0), (32, 100, 1), (350, 1000, 0), (450, 1000, 1), (400, 10, 20)],
)
def test_warnings_threshold_scales_with_project_size(count: int, files: int, raw: int) -> None:
    # threshold 0.2 up to 50 files, +0.001 per file beyond, at most 0.35
    assert warnings_penalty(warnings(count), files).raw == raw


def test_gate_penalised_and_info_issues_are_not_warnings() -> None:
    issues = warnings(5, code="TS2322") + warnings(5, code="P002") + warnings(5, severity="info")
    assert warnings_penalty(issues, 1).inputs["warnings"] == 0


def block(tag: str, lines: int) -> str:
    """`lines` lines shared by every file, then one line of its own (so only the shared windows repeat)."""
    return "".join(f"  const value{i} = compute({i}, input, 'shared');\n" for i in range(lines)) + f'  const tag = "{tag}";\n'


@pytest.mark.parametrize(("lines", "blocks", "raw"), [(39, 30, 0), (48, 39, 0), (49, 40, 1), (209, 200, 5)])
def test_duplication_threshold(tmp_path: Path, lines: int, blocks: int, raw: int) -> None:
    files = {f"src/providers/p{i}.ts": "export function f() {\n" + block(str(i), lines) + "}\n" for i in range(2)}
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
    part, issues = jsdoc_penalty(Project.load(write_tree(tmp_path, structures(10 - missing, missing))))
    assert (part.inputs["declarations"], part.inputs["missing"], part.raw) == (10, missing, raw)
    assert len(issues) == missing and all(i.code == "DOC001" for i in issues)


def test_jsdoc_counts_namespaced_interfaces_and_controller_classes(tmp_path: Path) -> None:
    files = {
        "src/api/structures/I.ts": "/** I. */\nexport interface I {}\nexport namespace I {\n  export interface ICreate {}\n}\n",
        "src/controllers/C.ts": "/** C. */\n@Controller()\nexport class C {}\n",
    }
    part, issues = jsdoc_penalty(Project.load(write_tree(tmp_path, files)))
    assert (part.inputs["declarations"], part.inputs["missing"]) == (3, 1)
    assert [(i.file, i.line) for i in issues] == [("src/api/structures/I.ts", 4)]


def test_no_dto_types_costs_three(tmp_path: Path) -> None:
    part, _ = schema_sync_penalty(Project.load(write_tree(tmp_path, {"src/providers/p.ts": "export const p = 1;\n"})))
    assert part.raw == 3


def dto_files(good: int, empty: int, mismatched: int) -> dict[str, str]:
    text = "".join(f"/** G. */\nexport interface G{i} {{\n  title: string;\n  created_at: string;\n}}\n" for i in range(good))
    text += "".join(f"export type E{i} = {{}};\n" for i in range(empty))
    text += "".join(f"export interface M{i} {{\n  expired_at: string;\n}}\n" for i in range(mismatched))
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
        (0, 10, 10, 10),  # 5 + 5, capped at 10
    ],
)
def test_schema_sync(tmp_path: Path, good: int, empty: int, mismatched: int, raw: int) -> None:
    part, issues = schema_sync_penalty(Project.load(write_tree(tmp_path, dto_files(good, empty, mismatched))))
    assert part.raw == raw
    assert sum(1 for i in issues if i.code == "SYNC002") == mismatched


def test_mismatch_needs_a_readable_schema(tmp_path: Path) -> None:
    files = {**dto_files(0, 0, 10), "prisma/schema/items.prisma": "model items {\n  id Strng @id\n}\n"}
    part, _ = schema_sync_penalty(Project.load(write_tree(tmp_path, files)))
    assert part.inputs["schemaKnown"] is False and part.raw == 0


@pytest.mark.parametrize(
    ("suggestions", "files", "raw"),
    [(500, 10, 0), (574, 10, 0), (575, 10, 1), (5_000, 10, 10), (762, 100, 0), (763, 100, 1)],
)
def test_suggestion_overflow(suggestions: int, files: int, raw: int) -> None:
    # <= 50 files: threshold 500, divisor 150; 100 files: threshold 650, divisor 225 (1 point from 762.5)
    assert suggestion_penalty(suggestions, files).raw == raw


def test_parts_are_scaled_down_to_the_cap(tmp_path: Path) -> None:
    project = Project.load(write_tree(tmp_path, {"src/controllers/C.ts": "export class C {}\n"}))
    report, _ = penalties(project, PenaltyInputs(issues=warnings(400), suggestions=0))
    raws = {p.id: p.raw for p in report.parts}
    assert raws == {"warnings": 20, "duplication": 0, "missingJsdoc": 5, "schemaSync": 3, "suggestions": 0}
    assert (report.raw_sum, report.total) == (28, 20.0)
    points = {p.id: p.points for p in report.parts}
    assert points["warnings"] == pytest.approx(20 * 20 / 28) and points["schemaSync"] == pytest.approx(3 * 20 / 28)
    assert sum(points.values()) == pytest.approx(20)
