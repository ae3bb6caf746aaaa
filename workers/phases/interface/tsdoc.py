"""JSDoc blocks from model-written text that can never end the comment early or break a line."""

from __future__ import annotations

from workers.phases.database.emit import comment_lines


def doc_lines(text: str) -> list[str]:
    """Text as comment-safe lines (see comment_lines) with `*/` defused."""
    return [line.replace("*/", "*\\/") for line in comment_lines(text)]


def jsdoc(paragraphs: list[str], tags: list[str] | None = None, indent: str = "") -> str:
    """A `/** … */` block: paragraphs separated by blank lines, then `@tag` lines."""
    body: list[str] = []
    for paragraph in paragraphs:
        lines = doc_lines(paragraph)
        if lines:
            if body:
                body.append("")
            body += lines
    tag_lines = [line for tag in tags or [] for line in doc_lines(tag)]
    if tag_lines:
        if body:
            body.append("")
        body += tag_lines
    inner = "\n".join(f"{indent} * {line}".rstrip() for line in body)
    return f"{indent}/**\n{inner}\n{indent} */"
