"""Checks of the Test ASTs before any TypeScript exists: real SDK functions, the right arguments
(count and shape, from the Interface AST), variables defined before use, and a test that really
calls its operation and asserts something.

Locations are paths into the model's own arguments, e.g. `statements[3].arguments[1]`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from workers.phases.base import Diagnostic
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.naming import TS_RESERVED
from workers.phases.test.ast import (
    ApiCallStatement,
    E2eTest,
    ErrorPredicate,
    Expression,
    ExpressionStatement,
    IfStatement,
    ObjectLiteral,
    Scenario,
    Statement,
    ThrowStatement,
)
from workers.phases.test.sdk import Parameter, SdkFunction, object_properties

# Names a test may use without declaring them: its parameter and standard globals.
GLOBALS = frozenset({"connection", "Date", "Math", "JSON", "Number", "String", "Boolean", "Array", "Object"})
# Names the emitted file declares itself (imports), which a variable must not shadow.
RESERVED = frozenset({"api", "IConnection", "TestValidator", "RandomGenerator", "randomUUID"}) | TS_RESERVED
_LITERALS = frozenset({"string", "number", "boolean", "null", "undefined", "array", "object"})


def _known(functions: Mapping[str, SdkFunction]) -> str:
    return ", ".join(sorted(functions))


def check_scenario(scenario: Scenario, functions: Mapping[str, SdkFunction]) -> list[Diagnostic]:
    """Dependencies must be SDK functions that exist."""
    return [
        Diagnostic(location=f"dependencies[{index}]", code="test.unknown-function",
                   message=f"there is no SDK function '{name}'; the SDK has: {_known(functions)}")
        for index, name in enumerate(scenario.dependencies) if name not in functions
    ]


@dataclass
class _Walk:
    target: SdkFunction
    functions: Mapping[str, SdkFunction]
    app: InterfaceApplication
    found: list[Diagnostic] = field(default_factory=list)
    scopes: list[set[str]] = field(default_factory=lambda: [set(GLOBALS)])
    called_target: bool = False
    asserted: bool = False

    def report(self, location: str, code: str, message: str) -> None:
        self.found.append(Diagnostic(location=location, code=f"test.{code}", message=message))

    def defined(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    def declare(self, name: str, location: str) -> None:
        if name in RESERVED:
            self.report(location, "reserved-name", f"'{name}' is reserved in the test file; choose another name")
        elif self.defined(name):
            self.report(location, "duplicate-variable", f"'{name}' is already defined; choose another name")
        self.scopes[-1].add(name)

    # ---- statements
    def block(self, statements: Sequence[Statement], path: str) -> None:
        self.scopes.append(set())
        for index, statement in enumerate(statements):
            self.statement(statement, f"{path}[{index}]")
        self.scopes.pop()

    def statement(self, statement: Statement, path: str) -> None:
        if isinstance(statement, ApiCallStatement):
            self.call(statement.function, statement.connection, statement.arguments, path)
            if statement.variable is not None:
                self.declare(statement.variable, f"{path}.variable")
        elif isinstance(statement, ExpressionStatement):
            if isinstance(statement.expression, ErrorPredicate) and statement.variable is None:
                self.error_predicate(statement.expression, f"{path}.expression")
            else:
                self.expression(statement.expression, f"{path}.expression")
            if statement.variable is not None:
                self.declare(statement.variable, f"{path}.variable")
        elif isinstance(statement, IfStatement):
            self.expression(statement.condition, f"{path}.condition")
            self.block(statement.then, f"{path}.then")
            self.block(statement.otherwise, f"{path}.otherwise")
        elif isinstance(statement, ThrowStatement):
            self.expression(statement.message, f"{path}.message")

    def error_predicate(self, predicate: ErrorPredicate, path: str) -> None:
        self.asserted = True
        self.call(predicate.function, predicate.connection, predicate.arguments, path)

    def call(self, accessor: str, connection: Expression | None, arguments: Sequence[Expression], path: str) -> None:
        if connection is not None:
            self.expression(connection, f"{path}.connection")
        for index, argument in enumerate(arguments):
            self.expression(argument, f"{path}.arguments[{index}]")
        function = self.functions.get(accessor)
        if function is None:
            self.report(f"{path}.function", "unknown-function",
                        f"there is no SDK function '{accessor}'; the SDK has: {_known(self.functions)}")
            return
        if function is self.target:
            self.called_target = True
        if len(arguments) != len(function.parameters):
            self.report(f"{path}.arguments", "argument-count",
                        f"{len(arguments)} argument(s) after the connection, but {function.signature()} "
                        f"takes {len(function.parameters)}")
            return
        for index, (argument, parameter) in enumerate(zip(arguments, function.parameters, strict=True)):
            self.argument(argument, parameter, function, f"{path}.arguments[{index}]")

    def argument(self, argument: Expression, parameter: Parameter, function: SdkFunction, path: str) -> None:
        expected = f"{function.accessor}'s {parameter.name} is {parameter.ts_type}"
        allowed = parameter.ts_type if parameter.kind == "path" else "object"
        if argument.type in _LITERALS - {allowed}:
            self.report(path, "argument-type", f"{expected}, not a {argument.type} literal")
        elif isinstance(argument, ObjectLiteral):
            self.object_shape(argument, parameter.ts_type, path)

    def object_shape(self, literal: ObjectLiteral, type_name: str, path: str) -> None:
        properties = object_properties(self.app, type_name)
        if properties is None:
            return
        given = [prop.key for prop in literal.properties]
        for index, key in enumerate(given):
            if key not in properties:
                self.report(f"{path}.properties[{index}]", "unknown-property",
                            f"{type_name} has no property '{key}'; its properties: {', '.join(properties)}")
        missing = [name for name, required in properties.items() if required and name not in given]
        if missing:
            self.report(path, "missing-property", f"{type_name} requires {', '.join(missing)}")

    # ---- expressions
    def expression(self, expression: Expression, path: str) -> None:
        match expression.type:
            case "identifier":
                if not self.defined(expression.name):
                    self.report(path, "undefined-variable",
                                f"'{expression.name}' is not defined before this point; declare it in an earlier "
                                "statement (or use an arrow parameter or `connection`)")
            case "array":
                for index, element in enumerate(expression.elements):
                    self.expression(element, f"{path}.elements[{index}]")
            case "object":
                seen: set[str] = set()
                for index, prop in enumerate(expression.properties):
                    if prop.key in seen:
                        self.report(f"{path}.properties[{index}]", "duplicate-property", f"'{prop.key}' is given twice")
                    seen.add(prop.key)
                    self.expression(prop.value, f"{path}.properties[{index}].value")
            case "property":
                self.expression(expression.object, f"{path}.object")
            case "element":
                self.expression(expression.object, f"{path}.object")
                self.expression(expression.index, f"{path}.index")
            case "unary":
                self.expression(expression.operand, f"{path}.operand")
            case "binary":
                self.expression(expression.left, f"{path}.left")
                self.expression(expression.right, f"{path}.right")
            case "arrow":
                self.scopes.append(set())
                for index, parameter in enumerate(expression.parameters):
                    self.declare(parameter, f"{path}.parameters[{index}]")
                self.expression(expression.body, f"{path}.body")
                self.scopes.pop()
            case "call":
                self.expression(expression.callee, f"{path}.callee")
                for index, argument in enumerate(expression.arguments):
                    self.expression(argument, f"{path}.arguments[{index}]")
            case "map" | "filter" | "forEach":
                self.expression(expression.array, f"{path}.array")
                self.expression(expression.function, f"{path}.function")
            case "random":
                if expression.items is not None:
                    self.expression(expression.items, f"{path}.items")
            case "equals" | "notEquals":
                self.asserted = True
                self.expression(expression.expected, f"{path}.expected")
                self.expression(expression.actual, f"{path}.actual")
            case "predicate":
                self.asserted = True
                self.expression(expression.condition, f"{path}.condition")
            case "error":
                self.report(path, "nested-error", "an error predicate awaits its call: make it a statement of its own "
                            "(an expression statement with variable null)")


def check_test(test: E2eTest, target: SdkFunction, functions: Mapping[str, SdkFunction],
               app: InterfaceApplication) -> list[Diagnostic]:
    """The `test-…` operation's AST compiler (the TypeScript check comes after it)."""
    walk = _Walk(target, functions, app)
    walk.block(test.statements, "statements")
    if not walk.called_target:
        walk.report("statements", "target-not-called",
                    f"the test never calls the operation under test: {target.signature()}")
    if not walk.asserted:
        walk.report("statements", "no-assertion",
                    "the test asserts nothing; check results with equals / notEquals / predicate, "
                    "and expected failures with error")
    return walk.found
