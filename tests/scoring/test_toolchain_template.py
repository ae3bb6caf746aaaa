"""The type check knows AutoBe's template, with the real compiler: the template's packages resolve
with their typings, `@prisma/client` and `@prisma/sdk` both resolve to declarations built from the
project's schema, and queries are typed by that schema (results and the columns inputs may name)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.scoring.scoring_trees import write_tree

from scoring import score_tree
from scoring.toolchain import typecheck
from scoring.toolchain.prisma_stub import prisma_client_stub

FIXTURE = Path(__file__).parent / "fixtures" / "template_autobe"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The fixture outside the repository: no node_modules above it, as in the farm's scratch trees."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "project"))


def _found(root: Path) -> list[tuple[str, int, int]]:
    return [(d.file, d.line, d.code) for d in typecheck(root)]


def test_template_packages_and_both_client_names_compile_clean(project: Path) -> None:
    # jsonwebtoken, dotenv(-expand), express, serialize-error, bcryptjs, both driver adapters,
    # `@prisma/sdk` and `@prisma/client`: no TS2307, and no untyped JavaScript module (TS7016).
    assert typecheck(project) == []
    gate = score_tree(project).gate
    assert (gate.passed, gate.soft, gate.score) == (True, False, 100)


def test_query_results_carry_the_row_type(project: Path) -> None:
    write_tree(project, {"src/providers/probe.ts": (
        'import { MyGlobal } from "../MyGlobal";\n'
        "export async function probe(): Promise<string[]> {\n"
        "  const rows = await MyGlobal.prisma.note_posts.findMany({ where: { deleted_at: null } });\n"
        '  const when: string = rows.length ? rows[0].created_at : "";\n'
        "  return rows.map((row) => row.title + when);\n"
        "}\n"
    )})
    # The callback's `row` is typed (no TS7006) and `created_at` is a Date, not `any`.
    assert _found(project) == [("src/providers/probe.ts", 4, 2322)]


def test_a_misspelt_column_is_an_error_in_every_input_and_on_the_row(project: Path) -> None:
    write_tree(project, {"src/providers/probe.ts": (
        'import { MyGlobal } from "../MyGlobal";\n'
        "export async function probe() {\n"
        '  const rows = await MyGlobal.prisma.note_posts.findMany({ where: { author_id: "a", titel: "x" } });\n'
        '  await MyGlobal.prisma.note_posts.create({ data: { id: "1", titel: "x" } });\n'
        '  await MyGlobal.prisma.note_posts.findMany({ orderBy: { creatd_at: "asc" } });\n'
        "  return rows.map((row) => row.titel);\n"
        "}\n"
    )})
    diagnostics = typecheck(project)
    assert [(d.line, d.code) for d in diagnostics] == [(3, 2561), (4, 2561), (5, 2353), (6, 2551)]
    assert all("titel" in d.message or "creatd_at" in d.message for d in diagnostics)


def test_relations_are_typed_only_where_the_query_asks_for_them(project: Path) -> None:
    write_tree(project, {"src/providers/probe.ts": (
        'import { MyGlobal } from "../MyGlobal";\n'
        "export async function probe(): Promise<string[]> {\n"
        '  const bare = await MyGlobal.prisma.note_posts.findFirstOrThrow({ where: { id: "1" } });\n'
        "  const full = await MyGlobal.prisma.note_posts.findFirstOrThrow({ include: { author: true, tags: true } });\n"
        "  const picked = await MyGlobal.prisma.note_posts.findFirstOrThrow({\n"
        "    select: { id: true, author: { select: { email: true } } } });\n"
        "  const name: string = full.author.display_name;\n"
        "  const labels = full.tags.map((tag) => tag.label);\n"
        "  return [name, full.author.email, ...labels, picked.author.email, bare.author.email, picked.title];\n"
        "}\n"
    )})
    # display_name is nullable; a relation nobody included, and a column nobody selected, are absent.
    assert _found(project) == [("src/providers/probe.ts", 7, 2322), ("src/providers/probe.ts", 9, 2339),
                               ("src/providers/probe.ts", 9, 2339)]


def test_declarations_and_diagnostics_are_deterministic(project: Path, tmp_path: Path) -> None:
    schema = project / "prisma" / "schema"
    merged = "\n".join(path.read_text(encoding="utf-8") for path in sorted(schema.glob("*.prisma"), reverse=True))
    single = write_tree(tmp_path / "single", {"prisma/schema/all.prisma": merged})
    assert prisma_client_stub(project) == prisma_client_stub(single) == prisma_client_stub(project)

    write_tree(project, {"src/providers/probe.ts": (
        'import { MyGlobal } from "../MyGlobal";\n'
        'export const probe = () => MyGlobal.prisma.note_tags.findMany({ where: { lable: "x" } });\n'
    )})
    first = typecheck(project)
    assert first and typecheck(project) == first
