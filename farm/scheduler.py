"""Submit a round: manifest first, then the ledger, then the first phase job of every run.

A round id is used once. Submitting the same file again is a resume of that manifest (nothing
already done is redone); a different file under a used id is refused.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import psutil
from celery import Celery

from farm import keys
from farm.budget import BudgetBook
from farm.ledger import SCORE, Change, JobKey, JobRecord, Ledger, RoundExists, pipeline
from farm.conformance import Conformance
from farm.manifest import Manifest, build_manifest
from farm.outcomes import JobState
from farm.queueing import send_jobs
from farm.roundfile import LoadedRound
from farm.store import Store
from workers.environment import JOB_LEASE_TTL_S
from workers.phases.base import PHASES
from workers.phases.registry import available

if TYPE_CHECKING:
    from farm.reaper import Copy

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """Progress nobody reads (the default of library callers)."""


class SubmitRefused(Exception):
    """The round cannot be submitted as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Submission:
    manifest: Manifest
    enqueued: int
    resumed: bool


def run_jobs(manifest: Manifest, model: str, project: str) -> list[JobKey]:
    """A run's jobs in order (`farm.ledger.pipeline`): its phases, its verify job when they build a
    backend, its score job."""
    return [JobKey(model, project, phase) for phase in pipeline(manifest.spec.phases)]


def plan_jobs(manifest: Manifest) -> list[JobKey]:
    return [job for run in manifest.runs() for job in run_jobs(manifest, run.contestant.id, run.run_project)]


def check_phases(loaded: LoadedRound) -> None:
    missing = [p for p in loaded.spec.phases if p not in available()]
    if missing:
        raise SubmitRefused(
            f"{loaded.source}: phases {missing} are not available in this version "
            f"(available: {available()}); set `phases: {available()}`"
        )


def previous_submission(loaded: LoadedRound, store: Store, simulator_url: str | None = None, *,
                        embedded_simulator: bool = False) -> Manifest | None:
    """The manifest the round's id was frozen into, when this same file was submitted before (None
    when never); a different file under a used id is refused. Asked before any preflight: a resume
    needs no probe call."""
    stored = store.get_json_or_none(keys.manifest(loaded.spec.round))
    if stored is None:
        return None
    previous = Manifest.model_validate(stored)
    candidate = build_manifest(loaded, simulator_url, embedded_simulator=embedded_simulator)
    if previous.comparable()["spec"] != candidate.comparable()["spec"] or {
        n: p.sha256 for n, p in previous.projects.items()
    } != {n: p.sha256 for n, p in candidate.projects.items()}:
        raise SubmitRefused(
            f"round {loaded.spec.round!r} was already submitted with a different spec; "
            "use a new round id (see `farm round diff`), or `farm round resume` to continue it"
        )
    return previous


def submit(loaded: LoadedRound, store: Store, ledger: Ledger, app: Celery, simulator_url: str | None = None,
           endpoints: dict[str, Conformance] | None = None, *, embedded_simulator: bool = False,
           progress: Progress = _quiet) -> Submission:
    """`endpoints`: the preflight's conformance findings per model, frozen into the manifest;
    `embedded_simulator`: `simulator_url` is the embedded farm's (the manifest names it, see farm.manifest)."""
    check_phases(loaded)
    round_id = loaded.spec.round
    previous = previous_submission(loaded, store, simulator_url, embedded_simulator=embedded_simulator)
    if previous is not None:
        return Submission(previous, resume(round_id, store, ledger, app, progress=progress), resumed=True)
    manifest = build_manifest(loaded, simulator_url, endpoints=endpoints, embedded_simulator=embedded_simulator)
    store.put_json(keys.manifest(round_id), manifest.model_dump(mode="json"))
    try:
        ledger.register_round(round_id, plan_jobs(manifest), {"store": store.url})
    except RoundExists:
        raise SubmitRefused(f"round {round_id!r} is registered in the ledger but has no manifest in {store.url}") from None
    BudgetBook(ledger.r).ensure(round_id, manifest.spec)
    return Submission(manifest, _enqueue_firsts(manifest, ledger, app), resumed=False)


def _enqueue_firsts(manifest: Manifest, ledger: Ledger, app: Celery) -> int:
    """Queue every run's first phase: one ledger step and one publish batch for the whole round.

    Models take turns in the queue (`farm.runplan.planned_runs`): workers take jobs in queue order,
    and consecutive jobs of one model would share its concurrency cap while other models' endpoints
    idle (2 workers ran at 0.6 of linear on 8 models × 4 projects queued model by model)."""
    first = manifest.spec.phases[0]
    jobs = [JobKey(run.contestant.id, run.run_project, first) for run in manifest.runs()]
    applied = ledger.apply(manifest.round, [Change(job, JobState.QUEUED, frozenset({JobState.PENDING})) for job in jobs])
    queued = [job for job, previous in zip(jobs, applied.previous, strict=True) if previous is not None]
    send_jobs(app, manifest.round, queued)
    return len(queued)


RESUMABLE = frozenset({JobState.INFRA_FAILED, JobState.BUDGET_STOPPED, JobState.CANCELLED})


class _Verdict(Enum):
    SEND = "send"  # nothing will move it: queue it and send it
    LEAVE = "leave"  # on its way: a message waits in a queue, or a live worker holds its lease
    WATCH = "watch"  # a worker may hold it: look again


def resume(round_id: str, store: Store, ledger: Ledger, app: Celery, *, progress: Progress = _quiet,
           lease_ttl_s: float = JOB_LEASE_TTL_S) -> int:
    """Send again, per run, the first job that did not finish when nothing else will move it (later
    jobs stopped because of it wait again); returns how many were sent. Per that job's state:

    - infra_failed, budget_stopped, cancelled, pending: queued and sent;
    - queued: left alone while its message waits in a queue; sent again when it has none (lost with
      Redis, or held by a worker that is gone); delivered to a worker less than a lease TTL ago, it
      is watched: it starts, or its delivery ages and it is sent;
    - running: left alone while its message waits in a queue (a worker that stopped gave it back) or
      its worker holds the job's lease; sent again when the lease is gone or its holder, a process on
      this host, is dead (the new delivery takes the lease over). A holder on another host is
      watched for a lease TTL: a live one keeps renewing it, a dead one's lapses.

    Each send is a compare-and-set from the state seen, so a job that moved meanwhile is left alone;
    a second delivery of a job finds it held or done. Checkpoints make re-runs cheap: finished
    operations are not called again. It waits at most a lease TTL (saying so on `progress`); what
    is still undecided then is left to the workers' reaper (farm/reaper.py), which does the part of
    this that needs no human, never what ended infra_failed, budget_stopped or cancelled.
    """
    from farm.reaper import broker_copies  # farm.reaper imports this module

    manifest = Manifest.model_validate(store.get_json(keys.manifest(round_id)))
    if not ledger.round_exists(round_id):
        ledger.register_round(round_id, plan_jobs(manifest), {"store": store.url})
    BudgetBook(ledger.r).ensure(round_id, manifest.spec)
    runs = ledger_runs(ledger.jobs(round_id))  # as registered: a round older than verify has none
    bound_s, started, next_word, sent = lease_ttl_s + 2, time.monotonic(), 0.0, 0
    held_since: dict[JobKey, float] = {}
    while True:
        jobs = ledger.jobs(round_id)
        stuck = stuck_jobs(runs, jobs, RESUMABLE)
        moving = any(found.record.state in (JobState.QUEUED, JobState.RUNNING) for found in stuck)
        copies = broker_copies(ledger.r) if moving else {}
        verdicts = {
            found.job: _verdict(ledger, round_id, found, copies.get((round_id, found.job), []), lease_ttl_s, held_since)
            for found in stuck
        }  # fmt: skip
        lost = [found for found in stuck if verdicts[found.job] is _Verdict.SEND]
        sent += len(requeue(round_id, ledger, app, lost, lambda record: frozenset({record.state})))
        watched = [found.job for found in stuck if verdicts[found.job] is _Verdict.WATCH]
        waited = time.monotonic() - started
        if not watched:
            return sent
        if waited > bound_s:
            progress(f"{len(watched)} job(s) still held by a worker that neither ran nor released them after "
                     f"{waited:.0f}s: left to the workers' reaper ({_named(watched)})")
            return sent
        if waited >= next_word:
            next_word = waited + 5
            progress(f"waiting for {len(watched)} job(s) a worker may still hold (up to "
                     f"{bound_s - waited:.0f}s more): {_named(watched)}")
        time.sleep(1.0)


def _verdict(ledger: Ledger, round_id: str, found: Stuck, copies: list[Copy], lease_ttl_s: float,
             held_since: dict[JobKey, float]) -> _Verdict:  # fmt: skip
    """What `resume` does with a run's first unfinished job (see there); `held_since`: when each
    job held from another host was first seen held."""
    state = found.record.state
    if state not in (JobState.QUEUED, JobState.RUNNING):
        return _Verdict.SEND
    if any(copy.tag is None for copy in copies):
        return _Verdict.LEAVE  # its delivery takes it (and a dead holder's lease) over
    if state is JobState.QUEUED:
        young = any(time.time() - (copy.delivered_at or 0.0) < lease_ttl_s for copy in copies)
        return _Verdict.WATCH if young else _Verdict.SEND
    holder = ledger.lease_holder(round_id, found.job)
    if holder is None:
        return _Verdict.SEND
    alive = lease_holder_alive(holder)
    if alive is not None:
        return _Verdict.LEAVE if alive else _Verdict.SEND
    since = held_since.setdefault(found.job, time.monotonic())
    return _Verdict.LEAVE if time.monotonic() - since > lease_ttl_s else _Verdict.WATCH


def lease_holder_alive(token: str) -> bool | None:
    """Whether a lease's holder lives: its token names it (host:pid:nonce). None when it is on another
    host. A zombie is dead (a killed worker's pool processes stay zombies until someone reaps them)."""
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        return psutil.Process(int(pid)).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _named(jobs: list[JobKey], limit: int = 3) -> str:
    return ", ".join(str(job) for job in jobs[:limit]) + (f" and {len(jobs) - limit} more" if len(jobs) > limit else "")


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
    """A round's runs as its ledger has them (what `run_jobs` planned, without the manifest): each
    run's jobs in pipeline order."""
    order = {phase: index for index, phase in enumerate(pipeline(PHASES))}
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
    """A phase or the verify job may run once the job before it succeeded; the score job once the
    jobs before it ended with success or with the model's failure."""
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
