"""AutoBe's graded documentation points (its `document-quality.evaluator.ts` since 5b40825, April 2026).

Where the basic points give tiers and shares, these interpolate: the file count, the length against
2,000 characters per controller file, headers and keyword occurrences graded per document, a penalty
for boilerplate, the mean word count, the topics the documents touch, and the README's code blocks.
"""

from __future__ import annotations

import re

from scoring.axes.base import tiered
from scoring.axes.documentation_text import WORDS, Documents, Points, header_count, keyword_count
from scoring.penalties import JS_DOT, JS_SPACE, js_length
from scoring.report import Metric
from scoring.rounding import ratio, round_half_up

MAX_INTERPOLATED_FILES = 10
CHARS_PER_CONTROLLER = 2_000
MIN_EXPECTED_CHARS = 5_000
HEADER_GRADES = ((8, 1.0), (5, 0.7), (2, 0.3))  # headers in a document -> its share of the structure points
KEYWORD_GRADES = ((30, 1.0), (15, 0.5), (5, 0.2))
MEAN_WORD_TIERS = ((1000, 10), (500, 7), (200, 4), (100, 2))
README_SECTION_WORDS = (
    "installation", "setup", "getting started", "usage", "api", "architecture", "endpoints", "configuration",
    "environment", "deployment", "prerequisites", "running", "build",
)
_TOPICS = tuple(re.compile(pattern, WORDS) for pattern in (
    rf"\b(?:erd|entity{JS_DOT}?relationship|database{JS_SPACE}+design)\b",
    r"\b(?:api|endpoint|route|rest|http)\b",
    r"\b(?:security|auth|permission|role|guard)\b",
    r"\b(?:test|spec|scenario|coverage)\b",
    rf"\b(?:deploy|environment|config|docker|ci{JS_DOT}?cd)\b",
    r"\b(?:error|exception|handling|validation)\b",
))
_SECTION_WORD = re.compile(r"\b(?:" + "|".join(README_SECTION_WORDS) + r")\b", WORDS)
_WHITESPACE_RUN = re.compile(f"{JS_SPACE}+")
CODE_FENCE = "```"


def _graded(value: int, grades: tuple[tuple[int, float], ...]) -> float:
    return next((share for threshold, share in grades if value >= threshold), 0.0)


def word_count(text: str) -> int:
    """`text.split(/\\s+/).length`: a leading or trailing run of whitespace adds an empty word, "" is one word."""
    return len(_WHITESPACE_RUN.split(text))


def file_count_points(files: int) -> int:
    """0 files 0, 1 file 3, then linear to 15 at 10 files."""
    if files >= MAX_INTERPOLATED_FILES:
        return 15
    return round_half_up(3 + (files - 1) / 9 * 12) if files else 0


def _content_points(texts: list[str], boilerplate: int) -> tuple[int, dict[str, int]]:
    """Structure, keywords, boilerplate (a penalty), depth and topics, floored at 0 together as AutoBe does."""
    if not texts:
        return 0, {}
    topics = "\n".join(texts)
    mean_words = sum(word_count(text) for text in texts) / len(texts)
    parts = {
        "structure": round_half_up(10 * sum(_graded(header_count(t), HEADER_GRADES) for t in texts) / len(texts)),
        "requirementLanguage": round_half_up(
            10 * sum(_graded(keyword_count(t), KEYWORD_GRADES) for t in texts) / len(texts)),
        "boilerplate": -min(10, round_half_up(boilerplate / len(texts) * 15)),
        "depth": tiered(mean_words, MEAN_WORD_TIERS),
        "topics": round_half_up(10 * sum(1 for topic in _TOPICS if topic.search(topics)) / len(_TOPICS)),
    }
    return max(0, sum(parts.values())), parts


def _readme_points(text: str) -> tuple[int, dict[str, Metric]]:
    if not text:
        return 0, {}
    length, headers = js_length(text), header_count(text)
    sections, fences = len(_SECTION_WORD.findall(text)), text.count(CODE_FENCE)
    points = (tiered(length, ((3000, 5), (1500, 3), (500, 2), (0, 1)))
              + tiered(headers, ((8, 5), (5, 3), (2, 2), (1, 1)))
              + tiered(sections, ((5, 5), (3, 3), (1, 1))) + tiered(fences / 2, ((3, 5), (1, 3))))
    return points, {"readmeChars": length, "readmeHeaders": headers, "readmeSectionWords": sections,
                    "readmeCodeBlocks": fences / 2}


def graded_points(docs: Documents) -> Points:
    expected = max(MIN_EXPECTED_CHARS, (docs.controllers or 1) * CHARS_PER_CONTROLLER)
    content, content_parts = _content_points(docs.texts, docs.boilerplate)
    readme, readme_metrics = _readme_points(docs.readme_text)
    parts = {
        "docsFolder": 10 if docs.folder else 0,
        "readme": 5 if docs.readme else 0,
        "docsCount": file_count_points(len(docs.texts)),
        "volume": round_half_up(min(1.0, ratio(docs.total_chars, expected)) * 15),
        "content": content,
        "readmeQuality": readme,
    }
    return parts, {"expectedChars": expected, "contentPoints": content_parts, **readme_metrics}
