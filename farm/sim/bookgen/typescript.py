"""TypeScript templates of the Realize answers: function bodies as the Realize AST takes them.

Each template returns a body's statements (indented two spaces, no imports: Realize imports the
names a body uses) for the strict tsconfig and the Prisma client of the generated schema. Rows hold
datetimes as `Date`, DTOs as ISO strings; missing or foreign rows answer 404, database conflicts
and broken references are left to the scaffold's Prisma error mapping (409, 400).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from farm.sim.bookgen.domain import Column

INDENT = "  "
ACCESS_SECONDS = "60 * 60"
REFRESH_SECONDS = "14 * 24 * 60 * 60"
DEFAULT_LIMIT = 20
NESTED_LIMIT = 100  # a nested list has no query: its first page holds this many rows
Lines = list[str]


def body(lines: Sequence[str]) -> str:
    """The statements as a function body, one level in."""
    return "\n".join(INDENT + line if line else "" for line in lines)


def _nest(lines: Sequence[str]) -> Lines:
    return [INDENT + line for line in lines]


def _inline(entries: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{key}: {value}" for key, value in entries.items()) + " }"


def _literal(head: str, entries: Mapping[str, str], tail: str = ";") -> Lines:
    """An object literal one entry a line, after `head`."""
    if not entries:
        return [f"{head}{{}}{tail}"]
    return [head + "{", *(f"{INDENT}{key}: {value}," for key, value in entries.items()), "}" + tail]


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- values between rows and DTOs

def to_dto(row: str, column: Column) -> str:
    """A column of a row as a DTO property: datetimes become ISO strings, null stays null."""
    value = f"{row}.{column.name}"
    if column.type != "datetime":
        return value
    return f"{value}?.toISOString() ?? null" if column.nullable else f"{value}.toISOString()"


def from_request(value: str, column: Column, keep_absent: bool) -> str:
    """A request property as a column value; absent means null on create, unchanged on update."""
    if keep_absent:
        return f"{value} ? new Date({value}) : {value}" if column.type == "datetime" else value
    if not column.nullable:
        return f"new Date({value})" if column.type == "datetime" else value
    return f"{value} ? new Date({value}) : null" if column.type == "datetime" else f"{value} ?? null"


# ---- helpers

def transformer(values: Mapping[str, str]) -> str:
    return body(_literal("return ", values))


def collector(values: Mapping[str, str]) -> str:
    head = ["const now = new Date();"] if "now" in values.values() else []
    return body([*head, *_literal("return ", values)])


# ---- pieces of providers

def find(variable: str, table: str, where: Mapping[str, str], missing: str) -> Lines:
    """The row matching `where`, or 404."""
    return [f"const {variable} = await MyGlobal.prisma.{table}.findFirst({{ where: {_inline(where)} }});",
            f"if ({variable} === null) {{", f"{INDENT}throw new NotFoundException({_string(missing)});", "}"]


def snapshot(table: str, values: Mapping[str, str]) -> Lines:
    """Record a history row inside the transaction `tx`."""
    return [f"await tx.{table}.create({{", *_nest(_literal("data: ", values, ",")), "});"]


def write(result: str | None, query: str, history: Lines) -> Lines:
    """`await MyGlobal.prisma.<query>`, or, with a history to record of its `row`, both in one transaction."""
    assign = f"const {result} = " if result else ""
    if not history:
        return [f"{assign}await MyGlobal.prisma.{query};"]
    return [f"{assign}await MyGlobal.prisma.$transaction(async (tx) => {{", f"{INDENT}const row = await tx.{query};",
            *_nest(history), *([f"{INDENT}return row;"] if result else []), "});"]


# ---- providers

def page(checks: Lines, table: str, where: Mapping[str, str], transform: str, query: bool, search: str | None,
         sort: bool) -> str:
    """A page of rows, newest first unless the query sorts otherwise; a nested list (no query) is one page."""
    if query:
        lines = [*checks, "const page = props.query.page ?? 1;", f"const limit = props.query.limit ?? {DEFAULT_LIMIT};"]
        direction = 'props.query.direction ?? "desc"'
    else:
        lines = [*checks, "const page = 1;", f"const limit = {NESTED_LIMIT};"]
        direction = '"desc"'
    lines += _literal(f"const where: Prisma.{table}WhereInput = ", where)
    if search is not None:
        lines += ["if (props.query.search !== undefined && props.query.search.length > 0) {",
                  f'{INDENT}where.{search} = {{ contains: props.query.search, mode: "insensitive" }};', "}"]
    order = f'{{ [props.query.sort ?? "created_at"]: {direction} }}' if sort else f"{{ created_at: {direction} }}"
    found = {"where": "where", "orderBy": order, "skip": "(page - 1) * limit", "take": "limit"}
    lines += ["const [rows, records] = await Promise.all([",
              *_nest(_literal(f"MyGlobal.prisma.{table}.findMany(", found, "),")),
              f"{INDENT}MyGlobal.prisma.{table}.count({{ where }}),", "]);",
              "return {",
              f"{INDENT}pagination: {{ current: page, limit, records, pages: Math.ceil(records / limit) }},",
              f"{INDENT}data: rows.map({transform}),", "};"]
    return body(lines)


def read(checks: Lines, transform: str, row: str) -> str:
    return body([*checks, f"return {transform}({row});"])


def create(checks: Lines, table: str, collect: str, props: Mapping[str, str], history: Lines,
           transform: str) -> str:
    query = f"{table}.create({{ data: {collect}({_inline(props)}) }})"
    return body([*checks, *write("created", query, history), f"return {transform}(created);"])


def update(checks: Lines, table: str, found: str, changes: Mapping[str, str], history: Lines,
           transform: str) -> str:
    head = ["const now = new Date();"] if "now" in changes.values() or history else []
    query = f"{table}.update({{ where: {{ id: {found}.id }}, data: changes }})"
    return body([*checks, *head, *_literal(f"const changes: Prisma.{table}UncheckedUpdateInput = ", changes),
                 *write("updated", query, history), f"return {transform}(updated);"])


def erase(checks: Lines, table: str, found: str, soft: Mapping[str, str] | None, history: Lines) -> str:
    """Soft delete (the `soft` changes, with a history row) when the table keeps deleted rows, else delete."""
    if soft is None:
        return body([*checks, f"await MyGlobal.prisma.{table}.delete({{ where: {{ id: {found}.id }} }});"])
    query = f"{table}.update({{ where: {{ id: {found}.id }}, data: {_inline(soft)} }})"
    return body([*checks, "const now = new Date();", *write(None, query, history)])


# ---- accounts

def _tokens(actor: str, session: str) -> Lines:
    """`access` and `refresh` tokens of `account`: the guard checks the access token's claims."""
    return [f'const access = JwtToken.sign({{ id: account.id, type: "{actor}" }}, {ACCESS_SECONDS});',
            f'const refresh = JwtToken.sign({{ session_id: {session}, type: "{actor}-refresh" }}, {REFRESH_SECONDS});']


def _open_session(actor: str, sessions: str, values: Mapping[str, str]) -> Lines:
    return ["const sessionId = v4();", *_tokens(actor, "sessionId"),
            f"await MyGlobal.prisma.{sessions}.create({{", *_nest(_literal("data: ", values, ",")), "});"]


# The tokens of an answer to join, login or refresh, from the `access` and `refresh` just signed.
TOKEN = _inline({"access": "access.token", "refresh": "refresh.token", "expired_at": "access.expired_at",
                 "refreshable_until": "refresh.expired_at"})


def join(actor: str, table: str, collect: str, sessions: str, session: Mapping[str, str],
         result: Mapping[str, str]) -> str:
    created = f"const account = await MyGlobal.prisma.{table}.create({{ data: {collect}({{ body: props.body }}) }});"
    return body([created, *_open_session(actor, sessions, session), *_literal("return ", result)])


def login(actor: str, table: str, sessions: str, session: Mapping[str, str], result: Mapping[str, str]) -> str:
    return body([
        f"const account = await MyGlobal.prisma.{table}.findFirst({{ where: {{ email: props.body.email, "
        "deleted_at: null } });",
        "if (account === null || !PasswordHasher.verify(props.body.password, account.password_hash)) {",
        f'{INDENT}throw new UnauthorizedException("Wrong email or password.");', "}",
        *_open_session(actor, sessions, session), *_literal("return ", result)])


def refresh(actor: str, sessions: str, relation: str, session: Mapping[str, str], result: Mapping[str, str]) -> str:
    """Rotate the refresh token of a live session of a live account; anything else is 401."""
    return body([
        "const claims = JwtToken.verify(props.body.refresh_token);",
        f'if (claims.type !== "{actor}-refresh" || typeof claims.session_id !== "string") {{',
        f'{INDENT}throw new UnauthorizedException("Not a refresh token.");', "}",
        f"const session = await MyGlobal.prisma.{sessions}.findFirst({{",
        f"{INDENT}where: {{ id: claims.session_id, revoked_at: null, expired_at: {{ gt: new Date() }} }},",
        f"{INDENT}include: {{ {relation}: true }},", "});",
        f"if (session === null || session.{relation}.deleted_at !== null "
        "|| !PasswordHasher.verify(props.body.refresh_token, session.refresh_token_hash)) {",
        f'{INDENT}throw new UnauthorizedException("The session has ended.");', "}",
        f"const account = session.{relation};", *_tokens(actor, "session.id"),
        f"await MyGlobal.prisma.{sessions}.update({{ where: {{ id: session.id }}, data: {_inline(session)} }});",
        *_literal("return ", result)])
