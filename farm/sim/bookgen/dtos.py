"""DTO type definitions for a designed API, in the JSON-schema union of workers.phases.interface.ast.

Every property that carries a column value names that column (`table.column`) with a JSON type the
Interface compiler accepts for the column's type, so the schemas are true to the generated database;
full records mirror their table column for column, which is what makes Realize plan a transformer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from farm.sim.bookgen.api import ApiRoute
from farm.sim.bookgen.domain import Column, Entity
from workers.phases.database.ast import PRIMARY_KEY

PAGINATION = "IPage.IPagination"
TOKEN = "IAuthorizationToken"
_SECRETS = frozenset({"password_hash", "refresh_token_hash"})
_MANAGED = frozenset({"created_at", "updated_at", "deleted_at"})  # set by the server, never sent
_JSON: dict[str, dict[str, Any]] = {
    "string": {"type": "string"}, "uri": {"type": "string", "format": "uri"},
    "uuid": {"type": "string", "format": "uuid"}, "datetime": {"type": "string", "format": "date-time"},
    "int": {"type": "integer"}, "double": {"type": "number"}, "boolean": {"type": "boolean"},
}
Definition = dict[str, Any]


def definitions(routes: Iterable[ApiRoute]) -> dict[str, Definition]:
    """Every type the routes name and every type those reference, by name."""
    found: dict[str, Definition] = {}
    for route in routes:
        for name in (route.query, route.request_body, route.response_body):
            if name is not None and name not in found:
                found.update(_types_of(route.entity, name))
    return found


def _types_of(entity: Entity, name: str) -> dict[str, Definition]:
    """The definition of `name` (a type of `entity`) and of the helper types it references."""
    dto, spoken = entity.dto, entity.spoken
    variant = name.removeprefix(f"{dto}.") if name.startswith(f"{dto}.") else None
    if name in (f"IPage{dto}", f"IPage{dto}.ISummary"):
        item = name.removeprefix("IPage")
        return {name: _object(name, f"A page of {spoken} records.", [
            _property("pagination", "Position of this page.", True, None, _ref(PAGINATION)),
            _property("data", "The records of this page.", True, None, {"type": "array", "items": _ref(item)}),
        ]), **_pagination(), **_types_of(entity, item)}
    if variant is None:
        return {name: _object(name, f"A {spoken}.", [_mirror(entity, c, True) for c in _shown(entity)])}
    if variant == "ISummary":
        shown = [c for c in _shown(entity) if c.name in (PRIMARY_KEY, "created_at") or c == entity.label]
        return {name: _object(name, f"A {spoken} as listed.", [_mirror(entity, c, True) for c in shown])}
    if variant == "IRequest":
        return {name: _object(name, f"Filters, sort order and page of a {spoken} list; every filter is optional.",
                              _request(entity))}
    if variant in ("ICreate", "IUpdate"):
        editable = [c for c in _shown(entity) if c.name != PRIMARY_KEY and c.name not in _MANAGED
                    and c.name not in _implied(entity)]
        create = variant == "ICreate"
        text = f"A new {spoken}." if create else f"Changes to a {spoken}; omitted properties keep their value."
        return {name: _object(name, text, [_mirror(entity, c, create and not c.nullable) for c in editable])}
    return _account_types(entity, name, variant)


def _account_types(entity: Entity, name: str, variant: str) -> dict[str, Definition]:
    """What an account sends to join, log in or refresh, and what it gets back with its tokens."""
    spoken = entity.spoken
    columns = {c.name: c for c in _shown(entity)}
    email, display = _mirror(entity, columns["email"], True), _mirror(entity, columns["name"], True)
    email["json_schema"] = {"type": "string", "format": "email"}
    password = _property("password", "The password; only its hash is stored.", True, None,
                         {"type": "string", "format": "password", "min_length": 8, "max_length": 100})
    if variant == "IAuthorized":
        shown = [_mirror(entity, columns[c], True) for c in (PRIMARY_KEY, "name", "created_at")]
        token = _property("token", "Access and refresh tokens of the new session.", True, None, _ref(TOKEN))
        return {name: _object(name, f"A {spoken} who just joined, logged in or refreshed.", [email, *shown, token]),
                **_token()}
    properties = {
        "IJoin": [email, password, display],
        "ILogin": [email, password],
        "IRefresh": [_property("refresh_token", "Refresh token of the session.", True, None,
                               {"type": "string", "min_length": 1})],
    }[variant]
    return {name: _object(name, f"What a {spoken} sends: {variant.removeprefix('I').lower()}.", properties)}


def _shown(entity: Entity) -> list[Column]:
    """The columns a record DTO carries: the key, foreign keys and plain columns, never secrets."""
    return [*entity.keys, *(c for c in entity.columns if c.name not in _SECRETS)]


def _implied(entity: Entity) -> set[str]:
    """Foreign keys a request never carries: the owner comes from the login, the parent from the path."""
    return {ref.column for ref in entity.references if ref.role != "reference"}


def _request(entity: Entity) -> list[Definition]:
    label = entity.label
    found = []
    if label is not None:
        found.append(_property("search", f"Keyword matched against {label.name}.", False, None,
                               {"type": "string", "max_length": 100}))
        found.append(_property("sort", "Column to sort by; created_at when omitted.", False, None, {
            "type": "oneOf", "variants": [{"type": "constant", "value": c} for c in ("created_at", label.name)]}))
    found.append(_property("direction", "Sort direction; desc when omitted.", False, None, {
        "type": "oneOf", "variants": [{"type": "constant", "value": "asc"}, {"type": "constant", "value": "desc"}]}))
    found.append(_property("page", "1-based page number; 1 when omitted.", False, None,
                           {"type": "integer", "minimum": 1}))
    found.append(_property("limit", "Records per page; 20 when omitted.", False, None,
                           {"type": "integer", "minimum": 1, "maximum": 100}))
    return found


def _pagination() -> dict[str, Definition]:
    counts = [("current", "1-based number of this page.", 1), ("limit", "Records per page.", 1),
              ("records", "Number of records in the whole result.", 0), ("pages", "Number of pages.", 0)]
    return {PAGINATION: _object(PAGINATION, "Where a page sits in the whole result.", [
        _property(name, text, True, None, {"type": "integer", "minimum": minimum}) for name, text, minimum in counts])}


def _token() -> dict[str, Definition]:
    fields = [("access", "Access token for the Authorization header.", None),
              ("refresh", "Refresh token for the refresh endpoint.", None),
              ("expired_at", "When the access token expires.", "date-time"),
              ("refreshable_until", "When the refresh token expires.", "date-time")]
    return {TOKEN: _object(TOKEN, "Tokens of a session: send the access token as 'Authorization: Bearer <access>'.", [
        _property(name, text, True, None, {"type": "string", **({"format": fmt} if fmt else {})})
        for name, text, fmt in fields])}


def _mirror(entity: Entity, column: Column, required: bool) -> Definition:
    schema = dict(_JSON[column.type])
    if column.nullable:
        schema = {"type": "oneOf", "variants": [schema, {"type": "null"}]}
    return _property(column.name, column.description, required, f"{entity.table}.{column.name}", schema)


def _property(name: str, description: str, required: bool, column: str | None, schema: Definition) -> Definition:
    return {"name": name, "description": description, "required": required, "column": column, "json_schema": schema}


def _ref(name: str) -> Definition:
    return {"type": "reference", "ref": name}


def _object(name: str, description: str, properties: list[Definition]) -> Definition:
    return {"name": name, "description": description, "json_schema": {"type": "object", "properties": properties}}
