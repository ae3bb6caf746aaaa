"""Documentation axis (rubric §2), counted as AutoBe's `document-quality.evaluator.ts` counts.

AutoBe reads the files directly inside `docs/analysis/` whose names end `.md` or `.json` (no subfolder,
so not the ERD) plus the README, whose length joins the total but whose text joins no per-document
share. Its regular expressions are kept with their JavaScript meaning: `^` after any line terminator,
JavaScript whitespace, ASCII word boundaries, ASCII-only case folding; lengths are UTF-16 lengths.
"""

from __future__ import annotations

import posixpath
import re

from scoring.axes.base import AxisResult, tiered
from scoring.penalties import JS_NON_SPACE, JS_SPACE, js_length, js_source, js_trim
from scoring.project import Project
from scoring.report import Issue, Severity
from scoring.rounding import ratio, round_half_up
from scoring.tree import ProjectTree

ANALYSIS_DIR = "docs/analysis"
ANALYSIS_SUFFIXES = (".md", ".json")
REQUIREMENT_KEYWORDS = (
    "shall", "must", "should", "endpoint", "api", "database", "schema", "model", "entity", "table", "column",
    "field", "interface", "controller", "provider", "service", "authentication", "authorization",
)
BOILERPLATE_PHRASES = ("lorem ipsum", "placeholder", "todo", "tbd", "coming soon", "work in progress")
README_SECTION_WORDS = (
    "installation", "setup", "getting started", "usage", "api", "architecture", "endpoints", "configuration",
    "environment", "deployment",
)
MIN_HEADERS = 2
MIN_KEYWORDS = 5
MIN_DOCUMENT_CHARS = 200
SPARSE_CHARS = 5_000
UNSTRUCTURED_CHARS = 500  # a README without header under this length
_WORDS = re.IGNORECASE | re.ASCII  # JavaScript's /i folds ASCII only without the u flag; its \b is ASCII
_JS_LINE_START = "(?:\\A|(?<=[\n\r\u2028\u2029]))"
_HEADER = re.compile(f"{_JS_LINE_START}#{{1,3}}{JS_SPACE}+{JS_NON_SPACE}")
_KEYWORD = re.compile(r"\b(?:" + "|".join(REQUIREMENT_KEYWORDS) + r")\b", _WORDS)
_BOILERPLATE = re.compile(r"\b(?:" + "|".join(BOILERPLATE_PHRASES) + r")\b", _WORDS)
_SECTION_WORD = re.compile(r"\b(?:" + "|".join(README_SECTION_WORDS) + r")\b", _WORDS)


def analysis_documents(tree: ProjectTree) -> list[str]:
    """The analysis documents AutoBe lists: files directly in docs/analysis/ named *.md or *.json."""
    return [f for f in tree.files if posixpath.dirname(f) == ANALYSIS_DIR and f.endswith(ANALYSIS_SUFFIXES)]


def header_count(text: str) -> int:
    """Markdown headers of level 1-3; `####` is not one (its fourth `#` is no whitespace)."""
    return len(_HEADER.findall(text))


def keyword_count(text: str) -> int:
    """Occurrences of requirement keywords, each repeat counted."""
    return len(_KEYWORD.findall(text))


def is_boilerplate(text: str) -> bool:
    """A placeholder phrase in any case (so the word "todo" too), or under 200 characters once trimmed."""
    return _BOILERPLATE.search(text) is not None or js_length(js_trim(text)) < MIN_DOCUMENT_CHARS


def _readme_quality(text: str) -> tuple[int, dict[str, int]]:
    headers = header_count(text)
    sections = len(_SECTION_WORD.findall(text))
    length = js_length(text)
    points = (tiered(length, ((2000, 5), (500, 3), (100, 1))) + tiered(headers, ((5, 5), (3, 3), (1, 1)))
              + tiered(sections, ((3, 5), (1, 3))))
    return points, {"readmeChars": length, "readmeHeaders": headers, "readmeSectionWords": sections}


def _finding(code: str, severity: Severity, file: str, message: str) -> Issue:
    """AutoBe's documentation findings concern the project, so de-duplication keeps one per code."""
    return Issue(code=code, severity=severity, file=file, line=0, message=message)


def _findings(folder: bool, readme: str | None, total_chars: int, boilerplate: int,
              readme_metrics: dict[str, int]) -> list[Issue]:
    found = []
    if not folder:
        found.append(_finding("DOC002", "warning", ANALYSIS_DIR, "missing docs/analysis/ folder"))
    if readme is None:
        found.append(_finding("DOC003", "warning", "README.md", "missing README.md"))
    if total_chars < SPARSE_CHARS:
        found.append(_finding("DOC004", "suggestion", "docs", "documentation is sparse: under 5000 characters"))
    if boilerplate:
        found.append(_finding("DOC005", "warning", ANALYSIS_DIR,
                              f"{boilerplate} analysis document(s) hold boilerplate or minimal content"))
    if readme and not readme_metrics["readmeHeaders"] and 0 < readme_metrics["readmeChars"] < UNSTRUCTURED_CHARS:
        found.append(_finding("DOC006", "suggestion", readme, "README lacks structure: no header, under 500 chars"))
    return found


def documentation_axis(project: Project) -> AxisResult:
    tree = project.tree
    docs = analysis_documents(tree)
    readme = tree.readme
    folder = (tree.root / ANALYSIS_DIR).exists()
    if not folder and readme is None:
        return AxisResult("documentation", 0, {"docsFolder": False, "readme": False, "docsFiles": 0}, [
            _finding("DOC001", "critical", "docs", "no documentation: neither docs/analysis/ nor README.md")])
    texts = [js_source(tree, path) for path in docs]
    readme_text = js_source(tree, readme) if readme else ""
    total_chars = sum(js_length(text) for text in texts) + js_length(readme_text)
    with_headers = sum(1 for text in texts if header_count(text) >= MIN_HEADERS)
    with_keywords = sum(1 for text in texts if keyword_count(text) >= MIN_KEYWORDS)
    boilerplate = sum(1 for text in texts if is_boilerplate(text))
    readme_points, readme_metrics = _readme_quality(readme_text) if readme else (0, {})
    parts = {
        "docsFolder": 20 if folder else 0,
        "readme": 10 if readme else 0,
        "docsCount": tiered(len(docs), ((5, 15), (3, 10), (1, 5))),
        "volume": tiered(total_chars, ((50_000, 15), (20_000, 10), (5_000, 5))),
        "structure": round_half_up(10 * ratio(with_headers, len(texts))),
        "requirementLanguage": round_half_up(10 * ratio(with_keywords, len(texts))),
        "noBoilerplate": round_half_up(5 * ratio(len(texts) - boilerplate, len(texts))),
        "readmeQuality": readme_points,
    }
    metrics = {
        "docsFolder": folder, "docsFiles": len(docs), "totalChars": total_chars,
        "documentsWithHeaders": with_headers, "documentsWithRequirementKeywords": with_keywords,
        "documentsWithBoilerplate": boilerplate, **readme_metrics, "points": parts,
    }
    issues = _findings(folder, readme, total_chars, boilerplate, readme_metrics)
    return AxisResult("documentation", min(100, sum(parts.values())), metrics, issues)
