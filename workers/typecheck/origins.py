"""Who wrote which line: compiler diagnostics traced back to the operation (and the part of its AST)
whose output the line is, so each operation is told only about its own mistakes, in its own terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scoring.toolchain import TsDiagnostic
from workers.phases.base import Diagnostic


@dataclass(frozen=True)
class SourceMap:
    """One emitted file: the operation that wrote it, and labels for the lines it can point into.

    A label names what the operation sent, e.g. `body line 3` or `statements[2]`; generated lines
    (imports, signatures) have none and are reported by file line.
    """

    op_id: str
    labels: Mapping[int, str] = field(default_factory=dict)

    def location(self, line: int, column: int) -> str:
        label = self.labels.get(line)
        return f"{label}, column {column}" if label else f"line {line}, column {column}"


def feedback(diagnostic: TsDiagnostic, source: SourceMap | None) -> Diagnostic:
    """A compiler diagnostic as the harness feeds it back: file, location in the model's terms, code."""
    location = source.location(diagnostic.line, diagnostic.column) if source else f"{diagnostic.line}:{diagnostic.column}"
    return Diagnostic(file=diagnostic.file or None, location=location if diagnostic.file else None,
                      code=f"TS{diagnostic.code}", message=diagnostic.message)


@dataclass
class Attribution:
    """Diagnostics grouped by the operation that wrote their file; the rest have no owner here."""

    by_operation: dict[str, list[Diagnostic]]
    unowned: list[TsDiagnostic]


def attribute(diagnostics: Iterable[TsDiagnostic], sources: Mapping[str, SourceMap]) -> Attribution:
    """Group diagnostics by operation through the file -> SourceMap table of the emitted tree."""
    by_operation: dict[str, list[Diagnostic]] = defaultdict(list)
    unowned: list[TsDiagnostic] = []
    for diagnostic in diagnostics:
        source = sources.get(diagnostic.file)
        if source is None:
            unowned.append(diagnostic)
        else:
            by_operation[source.op_id].append(feedback(diagnostic, source))
    return Attribution(dict(by_operation), unowned)
