"""Build a round's leaderboard purely from the store: manifest, phase results, score and runtime reports.

Runs are enumerated from the manifest (contestants × projects × repeats), never by listing
directories: model ids contain slashes and are nested path segments in the store. The statistics
(intervals, tied groups, variant effects) are farm.leaderboard.stats'; their seeds derive from the
round and the contestants, so the same store gives the same bytes.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from statistics import fmean

from farm import keys
from farm.leaderboard.fmt import KIND_LABEL
from farm.leaderboard import stats
from farm.leaderboard.model import (
    COST_DIGITS,
    RATE_DIGITS,
    SCORE_DIGITS,
    Estimate,
    Fcsr,
    Leaderboard,
    ModelEntry,
    ModelInfo,
    Prices,
    RunEntry,
    Significance,
    Usage,
    VarianceSplit,
    VariantEffect,
    scored_totals,
)
from farm.leaderboard.reading import LeaderboardError, read_json
from farm.leaderboard.runs import read_run
from farm.manifest import Manifest
from farm.runplan import Contestant, contestants
from farm.spec import ROUND_ID, ModelSpec, RoundSpec, Variant
from farm.store import Store
from scoring import profiles
from scoring.axes.golden import CATEGORY_WEIGHTS
from scoring.report import grade


# Bootstrap and permutation draws per interval or test: intervals stable to ~0.1 point at the
# leaderboard's scale, and a whole round's statistics in well under a second.
RESAMPLES = 10_000
SIGNIFICANCE_TEST = ("paired by project: a permutation test of the two contestants' runs within each project "
                     "(exact when the arrangements are few), two-sided")


def load_manifest(store: Store, round_id: str) -> Manifest:
    if not re.match(ROUND_ID, round_id):
        raise LeaderboardError(f"{round_id!r} is not a round id (letters, digits, '.', '_', '-')")
    key = keys.manifest(round_id)
    manifest = read_json(store, key, Manifest, "manifest")
    if manifest is None:
        raise LeaderboardError(f"no round {round_id!r} in {store.url}: {key} does not exist")
    return manifest


def _round_file_order(manifest: Manifest) -> list[str]:
    """The manifest's projects in the round file's order (the stored manifest's keys are sorted).

    A project is named after its reference's stem (`todo`, `specs/shop.md` -> `shop`, see farm.catalog).
    """
    order = [PurePosixPath(ref).stem for ref in manifest.spec.projects]
    return sorted(manifest.projects, key=lambda name: (order.index(name) if name in order else len(order), name))


def _golden_rates(runs: list[RunEntry]) -> list[float]:
    """Each verified run's Golden Set pass rate: a backend that failed counts 0, an unverified run not at all."""
    return [rate for run in runs if run.runtime is not None and (rate := run.runtime.golden_rate) is not None]


def _golden_categories(runs: list[RunEntry]) -> list[str]:
    """The categories the verified runs played: the Golden Set axis' order, then any other by name."""
    present = {category for run in runs if run.runtime is not None for category in run.runtime.golden.by_category}
    return [c for c in CATEGORY_WEIGHTS if c in present] + sorted(present - CATEGORY_WEIGHTS.keys())


def _info(model: ModelSpec, manifest: Manifest, runs: list[RunEntry]) -> ModelInfo:
    endpoint = model.endpoint.kind.value
    found = manifest.endpoints.get(model.id)
    if found is not None:
        endpoint += f" ({found.server.dialect.value})"
    prices = model.prices
    return ModelInfo(
        served_name=model.request_name,
        endpoint=endpoint,
        prices=Prices(input=prices.input, cached=prices.cached_or_input, output=prices.output),
        providers=sorted({provider for run in runs for provider in run.providers}),
    )


def _unranked_because(runs: list[RunEntry]) -> str | None:
    """Why a contestant is not ranked: a mean over some runs does not compare with one over all of them."""
    unscored = [f"{run.label} ({KIND_LABEL[run.incomplete.kind]})" for run in runs if run.incomplete is not None]
    if not unscored:
        return None
    return f"{len(unscored)} of {len(runs)} runs not scored: {', '.join(unscored)}"


def _estimate(per_project: dict[str, list[float]], seed: int) -> Estimate | None:
    if not per_project:
        return None
    found = stats.bootstrap_mean(per_project, seed=seed, resamples=RESAMPLES)
    return Estimate.rounded(found.mean, found.ci95)


def _axis_runs(runs: list[RunEntry], axis: str) -> dict[str, list[float]]:
    """Per project, the axis of each scored run: a run whose gate failed scores 0 on every axis; a
    passed run without the axis (golden not run) is left out."""
    values: dict[str, list[float]] = {}
    for run in runs:
        score = run.score
        if score is not None and (axis in score.axes or not score.gate_passed):
            values.setdefault(run.project, []).append(float(score.axes[axis]) if score.gate_passed else 0.0)
    return values


def _per_point(amount: float, runs: int, total: Estimate | None, digits: int) -> float | None:
    if total is None or total.mean <= 0 or not runs:
        return None
    return round(amount / runs / total.mean, digits)


def _serving_flag(runs: list[RunEntry]) -> str | None:
    providers = sorted({provider for run in runs for provider in run.providers})
    if len(providers) < 2:
        return None
    return f"served by {len(providers)} providers: {', '.join(providers)}"


def _variance(split: stats.VarianceSplit | None) -> VarianceSplit | None:
    if split is None:
        return None
    share = None if split.run_to_run_share is None else round(split.run_to_run_share, RATE_DIGITS)
    return VarianceSplit(run_to_run=round(split.run_to_run, SCORE_DIGITS),
                         between_projects=round(split.between_projects, SCORE_DIGITS), run_to_run_share=share)


def _entry(contestant: Contestant, spec: RoundSpec, manifest: Manifest, runs: list[RunEntry],
           axes: list[str]) -> ModelEntry:
    """Everything but the rank, the tied group and the front, which need the other contestants."""
    model = spec.model(contestant.model)
    scored = [run for run in runs if run.score is not None]
    totals = scored_totals(runs)
    seed = stats.seed_for(manifest.round, contestant.id)
    total = _estimate(totals, seed)
    axis_estimates = {axis: _estimate(_axis_runs(runs, axis), seed) for axis in axes}
    golden = _golden_rates(runs)
    usage = Usage.total([run.usage for run in scored])
    return ModelEntry(
        rank=None,
        unranked_because=_unranked_because(runs),
        tied_group=None,
        contestant=contestant.id,
        model=contestant.model,
        variant=contestant.variant,
        repeats=spec.repeats_of(contestant.model),
        info=_info(model, manifest, runs),
        total=total,
        grade=grade(math.floor(total.mean)) if total is not None else None,
        axes={axis: estimate for axis, estimate in axis_estimates.items() if estimate is not None},
        variance=_variance(stats.variance_split(totals)) if totals else None,
        usage=usage,
        fcsr=Fcsr.total([run.fcsr for run in scored]),
        golden_pass_rate=round(fmean(golden), RATE_DIGITS) if golden else None,
        golden_runs=len(golden),
        cost_per_point=_per_point(usage.cost_usd, len(scored), total, COST_DIGITS),
        tokens_per_point=_per_point(usage.input_tokens + usage.output_tokens, len(scored), total, SCORE_DIGITS),
        pareto=False,
        serving_flag=_serving_flag(runs),
        runs=runs,
    )


def _rank_key(entry: ModelEntry) -> tuple[float, float, str]:
    """Total descending, then cheaper first, then contestant id."""
    return (-(entry.total.mean if entry.total else 0.0), entry.usage.cost_usd, entry.contestant)


def _differs(round_id: str, a: ModelEntry, b: ModelEntry) -> bool:
    found = stats.paired_difference(a.scored_totals(), b.scored_totals(),
                                    seed=stats.seed_for(round_id, a.contestant, b.contestant), resamples=RESAMPLES)
    return stats.significant(found)


def _ranked(round_id: str, entries: list[ModelEntry]) -> list[ModelEntry]:
    """Contestants with every run scored, ranked, in tied groups, on or off the score-vs-cost front;
    then the others, unranked, by id."""
    ranked = sorted((entry for entry in entries if entry.unranked_because is None), key=_rank_key)
    unranked = sorted((entry for entry in entries if entry.unranked_because is not None), key=lambda e: e.contestant)
    by_id = {entry.contestant: entry for entry in ranked}
    groups = stats.tied_groups(list(by_id), lambda a, b: _differs(round_id, by_id[a], by_id[b]))
    front = stats.pareto_front({entry.contestant: (entry.total.mean, entry.cost_per_run)
                                for entry in ranked if entry.total is not None and entry.cost_per_run is not None})
    return [entry.model_copy(update={"rank": rank, "tied_group": groups[entry.contestant],
                                     "pareto": entry.contestant in front})
            for rank, entry in enumerate(ranked, start=1)] + unranked


def _variant_effects(round_id: str, spec: RoundSpec, entries: list[ModelEntry]) -> list[VariantEffect]:
    """Each model's other variants against its first one, on the projects both have scored runs of."""
    if len(spec.variants) < 2:
        return []
    baseline, *others = spec.variants
    by_id = {entry.contestant: entry for entry in entries}
    effects = []
    for model in spec.models:
        base = by_id[keys.contestant_id(model.id, baseline)].scored_totals()
        for variant in others:
            runs = by_id[keys.contestant_id(model.id, variant)].scored_totals()
            if not set(base) & set(runs):
                continue
            found = stats.paired_difference(runs, base, seed=stats.seed_for(round_id, model.id, variant),
                                            resamples=RESAMPLES)
            effects.append(VariantEffect(model=model.id, variant=variant, baseline=baseline,
                                         delta=Estimate.rounded(found.delta.mean, found.delta.ci95),
                                         p_value=round(found.p_value, RATE_DIGITS), significant=stats.significant(found)))
    return effects


def _variant_settings(variant: Variant) -> str:
    """`temperature 0.8, retry validation 0, procedure on`: what the variant changes, in one line."""
    parts = [f"{name} {value}" for name, value in variant.model_dump(
        exclude={"description", "retry", "procedure"}, exclude_none=True, mode="json").items()]
    parts += [f"retry {name} {value}" for name, value in variant.retry.model_dump(exclude_none=True).items()]
    parts += ["procedure on"] if variant.procedure else []
    settings = ", ".join(parts) or "the models' own settings"
    return f"{variant.description} ({settings})" if variant.description else settings


def build_leaderboard(store: Store, round_id: str) -> Leaderboard:
    """Raises LeaderboardError, naming the object, when the store holds something unusable."""
    manifest = load_manifest(store, round_id)
    try:
        profile = profiles.load(manifest.profile)
    except ValueError as exc:
        raise LeaderboardError(f"round {round_id}: manifest names profile {manifest.profile!r}: {exc}") from None
    spec = manifest.spec
    projects = _round_file_order(manifest)
    phases = list(spec.phases)
    planned = manifest.runs()
    runs: dict[str, list[RunEntry]] = {contestant.id: [] for contestant in contestants(spec)}
    for project in projects:  # the round file's order, then repeat by repeat
        for run in sorted((run for run in planned if run.project == project), key=lambda run: run.repeat):
            run_keys = keys.RunKeys(round_id, run.contestant.id, run.run_project)
            runs[run.contestant.id].append(read_run(store, run_keys, phases, profile.id, run.seed))
    every_run = [run for contestant_runs in runs.values() for run in contestant_runs]
    present = {axis for run in every_run if run.score for axis in run.score.axes}
    axes = [axis for axis in profiles.AXES if axis in present]
    entries = [_entry(contestant, spec, manifest, runs[contestant.id], axes) for contestant in contestants(spec)]
    versions = {run.score.scorer_version for run in every_run if run.score}
    return Leaderboard(
        round=round_id,
        description=spec.description,
        created_at=manifest.created_at,
        profile=profile.id,
        axis_weights={axis: profile.weights[axis] for axis in profiles.AXES},
        scorer_versions=sorted(versions),
        phases=phases,
        projects=projects,
        axes=axes,
        golden_categories=_golden_categories(every_run),
        repeats=max(spec.repeats_of(model.id) for model in spec.models),
        variants={name: _variant_settings(variant) for name, variant in spec.variants.items()},
        significance=Significance(test=SIGNIFICANCE_TEST, alpha=stats.ALPHA, resamples=RESAMPLES),
        variance=_variance(stats.pooled_variance_split(
            [totals for entry in entries if (totals := entry.scored_totals())])),
        variant_effects=_variant_effects(round_id, spec, entries),
        models=_ranked(round_id, entries),
    )
