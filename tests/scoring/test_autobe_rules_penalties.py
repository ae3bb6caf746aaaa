"""AutoBe's duplication and schema-sync counting (`evaluators/quality/duplication`, `schema-sync`), pinned on
both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.penalties import duplicate_blocks, prisma_models, schema_sync_penalty
from scoring.project import Project
from tests.scoring.scoring_trees import SCHEMA, write_tree

MARCH = profiles.load("autobe-2026.03").rules  # multi-line empty interfaces, no +3 without types


def run(count: int, tag: str = "") -> list[str]:
    """`count` distinct code lines of 22 characters (trimmed)."""
    return [f"  const v{i:02d} = a{i:02d} + b{tag}{i:02d};" for i in range(count)]


def framed(name: str, lines: list[str]) -> str:
    """`lines` between two lines of this file's own, so only windows inside `lines` can repeat elsewhere."""
    return "\n".join([f"  const top_{name} = 1;", *lines, f"  const bottom_{name} = 2;"]) + "\n"


@pytest.mark.parametrize(("shared", "blocks"), [(11, 0), (12, 1), (13, 2)])
def test_a_block_is_a_12_line_window(shared: int, blocks: int) -> None:
    assert duplicate_blocks({name: framed(name, run(shared)) for name in ("a", "b")}) == blocks


def test_a_window_in_three_files_is_one_block() -> None:
    assert duplicate_blocks({name: framed(name, run(12)) for name in ("a", "b", "c")}) == 1


@pytest.mark.parametrize(("period", "copies", "blocks"), [(11, 3, 0), (12, 2, 1)])
def test_a_repeat_inside_one_file_counts_once_12_lines_apart(period: int, copies: int, blocks: int) -> None:
    # Each window recurs `period` lines further on: 11 lines apart the two places overlap and are one.
    assert duplicate_blocks({"a": "\n".join(run(period) * copies) + "\n"}) == blocks


@pytest.mark.parametrize(("last", "blocks"), [("v11=a11+1", 0), ("v11=a11+10", 1)])
def test_a_window_needs_120_characters_once_blank_and_dropped_lines_go(last: str, blocks: int) -> None:
    lines = [f"v{i:02d}=a{i:02d}+1" for i in range(11)] + [last]  # 11 * 9 + len(last) + 11 newlines: 119 or 120
    assert duplicate_blocks({name: framed(name, lines) for name in ("a", "b")}) == blocks


@pytest.mark.parametrize(("code", "blocks"), [(29, 0), (30, 1)])
def test_a_window_needs_30_characters_besides_brackets_punctuation_and_spaces(code: int, blocks: int) -> None:
    lines = ["(( [ ] ));;;;"] * 11 + ["x" * code]
    assert duplicate_blocks({name: framed(name, lines) for name in ("a", "b")}) == blocks


def test_decorators_constructors_and_injected_fields_do_not_tell_windows_apart() -> None:
    def controller(variant: str) -> list[str]:
        lines = run(9)
        lines[2:2] = [f"  @TypedRoute.{variant}()"]
        lines[5:5] = [f"  constructor(private readonly service{variant}: Service) {{}}"]
        lines[8:8] = [f"  private readonly repo{variant}: Repository;"]
        return lines

    assert duplicate_blocks({"a": framed("a", controller("Get")), "b": framed("b", controller("Post"))}) == 1
    assert duplicate_blocks({"a": framed("a", ["  @Get()"] * 12), "b": framed("b", ["  @Get()"] * 12)}) == 0


def dto(*properties: tuple[str, str], doc_lines: int = 0) -> str:
    """One DTO interface; each property (column, specification) tagged the way AutoBe's DTOs are."""
    body = "".join(
        "  /**\n" + "   * About this property.\n" * doc_lines
        + f"   * @x-autobe-database-schema-property {column}\n"
        + (f"   * @x-autobe-specification {spec}\n" if spec else "") + f"   */\n  {column}: string;\n"
        for column, spec in properties)
    return f"export interface IItem {{\n{body}}}\n"


ORDERS = {"prisma/schema/orders.prisma": "model orders {\n  id    String @id\n  total Int\n}\n"}


def mismatches(root: Path, structure: str, schema: dict[str, str] | None = None) -> int:
    files = {"src/api/structures/IItem.ts": structure, **SCHEMA, **(schema or {})}
    part, _ = schema_sync_penalty(Project.load(write_tree(root, files)), MARCH)
    return part.inputs["mismatchedProperties"]


@pytest.mark.parametrize(
    ("column", "spec", "count"),
    [("created_at", "Direct mapping from items.created_at.", 0),  # the model has the column
     ("expired_at", "Direct mapping from items.expired_at.", 1),  # it lacks it
     ("id", "Direct mapping from orders.id.", 1),  # no such model
     ("expired_at", "", 0),  # no specification: nothing to check against
     ("title", "Shown as typed, e.g. items.title", 1)],  # the first word.word names the model: "e" of "e.g."
)
def test_a_tagged_property_is_checked_against_the_model_its_specification_names(
    tmp_path: Path, column: str, spec: str, count: int
) -> None:
    assert mismatches(tmp_path, dto((column, spec))) == count


def test_mismatches_are_counted_per_property(tmp_path: Path) -> None:
    properties = [(c, f"From items.{c}.") for c in ("expired_at", "deleted_at", "title")]
    assert mismatches(tmp_path, dto(*properties)) == 2


@pytest.mark.parametrize(("doc_lines", "count"), [(0, 1), (2, 0)])
def test_a_specification_up_to_5_lines_above_wins_over_the_one_below(
    tmp_path: Path, doc_lines: int, count: int
) -> None:
    # The second tag sits 4 lines under the first property's specification (items, which lacks "total")
    # unless two more comment lines push it 6 lines down; then its own (orders.total) is read.
    structure = dto(("title", "Direct mapping from items.title."), ("total", "Direct mapping from orders.total."),
                    doc_lines=doc_lines)
    assert mismatches(tmp_path, structure, ORDERS) == count


def test_prisma_models_are_read_line_by_line() -> None:
    schema = ("model items {\n  id String @id\n  // note here\n  @@index([id])\n  title   String\n}\n"
              "enum kind {\n  a\n}\n")
    assert prisma_models([schema]) == {"items": {"id", "title"}}


@pytest.mark.parametrize(
    ("structure", "types", "empty"),
    [("export interface IA {}\n", 1, 1), ("export interface IA extends IB {}\n", 1, 1),
     ("export interface IA {\n\n}\n", 1, 1),  # closes within 2 blank lines
     ("export interface IA {\n\n\n}\n", 1, 0),  # not within 2
     ("export type IA = {};\n", 1, 1), ("export type IA = {\n};\n", 1, 0),  # a type alias only on one line
     ("export type Id = string;\nexport const x = 1;\n", 1, 0), ("const y = 2;\n", 0, 0)],
)
def test_types_are_counted_line_by_line(tmp_path: Path, structure: str, types: int, empty: int) -> None:
    part, _ = schema_sync_penalty(Project.load(write_tree(tmp_path, {"src/api/structures/IA.ts": structure})), MARCH)
    assert (part.inputs["types"], part.inputs["emptyTypes"]) == (types, empty)
    assert part.raw == 0  # 1 empty type of n = 10 is 0.1, not above 0.15; no +3 without types in March
