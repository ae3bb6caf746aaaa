"""The Database phase's ASTs: the namespace plan (`groups`) and one namespace's models (`schema`).

Limits on list and string sizes bound what a model can make the compiler and the Prisma validator
chew on; naming patterns keep every name usable as a PostgreSQL identifier and a file name.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from workers.phases.naming import CAMEL, MAX_IDENTIFIER, SNAKE

MAX_NAMESPACES = 30
MAX_TABLES_PER_NAMESPACE = 60
MAX_FIELDS = 80
MAX_DESCRIPTION = 2000

Stance = Literal["primary", "subsidiary", "snapshot", "actor", "session"]
PlainType = Literal["boolean", "int", "double", "string", "uri", "uuid", "datetime"]

SnakeName = Annotated[str, Field(pattern=SNAKE, max_length=MAX_IDENTIFIER)]
CamelName = Annotated[str, Field(pattern=CAMEL, max_length=MAX_IDENTIFIER)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Namespace(_Strict):
    """A domain area whose tables are written together into `prisma/schema/<name>.prisma`."""

    name: SnakeName = Field(description="snake_case namespace name, also the schema file name, e.g. 'todos'")
    description: Text = Field(description="what this area of the domain covers")
    tables: list[SnakeName] = Field(
        min_length=1,
        max_length=MAX_TABLES_PER_NAMESPACE,
        description="snake_case table names this namespace owns, e.g. ['todo_items', 'todo_item_snapshots']",
    )


class Groups(_Strict):
    """Arguments of `database_groups`: split the database into namespaces and assign every table."""

    namespaces: list[Namespace] = Field(min_length=1, max_length=MAX_NAMESPACES)


PRIMARY_KEY = "id"


class PrimaryField(_Strict):
    """The uuid primary key, always named `id` so foreign keys can reference it without a lookup."""

    description: Text = Field(description="what identifies a row")


class Relation(_Strict):
    """The navigation a foreign key opens, in both directions."""

    name: CamelName = Field(description="camelCase name of the relation on this model, e.g. 'owner'")
    target: SnakeName = Field(description="snake_case name of the referenced table (in any namespace)")
    opposite_name: CamelName = Field(
        description="camelCase name of the reverse relation on the target model, e.g. 'todoItems'",
    )


class ForeignField(_Strict):
    """A uuid column referencing another table's primary key."""

    name: SnakeName = Field(description="snake_case column name ending in '_id', e.g. 'todo_member_id'")
    description: Text = Field(description="what the reference means")
    relation: Relation
    unique: bool = Field(description="true for one-to-one: at most one row may reference a given target row")
    nullable: bool = Field(description="true when the reference is optional")


class PlainField(_Strict):
    name: SnakeName = Field(description="snake_case column name, e.g. 'created_at'")
    description: Text = Field(description="meaning, units and allowed values")
    type: PlainType = Field(description="column type; datetime is a timestamp with time zone")
    nullable: bool = Field(description="true when the value may be missing")


class Index(_Strict):
    fields: list[SnakeName] = Field(min_length=1, max_length=8, description="column names of this model, in index order")


class GinIndex(_Strict):
    field: SnakeName = Field(description="a string column searched by substring (trigram GIN)")


class Model(_Strict):
    """One table."""

    name: SnakeName = Field(description="snake_case table name, one of the namespace's planned tables")
    description: Text = Field(description="what one row represents and why the table exists")
    stance: Stance = Field(
        description="primary: a main entity; subsidiary: owned by another row; snapshot: an immutable history "
        "record; actor: someone who logs in; session: a login session of an actor"
    )
    primary: PrimaryField
    foreign_fields: list[ForeignField] = Field(default_factory=list, max_length=MAX_FIELDS)
    plain_fields: list[PlainField] = Field(default_factory=list, max_length=MAX_FIELDS)
    unique_indexes: list[Index] = Field(default_factory=list, max_length=MAX_FIELDS)
    plain_indexes: list[Index] = Field(default_factory=list, max_length=MAX_FIELDS)
    gin_indexes: list[GinIndex] = Field(default_factory=list, max_length=MAX_FIELDS)


class DatabaseSchema(_Strict):
    """Arguments of `database_schema`: every model of one namespace."""

    models: list[Model] = Field(min_length=1, max_length=MAX_TABLES_PER_NAMESPACE)


class NamespaceSchema(_Strict):
    """One namespace as the phase merged it: its plan and its models."""

    name: SnakeName
    description: str
    models: list[Model]


class DatabaseApplication(_Strict):
    """The Database phase's merged AST (`ast.json`), read by later phases through `ctx.prior`."""

    namespaces: list[NamespaceSchema]

    def tables(self) -> dict[str, Model]:
        """Every model by table name (first definition wins; the compiler reports duplicates)."""
        found: dict[str, Model] = {}
        for namespace in self.namespaces:
            for model in namespace.models:
                found.setdefault(model.name, model)
        return found
