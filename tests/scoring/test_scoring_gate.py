"""Compilation gate (rubric §1) on the real TypeScript compiler and the real Prisma validator."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scoring.scoring_trees import SCHEMA, filler_sources, minimal_project, write_tree

from scoring import score_tree
from scoring.gate import type_warning_penalty

BROKEN_SYNTAX = "export function broken( {\n  return 1;\n"
TYPE_WARNING = 'export const wrong: number = "text";\n'  # TS2322, a warning code
GLUE_WARNING = 'import { MyGlobal } from "./MyGlobal";\nexport const p = MyGlobal;\n'  # TS2307 naming MyGlobal
TYPE_CRITICAL = "export class Accessor {\n  get x(a: number) { return a; }\n}\n"  # TS1054, parses fine per file


def test_no_typescript_under_src_fails_with_zero(tmp_path: Path) -> None:
    report = score_tree(write_tree(tmp_path, {"README.md": "# nothing\n", "lib/a.ts": "export const a = 1;\n"}))
    assert (report.gate.passed, report.gate.failed_at, report.gate.score, report.total) == (False, "no-source", 0, 0)
    assert [i.code for i in report.issues] == ["GATE001"]
    assert report.axes == [] and report.penalties is None and report.grade == "F"


def test_no_controller_and_no_provider_fails_with_zero(tmp_path: Path) -> None:
    report = score_tree(write_tree(tmp_path, {"src/main.ts": "export const main = 1;\n", **SCHEMA}))
    assert (report.gate.failed_at, report.total) == ("no-artifacts", 0)
    assert [i.code for i in report.issues] == ["GATE002"]


def test_declaration_files_do_not_count_as_source(tmp_path: Path) -> None:
    report = score_tree(write_tree(tmp_path, {"src/types.d.ts": "declare const x: number;\n"}))
    assert report.gate.failed_at == "no-source"


@pytest.mark.parametrize(
    ("fillers", "passed", "gate_score", "total"),
    [
        # 1 broken of 20 files: ratio 0.05, not above the limit -> penalty round(100*0.05*5) = 25.
        (16, True, 75, None),
        # 1 broken of 19 files: ratio 0.0526 > 0.05 -> fails at syntax, credit round(30*(1-0.0526)) = 28.
        (15, False, 28, 28),
    ],
)
def test_syntax_ratio_boundary(tmp_path: Path, fillers: int, passed: bool, gate_score: int, total: int | None) -> None:
    root = minimal_project(tmp_path, {"src/broken.ts": BROKEN_SYNTAX, **filler_sources(fillers)})
    report = score_tree(root)
    assert report.gate.metrics["files"] == fillers + 4
    assert (report.gate.passed, report.gate.score) == (passed, gate_score)
    assert any(i.code == "SYNTAX" and i.file == "src/broken.ts" and i.line >= 1 for i in report.issues)
    if passed:
        assert report.gate.soft and report.gate.metrics["syntaxPenalty"] == 25
    else:
        assert (report.gate.failed_at, report.total, report.axes) == ("syntax", total, [])


def test_failed_syntax_gate_credit_shrinks_with_error_ratio(tmp_path: Path) -> None:
    broken = {f"src/broken{i}.ts": BROKEN_SYNTAX for i in range(2)}
    report = score_tree(minimal_project(tmp_path, {**broken, **filler_sources(5)}))  # 2 of 10 -> round(30*0.8)
    assert (report.gate.failed_at, report.gate.score, report.total, report.grade) == ("syntax", 24, 24, "F")


# 3 critical in 10 files is exactly 0.3 (passes); in 9 files 0.33 (fails).
@pytest.mark.parametrize(("fillers", "failed_at"), [(4, None), (3, "type")])
def test_critical_type_ratio_boundary(tmp_path: Path, fillers: int, failed_at: str | None) -> None:
    criticals = {f"src/accessor{i}.ts": TYPE_CRITICAL for i in range(3)}
    report = score_tree(minimal_project(tmp_path, {**criticals, **filler_sources(fillers)}))
    files = report.gate.metrics["files"]
    assert report.gate.metrics["criticalTypeErrors"] == 3 and report.gate.metrics["syntaxErrorFiles"] == 0
    assert report.gate.failed_at == failed_at, f"3 critical / {files} files"
    if failed_at:
        assert (report.gate.score, report.total) == (30, 30)
    else:
        assert (report.gate.score, report.gate.soft) == (100, False)  # critical codes carry no gate penalty
    assert report.gate.counts["TS1054"] == 3


def test_type_warnings_cost_points_and_make_the_pass_soft(tmp_path: Path) -> None:
    warnings = {f"src/w{i}.ts": TYPE_WARNING for i in range(2)}
    report = score_tree(minimal_project(tmp_path, {**warnings, **filler_sources(5)}))  # r = 2/10
    assert report.gate.metrics["typeWarnings"] == 2
    assert report.gate.metrics["typePenalty"] == 12  # round(10 + 0.1 * 22)
    assert (report.gate.score, report.gate.soft) == (88, True)
    assert report.multiplier == pytest.approx(0.85 + 0.15 * 0.88)
    assert {(i.code, i.severity, i.file, i.line) for i in report.issues if i.code == "TS2322"} == {
        ("TS2322", "warning", "src/w0.ts", 1), ("TS2322", "warning", "src/w1.ts", 1)}


def test_framework_glue_warnings_do_not_count(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path, {"src/glue.ts": GLUE_WARNING}))
    assert report.gate.metrics["typeWarnings"] == 0 and report.gate.metrics["glueWarnings"] == 1
    assert (report.gate.score, report.gate.soft) == (100, False)


def test_other_type_errors_are_suggestions(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path, {"src/s.ts": "export const n = (1 as number).nope;\n"}))
    assert report.gate.metrics["typeSuggestions"] == 1 and report.gate.score == 100
    assert [i.severity for i in report.issues if i.code == "TS2339"] == ["suggestion"]


@pytest.mark.parametrize(
    ("r", "penalty"),
    [(0.0, 0), (0.1, 10), (0.1001, 10), (0.55, 20), (1.0, 30), (1.04, 30), (1.05, 31), (3.0, 50), (9.0, 50)],
)
def test_type_warning_penalty_curve(r: float, penalty: int) -> None:
    assert type_warning_penalty(r) == penalty


def test_invalid_prisma_schema_is_one_critical_p001(tmp_path: Path) -> None:
    bad = {"prisma/schema/items.prisma": "model items {\n  id String @id\n  owner users\n  kind Strng\n}\n"}
    report = score_tree(minimal_project(tmp_path, bad))
    p001 = [i for i in report.issues if i.code == "P001"]
    assert len(p001) == 1 and p001[0].severity == "critical"
    assert (p001[0].file, p001[0].line) == ("prisma/schema/items.prisma", 3) and "2 error(s)" in p001[0].message
    assert report.gate.metrics["prismaPenalty"] == 10
    assert (report.gate.score, report.gate.soft) == (90, True)


def test_code_without_schema_is_a_p002_warning(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path, schema=False))
    assert [i.code for i in report.issues if i.code.startswith("P")] == ["P002"]
    assert (report.gate.score, report.gate.soft, report.gate.metrics["prismaPenalty"]) == (98, False, 2)


def test_prisma6_datasource_url_is_no_p001(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path))
    assert 'url      = env("DATABASE_URL")' in (tmp_path / "prisma/schema/main.prisma").read_text()
    assert report.gate.counts == {} and report.gate.score == 100


def test_the_type_check_compiles_against_a_client_typed_by_the_schema(tmp_path: Path) -> None:
    tables = ('import { PrismaClient } from "@prisma/client";\nconst prisma = new PrismaClient();\n'
              "export const items = prisma.items;\nexport const users = prisma.users;\n")
    report = score_tree(minimal_project(tmp_path, {"src/providers/tables.ts": tables}))
    assert [(i.code, i.file, i.line) for i in report.issues if i.code.startswith("TS")] == [
        ("TS2339", "src/providers/tables.ts", 4)]  # `users` is no model of the schema; `items` is
