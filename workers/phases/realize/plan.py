"""What Realize asks the model to write, and the signature our compiler generates around each body.

- a provider per route, with the name and `props` the controllers already call (see `contract`);
- a transformer (DB row -> DTO) per response DTO that mirrors one table column for column;
- a collector (DTO -> DB create input) per request body of a creating route (create, join,
  register, store) whose mirrored columns belong to one table; foreign keys the body lacks are
  extra props.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from workers.phases.database.ast import DatabaseApplication, Model
from workers.phases.dtos import type_closure
from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication, ObjectSchema, Route, TypeDefinition
from workers.phases.interface.tsdoc import jsdoc
from workers.phases.naming import words

UnitKind = Literal["transformer", "collector", "provider"]
DIRECTORIES: dict[UnitKind, str] = {"transformer": "transformers", "collector": "collectors", "provider": "providers"}
CREATING_ACTIONS = frozenset({"create", "join", "register", "store"})
PRISMA = "@prisma/client"


@dataclass(frozen=True, eq=False)  # identity: a plan's units are distinct objects, keys of its results
class Unit:
    """One function Realize asks for: where it lives, its generated signature, and its context."""

    kind: UnitKind
    name: str
    stem: str  # what names the operation: the DTO stem of a helper, a provider's own name
    signature: str  # from `export` to the return type, without the body's braces
    doc: str
    imports: tuple[tuple[str, str], ...]  # (module, name) the signature needs; modules under src/ are relative to it
    tables: tuple[str, ...]  # tables the body works with
    types: tuple[str, ...]  # DTO types the signature names
    route: Route | None = None

    @property
    def op_id(self) -> str:
        return f"{self.kind}-" + "-".join(words(self.stem))

    @property
    def module(self) -> str:
        """Module relative to `src/`."""
        return f"{DIRECTORIES[self.kind]}/{self.name}"

    @property
    def file(self) -> str:
        return f"src/{self.module}.ts"

    @property
    def declaration(self) -> str:
        """The signature on one line, for prompts listing helpers."""
        return " ".join(line.strip() for line in self.signature.removeprefix("export ").splitlines())


def dto_stem(type_name: str) -> str:
    """`ITodoItem.ISummary` -> `TodoItemSummary`."""
    return "".join(part[1:] if part[:1] == "I" and part[1:2].isupper() else part for part in type_name.split("."))


def _structure(type_name: str) -> tuple[str, str]:
    return contract.structure_module(type_name), contract.type_base(type_name)


def _columns_table(definition: TypeDefinition, every_property: bool) -> str | None:
    """The one table the object's mirrored columns belong to (all properties mirror one when asked)."""
    schema = definition.json_schema
    if not isinstance(schema, ObjectSchema) or not schema.properties:
        return None
    columns = [prop.column for prop in schema.properties]
    if every_property and None in columns:
        return None
    tables = {column.split(".", 1)[0] for column in columns if column}
    return tables.pop() if len(tables) == 1 else None


def transformers(app: InterfaceApplication, tables: dict[str, Model]) -> list[Unit]:
    units = []
    responses = type_closure(app, (route.response_body for route in app.routes if route.response_body))
    for definition in app.types:
        table = _columns_table(definition, every_property=True)
        if definition.name not in responses or table not in tables:
            continue
        stem = dto_stem(definition.name)
        name = f"transform{stem}"
        units.append(Unit(
            kind="transformer", name=name, stem=stem,
            signature=f"export function {name}(row: {table}): {definition.name}",
            doc=jsdoc([f"The {definition.name} of a `{table}` row.", definition.description]),
            imports=((PRISMA, table), _structure(definition.name)), tables=(table,), types=(definition.name,),
        ))
    return units


def collectors(app: InterfaceApplication, tables: dict[str, Model]) -> list[Unit]:
    units: dict[str, Unit] = {}
    definitions = {d.name: d for d in app.types}
    for route in app.routes:
        body = definitions.get(route.request_body or "")
        if route.method != "post" or words(route.name)[0] not in CREATING_ACTIONS or body is None:
            continue
        table = _columns_table(body, every_property=False)
        if table not in tables or body.name in units or not isinstance(body.json_schema, ObjectSchema):
            continue
        mirrored = {prop.column.split(".", 1)[1] for prop in body.json_schema.properties if prop.column}
        extra = [f"  {fk.name}: string{' | null' if fk.nullable else ''};" for fk in tables[table].foreign_fields
                 if fk.name not in mirrored]
        stem = dto_stem(body.name)
        name = f"collect{stem}"
        members = "\n".join([f"  body: {body.name};", *extra])
        units[body.name] = Unit(
            kind="collector", name=name, stem=stem,
            signature=f"export function {name}(props: {{\n{members}\n}}): Prisma.{table}UncheckedCreateInput",
            doc=jsdoc([f"The `{table}` row to create from the request body {body.name}.", body.description]),
            imports=((PRISMA, "Prisma"), _structure(body.name)), tables=(table,), types=(body.name,),
        )
    return list(units.values())


def provider(route: Route) -> Unit:
    name = contract.provider_name(route.method, route.path)
    members: list[str] = []
    imports: list[tuple[str, str]] = []
    tags: list[str] = []
    if route.authorization:
        payload = contract.auth_payload(route.authorization)
        members.append(f"  {route.authorization}: {payload};")
        imports.append((contract.auth_payload_module(route.authorization), payload))
        tags.append(f"@param props.{route.authorization} The authorized {route.authorization}")
    for parameter in route.parameters:
        members.append(f"  {parameter.name}: {contract.parameter_type(parameter.format)};")
        tags.append(f"@param props.{parameter.name} {parameter.description}")
    types = [t for t in (route.query, route.request_body, route.response_body) if t]
    for kind, type_name in (("query", route.query), ("body", route.request_body)):
        if type_name:
            members.append(f"  {kind}: {type_name};")
            tags.append(f"@param props.{kind} {type_name}")
    imports += [_structure(type_name) for type_name in types]
    props = "{\n" + "\n".join(members) + "\n}" if members else "{}"
    if route.response_body:
        tags.append(f"@returns {route.response_body}")
    tags.append(f"@route {route.method.upper()} {route.path}")
    return Unit(
        kind="provider", name=name, stem=name,
        signature=f"export async function {name}(props: {props}): Promise<{route.response_body or 'void'}>",
        doc=jsdoc([route.summary, route.description], tags), imports=tuple(imports),
        tables=tuple(route.tables), types=tuple(types), route=route,
    )


@dataclass(frozen=True)
class RealizePlan:
    helpers: list[Unit]  # transformers and collectors: written first, providers may use them
    providers: list[Unit]

    @property
    def units(self) -> Iterable[Unit]:
        return [*self.helpers, *self.providers]


def plan(app: InterfaceApplication, database: DatabaseApplication) -> RealizePlan:
    tables = database.tables()
    return RealizePlan(helpers=transformers(app, tables) + collectors(app, tables),
                       providers=[provider(route) for route in app.routes])
