"""What `farm demo --project NAME` plays, and what its resume serves again (farm.demo_project)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from farm.catalog import load_project
from farm.demo_project import DEMO_ROUND, demo_project, demo_projects, generated_books, round_data
from farm.manifest import ProjectEntry
from farm.roundfile import parse_round
from runtime.scenarios.suite import load_suite
from workers.verify_job import suite_of


def test_todo_is_the_demo_round_file_unchanged() -> None:
    data = yaml.safe_load(DEMO_ROUND.read_text())
    todo = demo_project("todo")
    assert todo.books == {} and round_data(data, [todo]) == data


def test_a_generated_project_has_its_own_book_requirements_and_golden_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    chosen = demo_project("reddit", "small")
    data = round_data(yaml.safe_load(DEMO_ROUND.read_text()), [chosen])
    assert data["budgets"] == {}  # the todo-sized budget would stop a reference-sized book
    (project,) = parse_round({**data, "round": "demo-x"}, str(DEMO_ROUND), DEMO_ROUND.parent).projects
    assert project.name == "reddit" and set(chosen.books) == {"reddit"}
    assert project.sha256 != load_project("reddit").sha256  # never taken for the catalog's reddit
    entry = ProjectEntry(source=project.source, sha256=project.sha256, text=project.text)
    suite = suite_of(entry, "reddit")  # the generated API's own suite, beside the requirements file
    assert suite == project.source and load_suite(suite).suite == "reddit-generated"
    catalog = ProjectEntry(source="catalog", sha256="x", text="x")
    assert generated_books({"reddit": entry, "todo": catalog}) == chosen.books
    book = chosen.books["reddit"]  # a round from before the suites named a requirements file in the book itself
    legacy = ProjectEntry(source=str(book / "reddit.md"), sha256="x", text="x")
    assert generated_books({"reddit": legacy}) == chosen.books
    assert demo_project("reddit", "small") == chosen  # written once, found again


@pytest.mark.parametrize(("name", "size", "message"), [
    ("todo", "small", "hand-written"), ("blog", None, "not 'blog'"), ("erp", "huge", "unknown size"),
])  # fmt: skip
def test_what_the_demo_refuses(name: str, size: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        demo_projects([name], size)


def test_repeats_bring_a_stochastic_model_and_variants_the_second_settings_each_within_a_grown_budget() -> None:
    data = yaml.safe_load(DEMO_ROUND.read_text())
    projects = demo_projects(["todo"])
    plain = parse_round({**round_data(data, projects), "round": "d"}).spec
    both = parse_round({**round_data(data, projects, repeats=3, variants=True), "round": "d"}).spec
    assert [m.id for m in both.models] == [*(m.id for m in plain.models), "sim/dice"]
    assert (both.repeats, list(both.variants)) == (3, ["standard", "tight"])
    assert both.variants["tight"].procedure and both.variants["tight"].retry.validation == 1
    assert both.budgets.round_usd == pytest.approx(plain.budgets.round_usd * 1.5 * 3 * 2)
    only_variants = parse_round({**round_data(data, projects, variants=True), "round": "d"}).spec
    assert [m.id for m in only_variants.models] == [m.id for m in plain.models] and only_variants.repeats == 1


def test_several_projects_and_a_size_for_the_generated_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    todo, reddit = demo_projects(["todo", "reddit"], "small")
    assert (todo.books, set(reddit.books)) == ({}, {"reddit"})
    data = round_data(yaml.safe_load(DEMO_ROUND.read_text()), [todo, reddit], repeats=2)
    assert data["projects"] == ["todo", reddit.ref] and data["budgets"] == {}
    with pytest.raises(ValueError, match="twice"):
        demo_projects(["todo", "todo"])
