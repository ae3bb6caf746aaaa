"""Documentation axis thresholds, both sides of each."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.axes.documentation import documentation_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

KEYWORDS_5 = "The system shall expose an endpoint; the database schema must keep one table per entity."
PROSE = "Plain prose describing what the app offers to its members in some detail. " * 4  # >= 200 chars


def axis(root: Path, files: dict[str, str]):
    return documentation_axis(Project.load(write_tree(root, files)))


def test_nothing_to_read_scores_zero(tmp_path: Path) -> None:
    result = axis(tmp_path, {"docs/other/a.md": PROSE, "src/a.ts": "export const a = 1;\n"})
    assert result.score == 0


@pytest.mark.parametrize(("count", "points"), [(1, 5), (2, 5), (3, 10), (4, 10), (5, 15), (6, 15)])
def test_docs_count_tiers(tmp_path: Path, count: int, points: int) -> None:
    files = {f"docs/analysis/{i}.md": PROSE for i in range(count)}
    result = axis(tmp_path, files)
    assert result.metrics["points"]["docsCount"] == points
    assert result.metrics["points"]["docsFolder"] == 20 and result.metrics["points"]["readme"] == 0


def test_erd_counts_as_a_docs_file_but_not_as_the_docs_folder(tmp_path: Path) -> None:
    result = axis(tmp_path, {"docs/ERD.md": PROSE, "README.md": PROSE})
    assert result.metrics["docsFiles"] == 1 and result.metrics["points"]["docsFolder"] == 0


@pytest.mark.parametrize(
    ("chars", "points"),
    [(4_999, 0), (5_000, 5), (19_999, 5), (20_000, 10), (49_999, 10), (50_000, 15)],
)
def test_volume_tiers_count_docs_and_readme(tmp_path: Path, chars: int, points: int) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": "x" * (chars - 1000), "README.md": "y" * 1000})
    assert result.metrics["totalChars"] == chars
    assert result.metrics["points"]["volume"] == points


def test_share_of_documents_with_two_headers_is_rounded_half_up(tmp_path: Path) -> None:
    two = "# Title\n\n## Part\n\n" + PROSE
    one = "# Title\n\n" + PROSE
    files = {"docs/analysis/a.md": two, "docs/analysis/b.md": one, "docs/analysis/c.md": one, "docs/analysis/d.md": one}
    result = axis(tmp_path, files)
    assert result.metrics["documentsWithHeaders"] == 1
    assert result.metrics["points"]["structure"] == 3  # round(10 * 0.25) = round(2.5) = 3, not banker's 2


@pytest.mark.parametrize(
    ("text", "qualifies"),
    [
        (KEYWORDS_5, True),  # shall, endpoint, database, schema, must, table, entity: 7 distinct
        ("The API shall, shall, shall, shall answer.", False),  # repeats count once: api, shall
        ("Endpoint API database schema.", False),  # 4 distinct
        ("Endpoint API database schema model.", True),  # 5 distinct, case-insensitive
    ],
)
def test_requirement_keywords_need_five_distinct(tmp_path: Path, text: str, qualifies: bool) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": text + "\n" + PROSE})
    assert result.metrics["points"]["requirementLanguage"] == (10 if qualifies else 0)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (PROSE, True),
        (PROSE + " Lorem ipsum dolor.", False),
        (PROSE + " Section coming soon.", False),
        (PROSE + " TODO: write this.", False),
        (PROSE + " TBD.", False),
        (PROSE + " Each todo item has a title.", True),  # the word, not the marker
        ("x" * 199, False),
        ("x" * 200, True),
    ],
)
def test_boilerplate_and_short_documents(tmp_path: Path, text: str, clean: bool) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": text})
    assert result.metrics["points"]["noBoilerplate"] == (5 if clean else 0)


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


@pytest.mark.parametrize(
    ("titles", "points"),
    [(["Part"], 1), (["Usage", "Part"], 1 + 3), (["Usage", "Installation"], 1 + 3), (["Usage", "Installation", "License"], 3 + 5)],
)
def test_readme_section_word_tiers(tmp_path: Path, titles: list[str], points: int) -> None:
    text = "".join(f"## {title}\n" for title in titles)
    result = axis(tmp_path, {"README.md": text})
    assert result.metrics["points"]["readmeQuality"] == points


def test_full_marks_are_capped_at_100(tmp_path: Path) -> None:
    doc = "# Requirements\n\n## Accounts\n\n" + KEYWORDS_5 + "\n" + "The system shall answer. " * 500
    readme = "# App\n\n## Overview\n\n## Installation\n\n## Usage\n\n## License\n\n" + "Words. " * 400
    files = {f"docs/analysis/{i}.md": doc for i in range(5)}
    result = axis(tmp_path, {**files, "README.md": readme})
    assert result.metrics["points"] == {
        "docsFolder": 20, "readme": 10, "docsCount": 15, "volume": 15, "structure": 10,
        "requirementLanguage": 10 * 5 // 6, "noBoilerplate": 5, "readmeQuality": 15,
    }
    assert result.score == 20 + 10 + 15 + 15 + 10 + 8 + 5 + 15
