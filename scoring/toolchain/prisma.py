"""Validate multi-file Prisma schemas with the real Prisma schema engine (wasm build, offline)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from scoring.toolchain.node_bridge import call_prisma_bridge


class PrismaDiagnostic(BaseModel):
    """One validator error, located by schema file (relative path as given) and 1-based line."""

    file: str
    message: str
    line: int | None = None


# Connection URLs are deployment configuration. Prisma 7 moved them out of schema files and rejects
# them there, while schemas written for Prisma <= 6 (AutoBe's published outputs among them) still
# carry them; blanking them avoids a spurious failure without shifting line numbers.
_DATASOURCE_OPEN = re.compile(r"^\s*datasource\s+\w+\s*\{")
_URL_PROPERTY = re.compile(r"^\s*(url|directUrl|shadowDatabaseUrl)\s*=")
_ERROR_HEAD = re.compile(r"^error: (?P<message>.*)$")
_ERROR_LOCATION = re.compile(r"^\s*-->\s+(?P<file>.+):(?P<line>\d+)$")


def _without_connection_urls(text: str) -> str:
    lines = text.split("\n")
    in_datasource = False
    for index, line in enumerate(lines):
        if _DATASOURCE_OPEN.match(line):
            in_datasource = True
        elif in_datasource and line.strip().startswith("}"):
            in_datasource = False
        elif in_datasource and _URL_PROPERTY.match(line):
            lines[index] = ""
    return "\n".join(lines)


def compatible_schema_files(files: dict[str, str]) -> dict[str, str]:
    """The schema files with datasource connection URLs blanked (see above)."""
    return {path: _without_connection_urls(text) for path, text in files.items()}


def _parse_errors(message: str, files: dict[str, str]) -> list[PrismaDiagnostic]:
    """Split the validator's rendered report into one diagnostic per `error:` block."""
    diagnostics: list[PrismaDiagnostic] = []
    for line in message.splitlines():
        head = _ERROR_HEAD.match(line)
        if head:
            diagnostics.append(PrismaDiagnostic(file="", message=head.group("message").strip()))
            continue
        location = _ERROR_LOCATION.match(line)
        if location and diagnostics and diagnostics[-1].line is None:
            diagnostics[-1].file = location.group("file").strip()
            diagnostics[-1].line = int(location.group("line"))
    if not diagnostics:
        only = next(iter(sorted(files)), "")
        diagnostics.append(PrismaDiagnostic(file=only, message=message.strip() or "schema rejected"))
    return diagnostics


def read_datamodel(files: dict[str, str]) -> dict[str, Any] | None:
    """The DMMF datamodel (models, enums, fields) of a valid schema, None when the schema does not validate."""
    if not files:
        return None
    answer = call_prisma_bridge("dmmf", compatible_schema_files(files))
    return answer.get("datamodel") if answer["ok"] else None


def validate_prisma(files: dict[str, str]) -> list[PrismaDiagnostic]:
    """Validate a multi-file Prisma schema (relative path -> text) with the real Prisma schema wasm validator (offline). Empty list = valid."""
    if not files:
        raise ValueError("validate_prisma needs at least one schema file; got an empty mapping")
    answer = call_prisma_bridge("validate", compatible_schema_files(files))
    if answer["ok"]:
        return []
    return sorted(_parse_errors(answer["message"], files), key=lambda d: (d.file, d.line or 0, d.message))
