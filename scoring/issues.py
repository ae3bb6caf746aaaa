"""Issue list housekeeping shared by the axes and the penalties."""

from __future__ import annotations

from scoring.report import Issue


def dedupe(issues: list[Issue]) -> list[Issue]:
    """One issue per code:file:line (the rubric de-duplicates before counting), in a stable sorted order."""
    kept: dict[tuple[str, str, int], Issue] = {}
    for issue in sorted(issues, key=Issue.sort_key):
        kept.setdefault((issue.code, issue.file, issue.line), issue)
    return sorted(kept.values(), key=Issue.sort_key)
