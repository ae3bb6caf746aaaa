"""The Realize phase's answers: a body per unit the phase's own planner asks for, in its order.

`workers.phases.realize.plan` decides which transformers, collectors and providers exist and how
they are named, so op ids and signatures are the phase's; this module knows, per unit, which table,
DTO and route it serves, and fills the body from the typescript module's templates: transformers
copy columns, collectors fill every column of a new row, providers scope every query to what the
caller may see (the owner's rows; a nested row through its parent; never a deleted row) and record a
snapshot with every write of a table that keeps a history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from farm.sim.bookgen import typescript as ts
from farm.sim.bookgen.api import ApiRoute
from farm.sim.bookgen.domain import Column, Domain, Entity
from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication
from workers.phases.interface.ast import InterfaceApplication, ObjectSchema, TypeDefinition
from workers.phases.realize.plan import Unit, plan

_NEW_ROW = {"created_at": "now", "updated_at": "now", "deleted_at": "null"}  # timestamps of a new row
# A new session's columns (`refresh` is its refresh token), and what a refresh rotates.
_SESSION = {"refresh_token_hash": "PasswordHasher.hash(refresh.token)", "ip": '"unknown"', "user_agent": "null",
            "created_at": "new Date()", "expired_at": "new Date(refresh.expired_at)", "revoked_at": "null"}
_ROTATED = ("refresh_token_hash", "expired_at")
Answer = tuple[str, str]  # (body, plan)


def realize_answers(domain: Domain, routes: Sequence[ApiRoute], app: InterfaceApplication,
                    database: DatabaseApplication) -> dict[str, dict[str, Any]]:
    """Book entries of the Realize phase: helpers, then providers, as the phase plans and asks them."""
    units = plan(app, database)
    writer = _Writer(domain, {t.name: t for t in app.types}, {unit.types[0]: unit.name for unit in units.helpers})
    by_path = {(r.method, r.path): r for r in routes}
    answers = {}
    for unit in units.units:
        text, steps = (writer.provider(by_path[(unit.route.method, unit.route.path)]) if unit.route is not None
                       else writer.helper(unit))
        answers[f"realize/{unit.op_id}"] = {"plan": steps, "body": text}
    return answers


def _soft(entity: Entity) -> bool:
    """Whether deleting marks the row (`deleted_at`) rather than removing it; a snapshot's copy is history."""
    return entity.stance != "snapshot" and any(c.name == "deleted_at" for c in entity.columns)


def _reference(entity: Entity, role: str) -> str:
    return next(ref.column for ref in entity.references if ref.role == role)


def _visible(route: ApiRoute, entity: Entity) -> dict[str, str]:
    """The `where` conditions that keep a route to rows of `entity` its caller may see."""
    found = {}
    if route.authorization is not None:
        mine = PRIMARY_KEY if entity.stance == "actor" else _reference(entity, "owner")
        found[mine] = f"props.{route.authorization}.id"
    if _soft(entity):
        found["deleted_at"] = "null"
    return found


@dataclass(frozen=True)
class _Writer:
    domain: Domain
    types: dict[str, TypeDefinition]
    helpers: dict[str, str]  # DTO type -> its transformer (a response) or collector (a request body)

    def properties(self, type_name: str) -> dict[str, Column | None]:
        """A DTO's properties and the column each mirrors (None when it mirrors none)."""
        schema = self.types[type_name].json_schema
        assert isinstance(schema, ObjectSchema), type_name
        found: dict[str, Column | None] = {}
        for prop in schema.properties:
            table, _, name = (prop.column or "").partition(".")
            found[prop.name] = self.domain.entities[table].column(name) if prop.column else None
        return found

    def mirrored(self, type_name: str) -> dict[str, Column]:
        return {name: column for name, column in self.properties(type_name).items() if column is not None}

    def history(self, entity: Entity) -> Entity | None:
        return next((e for e in self.domain.entities.values() if e.parent == entity.table and e.stance == "snapshot"),
                    None)

    def snapshot(self, entity: Entity, time: str) -> ts.Lines:
        """Recording the written `row` in the entity's history, if it keeps one."""
        history = self.history(entity)
        if history is None:
            return []
        values = {PRIMARY_KEY: "v4()", _reference(history, "parent"): "row.id"}
        values |= {c.name: time if c.name == "created_at" else f"row.{c.name}" for c in history.columns}
        return ts.snapshot(history.table, values)

    # ---- transformers and collectors
    def helper(self, unit: Unit) -> Answer:
        entity, dto = self.domain.entities[unit.tables[0]], unit.types[0]
        if unit.kind == "transformer":
            values = {name: ts.to_dto("row", column) for name, column in self.mirrored(dto).items()}
            return ts.transformer(values), "Copy every column; timestamps become ISO strings, nullable ones stay null."
        sent = self.mirrored(dto)
        values = {}
        for column in (*entity.keys, *entity.columns):
            if column.name == PRIMARY_KEY:
                values[column.name] = "v4()"
            elif column.name in sent:
                values[column.name] = ts.from_request(f"props.body.{column.name}", column, keep_absent=False)
            elif column.name == "password_hash":
                values[column.name] = "PasswordHasher.hash(props.body.password)"
            elif column.name in _NEW_ROW:
                values[column.name] = _NEW_ROW[column.name]
            else:  # a foreign key the body does not carry: the planner made it an extra prop
                values[column.name] = f"props.{column.name}"
        return ts.collector(values), (f"A new {entity.spoken} row: a new id, the body's values (absent optional ones "
                                      "null), the given keys, the current time.")

    # ---- providers
    def provider(self, route: ApiRoute) -> Answer:
        if route.action in ("join", "login", "refresh"):
            return self.session(route)
        entity = route.entity
        checks: ts.Lines = []
        where: dict[str, str] = {}
        if route.parameters and route.parameters[-1] is entity:
            where[PRIMARY_KEY] = f"props.{entity.parameter}"
        if entity.parent is None:
            where |= _visible(route, entity)
        else:  # the caller must see the parent; the row must hang off it
            parent = self.domain.entities[entity.parent]
            checks = ts.find("parent", parent.table, {PRIMARY_KEY: f"props.{parent.parameter}",
                                                      **_visible(route, parent)}, f"No such {parent.spoken}.")
            where[_reference(entity, "parent")] = "parent.id"
            where |= {"deleted_at": "null"} if _soft(entity) else {}
        whose = f"the {route.authorization}'s {entity.spoken}" if route.authorization else f"a {entity.spoken}"
        recorded = " and record a snapshot, in one transaction" if self.history(entity) else ""
        if route.action == "index":
            return self.page(route, checks, where), f"List {whose} records a page at a time, newest first."
        if route.action == "create":
            return self.create(route, checks), f"Create {whose} from the body{recorded}."
        found = [*checks, *ts.find("found", entity.table, where, f"No such {entity.spoken}.")]
        if route.action == "at":
            return (ts.read(found, self.helpers[route.response_body or ""], "found"),
                    f"Read {whose}; 404 when it is not there.")
        if route.action == "update":
            changes = {name: ts.from_request(f"props.body.{name}", column, keep_absent=True)
                       for name, column in self.mirrored(route.request_body or "").items()}
            changes |= {"updated_at": "now"} if any(c.name == "updated_at" for c in entity.columns) else {}
            return (ts.update(found, entity.table, "found", changes, self.snapshot(entity, "now"),
                              self.helpers[route.response_body or ""]),
                    f"Find {whose} (404 otherwise) and apply the given changes{recorded}.")
        if _soft(entity):
            return (ts.erase(found, entity.table, "found", {"deleted_at": "now", "updated_at": "now"},
                             self.snapshot(entity, "now")),
                    f"Find {whose} (404 otherwise) and mark it deleted{recorded}.")
        return (ts.erase(found, entity.table, "found", None, []),
                f"Find {whose} (404 otherwise) and delete it with the rows that hang off it.")

    def page(self, route: ApiRoute, checks: ts.Lines, where: dict[str, str]) -> str:
        entity = route.entity
        item = (route.response_body or "").removeprefix("IPage")
        filters = self.properties(route.query) if route.query else {}
        search = entity.label.name if entity.label is not None and "search" in filters else None
        return ts.page(checks, entity.table, where, self.helpers[item], route.query is not None, search,
                       "sort" in filters)

    def create(self, route: ApiRoute, checks: ts.Lines) -> str:
        entity = route.entity
        props = {"body": "props.body"}
        for ref in entity.references:
            if ref.role == "owner":
                props[ref.column] = f"props.{route.authorization}.id"
            elif ref.role == "parent":
                props[ref.column] = "parent.id"
        return ts.create(checks, entity.table, self.helpers[route.request_body or ""], props,
                         self.snapshot(entity, "row.created_at"), self.helpers[route.response_body or ""])

    def session(self, route: ApiRoute) -> Answer:
        """join, login and refresh: each opens or renews a session and answers the account with its tokens."""
        entity, actor = route.entity, route.entity.owner
        sessions = next(e for e in self.domain.entities.values() if e.parent == entity.table and e.stance == "session")
        result = {name: ts.TOKEN if column is None else ts.to_dto("account", column)
                  for name, column in self.properties(route.response_body or "").items()}
        if route.action == "refresh":
            rotated = {name: _SESSION[name] for name in _ROTATED}
            relation = next(ref.relation for ref in sessions.references if ref.role == "parent")
            return (ts.refresh(actor, sessions.table, relation, rotated, result),
                    "Verify the refresh token and its live session, rotate the token and return new tokens.")
        opened = {PRIMARY_KEY: "sessionId", _reference(sessions, "parent"): "account.id"}
        opened |= {c.name: _SESSION[c.name] for c in sessions.columns}
        if route.action == "join":
            collect = self.helpers[route.request_body or ""]
            return (ts.join(actor, entity.table, collect, sessions.table, opened, result),
                    "Create the account (a taken email is a unique violation: 409), open a session and return "
                    "the account with its tokens.")
        return (ts.login(actor, entity.table, sessions.table, opened, result),
                "Find the live account by email and verify the password (401 otherwise), open a session and "
                "return the account with its tokens.")
