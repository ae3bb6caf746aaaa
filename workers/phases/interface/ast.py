"""The Interface phase's ASTs: endpoints, operations, and DTO types as a recursive JSON-schema union.

The union has ten variants (constant, boolean, integer, number, string, array, object, reference,
oneOf, null), told apart by `type`. An object may only be the root of a named type; wherever a
nested object is needed, the schema references another named type, so DTOs are reused.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workers.phases.naming import CAMEL, MAX_IDENTIFIER, SNAKE

MAX_DESCRIPTION = 2000
# Raw JSON nesting allowed before validation even starts; a schema level costs up to three JSON
# levels (schema, variant list, property), so this admits about 20 schema levels, well past the
# compiler's own depth limit, while keeping hostile nesting away from the recursive validator.
MAX_RAW_DEPTH = 64

PATH = r"^(?:/(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*|\{[a-z][a-zA-Z0-9]*\}))+$"
TYPE_NAME = r"^I[A-Z][A-Za-z0-9]*(?:\.I[A-Z][A-Za-z0-9]*)?$"
COLUMN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"

Method = Literal["get", "post", "put", "patch", "delete"]
SnakeName = Annotated[str, Field(pattern=SNAKE, max_length=MAX_IDENTIFIER)]
CamelName = Annotated[str, Field(pattern=CAMEL, max_length=MAX_IDENTIFIER)]
TypeName = Annotated[str, Field(pattern=TYPE_NAME, max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION)]
RoutePath = Annotated[str, Field(pattern=PATH, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Endpoint(_Strict):
    """One route of the API."""

    path: RoutePath = Field(
        description="URL path: lower-case kebab-case segments and {camelCase} parameters, e.g. '/todos/{todoItemId}'"
    )
    method: Method
    name: CamelName = Field(
        description="action name, also the SDK function name; it must say the method: index/at (get), create "
        "(post), update (put or patch), erase (delete), or join/login/refresh/restore (post)"
    )
    authorization: CamelName | None = Field(description="the actor who must be logged in, or null for public routes")
    tables: list[SnakeName] = Field(
        max_length=20, description="database tables this endpoint reads or writes"
    )


class EndpointList(_Strict):
    """Arguments of `interface_endpoints`: the routes serving one database namespace."""

    endpoints: list[Endpoint] = Field(min_length=1, max_length=60)


class PathParameter(_Strict):
    name: CamelName = Field(description="the parameter's name as written in braces in the path")
    description: Text
    format: Literal["uuid", "string", "integer"] = Field(description="uuid for ids, integer for numbers")


class OperationSpec(_Strict):
    """What one endpoint takes and returns."""

    path: RoutePath = Field(description="the endpoint's path, exactly as listed")
    method: Method = Field(description="the endpoint's method, exactly as listed")
    summary: str = Field(min_length=1, max_length=200, description="one line: what the operation does")
    description: Text = Field(description="behaviour, authorization and errors, for API documentation")
    parameters: list[PathParameter] = Field(max_length=10, description="every {parameter} of the path, in order")
    query: TypeName | None = Field(description="GET only: DTO type of the query string (scalar properties), or null")
    request_body: TypeName | None = Field(description="DTO type of the JSON body, or null (always null for get/delete)")
    response_body: TypeName | None = Field(description="DTO type of the JSON response, or null when nothing is returned")


class OperationBatch(_Strict):
    """Arguments of `interface_operations`: one entry per listed endpoint."""

    operations: list[OperationSpec] = Field(min_length=1, max_length=20)


class _Schema(_Strict):
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION, description="optional documentation")


class ConstantSchema(_Schema):
    type: Literal["constant"]
    value: Annotated[str, Field(max_length=200)] | int | float | bool = Field(description="the only allowed value")


class BooleanSchema(_Schema):
    type: Literal["boolean"]


class IntegerSchema(_Schema):
    type: Literal["integer"]
    minimum: int | None = None
    maximum: int | None = None


class NumberSchema(_Schema):
    type: Literal["number"]
    minimum: float | None = None
    maximum: float | None = None


class StringSchema(_Schema):
    type: Literal["string"]
    format: Literal["uuid", "date-time", "date", "email", "uri", "password"] | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    pattern: str | None = Field(default=None, max_length=300)


class ArraySchema(_Schema):
    type: Literal["array"]
    items: JsonSchema = Field(description="schema of every element (an object must be a reference)")
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=0)
    unique_items: bool = False


class Property(_Strict):
    name: SnakeName = Field(description="snake_case property name; mirror the column name when it mirrors a column")
    description: Text
    required: bool = Field(description="false when the property may be omitted")
    column: Annotated[str, Field(pattern=COLUMN, max_length=130)] | None = Field(
        default=None, description="'table.column' of the database column this property mirrors, or null"
    )
    json_schema: JsonSchema = Field(description="schema of the property's value")


class ObjectSchema(_Schema):
    type: Literal["object"]
    properties: list[Property] = Field(max_length=100, description="the object's properties, each named once")


class ReferenceSchema(_Schema):
    type: Literal["reference"]
    ref: TypeName = Field(description="name of another DTO type, e.g. 'ITodoItem.ISummary'")


class OneOfSchema(_Schema):
    type: Literal["oneOf"]
    variants: list[JsonSchema] = Field(
        min_length=2, max_length=20, description="alternatives, e.g. a type and null (objects must be references)"
    )


class NullSchema(_Schema):
    type: Literal["null"]


JsonSchema = Annotated[
    ConstantSchema | BooleanSchema | IntegerSchema | NumberSchema | StringSchema | ArraySchema | ObjectSchema
    | ReferenceSchema | OneOfSchema | NullSchema,
    Field(discriminator="type"),
]

for _model in (ArraySchema, Property, OneOfSchema):
    _model.model_rebuild()


class TypeDefinition(_Strict):
    name: TypeName = Field(description="DTO type name: 'IEntity' or 'IEntity.IVariant', e.g. 'ITodoItem.ICreate'")
    description: Text
    json_schema: JsonSchema = Field(description="an object for records; enums are a oneOf of constants")


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, computed without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


class SchemaBatch(_Strict):
    """Arguments of `interface_schemas`: the requested DTO types (and any helper types they need)."""

    types: list[TypeDefinition] = Field(min_length=1, max_length=40)

    @model_validator(mode="before")
    @classmethod
    def _bounded_nesting(cls, data: Any) -> Any:
        depth = json_depth(data)
        if depth > MAX_RAW_DEPTH:
            raise ValueError(
                f"arguments are nested {depth} levels deep (limit {MAX_RAW_DEPTH}); "
                "define nested objects as separate named types and reference them"
            )
        return data


class Route(_Strict):
    """An endpoint with its operation, as the phase merged them."""

    namespace: SnakeName
    path: str
    method: Method
    name: str
    authorization: str | None
    tables: list[str]
    summary: str
    description: str
    parameters: list[PathParameter]
    query: str | None
    request_body: str | None
    response_body: str | None


class InterfaceApplication(_Strict):
    """The Interface phase's merged AST (`ast.json`)."""

    routes: list[Route]
    types: list[TypeDefinition]
