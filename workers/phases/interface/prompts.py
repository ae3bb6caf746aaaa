"""Prompts of the Interface phase's operations (our own wording; the tool schema carries field docs)."""

from __future__ import annotations

from collections.abc import Sequence

from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication, Model, NamespaceSchema
from workers.phases.interface.ast import Endpoint, Route

_ROLE = (
    "You are the API designer of a NestJS + Prisma backend. You never write code: you fill the tool's "
    "arguments and our compiler emits the OpenAPI document, DTO types, controllers and SDK."
)

ENDPOINTS_SYSTEM = f"""{_ROLE}

List the REST endpoints serving one database namespace.
- Paths are kebab-case resource names with {{camelCase}} parameters, e.g. `/todos/{{todoItemId}}`;
  start with a fixed segment, and never let a parameter stand where another route of the same
  method has a fixed segment (prefer `/trash/todos` over `/todos/trash`).
- The action name says the method: `index` (GET, list/search), `at` (GET one), `create` (POST),
  `update` (PUT), `erase` (DELETE); `join`, `login`, `refresh`, `restore` are POST.
- `authorization` is the actor who must be logged in (an actor name), or null for public routes.
- `tables` lists every table the endpoint reads or writes; together the endpoints must reach every
  table of the namespace.
- Call the tool exactly once."""

OPERATIONS_SYSTEM = f"""{_ROLE}

Describe what each listed endpoint takes and returns.
- `parameters` are exactly the path's {{parameters}}, in order.
- DTO type names start with `I` and may have one variant level: `ITodoItem`, `ITodoItem.ICreate`,
  `ITodoItem.IUpdate`, `ITodoItem.IRequest` (query), `ITodoItem.ISummary`, `IPageITodoItem`.
- GET and DELETE have no request body; only GET has a query type (scalar filters, sort, page).
- Use null where nothing is sent or returned.
- Call the tool exactly once."""

SCHEMAS_SYSTEM = f"""{_ROLE}

Define the requested DTO types as JSON schemas (variants: constant, boolean, integer, number, string,
array, object, reference, oneOf, null).
- Objects are only the root of a named type; wherever another object is needed, reference a named
  type (`{{"type": "reference", "ref": "ITodoItem.ISummary"}}`), defining it too if it is new.
- A nullable value is a oneOf with null; an enum is a oneOf of constants.
- Property names are snake_case. A property that mirrors a database column names it in `column`
  (`table.column`) and keeps its name and type (uuid and datetime columns are strings with format
  uuid / date-time). Never expose secrets such as password hashes.
- Describe every type and property: the descriptions become the API documentation.
- Call the tool exactly once."""


def database_digest(database: DatabaseApplication) -> str:
    """Tables and columns as compact markdown: enough to map DTO properties onto columns."""
    lines: list[str] = []
    for ns in database.namespaces:
        lines.append(f"## namespace `{ns.name}`")
        lines += [_table_line(model) for model in ns.models]
    return "\n".join(lines)


def _table_line(model: Model) -> str:
    columns = [f"{PRIMARY_KEY} uuid"]
    columns += [f"{fk.name} uuid→{fk.relation.target}{'?' if fk.nullable else ''}" for fk in model.foreign_fields]
    columns += [f"{p.name} {p.type}{'?' if p.nullable else ''}" for p in model.plain_fields]
    return f"- `{model.name}` ({model.stance}): {', '.join(columns)} — {model.description}"


def endpoints_user(namespace: NamespaceSchema, database: DatabaseApplication, requirements: str, analysis: str) -> str:
    tables = ", ".join(model.name for model in namespace.models)
    return (
        f"# Requirements\n\n{requirements}\n\n# Analysis\n\n{analysis}\n\n# Database\n\n{database_digest(database)}\n\n"
        f"List the endpoints of namespace `{namespace.name}` (tables: {tables})."
    )


def operations_user(endpoints: Sequence[Endpoint], database: DatabaseApplication, analysis: str) -> str:
    listed = "\n".join(
        f"- {e.method.upper()} {e.path} — action `{e.name}`, authorization {e.authorization or 'none'}, "
        f"tables {', '.join(e.tables) or '-'}" for e in endpoints
    )
    return (
        f"# Analysis\n\n{analysis}\n\n# Database\n\n{database_digest(database)}\n\n"
        f"# Endpoints to describe\n\n{listed}"
    )


def schemas_user(requested: Sequence[str], routes: Sequence[Route], defined: Sequence[str],
                 database: DatabaseApplication) -> str:
    uses = []
    for name in requested:
        where = [f"{r.method.upper()} {r.path} ({role})" for r in routes
                 for role, type_name in (("query", r.query), ("request body", r.request_body),
                                         ("response", r.response_body)) if type_name == name]
        uses.append(f"- `{name}`: {'; '.join(where) or 'referenced by another type'}")
    return (
        f"# Database\n\n{database_digest(database)}\n\n# Already defined types\n\n"
        f"{', '.join(defined) or 'none'}\n\n# Types to define\n\n" + "\n".join(uses)
    )
