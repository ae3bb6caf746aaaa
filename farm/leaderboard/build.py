"""Build a round's leaderboard purely from the store: manifest, phase results, score and runtime reports.

Runs are enumerated from the manifest (models × projects), never by listing directories: model
ids contain slashes and are nested path segments in the store.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from statistics import fmean

from farm import keys
from farm.leaderboard.fmt import KIND_LABEL
from farm.leaderboard.model import (
    RATE_DIGITS,
    SCORE_DIGITS,
    Fcsr,
    Leaderboard,
    ModelEntry,
    ModelInfo,
    Prices,
    RunEntry,
    RunScore,
    Usage,
)
from farm.leaderboard.reading import LeaderboardError, read_json
from farm.leaderboard.runs import read_run
from farm.manifest import Manifest
from farm.spec import ROUND_ID, ModelSpec
from farm.store import Store
from scoring import profiles
from scoring.axes.golden import CATEGORY_WEIGHTS
from scoring.report import grade


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


def _axis_mean(scores: list[RunScore], axis: str) -> float | None:
    """A run whose gate failed scores 0 on every axis; a passed run without the axis (golden not run) is left out."""
    values = [score.axes[axis] if score.gate_passed else 0
              for score in scores if axis in score.axes or not score.gate_passed]
    return round(fmean(values), SCORE_DIGITS) if values else None


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
    """Why a model is not ranked: a mean over some projects does not compare with one over all of them."""
    unscored = [f"{run.project} ({KIND_LABEL[run.incomplete.kind]})" for run in runs if run.incomplete is not None]
    if not unscored:
        return None
    return f"{len(unscored)} of {len(runs)} runs not scored: {', '.join(unscored)}"


def _model_entry(model: ModelSpec, manifest: Manifest, runs: list[RunEntry], axes: list[str]) -> ModelEntry:
    """Everything but the rank, which needs the other models."""
    scored = [run for run in runs if run.score is not None]
    scores = [run.score for run in runs if run.score is not None]
    total = round(fmean(score.total for score in scores), SCORE_DIGITS) if scores else None
    means = {axis: _axis_mean(scores, axis) for axis in axes}
    golden = _golden_rates(runs)
    return ModelEntry(
        rank=None,
        unranked_because=_unranked_because(runs),
        model=model.id,
        info=_info(model, manifest, runs),
        total=total,
        grade=grade(math.floor(total)) if total is not None else None,
        axes={axis: mean for axis, mean in means.items() if mean is not None},
        usage=Usage.total([run.usage for run in scored]),
        fcsr=Fcsr.total([run.fcsr for run in scored]),
        golden_pass_rate=round(fmean(golden), RATE_DIGITS) if golden else None,
        golden_runs=len(golden),
        runs=runs,
    )


def _rank_key(entry: ModelEntry) -> tuple[float, float, str]:
    """Total descending, then cheaper first, then model id."""
    return (-(entry.total or 0.0), entry.usage.cost_usd, entry.model)


def _ranked(entries: list[ModelEntry]) -> list[ModelEntry]:
    """Models with every run scored, ranked; then the others, unranked, by model id."""
    ranked = sorted((entry for entry in entries if entry.unranked_because is None), key=_rank_key)
    unranked = sorted((entry for entry in entries if entry.unranked_because is not None), key=lambda e: e.model)
    return [entry.model_copy(update={"rank": rank}) for rank, entry in enumerate(ranked, start=1)] + unranked


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
    runs = {
        model.id: [read_run(store, keys.RunKeys(round_id, model.id, project), phases, profile.id)
                   for project in projects]
        for model in spec.models
    }
    present = {axis for model_runs in runs.values() for run in model_runs if run.score for axis in run.score.axes}
    axes = [axis for axis in profiles.AXES if axis in present]
    entries = [_model_entry(model, manifest, runs[model.id], axes) for model in spec.models]
    versions = {run.score.scorer_version for model_runs in runs.values() for run in model_runs if run.score}
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
        golden_categories=_golden_categories([run for model_runs in runs.values() for run in model_runs]),
        models=_ranked(entries),
    )
