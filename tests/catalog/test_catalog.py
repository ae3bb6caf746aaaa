"""The project catalog: reference texts and user files, and the errors for everything else."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from farm.catalog import catalog_names, load_project


def test_reference_projects_load_and_grow_in_size() -> None:
    assert catalog_names() == ["todo", "reddit", "shopping", "erp"]
    projects = {name: load_project(name) for name in catalog_names()}
    for name, project in projects.items():
        assert project.name == name and project.source == "catalog"
        assert project.sha256 == hashlib.sha256(project.text.encode()).hexdigest()
        assert project.text.startswith("# ")
    lines = {name: len(p.text.splitlines()) for name, p in projects.items()}
    assert 60 <= lines["todo"] <= 100
    assert max(lines, key=lines.__getitem__) == "shopping"
    assert min(lines, key=lines.__getitem__) == "todo"


def test_reference_projects_cover_their_briefs() -> None:
    expected = {
        "todo": ["history", "trash", "soft delete", "filter", "sort"],
        "reddit": ["communit", "nested", "vote", "karma", "feed", "moderat"],
        "shopping": ["seller", "variant", "stock", "cart", "order", "payment", "shipping", "refund", "review", "admin"],
        "erp": ["organisation", "permission", "employee", "project", "task", "time log", "timesheet", "approv"],
    }
    for name, words in expected.items():
        text = load_project(name).text.lower()
        assert [w for w in words if w not in text] == [], name


def test_a_user_file_is_read_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    path = tmp_path / "specs" / "my_app-2.md"
    path.write_text("# My app\nA tiny app.\n", encoding="utf-8")
    project = load_project("specs/my_app-2.md", base_dir=tmp_path)
    assert project.name == "my_app-2" and project.source == str(path.resolve())
    assert project.text == "# My app\nA tiny app.\n"
    assert project.sha256 == hashlib.sha256(b"# My app\nA tiny app.\n").hexdigest()
    assert load_project(str(path)).sha256 == project.sha256  # absolute path, no base_dir


def test_a_txt_file_is_a_project_too(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Build a notes API.\n")
    assert load_project("notes.txt", base_dir=tmp_path).name == "notes"


@pytest.mark.parametrize("ref", ["twitter", "todo.yaml", ""])
def test_an_unknown_reference_names_it_and_the_catalog(ref: str) -> None:
    with pytest.raises(ValueError) as info:
        load_project(ref)
    message = str(info.value)
    assert repr(ref) in message and "todo, reddit, shopping, erp" in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file") as info:
        load_project("absent.md", base_dir=tmp_path)
    assert str(tmp_path / "absent.md") in str(info.value)


def test_an_unsafe_file_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "My App.md").write_text("# x\n")
    with pytest.raises(ValueError, match="'My App' must be a safe id"):
        load_project("My App.md", base_dir=tmp_path)


def test_empty_or_undecodable_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("  \n")
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ValueError, match="empty"):
        load_project("empty.md", base_dir=tmp_path)
    with pytest.raises(ValueError, match="cannot read"):
        load_project("binary.md", base_dir=tmp_path)
