"""What moved between two rounds' leaderboards, per model present in both, per axis."""

from __future__ import annotations

from farm.leaderboard.model import COST_DIGITS, RATE_DIGITS, SCORE_DIGITS, Leaderboard, ModelEntry, Record
from scoring.profiles import AXES


class Delta(Record):
    a: float | None
    b: float | None
    delta: float | None  # b - a; None when either side has no value

    @classmethod
    def of(cls, a: float | None, b: float | None, digits: int) -> Delta:
        return cls(a=a, b=b, delta=None if a is None or b is None else round(b - a, digits))


class ModelMove(Record):
    model: str
    rank_a: int | None  # None: unranked in that round (not every run scored)
    rank_b: int | None
    incomplete_a: list[str]
    incomplete_b: list[str]
    total: Delta
    axes: dict[str, Delta]
    cost_usd: Delta
    fcsr_first_attempt: Delta
    fcsr_after_retries: Delta


class Comparison(Record):
    round_a: str
    round_b: str
    profile_a: str
    profile_b: str
    axes: list[str]  # axes of either round, in the profiles' order
    models: list[ModelMove]  # in round b's ranking order
    new_models: list[str]  # only in round b
    dropped_models: list[str]  # only in round a

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


def _move(a: ModelEntry, b: ModelEntry, axes: list[str]) -> ModelMove:
    return ModelMove(
        model=b.model,
        rank_a=a.rank,
        rank_b=b.rank,
        incomplete_a=a.incomplete_runs,
        incomplete_b=b.incomplete_runs,
        total=Delta.of(a.total, b.total, SCORE_DIGITS),
        axes={axis: Delta.of(a.axes.get(axis), b.axes.get(axis), SCORE_DIGITS) for axis in axes},
        cost_usd=Delta.of(a.usage.cost_usd, b.usage.cost_usd, COST_DIGITS),
        fcsr_first_attempt=Delta.of(a.fcsr.first_attempt_rate, b.fcsr.first_attempt_rate, RATE_DIGITS),
        fcsr_after_retries=Delta.of(a.fcsr.after_retries_rate, b.fcsr.after_retries_rate, RATE_DIGITS),
    )


def compare(a: Leaderboard, b: Leaderboard) -> Comparison:
    ids_a = {entry.model for entry in a.models}
    ids_b = {entry.model for entry in b.models}
    axes = [axis for axis in AXES if axis in a.axes or axis in b.axes]
    return Comparison(
        round_a=a.round,
        round_b=b.round,
        profile_a=a.profile,
        profile_b=b.profile,
        axes=axes,
        models=[_move(a.model(entry.model), entry, axes) for entry in b.models if entry.model in ids_a],
        new_models=sorted(ids_b - ids_a),
        dropped_models=sorted(ids_a - ids_b),
    )
