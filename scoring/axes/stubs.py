"""The strict stub rule (profiles with `stubs: strict`): which functions are stubs, and why.

A function is a stub when its body is empty, when its only statement returns an empty value, or when
any of its returns (wherever it stands: after other statements, in a branch, in an object, through a
local `const`) hands back a random-value generator's output or a mock (`scoring.axes.bodies`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.axes.bodies import Yield, function_bodies, may_hold_mocks
from scoring.parsing import Function
from scoring.project import Project

LONE_STUB_RETURNS = frozenset({"empty-object", "empty-array", "null", "undefined", "zero", "false", "empty-string"})


@dataclass(frozen=True)
class Stub:
    code: str  # the logic axis's code: L006 empty, L007 lone empty return, L008 random or mock return
    line: int
    why: str


def mock_return(project: Project, path: str, function: Function) -> Yield | None:
    """The first return of `function` (in file `path`) that yields made-up data."""
    text = project.tree.text(path)
    if not may_hold_mocks(text):
        return None
    body = function_bodies(text).get((function.line, function.name))
    return body.mock if body is not None else None


def strict_stub(project: Project, path: str, function: Function) -> Stub | None:
    body = function.body
    if body is None or function.kind == "constructor":
        return None
    if body.statements == 0:
        return Stub("L006", function.line, "has an empty body")
    if body.sole_return in LONE_STUB_RETURNS:
        return Stub("L007", function.line, f"only returns a stub value ({body.sole_return})")
    mock = mock_return(project, path, function)
    if mock is not None:
        return Stub("L008", mock.line, f"returns made-up data ({mock.what})")
    return None
