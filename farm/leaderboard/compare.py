"""What moved between two rounds' leaderboards, per contestant present in both, per axis, and
whether the move in total exceeds the runs' own noise."""

from __future__ import annotations

from farm.leaderboard import stats
from farm.leaderboard.build import RESAMPLES
from farm.leaderboard.model import (
    COST_DIGITS,
    RATE_DIGITS,
    SCORE_DIGITS,
    Estimate,
    Leaderboard,
    ModelEntry,
    Record,
    VariantEffect,
)
from scoring.profiles import AXES


class Delta(Record):
    a: float | None
    b: float | None
    delta: float | None  # b - a; None when either side has no value

    @classmethod
    def of(cls, a: float | None, b: float | None, digits: int) -> Delta:
        return cls(a=a, b=b, delta=None if a is None or b is None else round(b - a, digits))


class Noise(Record):
    """Whether a contestant's move in total exceeds run-to-run noise: its runs in the two rounds,
    paired by the projects both have (farm.leaderboard.stats.paired_difference)."""

    delta_ci95: tuple[float, float] | None
    p_value: float
    exceeds_noise: bool
    projects: int


class ModelMove(Record):
    model: str  # the contestant (model id, `+variant` when the rounds have variants)
    rank_a: int | None  # None: unranked in that round (not every run scored)
    rank_b: int | None
    incomplete_a: list[str]
    incomplete_b: list[str]
    total: Delta
    noise: Noise | None  # None when the two rounds have no scored project in common for it
    axes: dict[str, Delta]
    cost_usd: Delta
    fcsr_first_attempt: Delta
    fcsr_after_retries: Delta


class EffectMove(Record):
    """A variant's effect on a model (against its round's baseline variant) in each round; None where
    that round did not measure it."""

    model: str
    variant: str
    a: VariantEffect | None
    b: VariantEffect | None


class Comparison(Record):
    round_a: str
    round_b: str
    profile_a: str
    profile_b: str
    axes: list[str]  # axes of either round, in the profiles' order
    models: list[ModelMove]  # in round b's ranking order
    variant_effects: list[EffectMove]  # every (model, variant) effect either round measured, round b's order first
    new_models: list[str]  # only in round b
    dropped_models: list[str]  # only in round a

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


def _mean(estimate: Estimate | None) -> float | None:
    return None if estimate is None else estimate.mean


def _noise(a: ModelEntry, b: ModelEntry, seed: int) -> Noise | None:
    before, after = a.scored_totals(), b.scored_totals()
    if not set(before) & set(after):
        return None
    found = stats.paired_difference(after, before, seed=seed, resamples=RESAMPLES)
    return Noise(delta_ci95=Estimate.rounded(found.delta.mean, found.delta.ci95).ci95,
                 p_value=round(found.p_value, RATE_DIGITS), exceeds_noise=stats.significant(found),
                 projects=found.projects)


def _move(a: ModelEntry, b: ModelEntry, axes: list[str], seed: int) -> ModelMove:
    return ModelMove(
        model=b.contestant,
        rank_a=a.rank,
        rank_b=b.rank,
        incomplete_a=a.incomplete_runs,
        incomplete_b=b.incomplete_runs,
        total=Delta.of(_mean(a.total), _mean(b.total), SCORE_DIGITS),
        noise=_noise(a, b, seed),
        axes={axis: Delta.of(_mean(a.axes.get(axis)), _mean(b.axes.get(axis)), SCORE_DIGITS) for axis in axes},
        cost_usd=Delta.of(a.usage.cost_usd, b.usage.cost_usd, COST_DIGITS),
        fcsr_first_attempt=Delta.of(a.fcsr.first_attempt_rate, b.fcsr.first_attempt_rate, RATE_DIGITS),
        fcsr_after_retries=Delta.of(a.fcsr.after_retries_rate, b.fcsr.after_retries_rate, RATE_DIGITS),
    )


def _effect_moves(a: Leaderboard, b: Leaderboard) -> list[EffectMove]:
    found_a = {(effect.model, effect.variant): effect for effect in a.variant_effects}
    found_b = {(effect.model, effect.variant): effect for effect in b.variant_effects}
    keys = list(dict.fromkeys([*found_b, *found_a]))
    return [EffectMove(model=model, variant=variant, a=found_a.get((model, variant)), b=found_b.get((model, variant)))
            for model, variant in keys]


def compare(a: Leaderboard, b: Leaderboard) -> Comparison:
    ids_a = {entry.contestant for entry in a.models}
    ids_b = {entry.contestant for entry in b.models}
    axes = [axis for axis in AXES if axis in a.axes or axis in b.axes]
    return Comparison(
        round_a=a.round,
        round_b=b.round,
        profile_a=a.profile,
        profile_b=b.profile,
        axes=axes,
        models=[_move(a.contestant(entry.contestant), entry, axes, stats.seed_for(a.round, b.round, entry.contestant))
                for entry in b.models if entry.contestant in ids_a],
        variant_effects=_effect_moves(a, b),
        new_models=sorted(ids_b - ids_a),
        dropped_models=sorted(ids_a - ids_b),
    )
