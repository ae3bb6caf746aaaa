"""Documentation axis: analysis documents and README (rubric §2, Documentation)."""

from __future__ import annotations

import re

from scoring.axes.base import AxisResult, tiered
from scoring.project import Project
from scoring.rounding import ratio, round_half_up

REQUIREMENT_KEYWORDS = (
    "shall", "must", "should", "endpoint", "api", "database", "schema", "model", "entity", "table", "column",
    "field", "interface", "controller", "provider", "service", "authentication", "authorization",
)
README_SECTION_WORDS = (
    "overview", "features", "installation", "install", "setup", "getting started", "usage", "configuration",
    "environment", "api", "endpoints", "architecture", "structure", "requirements", "testing", "tests",
    "development", "deployment", "license", "contributing",
)
MIN_DOCUMENT_CHARS = 200
_HEADER = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<title>\S.*)$", re.MULTILINE)
_KEYWORD = re.compile(r"\b(" + "|".join(REQUIREMENT_KEYWORDS) + r")\b", re.IGNORECASE)
# Placeholder phrases are matched in any case; TODO / TBD only as the upper-case markers, because the
# word "todo" is ordinary vocabulary in a todo-list project's requirements.
_BOILERPLATE = re.compile(r"lorem ipsum|placeholder|coming soon|work in progress|(?-i:\bTODO\b|\bTBD\b)", re.IGNORECASE)
_SECTION_WORD = re.compile(r"\b(" + "|".join(README_SECTION_WORDS) + r")\b", re.IGNORECASE)


def _headers(text: str) -> list[str]:
    return [match.group("title") for match in _HEADER.finditer(text)]


def _readme_quality(text: str) -> tuple[int, dict[str, int]]:
    headers = _headers(text)
    sections = {match.group(1).lower() for title in headers for match in _SECTION_WORD.finditer(title)}
    length_points = tiered(len(text), ((2000, 5), (500, 3), (100, 1)))
    header_points = tiered(len(headers), ((5, 5), (3, 3), (1, 1)))
    section_points = tiered(len(sections), ((3, 5), (1, 3)))
    metrics = {"readmeChars": len(text), "readmeHeaders": len(headers), "readmeSectionWords": len(sections)}
    return length_points + header_points + section_points, metrics


def documentation_axis(project: Project) -> AxisResult:
    tree = project.tree
    docs = tree.docs
    readme = tree.readme
    if not tree.analysis_docs and readme is None:
        return AxisResult("documentation", 0, {"docsFolder": False, "readme": False, "docsFiles": len(docs)})
    documents = docs + ([readme] if readme else [])
    texts = {path: tree.text(path) for path in documents}
    total_chars = sum(len(text) for text in texts.values())
    with_headers = sum(1 for text in texts.values() if len(_headers(text)) >= 2)
    with_keywords = sum(1 for text in texts.values()
                        if len({m.group(1).lower() for m in _KEYWORD.finditer(text)}) >= 5)
    clean = sum(1 for text in texts.values() if len(text) >= MIN_DOCUMENT_CHARS and not _BOILERPLATE.search(text))
    readme_points, readme_metrics = _readme_quality(texts[readme]) if readme else (0, {})
    parts = {
        "docsFolder": 20 if tree.analysis_docs else 0,
        "readme": 10 if readme else 0,
        "docsCount": tiered(len(docs), ((5, 15), (3, 10), (1, 5))),
        "volume": tiered(total_chars, ((50_000, 15), (20_000, 10), (5_000, 5))),
        "structure": round_half_up(10 * ratio(with_headers, len(documents))),
        "requirementLanguage": round_half_up(10 * ratio(with_keywords, len(documents))),
        "noBoilerplate": round_half_up(5 * ratio(clean, len(documents))),
        "readmeQuality": readme_points,
    }
    metrics = {
        "docsFiles": len(docs), "documents": len(documents), "totalChars": total_chars,
        "documentsWithHeaders": with_headers, "documentsWithRequirementKeywords": with_keywords,
        "documentsFreeOfBoilerplate": clean, **readme_metrics, "points": parts,
    }
    return AxisResult("documentation", min(100, sum(parts.values())), metrics)
