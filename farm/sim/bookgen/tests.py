"""The Test phase's answers: per SDK function, a scenario and an e2e test that calls it and checks it.

A test prepares what its operation needs the way a client would: it joins as each actor involved,
creates the rows on the path and the rows a new row must reference through their own create routes,
then calls the operation and asserts on the answer and on one call that must fail. An operation on
rows the API cannot create is tested on an unknown id, which must be refused. A scenario's
dependencies are exactly the other SDK functions its test calls. Op ids and SDK accessors come from
the phase's own helpers (`op_id`, `sdk_functions`), the statements' shape from todo's test book.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from farm.sim.bookgen.api import ApiRoute
from farm.sim.bookgen.domain import Column, Domain, Entity
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.naming import to_camel
from workers.phases.test.ast import Scenario
from workers.phases.test.phase import op_id
from workers.phases.test.sdk import object_properties, sdk_functions

PASSWORD = "correct-horse-battery-42"
Json = dict[str, Any]
# A random value of each column type, as the Test AST spells it.
_RANDOM: dict[str, Json] = {
    "string": {"type": "random", "kind": "string", "length": 12},
    "uri": {"type": "string", "value": "https://example.com/page"},
    "uuid": {"type": "random", "kind": "uuid"},
    "datetime": {"type": "random", "kind": "datetime", "minimum": 1, "maximum": 30},
    "int": {"type": "random", "kind": "integer", "minimum": 0, "maximum": 100},
    "double": {"type": "random", "kind": "number", "minimum": 0, "maximum": 1000},
    "boolean": {"type": "random", "kind": "boolean"},
}
_UNKNOWN: Json = {"type": "random", "kind": "uuid"}
# Dependencies a scenario may list, read off its AST so the two cannot drift apart.
MAX_DEPENDENCIES: int = next(m.max_length for m in Scenario.model_fields["dependencies"].metadata
                             if hasattr(m, "max_length"))


def test_answers(domain: Domain, routes: Sequence[ApiRoute], app: InterfaceApplication) -> dict[str, dict[str, Any]]:
    """Book entries of the Test phase: every `scenario-…` in SDK order, then every `test-…`, as asked."""
    functions = sdk_functions(app)
    api = _Api(domain, {(f.route.method, f.route.path): accessor for accessor, f in functions.items()},
               {(r.entity.table, r.action): r for r in routes}, app)
    by_path = {(r.method, r.path): r for r in routes}
    scenarios, tests = {}, {}
    for function in functions.values():
        route = by_path[(function.route.method, function.route.path)]
        script = _Script(api, accessor=function.accessor)
        _TESTS[_kind(route)](script, route)
        scenarios[f"test/{op_id('scenario', function)}"] = script.scenario(function.route.summary)
        tests[f"test/{op_id('test', function)}"] = {"statements": script.statements}
    return scenarios | tests


@dataclass(frozen=True)
class _Api:
    """The designed API as a test sees it: who may call what, and which rows it can create."""

    domain: Domain
    accessors: dict[tuple[str, str], str]  # (method, path) -> SDK accessor
    routes: dict[tuple[str, str], ApiRoute]  # (table, action) -> route
    app: InterfaceApplication

    def accessor(self, entity: Entity, action: str) -> str:
        route = self.routes[(entity.table, action)]
        return self.accessors[(route.method, route.path)]

    def account(self, actor: str) -> Entity:
        return next(e for e in self.domain.entities.values() if e.stance == "actor" and e.owner == actor)

    def creatable(self, entity: Entity) -> bool:
        """Whether a test can make a row: a create route, and its parent and required references creatable."""
        return entity.table in self._creatable

    @cached_property
    def _creatable(self) -> frozenset[str]:
        @cache
        def creatable(table: str) -> bool:
            entity = self.domain.entities[table]
            needed = [ref.target for ref in entity.references if ref.role == "reference" and not ref.nullable]
            needed += [entity.parent] if entity.parent else []
            return (table, "create") in self.routes and all(creatable(other) for other in needed)

        return frozenset(table for table in self.domain.entities if creatable(table))


def _name(text: str) -> Json:
    return {"type": "identifier", "name": text}


def _get(base: Json, *names: str) -> Json:
    for name in names:
        base = {"type": "property", "object": base, "name": name}
    return base


def _object(entries: Mapping[str, Json]) -> Json:
    return {"type": "object", "properties": [{"key": key, "value": value} for key, value in entries.items()]}


def _number(value: int) -> Json:
    return {"type": "number", "value": value}


def _ids(rows: Json) -> Json:
    """`rows.map((row) => row.id)`."""
    return {"type": "map", "array": rows, "function": {"type": "arrow", "parameters": ["row"],
                                                        "body": _get(_name("row"), "id")}}


@dataclass
class _Script:
    """One test being written: its statements, the steps and checks its scenario tells, what it calls."""

    api: _Api
    accessor: str  # the operation under test
    statements: list[Json] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    called: list[str] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)  # table -> variable holding a created row
    joined: set[str] = field(default_factory=set)  # actors, each in the variable of its name

    def declare(self, variable: str) -> str:
        if any(s.get("variable") == variable for s in self.statements):
            raise ValueError(f"test of {self.accessor} declares {variable!r} twice")
        return variable

    def let(self, variable: str, expression: Json) -> Json:
        self.statements.append({"type": "expression", "variable": self.declare(variable), "expression": expression})
        return _name(variable)

    def call(self, variable: str | None, accessor: str, connection: Json | None, arguments: list[Json]) -> Json:
        if accessor != self.accessor and accessor not in self.called:
            self.called.append(accessor)
        self.statements.append({"type": "apiCall", "variable": variable and self.declare(variable),
                                "function": accessor, "connection": connection, "arguments": arguments})
        return _name(variable) if variable else {"type": "undefined"}

    def expect(self, title: str, expected: Json, actual: Json, kind: str = "equals") -> None:
        self.checks.append(title)
        self.statements.append({"type": "expression", "variable": None,
                                "expression": {"type": kind, "title": title, "expected": expected, "actual": actual}})

    def holds(self, title: str, condition: Json) -> None:
        self.checks.append(title)
        self.statements.append({"type": "expression", "variable": None,
                                "expression": {"type": "predicate", "title": title, "condition": condition}})

    def fails(self, title: str, accessor: str, connection: Json | None, arguments: list[Json]) -> None:
        if accessor != self.accessor and accessor not in self.called:
            self.called.append(accessor)
        self.checks.append(title)
        self.statements.append({"type": "expression", "variable": None, "expression": {
            "type": "error", "title": title, "function": accessor, "connection": connection, "arguments": arguments}})

    # ---- preparing data
    def join(self, actor: str) -> Json:
        """The joined actor's answer (joining once per test), e.g. `member`."""
        if actor not in self.joined:
            account = self.api.account(actor)
            self.steps.append(f"Join as a new {actor}.")
            body = {"email": {"type": "random", "kind": "email"}, "password": {"type": "string", "value": PASSWORD},
                    _label(account).name: {"type": "random", "kind": "name"}}
            self.call(actor, self.api.accessor(account, "join"), None, [_object(body)])
            self.joined.add(actor)
            self.let(f"{actor}Connection", _object({
                "host": _get(_name("connection"), "host"),
                "headers": _object({"Authorization": {"type": "binary", "operator": "+",
                                                      "left": {"type": "string", "value": "Bearer "},
                                                      "right": _get(_name(actor), "token", "access")}}),
            }))
        return _name(actor)

    def connection(self, actor: str | None) -> Json | None:
        """The connection an actor's calls go through (None: the test's own, a guest's)."""
        if actor is None:
            return None
        self.join(actor)
        return _name(f"{actor}Connection")

    def create(self, entity: Entity, overrides: Mapping[str, Json] | None = None) -> Json:
        """A new row of a creatable entity (once per test), with the rows it needs before it."""
        if entity.table not in self.rows:
            if entity.parent:
                self.create(self.api.domain.entities[entity.parent])
            for ref in entity.references:
                if ref.role == "reference" and not ref.nullable:
                    self.create(self.api.domain.entities[ref.target])
            route = self.api.routes[(entity.table, "create")]
            connection = self.connection(route.authorization)
            self.steps.append(f"Create a {entity.spoken} as its {entity.owner}.")
            variable = to_camel(entity.noun)
            self.call(variable, self.api.accessor(entity, "create"), connection,
                      [*self.path(route), self.new_body(entity, overrides or {})])
            self.rows[entity.table] = variable
        return _name(self.rows[entity.table])

    def path(self, route: ApiRoute, unknown: bool = False) -> list[Json]:
        """The route's path arguments: created rows' ids, or (when `unknown`) a random id for the last."""
        found = [_get(_name(self.rows[e.table]), "id") if e.table in self.rows else _UNKNOWN for e in route.parameters]
        return [*found[:-1], _UNKNOWN] if unknown and found else found

    def new_body(self, entity: Entity, overrides: Mapping[str, Json]) -> Json:
        """The create body's required properties: references to created rows, random values otherwise."""
        targets = {ref.column: ref.target for ref in entity.references}
        values = {}
        for name, required in (object_properties(self.api.app, f"{entity.dto}.ICreate") or {}).items():
            if name in overrides:
                values[name] = overrides[name]
            elif required:
                values[name] = (_get(_name(self.rows[targets[name]]), "id") if name in targets
                                else _RANDOM[entity.column(name).type])
        return _object(values)

    def scenario(self, summary: str) -> Json:
        if len(self.called) > MAX_DEPENDENCIES:
            raise ValueError(f"test of {self.accessor} calls {len(self.called)} other functions; a scenario lists "
                             f"at most {MAX_DEPENDENCIES}")
        return {"title": f"{summary.rstrip('.')}: {self.checks[0]}.",
                "description": "The test checks that " + "; that ".join(self.checks) + ".",
                "steps": self.steps, "dependencies": self.called}


def _label(entity: Entity) -> Column:
    if entity.label is None:
        raise ValueError(f"{entity.table} has no label column to search and compare by")
    return entity.label


def _kind(route: ApiRoute) -> str:
    """Which test an operation gets: accounts' own, else by action (snapshots are read-only)."""
    if route.entity.stance == "actor":
        return f"account-{route.action}"
    return f"snapshot-{route.action}" if route.entity.stance == "snapshot" else route.action


# ---- one test per kind of operation

def _join(script: _Script, route: ApiRoute) -> None:
    actor, accessor = route.entity.owner, script.accessor
    label = _label(route.entity).name
    email = script.let("email", {"type": "random", "kind": "email"})
    shown = script.let("shown", {"type": "random", "kind": "name"})
    script.steps.append(f"Join as a new {actor} with a random email and {label}.")
    joined = script.call(actor, accessor, None, [_object({
        "email": email, "password": {"type": "string", "value": PASSWORD}, label: shown})])
    script.expect("the email is stored", email, _get(joined, "email"))
    script.expect(f"the {label} is stored", shown, _get(joined, label))
    script.holds("an access token is issued", {"type": "binary", "operator": ">", "left": _get(
        joined, "token", "access", "length"), "right": _number(0)})
    script.steps.append("Join again with the same email and expect a refusal.")
    script.fails("an email joins only once", accessor, None, [_object({
        "email": email, "password": {"type": "string", "value": PASSWORD}, label: {"type": "random", "kind": "name"}})])


def _login(script: _Script, route: ApiRoute) -> None:
    actor = route.entity.owner
    joined = script.join(actor)
    script.steps.append("Log in with the same email and password, then with a wrong password.")
    session = script.call("session", script.accessor, None, [_object({
        "email": _get(joined, "email"), "password": {"type": "string", "value": PASSWORD}})])
    script.expect(f"the same {actor} logs in", _get(joined, "id"), _get(session, "id"))
    script.expect("a login opens a new session", _get(joined, "token", "access"), _get(session, "token", "access"),
                  kind="notEquals")
    script.fails("a wrong password is refused", script.accessor, None, [_object({
        "email": _get(joined, "email"), "password": {"type": "string", "value": "wrong-password-1"}})])


def _refresh(script: _Script, route: ApiRoute) -> None:
    actor = route.entity.owner
    joined = script.join(actor)
    script.steps.append("Refresh with the refresh token, then with a made-up one.")
    refreshed = script.call("refreshed", script.accessor, None, [_object({
        "refresh_token": _get(joined, "token", "refresh")})])
    script.expect(f"the same {actor} is refreshed", _get(joined, "id"), _get(refreshed, "id"))
    script.expect("the refresh token is rotated", _get(joined, "token", "refresh"), _get(refreshed, "token", "refresh"),
                  kind="notEquals")
    script.fails("an unknown refresh token is refused", script.accessor, None, [_object({
        "refresh_token": {"type": "random", "kind": "string", "length": 32}})])


def _account_at(script: _Script, route: ApiRoute) -> None:
    actor = route.entity.owner
    joined = script.join(actor)
    script.steps.append(f"Read the {actor}'s own account, then try without a token.")
    me = script.call("me", script.accessor, script.connection(actor), [])
    script.expect(f"the account is the {actor}'s", _get(joined, "id"), _get(me, "id"))
    script.fails("a guest has no account", script.accessor, None, [])


def _account_update(script: _Script, route: ApiRoute) -> None:
    actor, label = route.entity.owner, _label(route.entity).name
    script.join(actor)
    shown = script.let("shown", {"type": "random", "kind": "name"})
    script.steps.append(f"Change the {label}, then try without a token.")
    updated = script.call("updated", script.accessor, script.connection(actor), [_object({label: shown})])
    script.expect(f"the new {label} is stored", shown, _get(updated, label))
    script.fails("a guest cannot update an account", script.accessor, None, [_object({label: shown})])


def _index(script: _Script, route: ApiRoute) -> None:
    entity = route.entity
    parent = script.api.domain.entities[entity.parent] if entity.parent else None
    if parent is not None and not script.api.creatable(parent):
        _unknown(script, route)
        return
    row = script.create(entity) if script.api.creatable(entity) else None
    if parent is not None:
        script.create(parent)
    query = [_object({"search": _get(row, _label(entity).name)} if row is not None else {})] if route.query else []
    script.steps.append(f"List {entity.spoken} records" + (" searching for the new one's label." if query else "."))
    page = script.call("page", script.accessor, script.connection(route.authorization), [*script.path(route), *query])
    if route.query:
        script.expect("the first page comes back", _number(1), _get(page, "pagination", "current"))
    if row is None:  # no route creates one
        title = f"a new {parent.spoken} has none" if parent else f"no {entity.spoken} exists to list"
        script.expect(title, _number(0), _get(page, "data", "length"))
        return
    script.holds(f"the new {entity.spoken} is listed", {"type": "call", "callee": _get(_ids(_get(page, "data")),
                                                                                          "includes"),
                                                         "arguments": [_get(row, "id")]})


def _create(script: _Script, route: ApiRoute) -> None:
    entity = route.entity
    label = _label(entity)
    value = script.let("label", _RANDOM[label.type])
    row = script.create(entity, {label.name: value})
    arguments = script.statements[-1]["arguments"]  # the create call is the last statement `create` wrote
    script.expect(f"the {label.name} is stored", value, _get(row, label.name))
    owner = next((ref.column for ref in entity.references if ref.role == "owner"), None)
    if owner is not None:
        script.expect(f"the {entity.owner} owns it", _get(_name(entity.owner), "id"), _get(row, owner))
    script.steps.append("Create one without a token and expect a refusal.")
    script.fails(f"a guest cannot create a {entity.spoken}", script.accessor, None, arguments)


def _at(script: _Script, route: ApiRoute) -> None:
    entity = route.entity
    if not script.api.creatable(entity):
        _unknown(script, route)
        return
    row = script.create(entity)
    script.steps.append(f"Read the {entity.spoken} by id, then an unknown id.")
    read = script.call("read", script.accessor, script.connection(route.authorization), script.path(route))
    script.expect(f"the {entity.spoken} reads back as created", row, read)
    script.fails(f"an unknown {entity.spoken} is not found", script.accessor, script.connection(route.authorization),
                 script.path(route, unknown=True))


def _update(script: _Script, route: ApiRoute) -> None:
    entity = route.entity
    if not script.api.creatable(entity):
        _unknown(script, route, [_object({})])
        return
    label = _label(entity)
    row = script.create(entity)
    value = script.let("label", _RANDOM[label.type])
    script.steps.append(f"Change its {label.name}, then change an unknown {entity.spoken}.")
    updated = script.call("updated", script.accessor, script.connection(route.authorization),
                          [*script.path(route), _object({label.name: value})])
    script.expect(f"the new {label.name} is stored", value, _get(updated, label.name))
    script.expect(f"it is the same {entity.spoken}", _get(row, "id"), _get(updated, "id"))
    script.fails(f"an unknown {entity.spoken} is not found", script.accessor, script.connection(route.authorization),
                 [*script.path(route, unknown=True), _object({label.name: value})])


def _erase(script: _Script, route: ApiRoute) -> None:
    entity = route.entity
    if not script.api.creatable(entity):
        _unknown(script, route)
        return
    script.create(entity)
    connection = script.connection(route.authorization)
    script.steps.append(f"Delete the {entity.spoken}, then delete it again and expect it is gone.")
    script.call(None, script.accessor, connection, script.path(route))
    script.fails(f"a deleted {entity.spoken} is gone", script.accessor, connection, script.path(route))


def _snapshot_index(script: _Script, route: ApiRoute) -> None:
    entity, parent = route.entity, script.api.domain.entities[route.entity.parent or ""]
    if not script.api.creatable(parent):
        _unknown(script, route)
        return
    row = script.create(parent)
    script.steps.append(f"List the {parent.spoken}'s history: creating it wrote one snapshot.")
    history = script.call("history", script.accessor, script.connection(route.authorization), script.path(route))
    script.expect("creating wrote one snapshot", _number(1), _get(history, "data", "length"))
    first = {"type": "element", "object": _get(history, "data"), "index": _number(0)}
    label = _label(entity).name
    script.expect(f"the snapshot has the {label} it was created with", _get(row, label), _get(first, label))


def _snapshot_at(script: _Script, route: ApiRoute) -> None:
    entity, parent = route.entity, script.api.domain.entities[route.entity.parent or ""]
    if not script.api.creatable(parent):
        _unknown(script, route)
        return
    script.create(parent)
    connection = script.connection(route.authorization)
    script.steps.append("List the history, read its first snapshot by id, then an unknown id.")
    history = script.call("history", script.api.accessor(entity, "index"), connection, script.path(route)[:-1])
    first = script.let("first", {"type": "element", "object": _get(history, "data"), "index": _number(0)})
    read = script.call("read", script.accessor, connection, [*script.path(route)[:-1], _get(first, "id")])
    script.expect("the snapshot reads back as listed", first, read)
    script.fails(f"an unknown {entity.spoken} is not found", script.accessor, connection,
                 [*script.path(route)[:-1], _UNKNOWN])


def _unknown(script: _Script, route: ApiRoute, body: list[Json] | None = None) -> None:
    """The test of an operation on rows no route creates: on an unknown id it must be refused."""
    entity = route.entity
    parent = script.api.domain.entities[entity.parent] if entity.parent else None
    if parent is not None and script.api.creatable(parent):
        script.create(parent)
    script.steps.append(f"Call it for an unknown {entity.spoken}: no route creates one, so it must be refused.")
    query = [_object({})] if route.query else []
    script.fails(f"an unknown {entity.spoken} is not found", script.accessor, script.connection(route.authorization),
                 [*script.path(route, unknown=True), *query, *(body or [])])


_TESTS: dict[str, Callable[[_Script, ApiRoute], None]] = {
    "account-join": _join, "account-login": _login, "account-refresh": _refresh, "account-at": _account_at,
    "account-update": _account_update, "index": _index, "create": _create, "at": _at, "update": _update,
    "erase": _erase, "snapshot-index": _snapshot_index, "snapshot-at": _snapshot_at,
}
