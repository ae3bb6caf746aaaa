"""The toolchain wrappers run the real Prisma wasm validator, the real native tsc and its API."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from scoring.toolchain import (
    PrismaSchema,
    ToolchainError,
    compile_project,
    node_modules_dir,
    read_schema,
    typecheck,
    validate_prisma,
)
from scoring.toolchain import node_bridge
from scoring.toolchain.prisma_stub import prisma_client_stub
from tests.scoring.scoring_trees import write_tree

DATASOURCE = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'
TODOS = "model todos {\n  id    String  @id @db.Uuid\n  title String\n  state todo_states\n}\n"
ENUMS = "enum todo_states {\n  open\n  closed\n}\n"


def test_valid_multi_file_schema_with_prisma6_datasource_url_passes() -> None:
    assert validate_prisma({"main.prisma": DATASOURCE, "todos.prisma": TODOS, "enums.prisma": ENUMS}) == []


def test_invalid_schema_reports_file_line_and_message() -> None:
    bad = TODOS.replace("title String", "title Strin")
    diagnostics = validate_prisma({"main.prisma": DATASOURCE, "todos.prisma": bad, "enums.prisma": ENUMS})
    assert [(d.file, d.line) for d in diagnostics] == [("todos.prisma", 3)]
    assert '"Strin"' in diagnostics[0].message


def test_unknown_relation_target_is_an_error() -> None:
    bad = TODOS.replace("}\n", "  owner users @relation(fields: [id], references: [id])\n}\n")
    diagnostics = validate_prisma({"todos.prisma": bad, "enums.prisma": ENUMS})
    assert diagnostics and diagnostics[0].file == "todos.prisma" and diagnostics[0].line == 5


def test_one_schema_read_gives_the_verdict_and_the_models() -> None:
    valid = read_schema({"main.prisma": DATASOURCE, "todos.prisma": TODOS, "enums.prisma": ENUMS})
    assert valid.diagnostics == [] and [m["name"] for m in valid.datamodel["models"]] == ["todos"]
    invalid = read_schema({"todos.prisma": TODOS.replace("title String", "title Strin"), "enums.prisma": ENUMS})
    assert invalid.datamodel is None and [(d.file, d.line) for d in invalid.diagnostics] == [("todos.prisma", 3)]
    assert read_schema({}) == PrismaSchema(diagnostics=[], datamodel=None)


def test_empty_schema_set_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="at least one schema file"):
        validate_prisma({})


CONTROLLER = """\
import { Controller } from "@nestjs/common";
import { TypedBody, TypedParam, TypedRoute } from "@nestia/core";
import { tags } from "typia";

import { ITodo } from "../api/structures/ITodo";
import { getTodo } from "../providers/getTodo";

/** Todo items. */
@Controller("todos")
export class TodosController {
  @TypedRoute.Get(":id")
  public async at(@TypedParam("id") id: string & tags.Format<"uuid">): Promise<ITodo> {
    return getTodo(id);
  }

  @TypedRoute.Post()
  public async create(@TypedBody() body: ITodo.ICreate): Promise<ITodo> {
    return { id: "00000000-0000-4000-8000-000000000000", title: body.title, state: "open" };
  }
}
"""
STRUCTURE = """\
import { tags } from "typia";

/** A todo item. */
export interface ITodo {
  id: string & tags.Format<"uuid">;
  title: string;
  state: "open" | "closed";
}
export namespace ITodo {
  /** Creation body. */
  export interface ICreate {
    title: string;
  }
}
"""
PROVIDER = """\
import { PrismaClient, Prisma, todos, todo_states } from "@prisma/client";
import { v4 } from "uuid";
import { readFileSync } from "node:fs";

import { ITodo } from "../api/structures/ITodo";

const prisma = new PrismaClient();

export async function getTodo(id: string): Promise<ITodo> {
  const where: Prisma.todosWhereInput = { id };
  const row: todos = await prisma.todos.findFirstOrThrow({ where });
  const state: todo_states = row.state;
  void v4;
  void readFileSync;
  return { id: row.id, title: row.title, state };
}
"""


def todo_project(root: Path) -> Path:
    return write_tree(root, {
        "prisma/schema/main.prisma": DATASOURCE,
        "prisma/schema/todos.prisma": TODOS,
        "prisma/schema/enums.prisma": ENUMS,
        "src/controllers/TodosController.ts": CONTROLLER,
        "src/api/structures/ITodo.ts": STRUCTURE,
        "src/providers/getTodo.ts": PROVIDER,
    })


def test_clean_nestjs_project_typechecks_without_node_modules(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    assert typecheck(root) == []
    assert not (root / "node_modules").exists()


def test_type_errors_carry_relative_file_position_and_code(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    write_tree(root, {"src/providers/broken.ts": 'export const n: number = "text";\nimport { x } from "left-pad-missing";\n'})
    found = [(d.file, d.line, d.column, d.code, d.category) for d in typecheck(root)]
    assert found == [("src/providers/broken.ts", 1, 14, 2322, "error"), ("src/providers/broken.ts", 2, 19, 2307, "error")]


def test_prisma_stub_follows_the_schema_tables(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    write_tree(root, {"src/providers/users.ts": 'import { PrismaClient } from "@prisma/client";\nexport const q = new PrismaClient().users.findMany();\n'})
    diagnostics = typecheck(root)
    assert [(d.file, d.code) for d in diagnostics] == [("src/providers/users.ts", 2339)]
    assert "'users'" in diagnostics[0].message and "/tmp" not in diagnostics[0].message


def test_include_selects_files_and_project_paths_resolve_the_sdk(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    write_tree(root, {
        "src/api/index.ts": 'export * as structures from "./structures/ITodo";\n',
        "test/features/api/test_api_todo.ts": (
            'import { ITodo } from "@ORGANIZATION/PROJECT-api/lib/structures/ITodo";\n'
            'import { TestValidator } from "@nestia/e2e";\n'
            'export const t: ITodo.ICreate = { title: 1 };\nvoid TestValidator;\n'
        ),
    })
    assert [(d.file, d.line, d.code) for d in typecheck(root, include=["test/**/*.ts"])] == [
        ("test/features/api/test_api_todo.ts", 3, 2322)
    ]


def test_toolchain_dir_override_must_hold_typescript(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (node_modules_dir() / "typescript" / "package.json").is_file()
    monkeypatch.setenv("FARM_TOOLCHAIN_DIR", str(tmp_path))
    with pytest.raises(ToolchainError, match=str(tmp_path)):
        node_modules_dir()


def test_one_compiler_pass_gives_syntax_per_file_and_types_despite_a_broken_file(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    write_tree(root, {"src/providers/broken.ts": "export function broken( {\n",
                      "src/providers/wrong.ts": 'export const n: number = "text";\n'})
    files = sorted(p.relative_to(root).as_posix() for p in root.glob("src/**/*.ts"))
    compilation = compile_project(root, files, lambda: prisma_client_stub(root))
    assert [(d.file, d.line, d.code) for d in compilation.syntactic] == [("src/providers/broken.ts", 2, 1005)]
    assert ("src/providers/wrong.ts", 1, 14, 2322) in {(d.file, d.line, d.column, d.code) for d in compilation.semantic}
    assert compilation.global_ == []
    # `tsc` itself stops at the syntax error and says nothing about wrong.ts.
    assert [(d.file, d.code) for d in typecheck(root)] == [("src/providers/broken.ts", 1005)]


def test_the_compiler_pass_agrees_with_tsc_on_a_tree_that_parses(tmp_path: Path) -> None:
    root = todo_project(tmp_path)
    write_tree(root, {
        "src/providers/wide.ts": 'export const s = "héllo 😀 wörld"; export const n: number = s;\n',
        "src/providers/users.ts": 'import { PrismaClient } from "@prisma/client";\nexport const q = new PrismaClient().users;\n',
    })
    files = sorted(p.relative_to(root).as_posix() for p in root.glob("src/**/*.ts"))
    compilation = compile_project(root, files, lambda: prisma_client_stub(root))
    assert compilation.syntactic == [] and compilation.global_ == []
    assert compilation.semantic == typecheck(root)
    assert [(d.file, d.line, d.column, d.code) for d in compilation.semantic] == [
        ("src/providers/users.ts", 2, 37, 2339), ("src/providers/wide.ts", 1, 49, 2322)]  # UTF-16 columns, as tsc
    assert all("/tmp" not in d.message for d in compilation.semantic)


def test_the_prisma_validator_stays_up_and_a_dead_one_is_replaced() -> None:
    """One Node process answers request after request; killed, the next call starts another."""
    good = {"schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n\nmodel a {\n  id String @id\n}\n'}
    assert validate_prisma(good) == []
    first = node_bridge._live_bridge()  # noqa: SLF001 - the process under test
    bad = {"schema.prisma": good["schema.prisma"].replace("String @id", "Strin @id")}
    assert validate_prisma(bad), "a broken schema validated"
    assert node_bridge._live_bridge() is first  # noqa: SLF001
    os.kill(first._process.pid, signal.SIGKILL)  # noqa: SLF001
    first._process.wait()  # noqa: SLF001
    assert validate_prisma(good) == []
    assert node_bridge._live_bridge() is not first  # noqa: SLF001
