"""Syntax is the TypeScript compiler's call (rubric §1.3): per-file syntactic diagnostics of the real
compiler, never tree-sitter's, and a broken file does not hide the type diagnostics of the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scoring.scoring_trees import filler_sources, item_controller, minimal_project

from scoring import score_tree
from scoring.parsing.grammar import parse

# Valid TypeScript (4.7+ / 5.0+) that tree-sitter-typescript 0.23 rejects.
TS5_ONLY = {
    "src/api/module.ts": 'export type * from "./structures/IItem";\nexport type * as structures from "./structures/IItem";\n',
    "src/utils/Box.ts": "export interface Box<in out T> {\n  value: T;\n}\n",
}
BROKEN = "export function broken( {\n  return 1;\n"  # the compiler: line 2, TS1005 "':' expected."
TYPE_WARNING = 'export const wrong: number = "text";\n'  # TS2322


@pytest.mark.parametrize("path", sorted(TS5_ONLY))
def test_tree_sitter_rejects_the_samples(path: str) -> None:
    assert parse(TS5_ONLY[path].encode()).root_node.has_error


def test_typescript5_syntax_tree_sitter_rejects_costs_nothing(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path, TS5_ONLY))
    gate = report.gate
    assert (gate.passed, gate.soft, gate.score, gate.counts) == (True, False, 100, {})
    assert (gate.metrics["syntaxErrorFiles"], gate.metrics["errorRatio"]) == (0, 0.0)


def test_facts_of_a_file_tree_sitter_cannot_parse_still_feed_the_axes(tmp_path: Path) -> None:
    controller = item_controller()
    with_variance = controller.replace("\n/** ItemsController. */", "\nexport interface Box<in out T> {\n  value: T;\n}\n"
                                       "\n/** ItemsController. */")
    assert with_variance != controller and parse(with_variance.encode()).root_node.has_error
    report = score_tree(minimal_project(tmp_path, {"src/controllers/ItemsController.ts": with_variance}))
    assert report.gate.score == 100
    api = next(axis for axis in report.axes if axis.id == "api")
    assert api.metrics["endpoints"] == 1


def test_a_broken_file_is_a_syntax_error_at_the_compilers_line(tmp_path: Path) -> None:
    report = score_tree(minimal_project(tmp_path, {"src/broken.ts": BROKEN, **filler_sources(16)}))  # 1 of 20
    assert [(i.file, i.line, i.message) for i in report.issues if i.code == "SYNTAX"] == [
        ("src/broken.ts", 2, "TS1005: ':' expected.")]
    assert (report.gate.metrics["syntaxErrorFiles"], report.gate.metrics["errorRatio"]) == (1, 0.05)
    assert (report.gate.passed, report.gate.soft, report.gate.metrics["syntaxPenalty"]) == (True, True, 25)


def test_one_broken_file_does_not_hide_the_type_diagnostics_of_the_others(tmp_path: Path) -> None:
    extra = {"src/broken.ts": BROKEN, "src/utils/wrong.ts": TYPE_WARNING, **filler_sources(16)}  # 1 of 21
    report = score_tree(minimal_project(tmp_path, extra))
    assert report.gate.passed and report.gate.metrics["typeWarnings"] == 1
    ts = {(i.code, i.file, i.line) for i in report.issues if i.code.startswith("TS")}
    assert ("TS2322", "src/utils/wrong.ts", 1) in ts
    # The broken file's own syntactic diagnostics count as critical type errors (rubric §1.4 codes), but
    # not the semantic ones the checker derives from the parser's recovery ("Duplicate identifier '(Missing)'").
    assert {code for code, file, _ in ts if file == "src/broken.ts"} == {"TS1005"}


def test_same_tree_same_report(tmp_path: Path) -> None:
    root = minimal_project(tmp_path, {**TS5_ONLY, "src/broken.ts": BROKEN, "src/utils/wrong.ts": TYPE_WARNING,
                                      **filler_sources(18)})
    assert score_tree(root).to_json() == score_tree(root).to_json()
