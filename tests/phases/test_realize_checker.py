"""The live type checker: re-checks after edits, agreement with the scorer's one-shot check, and
diagnostics traced back to the operation (and the line of its answer) that wrote them."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from scoring.toolchain import TsDiagnostic, typecheck
from tests.phases.trees import write_tree
from workers.typecheck import ProjectChecker
from workers.typecheck.origins import SourceMap, attribute, feedback

MODEL = 'export type Item = { id: string; created_at: string };\n'
BROKEN = ('import { Item } from "./Item";\n\n'
          'export function make(): Item {\n  return { id: "a", created_at: new Date() };\n}\n')
FIXED = BROKEN.replace("new Date()", "new Date().toISOString()")


def _tree() -> dict[str, str]:
    return {"src/Item.ts": MODEL, "src/make.ts": BROKEN, "src/other.ts": "export const x: number = 'no';\n"}


def test_try_file_reports_only_that_file_and_rechecks_after_each_edit() -> None:
    with ProjectChecker(_tree()) as checker:
        first = checker.try_file("src/make.ts", BROKEN)
        assert [(d.file, d.line, d.code) for d in first.diagnostics] == [("src/make.ts", 4, 2322)]
        assert first.statements == {"src/make.ts": 2}
        assert checker.try_file("src/make.ts", FIXED).diagnostics == []
        assert [d.code for d in checker.try_file("src/make.ts", BROKEN).diagnostics] == [2322]


def test_files_can_come_and_go_and_the_whole_program_is_checked() -> None:
    with ProjectChecker({"src/Item.ts": MODEL}) as checker:
        assert checker.check().diagnostics == []
        created = checker.try_file("src/uses.ts", 'import { Missing } from "./Missing";\nexport const m: Missing = 1;\n')
        assert [d.code for d in created.diagnostics] == [2307]
        checker.write({"src/Missing.ts": "export type Missing = number;\n"})
        assert checker.check(["src/uses.ts"]).diagnostics == []
        checker.sync({"src/Item.ts": MODEL, "src/uses.ts": checker.files["src/uses.ts"]})
        assert sorted(checker.files) == ["src/Item.ts", "src/uses.ts"]
        assert [(d.file, d.code) for d in checker.check().diagnostics] == [("src/uses.ts", 2307)]


def test_whole_program_diagnostics_agree_with_the_scorers_one_shot_check(tmp_path: Path) -> None:
    write_tree(tmp_path, _tree())
    one_shot = typecheck(tmp_path)
    with ProjectChecker(_tree()) as checker:
        live = checker.check().diagnostics
    assert [(d.file, d.line, d.column, d.code, d.message) for d in live] == \
           [(d.file, d.line, d.column, d.code, d.message) for d in one_shot]
    assert len(live) == 2


def test_closing_ends_the_compiler_processes() -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    checker = ProjectChecker(_tree())
    checker.check()  # the compiler starts in the background; a check waits for it
    started = {p.pid for p in psutil.Process().children(recursive=True)} - before
    assert started, "the checker runs a compiler process"
    checker.close()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in started)


def test_closing_while_the_compiler_starts_leaves_no_process() -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    ProjectChecker(_tree()).close()
    left = {p.pid for p in psutil.Process().children(recursive=True)} - before
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in left)


def test_paths_outside_the_tree_are_refused() -> None:
    with ProjectChecker({"src/Item.ts": MODEL}) as checker, pytest.raises(ValueError, match="outside the tree"):
        checker.write({"../escape.ts": "export {};\n"})


def _diagnostic(file: str, line: int, code: int = 2322) -> TsDiagnostic:
    return TsDiagnostic(file=file, line=line, column=5, code=code, category="error", message="wrong")


def test_diagnostics_map_to_the_operation_and_the_part_of_its_answer() -> None:
    sources = {
        "src/providers/getTodos.ts": SourceMap("provider-get-todos", {12: "body line 1", 13: "body line 2"}),
        "test/features/api/todos/test_api_todos_at.ts": SourceMap("test-todos-at", {20: "statements[3]"}),
    }
    found = attribute([
        _diagnostic("src/providers/getTodos.ts", 13),
        _diagnostic("src/providers/getTodos.ts", 2, 2307),  # a generated line: reported by file line
        _diagnostic("test/features/api/todos/test_api_todos_at.ts", 20),
        _diagnostic("src/controllers/todos/TodosController.ts", 7, 2307),
    ], sources)
    assert {op: [(d.location, d.code) for d in ds] for op, ds in found.by_operation.items()} == {
        "provider-get-todos": [("body line 2, column 5", "TS2322"), ("line 2, column 5", "TS2307")],
        "test-todos-at": [("statements[3], column 5", "TS2322")],
    }
    assert [d.file for d in found.unowned] == ["src/controllers/todos/TodosController.ts"]
    assert feedback(_diagnostic("", 0, 5023), None).model_dump(exclude_none=True) == {"code": "TS5023", "message": "wrong"}
