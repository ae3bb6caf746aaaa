"""What an endpoint takes and honours, as the probe found it: recorded in the round's manifest so
preflight can refuse a round an endpoint cannot serve, and workers shape requests the same way."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel

from workers.harness.dialect import ServerProfile


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # an HTTP error naming the schema or the request
    GRAMMAR_IGNORED = "grammar ignored"  # answered, but not in the schema's shape: the server dropped it
    SERVER_DIED = "server died"  # the connection dropped and the server stopped answering
    NOT_TRIED = "not tried"  # the server had died on an earlier schema


class ToolConformance(BaseModel):
    phase: str
    tool: str
    verdict: Verdict
    schema_chars: int
    detail: str = ""


class Conformance(BaseModel):
    """What an endpoint takes and honours, recorded in the manifest."""

    server: ServerProfile
    tools: list[ToolConformance] = []
    honours: dict[str, bool | None] = {}  # named/required/auto tool_choice, null content, $ref

    def verdict(self, phase: str) -> Verdict:
        """A phase conforms only if every one of its tools does."""
        verdicts = [t.verdict for t in self.tools if t.phase == phase]
        if not verdicts:
            return Verdict.NOT_TRIED
        return next((v for v in verdicts if v is not Verdict.ACCEPTED), Verdict.ACCEPTED)

    def failures(self, phases: Sequence[str]) -> list[str]:
        return [f"{t.phase}/{t.tool}: {t.verdict.value}{': ' + t.detail if t.detail else ''}"
                for t in self.tools if t.phase in phases and t.verdict is not Verdict.ACCEPTED]
