"""Prompts of the Test phase's operations (our own wording; the tool schema documents every field)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from workers.phases.interface import contract
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.dtos import type_closure
from workers.phases.test.ast import Scenario
from workers.phases.test.sdk import SdkFunction

_ROLE = (
    "You are the QA engineer of a NestJS + Prisma backend. You never write code: you fill the tool's "
    "arguments, and our compiler turns them into end-to-end tests that call the API through its typed SDK."
)

SCENARIO_SYSTEM = f"""{_ROLE}

Plan the end-to-end test of one API operation.
- Say what the test proves in one line, then the behaviour under test, including a failure the
  operation must produce (missing rows, other users' data, invalid input).
- List the steps in order: which SDK calls prepare data or log in, the call under test, what is
  checked afterwards.
- `dependencies` are the other SDK functions the steps call (exact names from the SDK list).
- Call the tool exactly once."""

FUNCTION_SYSTEM = f"""{_ROLE}

Write the test function of the planned scenario as statements.
- `apiCall` calls `api.functional.<function>(connection, ...arguments)` and awaits it; arguments
  are the path parameters in order, then the query or body object. Name the result in `variable`.
- The test receives `connection` ({{host, headers}}). Routes that need a logged-in actor take a
  connection whose headers carry `Authorization: "Bearer " + <access token>`: declare one with an
  `expression` statement (an object literal with `host: connection.host` and `headers`) and pass it
  as the call's `connection`.
- Use `random` values for data that must be unique (emails, titles); a variable must be declared
  by an earlier statement before it is used.
- Assert with `equals` / `notEquals` (expected first, then actual), `predicate` (a condition that
  must hold) and `error` (an SDK call that must fail), each with a short title.
- Call the tool exactly once."""


def catalog(functions: Iterable[SdkFunction]) -> str:
    """Every SDK function with its route, authorization and summary."""
    return "\n".join(
        f"- `{f.signature()}` — {f.label}, {'needs ' + f.route.authorization if f.route.authorization else 'public'}: "
        f"{f.route.summary}" for f in functions
    )


def _target(function: SdkFunction) -> str:
    route = function.route
    return (f"`{function.signature()}` ({function.label}, "
            f"{'authorization: ' + route.authorization if route.authorization else 'public'})\n\n"
            f"{route.summary}\n\n{route.description}")


def scenario_user(function: SdkFunction, functions: Mapping[str, SdkFunction], requirements: str) -> str:
    return (f"# Requirements\n\n{requirements}\n\n# SDK\n\n{catalog(functions.values())}\n\n"
            f"# Operation under test\n\n{_target(function)}")


def used_types(functions: Iterable[SdkFunction], app: InterfaceApplication) -> list[str]:
    """Base names of the DTO types the functions take or return, and of the types those reference."""
    names = {p.ts_type for f in functions for p in f.parameters if p.kind != "path"}
    names |= {f.response for f in functions if f.route.response_body}
    return sorted({contract.type_base(name) for name in type_closure(app, names)})


def function_user(function: SdkFunction, scenario: Scenario, functions: Mapping[str, SdkFunction],
                  app: InterfaceApplication, structures: Mapping[str, str]) -> str:
    involved = [function, *(functions[name] for name in scenario.dependencies if name in functions)]
    types = "\n\n".join(structures[f"src/{contract.structure_module(base)}.ts"] for base in used_types(involved, app))
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(scenario.steps, 1))
    return (f"# Operation under test\n\n{_target(function)}\n\n# Scenario: {scenario.title}\n\n"
            f"{scenario.description}\n\n{steps}\n\n# SDK functions you may call\n\n{catalog(involved)}\n\n"
            f"# Types\n\n```ts\n{types}\n```")
