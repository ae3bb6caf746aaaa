"""Documentation axis (rubric §2), counted as AutoBe's `document-quality.evaluator.ts` counts.

AutoBe reads the files directly inside `docs/analysis/` whose names end `.md` or `.json` (no subfolder,
so not the ERD) plus the README, whose length joins the total but whose text joins no per-document
share. Its regular expressions are kept with their JavaScript meaning: `^` after any line terminator,
JavaScript whitespace, ASCII word boundaries, ASCII-only case folding; lengths are UTF-16 lengths.
Two generations of its points exist (the `documentation` rule): the basic tiers here, the graded
ones in `documentation_graded.py`; reading the tree and the findings are shared.
"""

from __future__ import annotations

import posixpath
import re

from scoring.axes.base import AxisResult, tiered
from scoring.axes.documentation_graded import graded_points
from scoring.axes.documentation_text import WORDS, Documents, Points, header_count, keyword_count
from scoring.penalties import js_length, js_source, js_trim
from scoring.profiles import Rules
from scoring.project import Project
from scoring.report import Issue, Metric, Severity
from scoring.rounding import ratio, round_half_up
from scoring.tree import ProjectTree

ANALYSIS_DIR = "docs/analysis"
ANALYSIS_SUFFIXES = (".md", ".json")
PLACEHOLDER_PHRASES = ("lorem ipsum", "placeholder", "coming soon", "work in progress")
# AutoBe's placeholder words beyond those phrases, in any case: the basic list has "todo" (so a todo app's
# documents all "contain boilerplate"), the graded one dropped it.
AUTOBE_PLACEHOLDER_WORDS = {"basic": ("todo", "tbd"), "graded": ("tbd",)}
README_SECTION_WORDS = (
    "installation", "setup", "getting started", "usage", "api", "architecture", "endpoints", "configuration",
    "environment", "deployment",
)
MIN_HEADERS = 2
MIN_KEYWORDS = 5
MIN_DOCUMENT_CHARS = 200
SPARSE_CHARS = 5_000
UNSTRUCTURED_CHARS = 500  # a README without header under this length
_PLACEHOLDERS = {variant: re.compile(r"\b(?:" + "|".join((*PLACEHOLDER_PHRASES, *words)) + r")\b", WORDS)
                 for variant, words in AUTOBE_PLACEHOLDER_WORDS.items()}
_PLACEHOLDER_PHRASE = re.compile(r"\b(?:" + "|".join(PLACEHOLDER_PHRASES) + r")\b", WORDS)
_UPPER_CASE_MARKER = re.compile(r"\b(?:TODO|TBD)\b", re.ASCII)
_SECTION_WORD = re.compile(r"\b(?:" + "|".join(README_SECTION_WORDS) + r")\b", WORDS)


def analysis_documents(tree: ProjectTree) -> list[str]:
    """The analysis documents AutoBe lists: files directly in docs/analysis/ named *.md or *.json."""
    return [f for f in tree.files if posixpath.dirname(f) == ANALYSIS_DIR and f.endswith(ANALYSIS_SUFFIXES)]


def is_boilerplate(text: str, rules: Rules) -> bool:
    """A placeholder word (which ones, and in which case, by the rules), or under 200 characters once trimmed."""
    if rules.boilerplate == "upper_case_markers":
        placeholder = _PLACEHOLDER_PHRASE.search(text) or _UPPER_CASE_MARKER.search(text)
    else:
        placeholder = _PLACEHOLDERS[rules.documentation].search(text)
    return placeholder is not None or js_length(js_trim(text)) < MIN_DOCUMENT_CHARS


def _readme_quality(text: str) -> tuple[int, dict[str, Metric]]:
    headers = header_count(text)
    sections = len(_SECTION_WORD.findall(text))
    length = js_length(text)
    points = (tiered(length, ((2000, 5), (500, 3), (100, 1))) + tiered(headers, ((5, 5), (3, 3), (1, 1)))
              + tiered(sections, ((3, 5), (1, 3))))
    return points, {"readmeChars": length, "readmeHeaders": headers, "readmeSectionWords": sections}


def basic_points(docs: Documents) -> Points:
    """AutoBe's tiers before 5b40825: fixed points for the folder and README, tiers of file count and length,
    shares of documents with 2 headers, with 5 keyword occurrences, without boilerplate."""
    texts = docs.texts
    with_headers = sum(1 for text in texts if header_count(text) >= MIN_HEADERS)
    with_keywords = sum(1 for text in texts if keyword_count(text) >= MIN_KEYWORDS)
    readme_points, readme_metrics = _readme_quality(docs.readme_text) if docs.readme else (0, {})
    parts = {
        "docsFolder": 20 if docs.folder else 0,
        "readme": 10 if docs.readme else 0,
        "docsCount": tiered(len(texts), ((5, 15), (3, 10), (1, 5))),
        "volume": tiered(docs.total_chars, ((50_000, 15), (20_000, 10), (5_000, 5))),
        "structure": round_half_up(10 * ratio(with_headers, len(texts))),
        "requirementLanguage": round_half_up(10 * ratio(with_keywords, len(texts))),
        "noBoilerplate": round_half_up(5 * ratio(len(texts) - docs.boilerplate, len(texts))),
        "readmeQuality": readme_points,
    }
    return parts, {"documentsWithHeaders": with_headers, "documentsWithRequirementKeywords": with_keywords,
                   **readme_metrics}


def _finding(code: str, severity: Severity, file: str, message: str) -> Issue:
    """AutoBe's documentation findings concern the project, so de-duplication keeps one per code."""
    return Issue(code=code, severity=severity, file=file, line=0, message=message)


def _findings(docs: Documents) -> list[Issue]:
    found = []
    if not docs.folder:
        found.append(_finding("DOC002", "warning", ANALYSIS_DIR, "missing docs/analysis/ folder"))
    if docs.readme is None:
        found.append(_finding("DOC003", "warning", "README.md", "missing README.md"))
    if docs.total_chars < SPARSE_CHARS:
        found.append(_finding("DOC004", "suggestion", "docs", "documentation is sparse: under 5000 characters"))
    if docs.boilerplate:
        found.append(_finding("DOC005", "warning", ANALYSIS_DIR,
                              f"{docs.boilerplate} analysis document(s) hold boilerplate or minimal content"))
    length = js_length(docs.readme_text)
    if docs.readme and not header_count(docs.readme_text) and 0 < length < UNSTRUCTURED_CHARS:
        found.append(_finding("DOC006", "suggestion", docs.readme,
                              "README lacks structure: no header, under 500 chars"))
    return found


def documentation_axis(project: Project, rules: Rules) -> AxisResult:
    tree = project.tree
    readme = tree.readme
    folder = (tree.root / ANALYSIS_DIR).exists()
    if not folder and readme is None:
        return AxisResult("documentation", 0, {"docsFolder": False, "readme": False, "docsFiles": 0}, [
            _finding("DOC001", "critical", "docs", "no documentation: neither docs/analysis/ nor README.md")])
    texts = [js_source(tree, path) for path in analysis_documents(tree)]
    readme_text = js_source(tree, readme) if readme else ""
    docs = Documents(folder=folder, readme=readme, texts=texts, readme_text=readme_text,
                     total_chars=sum(js_length(text) for text in texts) + js_length(readme_text),
                     boilerplate=sum(1 for text in texts if is_boilerplate(text, rules)),
                     controllers=len(tree.controllers))
    parts, details = (basic_points if rules.documentation == "basic" else graded_points)(docs)
    metrics = {"docsFolder": folder, "docsFiles": len(texts), "totalChars": docs.total_chars,
               "documentsWithBoilerplate": docs.boilerplate, **details, "points": parts}
    return AxisResult("documentation", max(0, min(100, sum(parts.values()))), metrics, _findings(docs))
