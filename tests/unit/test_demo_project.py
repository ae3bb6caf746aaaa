"""What `farm demo --project NAME` plays, and what its resume serves again (farm.demo_project)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from farm.catalog import load_project
from farm.demo_project import demo_project, generated_books
from farm.manifest import ProjectEntry
from farm.roundfile import parse_round
from runtime.scenarios.suite import load_suite
from workers.verify_job import suite_of

DEMO_ROUND = Path(__file__).resolve().parents[2] / "farm" / "demo_round.yaml"


def test_todo_is_the_demo_round_file_unchanged() -> None:
    data = yaml.safe_load(DEMO_ROUND.read_text())
    todo = demo_project("todo")
    assert todo.books == {} and todo.round_data(data) == data


def test_a_generated_project_has_its_own_book_requirements_and_golden_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    chosen = demo_project("reddit", "small")
    data = chosen.round_data(yaml.safe_load(DEMO_ROUND.read_text()))
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
        demo_project(name, size)
