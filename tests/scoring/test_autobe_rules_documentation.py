"""AutoBe's documentation counting rules (`document-quality.evaluator.ts`), each pinned on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.documentation import documentation_axis, header_count, is_boilerplate, keyword_count
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

BASIC = profiles.load("autobe-2026.03").rules  # the basic points (AutoBe before 5b40825)

PROSE = "Members keep a list of chores and mark each one done when they finish it. " * 4  # >= 200 chars, no keyword


def axis(root: Path, files: dict[str, str]):
    return documentation_axis(Project.load(write_tree(root, files)), BASIC)


def test_only_files_directly_in_docs_analysis_named_md_or_json_are_documents(tmp_path: Path) -> None:
    files = {"docs/analysis/a.md": PROSE, "docs/analysis/b.json": "{}", "docs/analysis/nested/c.md": PROSE,
             "docs/analysis/d.txt": PROSE, "docs/ERD.md": PROSE}
    result = axis(tmp_path, files)
    assert result.metrics["docsFiles"] == 2 and result.metrics["points"]["docsCount"] == 5
    assert result.metrics["totalChars"] == len(PROSE) + 2  # neither the subfolder, the .txt nor the ERD


def test_readme_adds_to_the_length_but_not_to_the_document_shares(tmp_path: Path) -> None:
    readme = "# App\n\n## Usage\n\nThe API must answer; the service shall log; the schema should hold.\n"
    result = axis(tmp_path, {"docs/analysis/a.md": PROSE, "README.md": readme})
    assert result.metrics["totalChars"] == len(PROSE) + len(readme)
    assert (result.metrics["documentsWithHeaders"], result.metrics["documentsWithRequirementKeywords"]) == (0, 0)


@pytest.mark.parametrize(
    ("text", "headers"),
    [("# A\n### B\n", 2), ("# A\n#### B\n", 1), ("#A\n## B\n", 1), ("  # A\n## B\n", 1),
     ("# A\r## B\r", 2),  # JavaScript's multi-line ^ also starts a line after a lone \r
     ("#\n\nword\n", 1)],  # its \s+ runs across the blank line to the next word
)
def test_a_header_is_one_to_three_hashes_then_whitespace_then_text(text: str, headers: int) -> None:
    assert header_count(text) == headers


@pytest.mark.parametrize(("level", "points"), [(3, 10), (4, 0)])
def test_two_headers_of_level_three_qualify_a_document_and_level_four_does_not(
    tmp_path: Path, level: int, points: int
) -> None:
    text = "# Title\n\n" + "#" * level + " Part\n\n" + PROSE
    assert axis(tmp_path, {"docs/analysis/a.md": text}).metrics["points"]["structure"] == points


@pytest.mark.parametrize(("occurrences", "points"), [(4, 0), (5, 10)])
def test_five_keyword_occurrences_qualify_a_document_repeats_included(
    tmp_path: Path, occurrences: int, points: int
) -> None:
    text = PROSE + " The app must work." * occurrences
    assert keyword_count(text) == occurrences
    assert axis(tmp_path, {"docs/analysis/a.md": text}).metrics["points"]["requirementLanguage"] == points


@pytest.mark.parametrize(("text", "count"), [("API api Api", 3), ("models entities fields", 0), ("data-model", 1)])
def test_keywords_are_whole_words_in_any_case(text: str, count: int) -> None:
    assert keyword_count(text) == count


@pytest.mark.parametrize(
    ("addition", "boilerplate"),
    [("", False), (" TODO: write this.", True), (" Each todo has a title.", True),
     (" The todos page lists them.", False),
     (" Section TBD.", True), (" Lorem Ipsum dolor.", True), (" A placeholders list.", False)],
)
def test_boilerplate_phrases_in_any_case_as_whole_words(addition: str, boilerplate: bool) -> None:
    assert is_boilerplate(PROSE + addition, BASIC) is boilerplate


@pytest.mark.parametrize(("chars", "boilerplate"), [(199, True), (200, False)])
def test_a_document_under_200_characters_once_trimmed_is_boilerplate(chars: int, boilerplate: bool) -> None:
    # the BOM is JavaScript whitespace
    assert is_boilerplate("\n\ufeff  " + "x" * chars + "  \n\n", BASIC) is boilerplate


def test_a_todo_app_loses_the_boilerplate_points(tmp_path: Path) -> None:
    files = {f"docs/analysis/{i}.md": PROSE + " Every todo belongs to one member." for i in range(3)}
    result = axis(tmp_path, files)
    assert result.metrics["points"]["noBoilerplate"] == 0
    assert [(i.code, i.severity) for i in result.issues if i.code == "DOC005"] == [("DOC005", "warning")]


@pytest.mark.parametrize(("occurrences", "points"), [(0, 0), (1, 3), (2, 3), (3, 5)])
def test_readme_section_words_are_counted_over_the_whole_text(tmp_path: Path, occurrences: int, points: int) -> None:
    # In prose, not headers, and repeats count; "Overview" and "License" are no section words.
    readme = "Overview. License. " + "See the deployment notes. " * occurrences
    result = axis(tmp_path, {"README.md": readme})
    assert result.metrics["readmeSectionWords"] == occurrences
    assert result.metrics["points"]["readmeQuality"] == points


@pytest.mark.parametrize(("emoji", "points"), [(999, 3), (1000, 5)])
def test_lengths_are_javascript_utf16_lengths(tmp_path: Path, emoji: int, points: int) -> None:
    result = axis(tmp_path, {"README.md": "\U0001f600" * emoji})  # each counts 2
    assert result.metrics["readmeChars"] == 2 * emoji
    assert result.metrics["points"]["readmeQuality"] == points


def test_line_ends_are_counted_as_written(tmp_path: Path) -> None:
    (tmp_path / "docs" / "analysis").mkdir(parents=True)
    (tmp_path / "docs" / "analysis" / "a.md").write_bytes(b"line\r\n" * 1000)  # 6000 characters with the \r
    assert axis(tmp_path, {}).metrics["points"]["volume"] == 5


def test_an_empty_docs_analysis_folder_still_earns_the_folder_points(tmp_path: Path) -> None:
    (tmp_path / "docs" / "analysis").mkdir(parents=True)
    result = axis(tmp_path, {"src/a.ts": "export const a = 1;\n"})
    assert result.metrics["points"]["docsFolder"] == 20 and result.metrics["docsFiles"] == 0
    assert result.score == 20


@pytest.mark.parametrize(("readme", "flagged"), [("plain words " * 10, True), ("# App\n" + "words " * 10, False),
                                                 ("x" * 500, False)])
def test_an_unstructured_short_readme_is_a_suggestion(tmp_path: Path, readme: str, flagged: bool) -> None:
    result = axis(tmp_path, {"README.md": readme})
    assert [(i.code, i.severity) for i in result.issues if i.code == "DOC006"] == (
        [("DOC006", "suggestion")] if flagged else [])
