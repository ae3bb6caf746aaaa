"""Store keys (design.md, "Store layout"): the one place that knows where an artifact lives."""

from __future__ import annotations

from dataclasses import dataclass


def round_prefix(round_id: str) -> str:
    """Everything the store holds of a round is under this prefix."""
    return f"rounds/{round_id}/"


def manifest(round_id: str) -> str:
    return f"rounds/{round_id}/manifest.json"


def leaderboard(round_id: str, fmt: str) -> str:
    return f"rounds/{round_id}/leaderboard.{fmt}"


@dataclass(frozen=True)
class RunKeys:
    """Keys of one run (model × project) of a round."""

    round_id: str
    model: str
    project: str

    @property
    def prefix(self) -> str:
        return f"rounds/{self.round_id}/runs/{self.model}/{self.project}/"

    @property
    def tree(self) -> str:
        return self.prefix + "tree/"

    @property
    def score(self) -> str:
        return self.prefix + "score.json"

    @property
    def runtime(self) -> str:
        """What the verify job found of the run's backend, live (runtime.report.RuntimeReport)."""
        return self.prefix + "runtime.json"

    def phase(self, phase: str) -> PhaseKeys:
        return PhaseKeys(self.prefix + phase + "/")


@dataclass(frozen=True)
class PhaseKeys:
    prefix: str

    @property
    def result(self) -> str:
        return self.prefix + "result.json"

    @property
    def outcome(self) -> str:
        """Why the phase ended without a result (infra failure, budget stop): never a finished phase."""
        return self.prefix + "outcome.json"

    @property
    def ast(self) -> str:
        return self.prefix + "ast.json"

    @property
    def calls(self) -> str:
        return self.prefix + "calls.jsonl"

    @property
    def ops(self) -> str:
        return self.prefix + "ops/"

    def op(self, op_id: str) -> str:
        return f"{self.prefix}ops/{op_id}.json"

    @property
    def attempts(self) -> str:
        """One object per attempt, written as it happens, so no paid call goes unrecorded."""
        return self.prefix + "attempts/"

    def attempt(self, op_id: str, attempt_id: str) -> str:
        """Flat under attempts/: a folder per operation cost a directory creation per operation."""
        return f"{self.prefix}attempts/{op_id}~{attempt_id}.json"

    def prompt(self, op_id: str) -> str:
        """The operation's request (system and user prompt): the same for all its attempts, kept once."""
        return f"{self.prefix}prompts/{op_id}.json"
