"""A project's Prisma schema, read once per scoring run: the validator's verdict on it and the
datamodel that shapes the `@prisma/client` stub the type check compiles against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.toolchain.prisma import PrismaDiagnostic, read_datamodel, validate_prisma
from scoring.toolchain.prisma_stub import render_client_stub


@dataclass(frozen=True)
class PrismaSchema:
    """`diagnostics` empty = valid; `datamodel` None = no schema, or one the validator rejects."""

    diagnostics: list[PrismaDiagnostic]
    datamodel: dict[str, Any] | None

    def client_stub(self) -> str:
        """The `index.d.ts` standing in for `@prisma/client`: typed by the models when they are known."""
        return render_client_stub(self.datamodel)


def read_schema(files: dict[str, str]) -> PrismaSchema:
    """Read schema files (relative path -> text) with the real validator, once when they are valid.

    Reading the datamodel validates the schema; its errors are only asked for, in a second read,
    when there are some to report.
    """
    if not files:
        return PrismaSchema(diagnostics=[], datamodel=None)
    datamodel = read_datamodel(files)
    return PrismaSchema(diagnostics=[] if datamodel is not None else validate_prisma(files), datamodel=datamodel)
