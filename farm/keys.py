"""Store keys (design.md, "Store layout"): the one place that knows where an artifact lives."""

from __future__ import annotations

from dataclasses import dataclass

# A run is known by its contestant and its project, with the harness variant and the repeat written
# into them: `qwen/qwen3-8b+terse` (`+` is never in a model id) and `todo~2` (`~` is never in a
# project name). A round without variants or repeats keeps the plain names, so older rounds read as before.
VARIANT_MARK = "+"
REPEAT_MARK = "~"


def contestant_id(model: str, variant: str | None) -> str:
    return f"{model}{VARIANT_MARK}{variant}" if variant else model


def split_contestant(contestant: str) -> tuple[str, str | None]:
    """(model id, variant or None)."""
    model, mark, variant = contestant.partition(VARIANT_MARK)
    return model, (variant if mark else None)


def run_project(project: str, repeat: int) -> str:
    """The first repeat keeps the project's name: a round of one repeat is stored as before."""
    return project if repeat == 1 else f"{project}{REPEAT_MARK}{repeat}"


def split_run_project(name: str) -> tuple[str, int]:
    """(project, repeat ≥ 1)."""
    project, mark, repeat = name.partition(REPEAT_MARK)
    if not mark:
        return project, 1
    if not repeat.isdigit() or int(repeat) < 2:
        raise ValueError(f"{name!r}: the repeat after {REPEAT_MARK!r} must be a number ≥ 2")
    return project, int(repeat)


def round_prefix(round_id: str) -> str:
    """Everything the store holds of a round is under this prefix."""
    return f"rounds/{round_id}/"


def manifest(round_id: str) -> str:
    return f"rounds/{round_id}/manifest.json"


def leaderboard(round_id: str, fmt: str) -> str:
    return f"rounds/{round_id}/leaderboard.{fmt}"


@dataclass(frozen=True)
class RunKeys:
    """Keys of one run (contestant × project × repeat) of a round."""

    round_id: str
    model: str  # the contestant: the model id, with its variant when the round has variants
    project: str  # with its repeat from the second on

    @property
    def project_name(self) -> str:
        """The project whose requirements the run works on."""
        return split_run_project(self.project)[0]

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
