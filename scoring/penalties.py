"""Penalties applied after the axes when the gate passed (rubric §4).

They reproduce AutoBe's estimate package: its reference evaluators (`evaluators/quality/duplication`,
`jsdoc` and `schema-sync`) and its penalty arithmetic (`core/pipeline.ts`, later `core/penalty.ts`). The
profile's rules choose between its generations where they differ: which warnings are left to the gate,
the +3 for a project without DTO types, how empty interfaces and a property's Prisma model are read,
and how the parts combine (one by one under a cap of 30, or proportionally under a cap of 20). Those
evaluators read source text with JavaScript regular expressions on Node, so this module also holds the
JavaScript meaning of whitespace, `trim()`, `length` and file reading that every AutoBe-faithful text
rule here needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scoring.profiles import Rules
from scoring.project import Project
from scoring.report import Issue, Metric, PenaltyPart, PenaltyReport
from scoring.rounding import ratio, round_half_up
from scoring.tree import ProjectTree

CAPS = {"sequential": 30, "proportional": 20, "capped_sum": 20}  # by `penalty_combination`
# JavaScript's `\s` (and what `trim()` removes): Python's `\s` adds \x1c-\x1f and \x85 and lacks the BOM.
_JS_SPACE_CHARS = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
JS_SPACE = f"[{_JS_SPACE_CHARS}]"
JS_NON_SPACE = f"[^{_JS_SPACE_CHARS}]"
JS_WORD = "[A-Za-z0-9_]"  # JavaScript's `\w` is ASCII
JS_DOT = "[^\n\r\u2028\u2029]"  # `.` stops at every JavaScript line terminator
_JS_TRIM = re.compile(rf"\A{JS_SPACE}+|{JS_SPACE}+\Z")

GLUE_WARNINGS = ("NestiaSimulator", "PlainFetcher", "MyGlobal", "unsupported extension")
_GATE_CHARGED_CODES = {"ts": re.compile(r"TS[0-9]+"), "ts_and_prisma": re.compile(r"(?:TS|P)[0-9]+")}

WINDOW_LINES = 12
MIN_WINDOW_CHARS = 120
MIN_WINDOW_CODE_CHARS = 30
# Comments, imports, exports and NestJS wiring (decorators, constructor injection) never form a duplicate.
_DROPPED_LINE = re.compile(
    rf"//|\*|/\*|import |export |@|constructor{JS_SPACE}*\(|(?:private|protected|public){JS_SPACE}+readonly"
    rf"{JS_SPACE}+{JS_WORD}+:")
_NOT_CODE = re.compile(rf"[{{}}\[\]();,]|{JS_SPACE}")

JSDOC_CODES = {"class": "J001", "interface": "J002"}  # AutoBe's codes for the two kinds

NO_TYPES_PENALTY = 3
MIN_SYNC_TYPES = 10
_EMPTY_TYPE = re.compile(rf"export{JS_SPACE}+type{JS_SPACE}+({JS_WORD}+){JS_SPACE}*={JS_SPACE}*\{{{JS_SPACE}*\}}"
                         rf"{JS_SPACE}*;?\Z")
_EMPTY_INTERFACE = re.compile(rf"export{JS_SPACE}+interface{JS_SPACE}+({JS_WORD}+)(?:{JS_SPACE}|<){JS_DOT}*"
                              rf"\{{{JS_SPACE}*\}}\Z")
_OPEN_INTERFACE = re.compile(rf"export{JS_SPACE}+interface{JS_SPACE}+({JS_WORD}+)(?:{JS_SPACE}|<){JS_DOT}*"
                             rf"\{{{JS_SPACE}*\Z")
_TYPE_DECLARATION = re.compile(rf"export{JS_SPACE}+(?:type|interface){JS_SPACE}+{JS_WORD}")
# The column an AutoBe DTO property maps to, and (within 5 lines above, or on the next line) the
# specification whose first `word.word` AutoBe takes for the Prisma model: "… from todo_items.title".
_COLUMN_TAG = re.compile(rf"@x-autobe-database-schema-property{JS_SPACE}+({JS_WORD}+)")
_SPECIFICATION = re.compile(rf"@x-autobe-specification{JS_SPACE}+{JS_DOT}*?({JS_WORD}+)\.{JS_WORD}+")
SPECIFICATION_LINES_ABOVE = 5
MAX_EMPTY_INTERFACE_LINES = 2
_PRISMA_MODEL = re.compile(rf"model{JS_SPACE}+({JS_WORD}+){JS_SPACE}*\{{")
_PRISMA_MEMBER = re.compile(rf"{JS_SPACE}+({JS_WORD}+){JS_SPACE}+{JS_WORD}")


def js_trim(text: str) -> str:
    return _JS_TRIM.sub("", text)


def js_length(text: str) -> int:
    """`String.length`: UTF-16 code units, so a character outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def js_source(tree: ProjectTree, path: str) -> str:
    """A file as Node's `readFile(path, "utf-8")` gives it: line ends and a BOM kept as they are."""
    return (tree.root / path).read_bytes().decode("utf-8", errors="replace")


@dataclass(frozen=True)
class PenaltyInputs:
    """What the penalties read beyond the project: the de-duplicated gate and axis issues, and the gate's own
    count of TypeScript suggestions (before de-duplication; reported beside the count the penalty uses)."""

    issues: list[Issue]
    suggestions: int


def _part(id_: str, raw: int, inputs: dict[str, Metric]) -> PenaltyPart:
    return PenaltyPart(id=id_, points=float(raw), raw=raw, inputs=inputs)


def _source_files(project: Project) -> int:
    """AutoBe's file count for the size-scaled thresholds: the TypeScript files under src/ (at least 1)."""
    return len(project.tree.src_ts) or 1


def counted_warning(issue: Issue, rules: Rules) -> bool:
    """A warning the gate did not charge already (by the rules: TS codes, or TS and Prisma codes) and that is
    not about framework glue."""
    charged = _GATE_CHARGED_CODES[rules.gate_charged_warnings].fullmatch(issue.code)
    return (issue.severity == "warning" and charged is None
            and not any(glue in issue.message for glue in GLUE_WARNINGS))


def warnings_penalty(issues: list[Issue], files: int, rules: Rules) -> PenaltyPart:
    real = [i for i in issues if counted_warning(i, rules)]
    threshold = min(0.35, 0.2 + max(0, files - 50) * 0.001)
    per_file = ratio(len(real), files)
    raw = min(20, round_half_up((per_file - threshold) * 8)) if per_file > threshold else 0
    return _part("warnings", raw, {"warnings": len(real), "files": files, "ratio": per_file, "threshold": threshold})


def _windows(text: str) -> Iterator[tuple[int, str]]:
    """(first line, kept text) of each 12-line window long and code-like enough to count, cut as AutoBe cuts
    them: over the file's raw lines, dropping blank and boilerplate lines inside each window."""
    lines = [js_trim(line) for line in text.split("\n")]
    kept = [bool(line) and _DROPPED_LINE.match(line) is None for line in lines]
    for start in range(len(lines) - WINDOW_LINES + 1):
        window = range(start, start + WINDOW_LINES)
        block = "\n".join(lines[index] for index in window if kept[index])
        if js_length(block) >= MIN_WINDOW_CHARS and js_length(_NOT_CODE.sub("", block)) >= MIN_WINDOW_CODE_CHARS:
            yield start + 1, block


def _apart(places: list[tuple[str, int]]) -> int:
    """Places left once those within 12 lines of a kept place in the same file are dropped (greedy, in order)."""
    kept: list[tuple[str, int]] = []
    for path, line in places:
        if not any(path == other and abs(line - other_line) < WINDOW_LINES for other, other_line in kept):
            kept.append((path, line))
    return len(kept)


def duplicate_blocks(sources: dict[str, str]) -> int:
    """Distinct windows found at two places or more: a window repeated in three files is one block, and a
    repeat inside one file counts when the two places are at least 12 lines apart."""
    places: dict[str, list[tuple[str, int]]] = {}
    for path, text in sources.items():
        for line, block in _windows(text):
            places.setdefault(block, []).append((path, line))
    return sum(1 for found in places.values() if len(found) > 1 and _apart(found) > 1)


def duplication_penalty(project: Project) -> PenaltyPart:
    """Repeated windows across controllers and providers beyond a size-scaled allowance."""
    tree = project.tree
    sources = {path: js_source(tree, path) for path in [*tree.controllers, *tree.providers]}
    files = _source_files(project)
    blocks = duplicate_blocks(sources)
    threshold = max(30, min(80, round_half_up(files * 0.5)))
    raw = min(5, round_half_up((blocks - threshold) / 20)) if blocks > threshold else 0
    return _part("duplication", raw, {"duplicateBlocks": blocks, "files": files, "threshold": threshold})


def jsdoc_penalty(project: Project) -> tuple[PenaltyPart, list[Issue]]:
    """Named classes and interfaces (at any depth) of controllers and DTOs without a `/**` comment before them."""
    files = project.of(sorted({*project.tree.controllers, *project.tree.structures}))
    declarations = [(f.path, t) for f in files for t in f.types if t.kind in JSDOC_CODES and t.name]
    missing = [(path, t) for path, t in declarations if not t.jsdoc]
    share = ratio(len(missing), len(declarations))
    raw = min(5, round_half_up(min(1.0, (share - 0.3) / 0.7) * 5)) if share > 0.3 else 0
    issues = [Issue(code=JSDOC_CODES[t.kind], severity="info", file=path, line=t.line,
                    message=f"{t.kind} {t.name} has no JSDoc") for path, t in missing]
    inputs: dict[str, Metric] = {"declarations": len(declarations), "missing": len(missing), "share": share}
    return _part("missingJsdoc", raw, inputs), issues


def prisma_models(texts: list[str]) -> dict[str, set[str]]:
    """Model name -> the first word of each indented member line, read line by line as AutoBe reads schemas."""
    models: dict[str, set[str]] = {}
    for text in texts:
        current: str | None = None
        for line in text.split("\n"):
            model = _PRISMA_MODEL.match(line)
            if model:
                current = model.group(1)
                models.setdefault(current, set())
            elif current and js_trim(line) == "}":
                current = None
            elif current:
                member = _PRISMA_MEMBER.match(line)
                if member:
                    models[current].add(member.group(1))
    return models


def _closes_empty(lines: list[str], opening: int) -> bool:
    """An interface opened on `opening` closes with a lone `}` within 2 lines, only blank lines between."""
    for line in lines[opening + 1:opening + 1 + MAX_EMPTY_INTERFACE_LINES]:
        trimmed = js_trim(line)
        if trimmed:
            return trimmed == "}"
    return False


def _own_comment(lines: list[str], at: int) -> tuple[int, int]:
    """First and last line of the block comment holding line `at` (just `at` when it is in none)."""
    start, end = at, at
    while "/*" not in lines[start]:
        if start == 0 or "*/" in lines[start - 1]:
            return at, at
        start -= 1
    while "*/" not in lines[end]:
        if end + 1 == len(lines):
            return at, at
        end += 1
    return start, end


def _specification_lines(lines: list[str], at: int, rule: str) -> list[int]:
    """Where a tagged property's specification is looked for, nearest first: AutoBe's 5 lines above and the next
    one (which may be another property's), or the lines of the property's own comment."""
    if rule == "same_comment":
        start, end = _own_comment(lines, at)
        return [*range(at, start - 1, -1), *range(at + 1, end + 1)]
    return [*range(at, max(0, at - SPECIFICATION_LINES_ABOVE) - 1, -1), *([at + 1] if at + 1 < len(lines) else [])]


def _specified_model(lines: list[str], at: int, rule: str) -> str | None:
    for index in _specification_lines(lines, at, rule):
        found = _SPECIFICATION.search(lines[index])
        if found:
            return found.group(1)
    return None


@dataclass
class _SyncCount:
    types: int = 0
    empty: int = 0
    mismatched: int = 0


def _sync_file(path: str, text: str, models: dict[str, set[str]], count: _SyncCount, rules: Rules) -> list[Issue]:
    """Count one DTO file's types line by line, as AutoBe does: a declaration is a line with `export type|interface
    X`, empty when its braces close on that line (or, under the `multiline` rule, an interface's within 2 blank
    lines)."""
    issues = []
    lines = text.split("\n")
    for index, raw in enumerate(lines):
        line = js_trim(raw)
        empty = _EMPTY_TYPE.search(line) or _EMPTY_INTERFACE.search(line)
        declared = empty or _OPEN_INTERFACE.search(line)
        if declared:
            count.types += 1
            if empty or (rules.empty_interfaces == "multiline" and _closes_empty(lines, index)):
                count.empty += 1
                issues.append(Issue(code="SYNC001", severity="info", file=path, line=index + 1,
                                    message=f"{declared.group(1)} is empty"))
            continue
        if _TYPE_DECLARATION.search(line):
            count.types += 1
        tag = _COLUMN_TAG.search(line)
        model = _specified_model(lines, index, rules.sync_specification) if tag else None
        if tag is None or model is None:
            continue
        column = tag.group(1)
        if model not in models or column not in models[model]:
            count.mismatched += 1
            missing = f"Prisma model {model}" if model not in models else f"column {column} in Prisma model {model}"
            issues.append(Issue(code="SYNC002", severity="info", file=path, line=index + 1,
                                message=f"property mapped to {model}.{column}: no {missing}"))
    return issues


def _ratio_points(share: float, threshold: float) -> int:
    return min(5, round_half_up(share * 10)) if share > threshold else 0


def schema_sync_penalty(project: Project, rules: Rules) -> tuple[PenaltyPart, list[Issue]]:
    """DTO types that are empty, and DTO properties tagged with a column (`@x-autobe-database-schema-property`)
    that the Prisma model named by their `@x-autobe-specification` lacks; +3 when no type is found at all
    (under the `charged` rule)."""
    tree = project.tree
    models = prisma_models([js_source(tree, path) for path in tree.prisma_schemas])
    count = _SyncCount()
    issues = [issue for path in tree.structures
              for issue in _sync_file(path, js_source(tree, path), models, count, rules)]
    n = max(count.types, MIN_SYNC_TYPES)
    empty_threshold = min(0.25, 0.15 + max(0, n - 30) * 0.001)
    mismatch_threshold = min(0.15, 0.05 + max(0, n - 30) * 0.001)
    no_types = NO_TYPES_PENALTY if count.types == 0 and rules.missing_types == "charged" else 0
    raw = no_types + _ratio_points(count.empty / n, empty_threshold) \
        + _ratio_points(count.mismatched / n, mismatch_threshold)
    inputs = {"types": count.types, "n": n, "emptyTypes": count.empty, "emptyRatio": count.empty / n,
              "emptyThreshold": empty_threshold, "prismaModels": len(models), "mismatchedProperties": count.mismatched,
              "mismatchRatio": count.mismatched / n, "mismatchThreshold": mismatch_threshold}
    return _part("schemaSync", raw, inputs), issues


def suggestion_penalty(suggestions: int, files: int, reported: dict[str, Metric] | None = None) -> PenaltyPart:
    """`reported`: further inputs shown beside the count, which do not change it."""
    threshold = min(1000, 500 + max(0, files - 50) * 3)
    divisor = min(400, 150 + max(0, files - 50) * 1.5)
    raw = min(10, round_half_up((suggestions - threshold) / divisor)) if suggestions > threshold else 0
    return _part("suggestions", raw, {"suggestions": suggestions, "threshold": threshold, "divisor": divisor,
                                      **(reported or {})})


def combine(parts: list[PenaltyPart], rule: str) -> PenaltyReport:
    """The parts under one `penalty_combination`. `sequential` (AutoBe c4342ae) subtracts each from the score in
    turn, so its total is the most the parts take (see `penalised`); `proportional` (0af7bb5) scales each part
    to the cap and rounds it; `capped_sum` (238033a) takes min(cap, raw sum), the parts scaled for display."""
    raw_sum = sum(p.raw for p in parts)
    cap = CAPS[rule]
    scale = cap / raw_sum if raw_sum > cap else 1.0
    if rule == "proportional":
        parts = [p.model_copy(update={"points": float(round_half_up(p.raw * scale))}) for p in parts]
        total = float(min(cap, sum(int(p.points) for p in parts)))
    else:
        if rule == "capped_sum":
            parts = [p.model_copy(update={"points": p.raw * scale}) for p in parts]
        total = float(min(raw_sum, cap))
    return PenaltyReport(total=total, raw_sum=raw_sum, cap=cap, parts=parts)


def penalised(score: int, report: PenaltyReport, rule: str) -> int:
    """The total from the score before penalties. Under `sequential` each part is subtracted in turn with the
    score floored at 0 each time, then what the parts took beyond the cap is given back (up to 100)."""
    if rule != "sequential":
        return max(0, round_half_up(score - report.total))
    for part in report.parts:
        score = max(0, score - part.raw)
    excess = report.raw_sum - report.cap
    return min(100, score + excess) if excess > 0 else score


def penalties(project: Project, inputs: PenaltyInputs, rules: Rules) -> tuple[PenaltyReport, list[Issue]]:
    files = _source_files(project)
    jsdoc, jsdoc_issues = jsdoc_penalty(project)
    sync, sync_issues = schema_sync_penalty(project, rules)
    # AutoBe counts the de-duplicated suggestion issues of the gate and the axes, not the compiler's raw list.
    suggestions = sum(1 for issue in inputs.issues if issue.severity == "suggestion")
    parts = [warnings_penalty(inputs.issues, files, rules), duplication_penalty(project), jsdoc, sync,
             suggestion_penalty(suggestions, files, {"gateSuggestions": inputs.suggestions})]
    return combine(parts, rules.penalty_combination), jsdoc_issues + sync_issues
