"""Penalties applied after the axes when the gate passed (rubric §4); combined cap 20."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from scoring.project import Project
from scoring.report import Issue, PenaltyPart, PenaltyReport
from scoring.rounding import ratio, round_half_up
from scoring.toolchain.prisma import read_datamodel

CAP = 20
WINDOW_LINES = 10
MIN_WINDOW_CHARS = 100
MIN_WINDOW_CODE_CHARS = 30
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
_DROPPED_LINE = re.compile(r"^(//|/\*|\*|import\b|export\b)")
_CODE_CHAR = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True)
class PenaltyInputs:
    """What the penalties read beyond the project: the de-duplicated issues and the TS suggestion count."""

    issues: list[Issue]
    suggestions: int


def _part(id_: str, raw: int, inputs: dict) -> PenaltyPart:
    return PenaltyPart(id=id_, points=float(raw), raw=raw, inputs=inputs)


def warnings_penalty(issues: list[Issue], files: int) -> PenaltyPart:
    """Warnings the gate did not already charge for (TS and Prisma codes are gate-penalised)."""
    real = [i for i in issues if i.severity == "warning" and not i.code.startswith(("TS", "P0"))]
    threshold = min(0.35, 0.2 + max(0, files - 50) * 0.001)
    per_file = ratio(len(real), files)
    raw = min(20, round_half_up((per_file - threshold) * 8)) if per_file > threshold else 0
    return _part("warnings", raw, {"warnings": len(real), "files": files, "ratio": per_file, "threshold": threshold})


def _windows(text: str) -> list[str]:
    kept = [line.strip() for line in text.splitlines()]
    kept = [line for line in kept if line and not _DROPPED_LINE.match(line)]
    windows = []
    for start in range(len(kept) - WINDOW_LINES + 1):
        window = "\n".join(kept[start:start + WINDOW_LINES])
        if len(window) >= MIN_WINDOW_CHARS and len(_CODE_CHAR.findall(window)) >= MIN_WINDOW_CODE_CHARS:
            windows.append(window)
    return windows


def duplication_penalty(project: Project) -> PenaltyPart:
    """Repeated 10-line windows across controllers and providers beyond a size-scaled allowance."""
    files = sorted({*project.tree.controllers, *project.tree.providers})
    counts = Counter(window for path in files for window in _windows(project.tree.text(path)))
    blocks = sum(count - 1 for count in counts.values() if count > 1)
    threshold = max(30, min(80, round_half_up(len(files) * 0.5)))
    raw = min(5, round_half_up((blocks - threshold) / 20)) if blocks > threshold else 0
    return _part("duplication", raw, {"duplicateBlocks": blocks, "files": len(files), "threshold": threshold})


def jsdoc_penalty(project: Project) -> tuple[PenaltyPart, list[Issue]]:
    files = project.of(sorted({*project.tree.controllers, *project.tree.structures}))
    declarations = [(f.path, t) for f in files for t in f.types if t.kind in ("class", "interface")]
    missing = [(path, t) for path, t in declarations if not t.jsdoc]
    share = ratio(len(missing), len(declarations))
    raw = min(5, round_half_up(min(1.0, (share - 0.3) / 0.7) * 5)) if share > 0.3 else 0
    issues = [Issue(code="DOC001", severity="info", file=path, line=t.line, message=f"{t.kind} {t.name} has no JSDoc")
              for path, t in missing]
    return _part("missingJsdoc", raw, {"declarations": len(declarations), "missing": len(missing), "share": share}), issues


def _columns(project: Project) -> set[str] | None:
    schemas = project.tree.prisma_schemas
    datamodel = read_datamodel({path: project.tree.text(path) for path in schemas}) if schemas else None
    if datamodel is None:
        return None
    return {field["name"] for model in datamodel["models"] for field in model["fields"]}


def schema_sync_penalty(project: Project) -> tuple[PenaltyPart, list[Issue]]:
    """DTO types that are empty, or whose snake_case properties name a column no Prisma model has."""
    types = [(f.path, t) for f in project.of(project.tree.structures) for t in f.types if t.kind in ("interface", "type")]
    if not types:
        return _part("schemaSync", 3, {"types": 0, "noTypes": 3}), []
    n = max(len(types), 10)
    issues = [Issue(code="SYNC001", severity="info", file=path, line=t.line, message=f"{t.kind} {t.name} is empty")
              for path, t in types if t.empty]
    empty_ratio = len(issues) / n
    empty_threshold = min(0.25, 0.15 + max(0, n - 30) * 0.001)
    raw = min(5, round_half_up(empty_ratio * 10)) if empty_ratio > empty_threshold else 0
    columns = _columns(project)
    mismatched = 0
    if columns is not None:
        for path, t in types:
            unknown = sorted(p for p in set(t.properties) if _SNAKE_CASE.match(p) and p not in columns)
            if unknown:
                mismatched += 1
                issues.append(Issue(code="SYNC002", severity="info", file=path, line=t.line,
                                    message=f"{t.name} names columns no Prisma model has: {', '.join(unknown)}"))
    mismatch_ratio = mismatched / n
    mismatch_threshold = min(0.15, 0.05 + max(0, n - 30) * 0.001)
    raw += min(5, round_half_up(mismatch_ratio * 10)) if mismatch_ratio > mismatch_threshold else 0
    inputs = {"types": len(types), "n": n, "emptyTypes": sum(1 for _, t in types if t.empty),
              "emptyRatio": empty_ratio, "emptyThreshold": empty_threshold, "schemaKnown": columns is not None,
              "mismatchedTypes": mismatched, "mismatchRatio": mismatch_ratio, "mismatchThreshold": mismatch_threshold}
    return _part("schemaSync", min(10, raw), inputs), issues


def suggestion_penalty(suggestions: int, files: int) -> PenaltyPart:
    threshold = min(1000, 500 + max(0, files - 50) * 3)
    divisor = min(400, 150 + max(0, files - 50) * 1.5)
    raw = min(10, round_half_up((suggestions - threshold) / divisor)) if suggestions > threshold else 0
    return _part("suggestions", raw, {"suggestions": suggestions, "threshold": threshold, "divisor": divisor})


def penalties(project: Project, inputs: PenaltyInputs) -> tuple[PenaltyReport, list[Issue]]:
    files = len(project.tree.src_ts)
    jsdoc, jsdoc_issues = jsdoc_penalty(project)
    sync, sync_issues = schema_sync_penalty(project)
    parts = [warnings_penalty(inputs.issues, files), duplication_penalty(project), jsdoc, sync,
             suggestion_penalty(inputs.suggestions, files)]
    raw_sum = sum(p.raw for p in parts)
    if raw_sum > CAP:
        parts = [p.model_copy(update={"points": p.raw * CAP / raw_sum}) for p in parts]
    total = float(min(raw_sum, CAP))
    return PenaltyReport(total=total, raw_sum=raw_sum, cap=CAP, parts=parts), jsdoc_issues + sync_issues
