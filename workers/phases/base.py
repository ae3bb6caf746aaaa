"""The contract between a phase and the harness that runs it.

A phase plans operations (one forced function call each, with its own pydantic AST), hands them to
the context, which runs them under retries, checkpoints and rate limits, and then compiles the
validated ASTs into files. Phases never talk to the LLM, the store or the ledger directly, so they
stay pure enough to test with scripted answers.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel

PHASES: tuple[str, ...] = ("analyze", "database", "interface", "test", "realize")

_OP_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")

A = TypeVar("A", bound=BaseModel)


class Diagnostic(BaseModel):
    """One compiler finding, fed back to the model and kept in the phase result."""

    message: str
    file: str | None = None
    location: str | None = None  # e.g. "todo_items.owner_id" or "12:5"
    code: str | None = None


@dataclass(frozen=True)
class Operation(Generic[A]):
    """One function-calling exchange: a forced call of `tool_name` whose arguments fill `ast`.

    `check` is the operation's own compiler: diagnostics it returns go back to the model and are
    retried under the compiler budget. An empty list means the AST is accepted.
    """

    op_id: str
    tool_name: str
    description: str
    ast: type[A]
    system: str
    user: str
    check: Callable[[A], list[Diagnostic]] | None = None

    def __post_init__(self) -> None:
        if not _OP_ID.match(self.op_id):
            raise ValueError(f"operation id {self.op_id!r} is not a safe lower-case file name")


@dataclass
class PhaseOutput:
    """What a phase leaves behind: its merged AST, the files it emits, and counts for reports."""

    ast: dict[str, Any]
    files: dict[str, str]
    summary: dict[str, int] = field(default_factory=dict)


class PhaseContext(Protocol):
    """What the harness offers a phase while it runs."""

    @property
    def project(self) -> str: ...

    @property
    def requirements(self) -> str:
        """The project's requirements prompt (catalog text or user file)."""
        ...

    def prior(self, phase: str) -> dict[str, Any]:
        """The merged AST (`ast.json`) of an earlier, succeeded phase of the same run."""
        ...

    def run(self, operations: Sequence[Operation[Any]]) -> list[BaseModel]:
        """Run operations concurrently; results in the same order.

        A checkpointed operation is returned from the store without a call. Raises ModelFailed
        when any operation runs out of retries (after the others finished and were checkpointed).
        """
        ...


class Phase(ABC):
    """A pipeline phase: plans operations on the context, then compiles what came back."""

    name: ClassVar[str]

    @abstractmethod
    def run(self, ctx: PhaseContext) -> PhaseOutput: ...
