"""The Realize phase on the todo book: the units asked, golden files, a whole project that type-checks
clean, a type error fixed after the compiler's diagnostic, and a provider that never compiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scoring.toolchain import typecheck
from tests.phases.fixture_context import FixtureContext, answer, book, phase_answers
from tests.phases.trees import assert_golden, write_tree
from workers.phases.base import PhaseOutput
from workers.phases.database.ast import DatabaseApplication
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.partial import PartialModelFailure
from workers.phases.realize.ast import FunctionBody
from workers.phases.realize.compiler import check_text, check_unit
from workers.phases.realize.emit import menu, render_unit, used_names
from workers.phases.realize.phase import RealizePhase
from workers.phases.realize.plan import Unit, plan
from workers.phases.scaffold import emit_scaffold
from workers.phases.test.phase import TestPhase
from workers.typecheck import ProjectChecker

REALIZED = ("src/providers/", "src/transformers/", "src/collectors/")


@pytest.fixture(scope="module")
def realize_run(priors: dict[str, dict[str, Any]]) -> tuple[FixtureContext, PhaseOutput]:
    ctx = FixtureContext(priors=priors, answers=phase_answers("todo", "realize"))
    return ctx, RealizePhase().run(ctx)


def test_helpers_first_then_a_provider_per_operation(realize_run: tuple[FixtureContext, PhaseOutput]) -> None:
    ctx, output = realize_run
    assert ctx.asked[:6] == ["transformer-todo-item", "transformer-todo-item-summary", "transformer-todo-item-snapshot",
                             "transformer-todo-member", "collector-todo-member-join", "collector-todo-item-create"]
    assert len(ctx.asked) == 22 and all(op.startswith("provider-") for op in ctx.asked[6:])
    assert output.summary == {"providers": 16, "transformers": 4, "collectors": 2, "failed_operations": 0,
                              "type_errors": 0}
    prompt = ctx.operations["provider-post-todos"].user
    assert "export async function postTodos(props: {" in prompt and "collectTodoItemCreate(props:" in prompt
    assert "model todo_items {" in prompt


def test_realized_files_match_golden(realize_run: tuple[FixtureContext, PhaseOutput]) -> None:
    assert_golden({p: t for p, t in realize_run[1].files.items() if p.startswith(REALIZED)}, "todo/realize")


def test_the_whole_todo_project_type_checks_clean(database_run: tuple[FixtureContext, PhaseOutput],
                                                  interface_run: tuple[FixtureContext, PhaseOutput],
                                                  realize_run: tuple[FixtureContext, PhaseOutput],
                                                  priors: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    tests = TestPhase().run(FixtureContext(priors=priors, answers=phase_answers("todo", "test")))
    write_tree(tmp_path, {**database_run[1].files, **interface_run[1].files, **tests.files, **realize_run[1].files})
    assert typecheck(tmp_path) == []
    assert typecheck(tmp_path, include=["src/**/*.ts", "test/**/*.ts"]) == []


def test_a_provider_type_error_is_fixed_after_the_diagnostic(priors: dict[str, dict[str, Any]]) -> None:
    answers = phase_answers("todo", "realize")
    answers["provider-get-todos"] = [answer("realize", "provider-get-todos", "page-default"),
                                     answer("realize", "provider-get-todos")]
    ctx = FixtureContext(priors=priors, answers=answers)
    output = RealizePhase().run(ctx)
    first, second = ctx.diagnostics["provider-get-todos"]
    assert [(d.file, d.code) for d in first] == [("src/providers/getTodos.ts", "TS2322")]
    assert first[0].location == "body line 16, column 19" and "undefined" in first[0].message
    assert second == [] and output.summary["failed_operations"] == 0
    assert "current: page," in output.files["src/providers/getTodos.ts"]


def test_a_provider_that_never_compiles_ends_model_failed_with_the_rest(priors: dict[str, dict[str, Any]]) -> None:
    answers = phase_answers("todo", "realize")
    answers["provider-put-members-me"] = [answer("realize", "provider-put-members-me", "date-not-string")] * 4
    ctx = FixtureContext(priors=priors, answers=answers)
    with pytest.raises(PartialModelFailure, match="provider-put-members-me") as failure:
        RealizePhase().run(ctx)
    attempts = ctx.diagnostics["provider-put-members-me"][:4]  # (the fixtures answer again when asked again)
    assert [[d.code for d in attempt] for attempt in attempts] == [["TS2322"]] * 4
    output = failure.value.output
    realized = [path for path in output.files if path.startswith(REALIZED)]
    assert len(realized) == 21 and "src/providers/putMembersMe.ts" not in output.files
    assert "src/main.ts" in output.files and output.summary["failed_operations"] == 1
    assert output.summary["type_errors"] == 1  # the controller's import of the missing provider


def test_the_variants_that_only_cost_points_compile_at_the_first_attempt(
    priors: dict[str, dict[str, Any]],
) -> None:
    """sim/dice's mocks and careless providers are valid answers: a run that draws them all succeeds,
    and only its score moves (farm/sim/scripts/answers/todo/realize.yaml)."""
    variants = [key.removeprefix("realize/").split("@") for key in book("todo")
                if key.startswith("realize/") and key.endswith(("@mock", "@no-history", "@any-owner"))]
    assert len(variants) == 6
    answers = phase_answers("todo", "realize")
    answers.update({op: [answer("realize", op, variant)] for op, variant in variants})
    ctx = FixtureContext(priors=priors, answers=answers)
    output = RealizePhase().run(ctx)
    assert all(ctx.diagnostics[op] == [[]] for op, _ in variants)
    assert output.summary["failed_operations"] == 0 and output.summary["type_errors"] == 0
    assert "const mockMember: ITodoMember = {" in output.files["src/providers/getMembersMe.ts"]


# ---- the compiler of one operation ---------------------------------------------------------------

@pytest.fixture(scope="module")
def apps(priors: dict[str, dict[str, Any]]) -> tuple[InterfaceApplication, DatabaseApplication]:
    return InterfaceApplication.model_validate(priors["interface"]), DatabaseApplication.model_validate(priors["database"])


def _unit(apps: tuple[InterfaceApplication, DatabaseApplication], name: str) -> Unit:
    return next(unit for unit in plan(*apps).units if unit.name == name)


def test_plan_picks_mirroring_dtos_and_creating_routes(apps: tuple[InterfaceApplication, DatabaseApplication]) -> None:
    units = plan(*apps)
    assert [u.name for u in units.helpers] == ["transformTodoItem", "transformTodoItemSummary",
                                               "transformTodoItemSnapshot", "transformTodoMember",
                                               "collectTodoMemberJoin", "collectTodoItemCreate"]
    create = _unit(apps, "collectTodoItemCreate")
    assert create.signature == ("export function collectTodoItemCreate(props: {\n  body: ITodoItem.ICreate;\n"
                                "  todo_member_id: string;\n}): Prisma.todo_itemsUncheckedCreateInput")
    assert _unit(apps, "getTodos").signature == ("export async function getTodos(props: {\n  member: MemberPayload;\n"
                                                 "  query: ITodoItem.IRequest;\n}): Promise<IPageITodoItem.ISummary>")


def test_imports_follow_the_names_the_body_uses(apps: tuple[InterfaceApplication, DatabaseApplication]) -> None:
    assert used_names("const x = v4(); MyGlobal.prisma.x; other.v4; JwtTokens;", ["v4", "MyGlobal", "JwtToken"]) \
        == {"v4", "MyGlobal"}
    unit = _unit(apps, "getMembersMe")
    rendered = render_unit(unit, "  throw new NotFoundException(String(v4()));", menu(*apps, []))
    head = rendered.text.split("\n\n/**")[0].splitlines()
    assert head == ['import { NotFoundException } from "@nestjs/common";', 'import { v4 } from "uuid";', "",
                    'import { ITodoMember } from "../api/structures/ITodoMember";',
                    'import { MemberPayload } from "../decorators/payload/MemberPayload";']
    assert rendered.statements == 5
    line = rendered.text.splitlines().index("  throw new NotFoundException(String(v4()));") + 1
    assert rendered.source.labels == {line: "body line 1"}


@pytest.mark.parametrize(("body", "code"), [
    ('import { x } from "y";\n  return x;', "realize.module-syntax"),
    ('  throw new Error("Not implemented yet");', "realize.stub"),
    ("  // implement this\n  return null as any;", "realize.stub"),
    ("  return {};", "realize.stub"),
    ("  /* nothing */", "realize.stub"),
])
def test_module_syntax_and_stubs_are_refused(body: str, code: str) -> None:
    assert [d.code for d in check_text(body)] == [code]


def test_a_body_may_not_escape_its_function(apps: tuple[InterfaceApplication, DatabaseApplication],
                                            interface_run: tuple[FixtureContext, PhaseOutput]) -> None:
    unit = _unit(apps, "getMembersMe")
    escaped = "  return transformTodoMember(await MyGlobal.prisma.todo_members.findFirstOrThrow({\n" \
              "    where: { id: props.member.id },\n  }));\n}\n\nfunction extra(): number {\n  return 1;"
    helpers = [u for u in plan(*apps).helpers if u.kind == "transformer"]
    with ProjectChecker({**interface_run[1].files, **emit_scaffold("todo", apps[0])}) as checker:
        available = menu(*apps, helpers)
        for helper in helpers:
            checker.write({helper.file: render_unit(helper, answer("realize", helper.op_id)["body"], available).text})
        found = check_unit(unit, FunctionBody(plan="p", body=escaped), available, checker)
        kept = check_unit(unit, FunctionBody(plan="p", body=escaped.split("\n}\n")[0]), available, checker)
    assert [(d.code, d.location) for d in found] == [("realize.escaped-body", "body")]
    assert kept == []
