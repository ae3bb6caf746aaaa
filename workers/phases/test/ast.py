"""The Test phase's ASTs: a scenario per API operation, then its e2e test function as statements.

Statements: API call, expression, if, return, throw. Expressions: literals (string, number,
boolean, null, undefined, array, object), identifiers, property / element access, unary / binary
operators, arrow functions, calls, array map / filter / forEach, random values, and the predicates
equals / notEquals / predicate (conditional) / error. Each variant is told apart by `type`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workers.phases.interface.ast import json_depth

MAX_TEXT = 2000
MAX_ITEMS = 50
MAX_STATEMENTS = 80
# Raw JSON nesting admitted before validation; a test never needs anything near it.
MAX_RAW_DEPTH = 48

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
ACCESSOR = r"^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*$"

Identifier = Annotated[str, Field(pattern=IDENTIFIER, max_length=63)]
Accessor = Annotated[str, Field(pattern=ACCESSOR, max_length=200,
                                description="the SDK function after `api.functional.`, e.g. 'todos.create'")]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Title = Annotated[str, Field(min_length=1, max_length=200, description="what is asserted, shown when it fails")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Scenario(_Strict):
    """Arguments of `test_scenario`: what the e2e test of one API operation does and checks."""

    title: Annotated[str, Field(min_length=1, max_length=200, description="one line: what the test proves")]
    description: Text = Field(description="the behaviour under test, including what must fail")
    steps: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=1, max_length=20, description="the test's steps in order: calls made and what is checked")
    dependencies: list[Accessor] = Field(
        max_length=10, description="other SDK functions the test calls to prepare data or log in, "
        "e.g. ['auth.member.join', 'todos.create']")


# ---- expressions -------------------------------------------------------------------------------

class StringLiteral(_Strict):
    type: Literal["string"]
    value: Annotated[str, Field(max_length=MAX_TEXT)]


class NumberLiteral(_Strict):
    type: Literal["number"]
    value: int | Annotated[float, Field(allow_inf_nan=False)]


class BooleanLiteral(_Strict):
    type: Literal["boolean"]
    value: bool


class NullLiteral(_Strict):
    type: Literal["null"]


class UndefinedLiteral(_Strict):
    type: Literal["undefined"]


class ArrayLiteral(_Strict):
    type: Literal["array"]
    elements: list[Expression] = Field(max_length=MAX_ITEMS)


class ObjectProperty(_Strict):
    key: Annotated[str, Field(min_length=1, max_length=100, description="property name, e.g. 'title'")]
    value: Expression


class ObjectLiteral(_Strict):
    type: Literal["object"]
    properties: list[ObjectProperty] = Field(max_length=MAX_ITEMS)


class IdentifierExpression(_Strict):
    """A variable declared by an earlier statement, an arrow parameter, or `connection`."""

    type: Literal["identifier"]
    name: Identifier


class PropertyAccess(_Strict):
    type: Literal["property"]
    object: Expression
    name: Identifier
    optional: bool = Field(default=False, description="true for `?.`")


class ElementAccess(_Strict):
    type: Literal["element"]
    object: Expression
    index: Expression


class UnaryExpression(_Strict):
    type: Literal["unary"]
    operator: Literal["!", "-", "typeof"]
    operand: Expression


class BinaryExpression(_Strict):
    type: Literal["binary"]
    operator: Literal["===", "!==", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&&", "||", "??"]
    left: Expression
    right: Expression


class ArrowFunction(_Strict):
    type: Literal["arrow"]
    parameters: list[Identifier] = Field(max_length=5)
    body: Expression = Field(description="the value the arrow function returns")


class CallExpression(_Strict):
    """A call of a function value, e.g. a method of a string or array; SDK calls are statements."""

    type: Literal["call"]
    callee: Expression
    arguments: list[Expression] = Field(max_length=10)


class ArrayMap(_Strict):
    type: Literal["map"]
    array: Expression
    function: ArrowFunction


class ArrayFilter(_Strict):
    type: Literal["filter"]
    array: Expression
    function: ArrowFunction


class ArrayForEach(_Strict):
    type: Literal["forEach"]
    array: Expression
    function: ArrowFunction


RandomKind = Literal["uuid", "email", "string", "name", "paragraph", "integer", "number", "boolean", "datetime",
                     "pick"]


class RandomValue(_Strict):
    """A random value: `string` needs `length`; `integer`/`number` need `minimum` and `maximum`;
    `datetime` takes them as days from now (an ISO string); `pick` chooses one of `items`."""

    type: Literal["random"]
    kind: RandomKind
    length: int | None = Field(default=None, ge=1, le=1000)
    minimum: float | None = None
    maximum: float | None = None
    items: Expression | None = None

    @model_validator(mode="after")
    def _parameters(self) -> RandomValue:
        needs = {"string": ("length",), "integer": ("minimum", "maximum"), "number": ("minimum", "maximum"),
                 "datetime": ("minimum", "maximum"), "pick": ("items",)}.get(self.kind, ())
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a random {self.kind} needs {' and '.join(missing)}")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is greater than maximum")
        return self


class EqualsPredicate(_Strict):
    """Asserts deep equality of `expected` and `actual`."""

    type: Literal["equals"]
    title: Title
    expected: Expression
    actual: Expression


class NotEqualsPredicate(_Strict):
    type: Literal["notEquals"]
    title: Title
    expected: Expression
    actual: Expression


class ConditionPredicate(_Strict):
    """Asserts that `condition` is true."""

    type: Literal["predicate"]
    title: Title
    condition: Expression


class ErrorPredicate(_Strict):
    """Asserts that this SDK call fails (e.g. 404, 401, 409)."""

    type: Literal["error"]
    title: Title
    function: Accessor
    connection: Expression | None = Field(default=None, description="the connection to call with; null for `connection`")
    arguments: list[Expression] = Field(max_length=4, description="path parameters, then query or body")


Expression = Annotated[
    StringLiteral | NumberLiteral | BooleanLiteral | NullLiteral | UndefinedLiteral | ArrayLiteral | ObjectLiteral
    | IdentifierExpression | PropertyAccess | ElementAccess | UnaryExpression | BinaryExpression | ArrowFunction
    | CallExpression | ArrayMap | ArrayFilter | ArrayForEach | RandomValue | EqualsPredicate | NotEqualsPredicate
    | ConditionPredicate | ErrorPredicate,
    Field(discriminator="type"),
]


# ---- statements --------------------------------------------------------------------------------

class ApiCallStatement(_Strict):
    """`const <variable> = await api.functional.<function>(<connection>, ...arguments)`."""

    type: Literal["apiCall"]
    variable: Identifier | None = Field(description="name for the response, or null to discard it")
    function: Accessor
    connection: Expression | None = Field(default=None, description="the connection to call with; null for `connection`")
    arguments: list[Expression] = Field(max_length=4, description="path parameters in order, then query or body")


class ExpressionStatement(_Strict):
    """`const <variable> = <expression>`, or the bare expression (e.g. a predicate) when variable is null."""

    type: Literal["expression"]
    variable: Identifier | None
    expression: Expression


class IfStatement(_Strict):
    type: Literal["if"]
    condition: Expression
    then: list[Statement] = Field(min_length=1, max_length=MAX_STATEMENTS)
    otherwise: list[Statement] = Field(default_factory=list, max_length=MAX_STATEMENTS)


class ReturnStatement(_Strict):
    """Ends the test early."""

    type: Literal["return"]


class ThrowStatement(_Strict):
    type: Literal["throw"]
    message: Expression = Field(description="the error message")


Statement = Annotated[
    ApiCallStatement | ExpressionStatement | IfStatement | ReturnStatement | ThrowStatement,
    Field(discriminator="type"),
]


class E2eTest(_Strict):
    """Arguments of `test_function`: the body of the e2e test as statements."""

    statements: list[Statement] = Field(min_length=1, max_length=MAX_STATEMENTS)

    @model_validator(mode="before")
    @classmethod
    def _bounded_nesting(cls, data: object) -> object:
        depth = json_depth(data)
        if depth > MAX_RAW_DEPTH:
            raise ValueError(f"arguments are nested {depth} levels deep (limit {MAX_RAW_DEPTH})")
        return data


for _model in (ArrayLiteral, ObjectProperty, PropertyAccess, ElementAccess, UnaryExpression, BinaryExpression,
               ArrowFunction, CallExpression, ArrayMap, ArrayFilter, ArrayForEach, RandomValue, EqualsPredicate,
               NotEqualsPredicate, ConditionPredicate, ErrorPredicate, ApiCallStatement, ExpressionStatement,
               IfStatement, ThrowStatement, E2eTest):
    _model.model_rebuild()
