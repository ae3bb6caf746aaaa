"""Submit a round: manifest first, then the ledger, then the first phase job of every run.

A round id is used once. Submitting the same file again is a resume of that manifest (nothing
already done is redone); a different file under a used id is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from celery import Celery

from farm import keys
from farm.budget import BudgetBook
from farm.ledger import SCORE, Change, JobKey, JobRecord, Ledger, RoundExists
from farm.conformance import Conformance
from farm.manifest import Manifest, build_manifest
from farm.outcomes import JobState
from farm.queueing import send_jobs
from farm.roundfile import LoadedRound
from farm.store import Store
from workers.phases.base import PHASES
from workers.phases.registry import available


class SubmitRefused(Exception):
    """The round cannot be submitted as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Submission:
    manifest: Manifest
    enqueued: int
    resumed: bool


def run_jobs(manifest: Manifest, model: str, project: str) -> list[JobKey]:
    """A run's jobs in order: its phases, then its score job."""
    return [JobKey(model, project, phase) for phase in [*manifest.spec.phases, SCORE]]


def plan_jobs(manifest: Manifest) -> list[JobKey]:
    return [job for m in manifest.spec.models for p in manifest.projects for job in run_jobs(manifest, m.id, p)]


def check_phases(loaded: LoadedRound) -> None:
    missing = [p for p in loaded.spec.phases if p not in available()]
    if missing:
        raise SubmitRefused(
            f"{loaded.source}: phases {missing} are not available in this version "
            f"(available: {available()}); set `phases: {available()}`"
        )


def submit(loaded: LoadedRound, store: Store, ledger: Ledger, app: Celery, simulator_url: str | None = None,
           endpoints: dict[str, Conformance] | None = None) -> Submission:
    """`endpoints`: the preflight's conformance findings per model, frozen into the manifest."""
    check_phases(loaded)
    round_id = loaded.spec.round
    manifest = build_manifest(loaded, simulator_url, endpoints=endpoints)
    stored = store.get_json_or_none(keys.manifest(round_id))
    if stored is not None:
        previous = Manifest.model_validate(stored)
        if previous.spec.model_dump(mode="json") != manifest.spec.model_dump(mode="json") or {
            n: p.sha256 for n, p in previous.projects.items()
        } != {n: p.sha256 for n, p in manifest.projects.items()}:
            raise SubmitRefused(
                f"round {round_id!r} was already submitted with a different spec; "
                "use a new round id (see `farm round diff`), or `farm round resume` to continue it"
            )
        return Submission(previous, resume(round_id, store, ledger, app), resumed=True)
    store.put_json(keys.manifest(round_id), manifest.model_dump(mode="json"))
    try:
        ledger.register_round(round_id, plan_jobs(manifest), {"store": store.url})
    except RoundExists:
        raise SubmitRefused(f"round {round_id!r} is registered in the ledger but has no manifest in {store.url}") from None
    BudgetBook(ledger.r).ensure(round_id, manifest.spec)
    return Submission(manifest, _enqueue_firsts(manifest, ledger, app), resumed=False)


def _enqueue_firsts(manifest: Manifest, ledger: Ledger, app: Celery) -> int:
    """Queue every run's first phase: one ledger step and one publish batch for the whole round."""
    first = manifest.spec.phases[0]
    jobs = [JobKey(model.id, project, first) for model in manifest.spec.models for project in manifest.projects]
    applied = ledger.apply(manifest.round, [Change(job, JobState.QUEUED, frozenset({JobState.PENDING})) for job in jobs])
    queued = [job for job, previous in zip(jobs, applied.previous, strict=True) if previous is not None]
    send_jobs(app, manifest.round, queued)
    return len(queued)


RESUMABLE = frozenset({JobState.INFRA_FAILED, JobState.BUDGET_STOPPED, JobState.CANCELLED})


def resume(round_id: str, store: Store, ledger: Ledger, app: Celery) -> int:
    """Re-queue, per run, the first job that did not finish; later jobs stopped because of it wait again.

    A queued job, or a running one whose worker holds its lease, is on its way and left alone; a
    running job without a live lease lost its worker and is sent again. Checkpoints make re-runs
    cheap: finished operations are not called again. (The workers' reaper, farm/reaper.py, does the
    part of this that needs no human: running jobs that lost their worker, queued ones whose
    message was lost; never what ended infra_failed, budget_stopped or cancelled.)
    """
    manifest = Manifest.model_validate(store.get_json(keys.manifest(round_id)))
    if not ledger.round_exists(round_id):
        ledger.register_round(round_id, plan_jobs(manifest), {"store": store.url})
    BudgetBook(ledger.r).ensure(round_id, manifest.spec)
    jobs = ledger.jobs(round_id)
    runs = [run_jobs(manifest, model.id, project) for model in manifest.spec.models for project in manifest.projects]
    lost = [
        stuck for stuck in stuck_jobs(runs, jobs, RESUMABLE)
        if stuck.record.state is not JobState.QUEUED
        and not (stuck.record.state is JobState.RUNNING and ledger.lease_held(round_id, stuck.job))
    ]  # fmt: skip
    return len(requeue(round_id, ledger, app, lost, lambda record: RESUMABLE | {JobState.PENDING, JobState.RUNNING}))


@dataclass(frozen=True)
class Stuck:
    """The first job of a run that did not finish, and may run now (the job before it let it)."""

    run: list[JobKey]
    job: JobKey
    record: JobRecord


def stuck_jobs(runs: list[list[JobKey]], jobs: dict[JobKey, JobRecord], resumable: frozenset[JobState]) -> list[Stuck]:
    """Per run, its first job that is not terminal or ended in one of `resumable`, when it is ready."""
    found = []
    for run in runs:
        stuck = next((j for j in run if not jobs[j].state.terminal or jobs[j].state in resumable), None)
        if stuck is not None and _ready(run, stuck, jobs):
            found.append(Stuck(run, stuck, jobs[stuck]))
    return found


def ledger_runs(jobs: Iterable[JobKey]) -> list[list[JobKey]]:
    """A round's runs as its ledger has them (what `run_jobs` plans, without the manifest): each
    run's phase jobs in pipeline order, then its score job."""
    order = {phase: index for index, phase in enumerate([*PHASES, SCORE])}
    runs: dict[tuple[str, str], list[JobKey]] = {}
    for job in jobs:
        runs.setdefault((job.model, job.project), []).append(job)
    return [sorted(run, key=lambda job: order.get(job.phase, len(order))) for _, run in sorted(runs.items())]


def requeue(
    round_id: str, ledger: Ledger, app: Celery, stuck: list[Stuck],
    allowed_from: Callable[[JobRecord], frozenset[JobState]], *, reset_later: bool = True,
) -> list[JobKey]:  # fmt: skip
    """Queue each stuck job again (a compare-and-set from `allowed_from(its record)`, so a job that
    moved meanwhile is left alone) and send it; with `reset_later`, later jobs of its run that were
    skipped or cancelled because of it wait again. Returns the jobs sent."""
    requeued: list[JobKey] = []
    for found in stuck:
        for later in found.run[found.run.index(found.job) + 1 :] if reset_later else []:
            ledger.transition(round_id, later, JobState.PENDING, {JobState.SKIPPED, JobState.CANCELLED})
        if ledger.transition(round_id, found.job, JobState.QUEUED, allowed_from(found.record)) is not None:
            requeued.append(found.job)
    if requeued:  # reopened before any job is sent, so a job's end cannot mark it complete first
        ledger.reopen(round_id)
        send_jobs(app, round_id, requeued)
    return requeued


def _ready(run: list[JobKey], job: JobKey, jobs: dict[JobKey, JobRecord]) -> bool:
    """A phase may run once the one before it succeeded; the score job once the phases ended with
    success or with the model's failure."""
    before = run[: run.index(job)]
    if job.phase != SCORE:
        return not before or jobs[before[-1]].state is JobState.SUCCEEDED
    states = [jobs[j].state for j in before]
    return states[-1] is JobState.SUCCEEDED or JobState.MODEL_FAILED in states


def cancel(round_id: str, ledger: Ledger) -> int:
    """Cancel every job not yet running; running jobs finish their phase (their spend is real)."""
    count = 0
    for job, record in ledger.jobs(round_id).items():
        if record.state in (JobState.PENDING, JobState.QUEUED):
            if ledger.transition(round_id, job, JobState.CANCELLED, {JobState.PENDING, JobState.QUEUED}) is not None:
                count += 1
    ledger.mark_complete_if_done(round_id)
    return count
