"""What both generations of AutoBe's documentation points count in a text, with JavaScript's meaning of its
regular expressions: `^` after any line terminator, JavaScript whitespace, ASCII word boundaries and case folding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.penalties import JS_NON_SPACE, JS_SPACE
from scoring.report import Metric

REQUIREMENT_KEYWORDS = (
    "shall", "must", "should", "endpoint", "api", "database", "schema", "model", "entity", "table", "column",
    "field", "interface", "controller", "provider", "service", "authentication", "authorization",
)
WORDS = re.IGNORECASE | re.ASCII  # JavaScript's /i folds ASCII only without the u flag; its \b is ASCII
JS_LINE_START = "(?:\\A|(?<=[\n\r\u2028\u2029]))"
_HEADER = re.compile(f"{JS_LINE_START}#{{1,3}}{JS_SPACE}+{JS_NON_SPACE}")
_KEYWORD = re.compile(r"\b(?:" + "|".join(REQUIREMENT_KEYWORDS) + r")\b", WORDS)


def header_count(text: str) -> int:
    """Markdown headers of level 1-3; `####` is not one (its fourth `#` is no whitespace)."""
    return len(_HEADER.findall(text))


def keyword_count(text: str) -> int:
    """Occurrences of requirement keywords, each repeat counted."""
    return len(_KEYWORD.findall(text))


@dataclass(frozen=True)
class Documents:
    """What both generations of points read: the analysis texts, the README (its text "" without one), the
    total length, the documents holding boilerplate, and the controller files (the graded length scales by them)."""

    folder: bool
    readme: str | None
    texts: list[str]
    readme_text: str
    total_chars: int
    boilerplate: int
    controllers: int


Points = tuple[dict[str, int], dict[str, Metric]]  # the parts summing to the score, and the counts behind them
