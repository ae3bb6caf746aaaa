"""The built-in suites: sizes, category spread, real citations of our requirement texts, loading."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from runtime.scenarios.suite import CATEGORIES, Step, builtin_suites, expand, load_suite

MINIMUM = {"todo": 18, "reddit": 30, "shopping": 36, "erp": 30}


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_four_catalog_projects_have_suites() -> None:
    assert builtin_suites() == sorted(MINIMUM)


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_suite_size_and_category_spread(name: str) -> None:
    suite = load_suite(name)
    assert len(suite.scenarios) >= MINIMUM[name]
    spread = Counter(s.category for s in suite.scenarios)
    assert set(spread) == set(CATEGORIES)
    assert spread["negative"] >= 5


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_every_citation_quotes_the_requirement_line_it_names(name: str) -> None:
    suite = load_suite(name)
    lines = suite.requirements_path().read_text(encoding="utf-8").splitlines()
    for scenario in suite.scenarios:
        for cite in scenario.cites:
            window = _normal(" ".join(lines[cite.line - 1: cite.line + 3]))
            at = window.find(_normal(cite.text))
            assert 0 <= at < len(_normal(lines[cite.line - 1])), f"{scenario.id}: line {cite.line} {cite.text!r}"


@pytest.mark.parametrize("name", sorted(MINIMUM))
def test_every_step_expands_to_known_endpoints(name: str) -> None:
    suite = load_suite(name)
    for scenario in suite.scenarios:
        steps = expand(scenario.steps, suite.fragments)
        assert all(s.use is None for s in steps)
        assert {s.call for s in steps if s.call} <= set(suite.endpoints)


def test_fragments_bind_their_name_and_with_values() -> None:
    suite = load_suite("todo")
    steps = expand([Step.model_validate({"use": "todo", "as": "t", "with": {"owner": "alice"}})], suite.fragments)
    assert steps[0].set == {"t.owner": "alice"}
    create = steps[1]
    assert create.auth == "{{t.owner}}" and create.save == {"t.id": "$id"}
    assert create.body == {"title": "{{t.title|default:Todo}}"}


def test_a_custom_project_ships_its_suite_beside_its_requirements(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\n\n- Members write notes.\n", encoding="utf-8")
    (tmp_path / "notes.scenarios.yaml").write_text(
        "suite: notes\nrequirements: notes.md\n"
        "endpoints:\n  note.create: {method: POST, resource: note, shape: collection}\n"
        "scenarios:\n"
        "  - id: notes-crud-create\n    category: crud\n    intent: A member writes a note\n"
        "    cites: {line: 3, text: Members write notes}\n"
        "    steps: [{call: note.create, body: {text: hi}}]\n", encoding="utf-8")
    by_requirements = load_suite(tmp_path / "notes.md")
    by_path = load_suite(str(tmp_path / "notes.scenarios.yaml"))
    assert by_requirements.suite == by_path.suite == "notes"
    assert by_requirements.requirements_path() == tmp_path / "notes.md"


def test_unknown_suite_and_broken_suites_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no scenario suite"):
        load_suite("nope")
    broken = tmp_path / "x.scenarios.yaml"
    broken.write_text("suite: x\nrequirements: x.md\nendpoints: {}\nscenarios:\n"
                      "  - {id: x-a, category: crud, intent: i, cites: {line: 1, text: t},"
                      " steps: [{call: missing}]}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown endpoint 'missing'"):
        load_suite(broken)
    broken.write_text("suite: x\nrequirements: x.md\nendpoints: {}\nfragments:\n"
                      "  a: [{use: b, as: x}]\n  b: [{use: a, as: y}]\nscenarios:\n"
                      "  - {id: x-a, category: crud, intent: i, cites: {line: 1, text: t}, steps: [{use: a, as: z}]}\n",
                      encoding="utf-8")
    with pytest.raises(ValidationError, match="fragment cycle"):
        load_suite(broken)
