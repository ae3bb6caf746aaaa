"""Prompts of the Realize phase's operations (our own wording): the generated function around the
body, the names the body may use, and the DTO types and tables it works with."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from workers.phases.database.ast import DatabaseApplication
from workers.phases.database.emit import emit_prisma
from workers.phases.dtos import type_closure
from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.realize.emit import NEST_EXCEPTIONS
from workers.phases.realize.plan import Unit, UnitKind

_ROLE = (
    "You implement one function of a NestJS + Prisma backend in TypeScript (strict mode). Our compiler "
    "generated its signature; you write only the statements of its body."
)
_RULES = """\
- Write the statements between the braces, indented two spaces. No import or export: the names
  listed as available are imported for you when the body uses them.
- Query the database through `MyGlobal.prisma.<table>` (findFirst, findMany, count, create, update,
  delete, updateMany) and `MyGlobal.prisma.$transaction([...])`. Rows hold datetime columns as
  `Date`; DTOs carry them as ISO strings (`toISOString()`), nullable ones as `string | null`.
- New rows get `id: v4()`. Expected failures throw Nest exceptions: NotFoundException for missing
  or foreign rows, ForbiddenException, UnauthorizedException, ConflictException, BadRequestException.
- Implement the behaviour fully: no placeholders, no TODOs, no debug logging.
- Call the tool exactly once."""

SYSTEM: dict[UnitKind, str] = {
    "provider": f"{_ROLE}\n\nThis is the provider of one API operation: it does what the operation describes for the "
                f"authorized actor in `props` and returns the response DTO.\n{_RULES}",
    "transformer": f"{_ROLE}\n\nThis is a transformer: it turns a database row into a response DTO, property by "
                   f"property.\n{_RULES}",
    "collector": f"{_ROLE}\n\nThis is a collector: it turns a request body (and the ids in `props`) into the data "
                 f"of a new database row, filling every column (timestamps, derived values).\n{_RULES}",
}

_HELPERS = """\
- `MyGlobal.prisma`: the Prisma client.
- `JwtToken.sign(claims: Record<string, unknown>, lifetimeSeconds: number): { token: string; expired_at: string }`,
  `JwtToken.verify(token: string): Record<string, unknown>` (401 when invalid or expired). Access tokens
  carry `{ id, type: "<actor>" }`, which the actor's guard checks.
- `PasswordHasher.hash(password: string): string`, `PasswordHasher.verify(password: string, stored: string): boolean`.
- `v4(): string`: a new uuid."""

_MODEL_START = re.compile(r"^model (\w+) \{$")


def model_texts(database: DatabaseApplication) -> dict[str, str]:
    """Each model's Prisma text (with its doc comments) by table name."""
    found: dict[str, str] = {}
    for text in emit_prisma(database).files.values():
        pending: list[str] = []
        current: tuple[str, list[str]] | None = None
        for line in text.splitlines():
            if current is not None:
                current[1].append(line)
                if line == "}":
                    found[current[0]] = "\n".join(current[1])
                    current = None
            elif (start := _MODEL_START.match(line)) is not None:
                current, pending = (start.group(1), [*pending, line]), []
            else:
                pending = [*pending, line] if line.startswith("///") else []
    return found


def _available(unit: Unit, app: InterfaceApplication, helpers: Iterable[Unit]) -> str:
    lines = [_HELPERS, f"- Nest exceptions: {', '.join(NEST_EXCEPTIONS)}.",
             "- Prisma: `Prisma.<table>WhereInput` and the other generated types; row types named like the "
             "tables, e.g. `" + (unit.tables[0] if unit.tables else "table") + "`.",
             "- DTO types: " + ", ".join(sorted({contract.type_base(d.name) for d in app.types})) + "."]
    actors = sorted({route.authorization for route in app.routes if route.authorization})
    if actors:
        payloads = (f'{contract.auth_payload(actor)} ({{ id, type: "{actor}" }})' for actor in actors)
        lines.append("- Actor payloads: " + ", ".join(payloads) + ".")
    lines += [f"- `{helper.declaration}`" for helper in helpers]
    return "\n".join(lines)


def user(unit: Unit, app: InterfaceApplication, models: Mapping[str, str], helpers: Iterable[Unit],
         structures: Mapping[str, str]) -> str:
    """The unit's prompt; `models` is `model_texts(database)`, made once per phase (not per unit)."""
    parts = [f"# Function to write\n\n```ts\n{unit.doc}\n{unit.signature} {{\n  // your statements\n}}\n```"]
    if unit.route is not None:
        route = unit.route
        who = f"authorized {route.authorization} in `props.{route.authorization}`" if route.authorization else "public"
        parts.append(f"# Operation\n\n{route.method.upper()} {route.path} ({who})\n\n"
                     f"{route.summary}\n\n{route.description}")
    parts.append(f"# Available without declaring\n\n{_available(unit, app, helpers)}")
    bases = sorted({contract.type_base(name) for name in type_closure(app, unit.types)})
    if bases:
        types = "\n\n".join(structures[f"src/{contract.structure_module(base)}.ts"] for base in bases)
        parts.append(f"# DTO types\n\n```ts\n{types}\n```")
    tables = [models[table] for table in unit.tables if table in models]
    if tables:
        parts.append("# Tables\n\n```prisma\n" + "\n\n".join(tables) + "\n```")
    return "\n\n".join(parts)
