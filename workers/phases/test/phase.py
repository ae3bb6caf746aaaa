"""The Test phase: per API operation, a scenario, then its e2e test function, type-checked as TypeScript.

Operations, in order:
- `scenario-<sdk words>`, concurrently: what the test of one operation does (dependencies checked);
- `test-<sdk words>`, concurrently: the test's statements, checked by our AST compiler, then emitted
  and type-checked against the SDK by the live compiler; diagnostics point into the statements.
Operations the model fails leave their test out; the phase then ends model_failed with the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from workers.phases.base import Diagnostic, Operation, Phase, PhaseContext, PhaseOutput
from workers.phases.database.ast import DatabaseApplication
from workers.phases.database.emit import emit_database
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.interface.emit import emit_interface
from workers.phases.partial import PartialModelFailure, settle
from workers.phases.test import prompts
from workers.phases.test.ast import E2eTest, Scenario
from workers.phases.test.compiler import check_scenario, check_test
from workers.phases.test.emit import RUNNER_FILE, render_runner, render_test
from workers.phases.test.sdk import SdkFunction, sdk_functions
from workers.typecheck import ProjectChecker
from workers.typecheck.origins import SourceMap, attribute, feedback

TESTS = ("test/**/*.ts",)


def op_id(kind: str, function: SdkFunction) -> str:
    """`scenario-todos-create`, `test-todos-create`."""
    return f"{kind}-" + "-".join(function.words)


def scenario_operation(function: SdkFunction, functions: Mapping[str, SdkFunction],
                       requirements: str) -> Operation[Scenario]:
    return Operation(
        op_id=op_id("scenario", function), tool_name="test_scenario",
        description=cast(str, Scenario.__doc__), ast=Scenario, system=prompts.SCENARIO_SYSTEM,
        user=prompts.scenario_user(function, functions, requirements),
        check=lambda scenario: check_scenario(scenario, functions),
    )


def test_operation(function: SdkFunction, scenario: Scenario, functions: Mapping[str, SdkFunction],
                   app: InterfaceApplication, checker: ProjectChecker) -> Operation[E2eTest]:
    def check(test: E2eTest) -> list[Diagnostic]:
        found = check_test(test, function, functions, app)
        if found:
            return found
        rendered = render_test(function, scenario, test)
        source = SourceMap(op_id("test", function), rendered.labels)
        return [feedback(d, source) for d in checker.try_file(rendered.path, rendered.text).diagnostics]

    return Operation(
        op_id=op_id("test", function), tool_name="test_function", description=cast(str, E2eTest.__doc__), ast=E2eTest,
        system=prompts.FUNCTION_SYSTEM,
        user=prompts.function_user(function, scenario, functions, app, checker.files), check=check,
    )


class TestPhase(Phase):
    __test__ = False  # a pipeline phase, not a pytest class
    name = "test"

    def run(self, ctx: PhaseContext) -> PhaseOutput:
        app = InterfaceApplication.model_validate(ctx.prior("interface"))
        database = DatabaseApplication.model_validate(ctx.prior("database"))
        functions = sdk_functions(app)
        base = {**emit_database(database), **emit_interface(app, title=ctx.project)}
        with ProjectChecker(base, include=TESTS) as checker:
            scenarios, failures = settle(ctx, [scenario_operation(f, functions, ctx.requirements)
                                                for f in functions.values()])
            planned = [(f, cast(Scenario, s)) for f, s in zip(functions.values(), scenarios, strict=True) if s]
            tests, test_failures = settle(ctx, [test_operation(f, s, functions, app, checker) for f, s in planned])
            written = [(f, s, cast(E2eTest, t)) for (f, s), t in zip(planned, tests, strict=True) if t]
            rendered = [render_test(f, s, t) for f, s, t in written]
            files = {r.path: r.text for r in rendered}
            files[RUNNER_FILE] = render_runner(rendered)
            checker.sync({**base, **files})
            final = checker.check()
        output = PhaseOutput(ast=_ast(written), files=files, summary={
            "operations": len(functions), "tests": len(rendered),
            "statements": sum(len(t.statements) for _, _, t in written),
            "type_errors": len(final.diagnostics),
        })
        failures += test_failures
        if failures:
            raise PartialModelFailure(f"{len(failures)} test operation(s) failed: " + "; ".join(failures[:3]), output)
        if final.diagnostics:  # each test compiled in this program: a finding now is our bug, not the model's
            sources = {r.path: SourceMap(op_id("test", f), r.labels) for r, (f, _, _) in zip(rendered, written, strict=True)}
            owners = attribute(final.diagnostics, sources)
            raise RuntimeError(f"accepted tests do not type-check together: {sorted(owners.by_operation)} "
                               f"{[d.message for d in owners.unowned[:3]]}")
        return output


def _ast(written: list[tuple[SdkFunction, Scenario, E2eTest]]) -> dict[str, Any]:
    return {f.accessor: {"scenario": s.model_dump(mode="json"), "test": t.model_dump(mode="json")}
            for f, s, t in written}
