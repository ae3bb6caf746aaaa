"""The score job: materialise a run's project tree from the store, score it, store `score.json`.

Scoring is a pure function of the tree (the `scoring` package) and, when the verify job stored a
`runtime.json`, of what it found live (the Golden Set axis), so a redelivered score job just finds
`score.json` and stops; a toolchain or store failure is the farm's fault (infra_failed), never the
model's. A run whose verify was skipped because the model failed before it had a backend scores 0
on the Golden Set (its project has a suite); a run without a verify job (a round submitted before
there was one, a project without realize) or a project without a suite has the axis left out.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import scoring
from farm import keys, metrics
from farm.ledger import SCORE, VERIFY, JobKey
from farm.outcomes import JobState
from runtime.report import NO_BACKEND, RuntimeReport
from scoring.axes.golden import GoldenSetResult
from workers.environment import WorkerEnv
from workers.jobs import run_job
from workers.verify_job import suite_of

log = logging.getLogger("benchfarm.score")


def run_score_job(env: WorkerEnv, round_id: str, model_id: str, project: str) -> JobState | None:
    run_keys = keys.RunKeys(round_id, model_id, project)

    def finished() -> tuple[JobState, str] | None:
        return (JobState.SUCCEEDED, "") if env.store.exists(run_keys.score) else None

    return run_job(
        env, round_id, JobKey(model_id, project, SCORE), finished,
        execute=lambda: _score(env, round_id, run_keys),
    )  # fmt: skip


def _score(env: WorkerEnv, round_id: str, run_keys: keys.RunKeys) -> tuple[JobState, str]:
    try:  # the manifest read too: a store failure ends the job infra_failed, never crashes the task
        profile = env.manifest(round_id).profile
        golden = _golden(env, round_id, run_keys)
        with tempfile.TemporaryDirectory(prefix="farm-score-") as tmp:
            root = Path(tmp)
            env.store.materialize(run_keys.tree, root)
            report = scoring.score_tree(root, profile, golden=golden)
        env.store.put_text(run_keys.score, report.to_json())
        metrics.RUN_SCORE.labels(round_id, run_keys.model, run_keys.project).set(report.total)
    except Exception as exc:  # noqa: BLE001 - toolchain, store or scorer failure: the farm's, not the model's
        log.exception("scoring %s failed", run_keys.prefix)
        return JobState.INFRA_FAILED, f"scoring: {type(exc).__name__}: {exc}"
    return JobState.SUCCEEDED, f"total {report.total} ({report.grade})"


def _golden(env: WorkerEnv, round_id: str, run_keys: keys.RunKeys) -> GoldenSetResult | None:
    """The Golden Set axis's input: from `runtime.json`; 0 when the model never finished a backend
    to verify; None (axis left out) when the run has no verify or its project no suite."""
    runtime = env.store.get_json_or_none(run_keys.runtime)
    if runtime is not None:
        return RuntimeReport.model_validate(runtime).golden_set()
    verify = env.ledger.job(round_id, JobKey(run_keys.model, run_keys.project, VERIFY))
    if verify is None or verify.state is not JobState.SKIPPED:
        return None
    entry = env.manifest(round_id).projects[run_keys.project_name]
    return NO_BACKEND if suite_of(entry, run_keys.project_name) is not None else None
