"""The documentation switches, each pinned on both sides: `documentation` (AutoBe's basic tiers in March, its
graded points from 5b40825 in April and benchfarm) and `boilerplate` (AutoBe's words in any case, or benchfarm's
upper-case TODO/TBD)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.base import AxisResult
from scoring.axes.documentation import documentation_axis, is_boilerplate
from scoring.axes.documentation_graded import file_count_points, word_count
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

MARCH, APRIL, BENCHFARM = (profiles.load(p).rules for p in ("autobe-2026.03", "autobe-2026.04", "benchfarm-2026.12"))
PROSE = "Members keep a list of chores and mark each one done when they finish it. " * 4  # 300 chars, 60 words


def axis(root: Path, files: dict[str, str], rules=APRIL) -> AxisResult:
    return documentation_axis(Project.load(write_tree(root, files)), rules)


def content(result: AxisResult) -> dict[str, int]:
    return result.metrics["contentPoints"]


@pytest.mark.parametrize(("files", "points"), [(0, 0), (1, 3), (2, 4), (5, 8), (9, 14), (10, 15), (12, 15)])
def test_graded_file_count_is_interpolated(files: int, points: int) -> None:
    assert file_count_points(files) == points  # round(3 + (n - 1) / 9 * 12) from 1 to 9 files


@pytest.mark.parametrize(("files", "graded", "basic"), [(1, 3, 5), (3, 6, 10), (5, 8, 15)])
def test_file_count_points_by_generation(tmp_path: Path, files: int, graded: int, basic: int) -> None:
    docs = {f"docs/analysis/{i}.md": PROSE for i in range(files)}
    assert axis(tmp_path / "g", docs).metrics["points"]["docsCount"] == graded
    assert axis(tmp_path / "b", docs, MARCH).metrics["points"]["docsCount"] == basic


@pytest.mark.parametrize(("controllers", "chars", "points"), [(0, 2_500, 8), (0, 4_999, 15), (0, 5_000, 15),
                                                              (3, 3_000, 8), (3, 5_999, 15), (3, 6_000, 15),
                                                              (3, 2_999, 7)])
def test_graded_volume_is_the_length_against_2000_chars_per_controller(
    tmp_path: Path, controllers: int, chars: int, points: int
) -> None:
    files = {"docs/analysis/a.md": "x" * chars,
             **{f"src/controllers/C{i}Controller.ts": "export class C {}\n" for i in range(controllers)}}
    result = axis(tmp_path, files)
    assert result.metrics["expectedChars"] == max(5_000, controllers * 2_000)
    assert result.metrics["points"]["volume"] == points
    assert axis(tmp_path, files, MARCH).metrics["points"]["volume"] == (5 if chars >= 5_000 else 0)  # basic tiers


@pytest.mark.parametrize(("headers", "points"), [(1, 0), (2, 3), (4, 3), (5, 7), (7, 7), (8, 10)])
def test_graded_headers_per_document(tmp_path: Path, headers: int, points: int) -> None:
    text = "".join(f"## Part {i}\n\n" for i in range(headers)) + PROSE
    assert content(axis(tmp_path, {"docs/analysis/a.md": text}))["structure"] == points
    assert axis(tmp_path, {"docs/analysis/a.md": text}, MARCH).metrics["points"]["structure"] == (
        10 if headers >= 2 else 0)  # basic: 2 headers qualify a document for all of it


def test_graded_headers_average_over_documents(tmp_path: Path) -> None:
    rich = "".join(f"# H{i}\n" for i in range(8)) + PROSE
    assert content(axis(tmp_path, {"docs/analysis/a.md": rich, "docs/analysis/b.md": PROSE}))["structure"] == 5


@pytest.mark.parametrize(("occurrences", "points"), [(4, 0), (5, 2), (14, 2), (15, 5), (29, 5), (30, 10)])
def test_graded_keyword_occurrences_per_document(tmp_path: Path, occurrences: int, points: int) -> None:
    text = PROSE + " The app must work." * occurrences
    assert content(axis(tmp_path, {"docs/analysis/a.md": text}))["requirementLanguage"] == points


@pytest.mark.parametrize(("boilerplate", "of", "penalty"), [(0, 3, 0), (1, 3, -5), (2, 3, -10), (3, 3, -10)])
def test_graded_boilerplate_is_a_penalty_of_at_most_10(tmp_path: Path, boilerplate: int, of: int, penalty: int) -> None:
    docs = {f"docs/analysis/{i}.md": PROSE + (" Coming soon." if i < boilerplate else "") for i in range(of)}
    result = axis(tmp_path, docs)
    assert content(result)["boilerplate"] == penalty  # -min(10, round(share * 15))
    assert result.metrics["documentsWithBoilerplate"] == boilerplate


def test_graded_content_points_are_floored_at_zero_together(tmp_path: Path) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": "Coming soon."})  # boilerplate -10, nothing else but 1 word
    assert content(result)["boilerplate"] == -10 and result.metrics["points"]["content"] == 0


@pytest.mark.parametrize(("text", "words"), [("a b  c", 3), (" a", 2), ("a\n", 2), ("", 1), ("\ufeffa", 2)])
def test_words_are_counted_as_javascript_splits_them(text: str, words: int) -> None:
    assert word_count(text) == words  # a leading or trailing run adds an empty word; the BOM is whitespace


@pytest.mark.parametrize(("words", "points"), [(99, 0), (100, 2), (199, 2), (200, 4), (500, 7), (1000, 10)])
def test_graded_depth_is_the_mean_word_count(tmp_path: Path, words: int, points: int) -> None:
    assert content(axis(tmp_path, {"docs/analysis/a.md": " ".join(["chore"] * words)}))["depth"] == points


@pytest.mark.parametrize(("text", "points"), [("chores", 0), ("an endpoint", 2), ("an endpoint, a role, a test", 5),
                                              ("ERD, API, auth, spec, docker, validation", 10),
                                              ("entity-relationship", 2), ("CI/CD", 2), ("database\n design", 2)])
def test_graded_topics(tmp_path: Path, text: str, points: int) -> None:
    assert content(axis(tmp_path, {"docs/analysis/a.md": text + ". " + PROSE}))["topics"] == points


@pytest.mark.parametrize(
    ("readme", "points"),
    [("r" * 499, 1), ("r" * 500, 2), ("r" * 1_500, 3), ("r" * 3_000, 5),  # length
     ("# A\n", 1 + 1), ("# A\n# B\n", 1 + 2), ("# A\n" * 5, 1 + 3), ("# A\n" * 8, 1 + 5),  # headers
     ("build, run", 1 + 1), ("build, build, usage", 1 + 3), ("build " * 5, 1 + 5),  # section words
     ("```", 1), ("```\nnpm i\n```", 1 + 3), ("```\n```\n" * 3, 1 + 5)],  # code blocks: fences / 2
)
def test_graded_readme(tmp_path: Path, readme: str, points: int) -> None:
    assert axis(tmp_path, {"README.md": readme}).metrics["points"]["readmeQuality"] == points


def test_graded_folder_and_readme_points(tmp_path: Path) -> None:
    result = axis(tmp_path, {"docs/analysis/a.md": PROSE, "README.md": "# App\n"})
    assert (result.metrics["points"]["docsFolder"], result.metrics["points"]["readme"]) == (10, 5)
    basic = axis(tmp_path, {}, MARCH).metrics["points"]
    assert (basic["docsFolder"], basic["readme"]) == (20, 10)


@pytest.mark.parametrize(
    ("addition", "march", "april", "benchfarm"),
    [("", False, False, False),
     (" Each todo has a title.", True, False, False),  # AutoBe's basic list has "todo"; a todo app loses points
     (" TODO: write this.", True, False, True),  # the graded list dropped it; benchfarm: a marker in upper case
     (" Section tbd.", True, True, False),  # AutoBe: any case; benchfarm: the marker only as "TBD"
     (" Section TBD.", True, True, True),
     (" Lorem Ipsum dolor.", True, True, True)],  # the phrases stay in any case everywhere
)
def test_boilerplate_words_by_profile(addition: str, march: bool, april: bool, benchfarm: bool) -> None:
    text = PROSE + addition
    assert (is_boilerplate(text, MARCH), is_boilerplate(text, APRIL), is_boilerplate(text, BENCHFARM)) == (
        march, april, benchfarm)


def test_upper_case_markers_under_the_basic_points(tmp_path: Path) -> None:
    # The boilerplate switch is independent of the generation: benchfarm's markers with AutoBe's basic points.
    rules = MARCH.model_copy(update={"boilerplate": "upper_case_markers"})
    docs = {"docs/analysis/a.md": PROSE + " Each todo has a title.", "docs/analysis/b.md": PROSE + " TODO."}
    assert axis(tmp_path, docs, rules).metrics["points"]["noBoilerplate"] == 3  # round(5 * 1/2)
    assert axis(tmp_path, docs, MARCH).metrics["points"]["noBoilerplate"] == 0
