"""A PhaseContext that answers operations from fixture files, for running phases in tests.

It is a fixture provider, not a stand-in for the harness: each operation gets the recorded tool
arguments for its op id, validated with the operation's AST and checked with the operation's own
compiler, attempt after attempt, exactly as the phase defined them. What was asked is recorded.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from farm.outcomes import ModelFailed
from farm.sim import load_fixtures
from workers.phases.analyze.phase import document_op_id
from workers.phases.base import Diagnostic, Operation

FIXTURES = Path(__file__).parent / "fixtures"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def book(project: str = "todo") -> dict[str, dict[str, Any]]:
    """The simulator's answer book: the one copy of the scripted tool-call arguments."""
    return load_fixtures().books[project]


def answer(phase: str, op_id: str, variant: str | None = None, project: str = "todo") -> dict[str, Any]:
    return copy.deepcopy(book(project)[f"{phase}/{op_id}" + (f"@{variant}" if variant else "")])


def phase_answers(project: str, phase: str) -> dict[str, list[Any]]:
    """The book's answers of one phase as one-attempt answers keyed by op id (variants left out)."""
    return {
        key.split("/", 1)[1]: [copy.deepcopy(arguments)]
        for key, arguments in book(project).items()
        if key.startswith(f"{phase}/") and "@" not in key
    }


def analyze_ast(project: str = "todo") -> dict[str, Any]:
    """The merged Analyze AST the book's answers make, as `ctx.prior("analyze")` returns it."""
    plan = answer("analyze", "plan", project=project)
    documents = {d["filename"]: answer("analyze", document_op_id(d["filename"]), project=project) for d in plan["documents"]}
    return {"plan": plan, "documents": documents}


@dataclass
class FixtureContext:
    priors: dict[str, dict[str, Any]]
    answers: dict[str, list[Any]]
    project: str = "todo"
    requirements: str = "A multi-user todo list with accounts, edit history, trash, filtering and sorting."
    asked: list[str] = field(default_factory=list)
    operations: dict[str, Operation[Any]] = field(default_factory=dict)
    diagnostics: dict[str, list[list[Diagnostic]]] = field(default_factory=dict)

    def prior(self, phase: str) -> dict[str, Any]:
        return self.priors[phase]

    def run(self, operations: Sequence[Operation[Any]]) -> list[BaseModel]:
        results = []
        for operation in operations:
            self.asked.append(operation.op_id)
            self.operations[operation.op_id] = operation
            results.append(self._answer(operation))
        return results

    def _answer(self, operation: Operation[Any]) -> BaseModel:
        attempts = self.answers.get(operation.op_id)
        if not attempts:
            raise AssertionError(f"no fixture answer for operation {operation.op_id!r}")
        history = self.diagnostics.setdefault(operation.op_id, [])
        for arguments in attempts:
            ast = operation.ast.model_validate(arguments)
            found = operation.check(ast) if operation.check else []
            history.append(found)
            if not found:
                return ast
        raise ModelFailed(f"{operation.op_id}: out of fixture attempts; last diagnostics {history[-1]}")
