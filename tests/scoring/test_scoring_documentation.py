"""Documentation axis: each tier and share from both sides (AutoBe's counting rules:
test_autobe_rules_documentation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.documentation import documentation_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

BASIC = profiles.load("autobe-2026.03").rules  # the basic points (AutoBe before 5b40825)

KEYWORDS_5 = "The system shall expose an endpoint; the database schema must keep one table per entity."
PROSE = "Plain prose describing what the app offers to its members in some detail. " * 4  # >= 200 chars


def axis(root: Path, files: dict[str, str]):
    return documentation_axis(Project.load(write_tree(root, files)), BASIC)


def test_nothing_to_read_scores_zero(tmp_path: Path) -> None:
    result = axis(tmp_path, {"docs/other/a.md": PROSE, "src/a.ts": "export const a = 1;\n"})
    assert result.score == 0
    assert [(i.code, i.severity) for i in result.issues] == [("DOC001", "critical")]


@pytest.mark.parametrize(("count", "points"), [(1, 5), (2, 5), (3, 10), (4, 10), (5, 15), (6, 15)])
def test_docs_count_tiers(tmp_path: Path, count: int, points: int) -> None:
    files = {f"docs/analysis/{i}.md": PROSE for i in range(count)}
    result = axis(tmp_path, files)
    assert result.metrics["points"]["docsCount"] == points
    assert result.metrics["points"]["docsFolder"] == 20 and result.metrics["points"]["readme"] == 0


@pytest.mark.parametrize(
    ("chars", "points"),
    [(4_999, 0), (5_000, 5), (19_999, 5), (20_000, 10), (49_999, 10), (50_000, 15)],
)
def test_volume_tiers_count_docs_and_readme(tmp_path: Path, chars: int, points: int) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": "x" * (chars - 1000), "README.md": "y" * 1000})
    assert result.metrics["totalChars"] == chars
    assert result.metrics["points"]["volume"] == points
    assert ("DOC004" in {i.code for i in result.issues}) is (chars < 5_000)


def test_share_of_documents_with_two_headers_is_rounded_half_up(tmp_path: Path) -> None:
    two = "# Title\n\n## Part\n\n" + PROSE
    one = "# Title\n\n" + PROSE
    files = {"docs/analysis/a.md": two, "docs/analysis/b.md": one, "docs/analysis/c.md": one, "docs/analysis/d.md": one}
    result = axis(tmp_path, files)
    assert result.metrics["documentsWithHeaders"] == 1
    assert result.metrics["points"]["structure"] == 3  # round(10 * 0.25) = round(2.5) = 3, not banker's 2


def test_requirement_language_share(tmp_path: Path) -> None:
    files = {"docs/analysis/a.md": KEYWORDS_5 + "\n" + PROSE, "docs/analysis/b.md": PROSE, "docs/analysis/c.md": PROSE}
    result = axis(tmp_path, files)
    assert result.metrics["documentsWithRequirementKeywords"] == 1
    assert result.metrics["points"]["requirementLanguage"] == 3  # round(10 / 3)


def test_boilerplate_share_and_its_warning(tmp_path: Path) -> None:
    files = {"docs/analysis/a.md": PROSE, "docs/analysis/b.md": PROSE + " Coming soon.", "docs/analysis/c.md": "short"}
    result = axis(tmp_path, files)
    assert result.metrics["documentsWithBoilerplate"] == 2
    assert result.metrics["points"]["noBoilerplate"] == 2  # round(5 / 3)
    assert [(i.code, i.severity) for i in result.issues if i.code == "DOC005"] == [("DOC005", "warning")]


@pytest.mark.parametrize(
    ("length", "points"), [(99, 0), (100, 1), (499, 1), (500, 3), (1_999, 3), (2_000, 5)],
)
def test_readme_length_tiers(tmp_path: Path, length: int, points: int) -> None:
    result = axis(tmp_path, {"README.md": "r" * length})
    assert result.metrics["points"]["readmeQuality"] == points


@pytest.mark.parametrize(("headers", "points"), [(0, 0), (1, 1), (2, 1), (3, 3), (4, 3), (5, 5)])
def test_readme_header_tiers(tmp_path: Path, headers: int, points: int) -> None:
    text = "".join(f"# Part {i}\n\ntext\n" for i in range(headers))
    result = axis(tmp_path, {"README.md": text})
    assert result.metrics["readmeHeaders"] == headers
    assert result.metrics["points"]["readmeQuality"] == points + (1 if len(text) >= 100 else 0)


@pytest.mark.parametrize(("words", "points"), [(0, 0), (1, 3), (2, 3), (3, 5)])
def test_readme_section_word_tiers(tmp_path: Path, words: int, points: int) -> None:
    result = axis(tmp_path, {"README.md": "See the usage notes. " * words + "x"})
    assert result.metrics["readmeSectionWords"] == words
    assert result.metrics["points"]["readmeQuality"] == points


def test_missing_parts_are_warnings(tmp_path: Path) -> None:
    only_readme = axis(tmp_path / "a", {"README.md": "# App\n\n" + PROSE})
    only_docs = axis(tmp_path / "b", {"docs/analysis/a.md": PROSE})
    assert [i.code for i in only_readme.issues if i.severity == "warning"] == ["DOC002"]
    assert [i.code for i in only_docs.issues if i.severity == "warning"] == ["DOC003"]


def test_full_marks_add_up_to_100(tmp_path: Path) -> None:
    doc = "# Requirements\n\n## Accounts\n\n" + KEYWORDS_5 + "\n" + "The system shall answer. " * 500
    readme = "# App\n\n## Overview\n\n## Installation\n\n## Usage\n\n## Deployment\n\n" + "Words. " * 400
    files = {f"docs/analysis/{i}.md": doc for i in range(5)}
    result = axis(tmp_path, {**files, "README.md": readme})
    assert result.metrics["points"] == {
        "docsFolder": 20, "readme": 10, "docsCount": 15, "volume": 15, "structure": 10,
        "requirementLanguage": 10, "noBoilerplate": 5, "readmeQuality": 15,
    }
    assert result.score == 100
