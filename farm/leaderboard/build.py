"""Build a round's leaderboard purely from the store: manifest, phase results and score reports.

Runs are enumerated from the manifest (models × projects), never by listing directories: model
ids contain slashes and are nested path segments in the store.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from statistics import fmean

from farm import keys
from farm.leaderboard.model import SCORE_DIGITS, Fcsr, Leaderboard, ModelEntry, RunEntry, RunScore, Usage
from farm.leaderboard.reading import LeaderboardError, read_json
from farm.leaderboard.runs import read_run
from farm.manifest import Manifest
from farm.spec import ROUND_ID
from farm.store import Store
from scoring import profiles
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


def _model_entry(model_id: str, runs: list[RunEntry], axes: list[str]) -> ModelEntry:
    """Everything but the rank, which needs the other models."""
    scored = [run for run in runs if run.score is not None]
    scores = [run.score for run in runs if run.score is not None]
    total = round(fmean(score.total for score in scores), SCORE_DIGITS) if scores else None
    means = {axis: _axis_mean(scores, axis) for axis in axes}
    return ModelEntry(
        rank=0,
        model=model_id,
        total=total,
        grade=grade(math.floor(total)) if total is not None else None,
        axes={axis: mean for axis, mean in means.items() if mean is not None},
        usage=Usage.total([run.usage for run in scored]),
        fcsr=Fcsr.total([run.fcsr for run in scored]),
        runs=runs,
    )


def _rank_key(entry: ModelEntry) -> tuple[bool, float, float, str]:
    """Total descending (unscored models last), then cheaper first, then model id."""
    return (entry.total is None, -(entry.total or 0.0), entry.usage.cost_usd, entry.model)


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
    entries = sorted((_model_entry(model_id, model_runs, axes) for model_id, model_runs in runs.items()), key=_rank_key)
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
        models=[entry.model_copy(update={"rank": rank}) for rank, entry in enumerate(entries, start=1)],
    )
