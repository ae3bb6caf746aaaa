"""Put a model-written body into its generated function and file, with the imports it needs.

The model never writes imports: every name it may use (helpers, DTO types, Prisma types, Nest
exceptions, finished transformers and collectors) has a known module, and a name the body uses is
imported. The body goes in verbatim, so its line N is file line `first + N - 1`: diagnostics map
back to "body line N".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workers.phases.database.ast import DatabaseApplication
from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.realize.plan import PRISMA, Unit
from workers.phases.scaffold import HELPERS
from workers.typecheck.origins import SourceMap

PACKAGES = frozenset({"@nestjs/common", "uuid", PRISMA})
NEST_EXCEPTIONS = ("BadRequestException", "ConflictException", "ForbiddenException", "HttpException",
                   "NotFoundException", "UnauthorizedException")


def menu(app: InterfaceApplication, database: DatabaseApplication, helpers: Iterable[Unit]) -> dict[str, str]:
    """Every name a body may use without declaring it -> its module (relative to `src/`, or a package)."""
    names: dict[str, str] = {name: "@nestjs/common" for name in NEST_EXCEPTIONS}
    names.update({"v4": "uuid", "Prisma": PRISMA})
    names.update({table: PRISMA for table in database.tables()})
    names.update(HELPERS)
    names.update({contract.type_base(d.name): contract.structure_module(d.name) for d in app.types})
    for actor in {route.authorization for route in app.routes if route.authorization}:
        names[contract.auth_payload(actor)] = contract.auth_payload_module(actor)
    names.update({unit.name: unit.module for unit in helpers})
    return names


_IDENTIFIER = re.compile(r"(?<![\w$.])[\w$]+")


def used_names(body: str, available: Iterable[str]) -> set[str]:
    """Names of `available` the body refers to (not as a property after a dot): the body's words,
    read once, against the names (a search per name cost a second per realize job at shopping's size)."""
    words = set(_IDENTIFIER.findall(body))
    return {name for name in available if name in words}


def _import_lines(imports: Mapping[str, set[str]], up: str) -> list[str]:
    external = sorted(module for module in imports if module in PACKAGES)
    local = sorted(module for module in imports if module not in PACKAGES)
    lines = [f'import {{ {", ".join(sorted(imports[m]))} }} from "{m}";' for m in external]
    if external and local:
        lines.append("")
    return lines + [f'import {{ {", ".join(sorted(imports[m]))} }} from "{up}{m}";' for m in local]


@dataclass(frozen=True)
class RenderedUnit:
    text: str
    source: SourceMap
    statements: int  # top-level statements the file must have: its import declarations and the function


def render_unit(unit: Unit, body: str, available: Mapping[str, str]) -> RenderedUnit:
    imports: dict[str, set[str]] = defaultdict(set)
    for module, name in unit.imports:
        imports[module].add(name)
    for name in used_names(body, available):
        imports[available[name]].add(name)
    head = _import_lines(imports, "../")
    lines = [*head, *([""] if head else []), unit.doc, f"{unit.signature} {{"]
    code = body.strip("\n").rstrip().split("\n")
    first = sum(part.count("\n") + 1 for part in lines) + 1
    text = "\n".join([*lines, *code, "}"]) + "\n"
    labels = {first + index: f"body line {index + 1}" for index in range(len(code))}
    return RenderedUnit(text, SourceMap(unit.op_id, labels), statements=len(imports) + 1)
