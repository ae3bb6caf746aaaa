"""Emit e2e tests as TypeScript: one file per API operation, plus a runner calling them all.

Every emitted line remembers the statement it came from (`statements[2].then[0]`), so compiler
diagnostics go back to the model as places in its own AST. Assertions use nestia's TestValidator
and RandomGenerator (`@nestia/e2e`), the SDK is imported from `src/api`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workers.phases.interface.tsdoc import jsdoc
from workers.phases.test.ast import (
    ApiCallStatement,
    E2eTest,
    ErrorPredicate,
    Expression,
    ExpressionStatement,
    IfStatement,
    RandomValue,
    ReturnStatement,
    Scenario,
    Statement,
    ThrowStatement,
)
from workers.phases.test.sdk import SdkFunction

TEST_DIR = "test/features/api"
RUNNER_FILE = "test/index.ts"
INDENT = "  "
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
# Operands that must be parenthesised inside another operator, access or call.
_COMPOUND = {"binary", "unary", "arrow", "object", "random"}
_DAY_MS = 86_400_000


def e2e_name(function: SdkFunction) -> str:
    """`auth.member.join` -> `test_api_auth_member_join`."""
    return "test_api_" + "_".join(function.words)


def e2e_path(function: SdkFunction) -> str:
    chain = function.accessor.split(".")[:-1]
    return "/".join([TEST_DIR, *chain, f"{e2e_name(function)}.ts"])


def _number(value: float) -> str:
    return json.dumps(value)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclass
class _Renderer:
    uses: set[str] = field(default_factory=set)  # "TestValidator", "RandomGenerator", "randomUUID"

    def wrap(self, expression: Expression, indent: str) -> str:
        text = self.expression(expression, indent)
        return f"({text})" if expression.type in _COMPOUND else text

    def sdk_call(self, accessor: str, connection: Expression | None, arguments: Sequence[Expression], indent: str) -> str:
        rendered = [self.expression(connection, indent) if connection else "connection"]
        rendered += [self.expression(argument, indent) for argument in arguments]
        return f"api.functional.{accessor}({', '.join(rendered)})"

    def expression(self, e: Expression, indent: str) -> str:  # noqa: C901 - one case per variant
        match e.type:
            case "string":
                return _string(e.value)
            case "number":
                return _number(e.value)
            case "boolean":
                return "true" if e.value else "false"
            case "null" | "undefined":
                return e.type
            case "array":
                return "[" + ", ".join(self.expression(item, indent) for item in e.elements) + "]"
            case "object":
                if not e.properties:
                    return "{}"
                inner = indent + INDENT
                lines = [f"{inner}{self.key(p.key)}: {self.expression(p.value, inner)}," for p in e.properties]
                return "{\n" + "\n".join(lines) + f"\n{indent}}}"
            case "identifier":
                return e.name
            case "property":
                return f"{self.wrap(e.object, indent)}{'?.' if e.optional else '.'}{e.name}"
            case "element":
                return f"{self.wrap(e.object, indent)}[{self.expression(e.index, indent)}]"
            case "unary":
                separator = " " if e.operator == "typeof" else ""
                return f"{e.operator}{separator}{self.wrap(e.operand, indent)}"
            case "binary":
                return f"{self.wrap(e.left, indent)} {e.operator} {self.wrap(e.right, indent)}"
            case "arrow":
                body = self.wrap(e.body, indent) if e.body.type == "object" else self.expression(e.body, indent)
                return f"({', '.join(e.parameters)}) => {body}"
            case "call":
                arguments = ", ".join(self.expression(argument, indent) for argument in e.arguments)
                return f"{self.wrap(e.callee, indent)}({arguments})"
            case "map" | "filter" | "forEach":
                return f"{self.wrap(e.array, indent)}.{e.type}({self.expression(e.function, indent)})"
            case "random":
                return self.random(e, indent)
            case "equals" | "notEquals":
                self.uses.add("TestValidator")
                return (f"TestValidator.{e.type}({_string(e.title)}, "
                        f"{self.expression(e.expected, indent)}, {self.expression(e.actual, indent)})")
            case "predicate":
                self.uses.add("TestValidator")
                return f"TestValidator.predicate({_string(e.title)}, {self.expression(e.condition, indent)})"
            case "error":
                return self.error(e, indent)
        raise AssertionError(f"unknown expression {e.type!r}")

    def error(self, e: ErrorPredicate, indent: str) -> str:
        self.uses.add("TestValidator")
        call = self.sdk_call(e.function, e.connection, e.arguments, indent)
        return f"await TestValidator.error({_string(e.title)}, async () => {{\n{indent}{INDENT}await {call};\n{indent}}})"

    @staticmethod
    def key(name: str) -> str:
        return name if _IDENTIFIER.match(name) else _string(name)

    def random(self, e: RandomValue, indent: str) -> str:
        low, high = e.minimum, e.maximum
        match e.kind:
            case "uuid":
                self.uses.add("randomUUID")
                return "randomUUID()"
            case "email":
                self.uses.add("RandomGenerator")
                return 'RandomGenerator.alphaNumeric(12) + "@example.com"'
            case "string":
                self.uses.add("RandomGenerator")
                return f"RandomGenerator.alphaNumeric({e.length})"
            case "name":
                self.uses.add("RandomGenerator")
                return "RandomGenerator.name()"
            case "paragraph":
                self.uses.add("RandomGenerator")
                return "RandomGenerator.paragraph()"
            case "integer":
                low_int, high_int = int(low or 0), int(high or 0)
                return f"{_number(low_int)} + Math.floor(Math.random() * {_number(high_int - low_int + 1)})"
            case "number":
                return f"{_number(low or 0)} + Math.random() * {_number((high or 0) - (low or 0))}"
            case "boolean":
                return "Math.random() < 0.5"
            case "datetime":
                span = f"{_number(low or 0)} + Math.random() * {_number((high or 0) - (low or 0))}"
                return f"new Date(Date.now() + ({span}) * {_DAY_MS}).toISOString()"
            case "pick":
                self.uses.add("RandomGenerator")
                assert e.items is not None
                return f"RandomGenerator.pick({self.expression(e.items, indent)})"
        raise AssertionError(f"unknown random kind {e.kind!r}")


@dataclass
class _Lines:
    lines: list[str] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)  # 1-based line -> statement path

    def add(self, text: str, label: str | None = None) -> None:
        for line in text.split("\n"):
            self.lines.append(line)
            if label is not None:
                self.labels[len(self.lines)] = label


def _statements(out: _Lines, renderer: _Renderer, statements: Sequence[Statement], path: str, indent: str) -> None:
    for index, statement in enumerate(statements):
        _statement(out, renderer, statement, f"{path}[{index}]", indent)


def _statement(out: _Lines, renderer: _Renderer, statement: Statement, path: str, indent: str) -> None:
    if isinstance(statement, ApiCallStatement):
        call = renderer.sdk_call(statement.function, statement.connection, statement.arguments, indent)
        head = f"const {statement.variable} = " if statement.variable else ""
        out.add(f"{indent}{head}await {call};", path)
    elif isinstance(statement, ExpressionStatement):
        text = renderer.expression(statement.expression, indent)
        if statement.variable:
            out.add(f"{indent}const {statement.variable} = {text};", path)
        else:
            out.add(f"{indent}{f'({text})' if statement.expression.type == 'object' else text};", path)
    elif isinstance(statement, IfStatement):
        out.add(f"{indent}if ({renderer.expression(statement.condition, indent)}) {{", path)
        _statements(out, renderer, statement.then, f"{path}.then", indent + INDENT)
        if statement.otherwise:
            out.add(f"{indent}}} else {{", path)
            _statements(out, renderer, statement.otherwise, f"{path}.otherwise", indent + INDENT)
        out.add(f"{indent}}}", path)
    elif isinstance(statement, ReturnStatement):
        out.add(f"{indent}return;", path)
    elif isinstance(statement, ThrowStatement):
        out.add(f"{indent}throw new Error({renderer.expression(statement.message, indent)});", path)


@dataclass(frozen=True)
class RenderedTest:
    path: str
    name: str
    text: str
    labels: dict[int, str]


def render_test(function: SdkFunction, scenario: Scenario, test: E2eTest) -> RenderedTest:
    """The test file of one operation; `labels` maps its lines to the statements they came from."""
    renderer = _Renderer()
    body = _Lines()
    _statements(body, renderer, test.statements, "statements", INDENT)
    path = e2e_path(function)
    up = "../" * (path.count("/"))
    imports = []
    nestia = sorted(renderer.uses & {"RandomGenerator", "TestValidator"})
    if nestia:
        imports.append(f'import {{ {", ".join(nestia)} }} from "@nestia/e2e";')
    if "randomUUID" in renderer.uses:
        imports.append('import { randomUUID } from "node:crypto";')
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(scenario.steps, 1))
    doc = jsdoc([scenario.title, scenario.description, steps], [f"@route {function.label}"])
    out = _Lines()
    out.add("\n".join(imports))
    if imports:
        out.add("")
    out.add(f'import api, {{ IConnection }} from "{up}src/api";\n\n{doc}')
    out.add(f"export async function {e2e_name(function)}(connection: IConnection): Promise<void> {{")
    offset = len(out.lines)
    out.lines += body.lines
    out.labels.update({line + offset: label for line, label in body.labels.items()})
    out.add("}")
    return RenderedTest(path, e2e_name(function), "\n".join(out.lines) + "\n", out.labels)


def render_runner(tests: Sequence[RenderedTest]) -> str:
    """`test/index.ts`: runs every test against `TEST_HOST`, each with its own connection headers."""
    ordered = sorted(tests, key=lambda t: t.name)
    imports = "\n".join(f'import {{ {t.name} }} from "./{t.path.removeprefix("test/").removesuffix(".ts")}";'
                        for t in ordered)
    listed = "".join(f"\n    [\"{t.name}\", {t.name}]," for t in ordered)
    return f"""\
import {{ IConnection }} from "../src/api";
{imports}

type Test = (connection: IConnection) => Promise<void>;

/**
 * Runs every e2e test against the server at TEST_HOST (http://localhost:3000 when unset); the
 * exit code is 1 when any test fails.
 */
async function main(): Promise<void> {{
  const host = process.env.TEST_HOST ?? "http://localhost:3000";
  const tests: Array<[string, Test]> = [{listed}
  ];
  let failed = 0;
  for (const [name, run] of tests) {{
    try {{
      await run({{ host, headers: {{}} }});
      console.log(`passed ${{name}}`);
    }} catch (error) {{
      failed += 1;
      console.error(`FAILED ${{name}}`, error);
    }}
  }}
  console.log(`${{tests.length - failed}} of ${{tests.length}} tests passed`);
  process.exitCode = failed === 0 ? 0 : 1;
}}

void main();
"""
