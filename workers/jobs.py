"""One phase job, start to finish: lease, skip what is done, run, write artifacts (result last),
then record its end and queue what follows in one ledger step.

Jobs are at-least-once: a redelivered job finds the result record (and skips the phase) or the
operation checkpoints (and skips those operations). A lease in Redis keeps two live deliveries of
one job from running at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psutil
import redis

from farm import keys, metrics
from farm.keys import split_contestant
from farm.ledger import SCORE, VERIFY, Change, JobKey, pipeline
from farm.manifest import Manifest
from farm.outcomes import JobEnded, JobState
from farm.redact import redact
from farm.runplan import run_settings
from workers.calls import calls_jsonl, summarize
from workers.context import StoreContext
from workers.environment import JOB_LEASE_TTL_S, WorkerEnv
from workers.harness.dialect import resolve
from workers.harness.endpoint import make_client
from workers.harness.gate import JobSlots
from workers.harness.operation import OperationRunner
from workers.oplog import OperationLog
from workers.phases.base import PHASES
from workers.phases.partial import PartialModelFailure
from workers.phases.registry import phase_for

log = logging.getLogger("benchfarm.jobs")

ACTIVE = frozenset({JobState.PENDING, JobState.QUEUED, JobState.RUNNING})


def _holder_is_dead(token: str) -> bool:
    """A lease token names its holder (host:pid:nonce); a holder on this host can be checked."""
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


def _take_lease(env: WorkerEnv, round_id: str, job: JobKey, token: str) -> bool:
    """Acquire the job's lease, waiting out a holder that stopped renewing (a killed worker).

    A live holder renews within a third of the TTL, so a lease still held after 1.5 TTLs belongs
    to a delivery that is really running: this one steps aside.
    """
    deadline = time.monotonic() + JOB_LEASE_TTL_S * 1.5
    while True:
        if env.ledger.acquire_lease(round_id, job, token, JOB_LEASE_TTL_S):
            return True
        holder = env.ledger.lease_holder(round_id, job)
        if holder and _holder_is_dead(holder):
            log.warning("%s: lease holder %s is gone; taking over", job, holder)
            env.ledger.release_lease(round_id, job, holder)
            continue
        if time.monotonic() > deadline:
            return False
        time.sleep(min(1.0, JOB_LEASE_TTL_S / 10))


@contextmanager
def lease(env: WorkerEnv, round_id: str, job: JobKey) -> Iterator[bool]:
    """Hold the job's lease (renewed in the background) for the block; yields False if taken."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    if not _take_lease(env, round_id, job, token):
        yield False
        return
    env.job_leases.add(token, (round_id, job, token))
    try:
        yield True
    finally:
        env.job_leases.drop(token)
        env.ledger.release_lease(round_id, job, token)


def run_job(
    env: WorkerEnv,
    round_id: str,
    job: JobKey,
    finished: Callable[[], tuple[JobState, str] | None],
    execute: Callable[[], tuple[JobState, str]],
    following: Callable[[JobState], list[Change]] = lambda state: [],
) -> JobState | None:
    """One delivery of any job: hold its lease; if the store says it is done, only put the ledger
    in step; else run it, with its metrics. Its end and the changes `following` it (queue the next
    job, skip the rest) go to the ledger in one step. None when another delivery holds the job."""
    with lease(env, round_id, job) as held:
        if not held:
            log.info("%s: another delivery holds the lease; leaving it to that one", job)
            return None
        done = finished()
        if done is not None:
            state, reason = done
            end = Change(job, state, ACTIVE, {"reason": reason})
        elif env.ledger.start(round_id, job) is None:
            record = env.ledger.job(round_id, job)
            log.info("%s is %s; nothing to do", job, record.state if record else "unknown")
            return record.state if record else None
        else:
            labels = (round_id, job.model, job.project, job.phase)
            metrics.job_started(labels)
            started = time.time()
            state, reason = execute()
            reason = redact(reason)  # it quotes providers' and exceptions' words; it goes to Redis and status
            end = Change(job, state, frozenset({JobState.RUNNING}), {"reason": reason})
            metrics.job_ended(labels, state.value, time.time() - started)
            log.info("%s ended %s %s", job, state.value, reason)
        _end(env, round_id, end, following(state))
        return state


def _end(env: WorkerEnv, round_id: str, end: Change, following: list[Change]) -> None:
    """Record the job's end with what follows it, send the jobs that were queued, and mark the
    round complete if that was its last open job."""
    applied = env.ledger.apply(round_id, [end, *following])
    moved = zip(following, applied.previous[1:], strict=True)
    queued = [change.job for change, prev in moved if change.to is JobState.QUEUED and prev is not None]
    if queued:
        env.send_jobs(round_id, queued)
    env.ledger.mark_complete_if_done(round_id, applied.open_jobs)


def run_phase_job(env: WorkerEnv, round_id: str, model_id: str, project: str, phase: str) -> JobState | None:
    """Run (or finish the bookkeeping of) one phase job; None when another delivery holds it."""
    job = JobKey(model_id, project, phase)
    phase_keys = keys.RunKeys(round_id, model_id, project).phase(phase)

    def finished() -> tuple[JobState, str] | None:
        done = env.store.get_json_or_none(phase_keys.result)
        return (JobState(done["outcome"]), done.get("reason", "")) if done is not None else None

    def execute() -> tuple[JobState, str]:
        try:  # inside the job's error handling: an unreadable manifest ends the job, never the task
            manifest = env.manifest(round_id)
        except Exception as exc:  # noqa: BLE001 - the store's fault, not the model's
            log.exception("%s: reading the round's manifest failed", job)
            return JobState.INFRA_FAILED, f"store: reading the manifest: {type(exc).__name__}: {exc}"
        return _execute(env, manifest, job, round_id)

    return run_job(env, round_id, job, finished, execute=execute,
                   following=lambda state: following(env, round_id, job, state))


def following(env: WorkerEnv, round_id: str, job: JobKey, state: JobState) -> list[Change]:
    """`following_changes` in the job's run as the ledger registered it (not as the manifest says:
    a round submitted before verify existed has no verify job, and its realize is followed by its
    score job; nor does it need the manifest, which may be what failed)."""
    candidates = [JobKey(job.model, job.project, phase) for phase in pipeline(PHASES)]
    run = [key.phase for key in env.ledger.registered(round_id, candidates)]
    return following_changes(run, job, state)


def _execute(env: WorkerEnv, manifest: Manifest, job: JobKey, round_id: str) -> tuple[JobState, str]:
    run_keys = keys.RunKeys(round_id, job.model, job.project)
    phase_keys = run_keys.phase(job.phase)
    started = time.time()
    output = None
    ctx: StoreContext | None = None
    oplog = OperationLog(env.store, round_id, job.model, job.project, job.phase, phase_keys, uuid.uuid4().hex[:12])
    model_id = split_contestant(job.model)[0]
    seed: int | None = None
    try:
        settings = run_settings(manifest.spec, job.model, job.project)
        model = settings.model
        seed = model.sampling.seed
        client = make_client(model)
        recorded = manifest.endpoints.get(model.id)
        runner = OperationRunner(
            client=client,
            model=model,
            policy=settings.policy,
            procedure=settings.procedure,
            phase=job.phase,
            gate=JobSlots(env.gate(round_id), manifest.spec.operation_concurrency),
            record=oplog,
            settled=oplog.settled,
            profile=resolve(model, recorded.server if recorded else None, str(client.base_url), client.api_key),
            project=settings.project,  # the book the simulator plays is the project's, whatever the repeat
        )
        ctx = StoreContext(
            round_id=round_id,
            model_id=job.model,
            project=job.project,
            requirements=manifest.project_text(settings.project),
            phase=job.phase,
            store=env.store,
            runner=runner,
            log=oplog,
            concurrency=manifest.spec.operation_concurrency,
        )
        output = phase_for(job.phase).run(ctx)
        state, reason = JobState.SUCCEEDED, ""
    except PartialModelFailure as exc:  # some operations never compiled: keep what the others wrote
        state, reason, output = exc.state, exc.reason, exc.output
    except JobEnded as exc:
        state, reason = exc.state, exc.reason
    except (redis.ConnectionError, redis.TimeoutError):
        # The farm's Redis, away for longer than its clients ride out: not the job's end, nor the
        # model's fault. The delivery is requeued (workers/tasks.py) and resumes from its checkpoints.
        log.warning("%s: Redis unreachable; this delivery stops and is requeued", job)
        raise
    except Exception as exc:  # noqa: BLE001 - a bug or a store failure must not wedge the round
        log.exception("%s failed unexpectedly", job)
        state, reason = JobState.INFRA_FAILED, f"{type(exc).__name__}: {exc}"
    reason = redact(reason)  # outcome.json and result.json too
    try:
        attempts = oplog.attempts()
        reconciled = env.gate(round_id).reconcile(model_id, attempts)
        if reconciled:
            log.warning("%s: %d call(s) on record had not been settled (their worker died); settled now at "
                        "their recorded cost", job, reconciled)
        env.store.put_text(phase_keys.calls, calls_jsonl(attempts))
        if state in (JobState.SUCCEEDED, JobState.MODEL_FAILED):
            if output is not None:
                env.store.put_tree(run_keys.tree, output.files)
                env.store.put_json(phase_keys.ast, output.ast)
            operations_s = ctx.operations_s if ctx is not None else 0.0
            env.store.put_json(phase_keys.result, _result(job, state, reason, started, operations_s, output, attempts,
                                                               seed))
        else:
            env.store.put_json(phase_keys.outcome, {"outcome": state.value, "reason": reason})
    except (redis.ConnectionError, redis.TimeoutError):
        log.warning("%s: Redis unreachable at the job's end; this delivery stops and is requeued", job)
        raise
    except Exception as exc:  # noqa: BLE001
        log.exception("%s: writing artifacts failed", job)
        state, reason = JobState.INFRA_FAILED, f"store: {type(exc).__name__}: {exc}"
    return state, reason


def _result(job: JobKey, state: JobState, reason: str, started: float, operations_s: float, output: Any,
            attempts: list[dict[str, Any]], seed: int | None) -> dict[str, Any]:
    """The phase's result record. `operations_s` is the time its operations took (summed when they
    ran concurrently): the rest of the job's time is the farm's own. `seed`: the sampling seed its
    calls were sent (a repeat's own)."""
    files = output.files if output is not None else {}
    return {
        "model": job.model,
        "project": job.project,
        "phase": job.phase,
        "seed": seed,
        "outcome": state.value,
        "reason": reason,
        "started_at": started,
        "ended_at": time.time(),
        "operations_s": round(operations_s, 6),
        "files": {path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())},
        "summary": output.summary if output is not None else {},
        "calls": summarize(attempts),
    }


def following_changes(run: list[str], job: JobKey, state: JobState) -> list[Change]:
    """What a job's end sets in motion in its run (`run`: the run's jobs in pipeline order). After a
    success queue the next job; after a failure that is the model's skip the rest up to the score
    job, and queue that (a run is scored however it ended for the model); after anything else skip
    the rest of the run, score job included (incomplete, resumable)."""
    later = run[run.index(job.phase) + 1 :] if job.phase in run else []  # none: a deleted round's job
    if not later or not state.terminal:
        return []
    pending = frozenset({JobState.PENDING})
    if state is JobState.SUCCEEDED:
        return [Change(JobKey(job.model, job.project, later[0]), JobState.QUEUED, pending)]
    changes = []
    for phase in later:
        key = JobKey(job.model, job.project, phase)
        if state is JobState.MODEL_FAILED and phase == SCORE:
            changes.append(Change(key, JobState.QUEUED, pending))
        else:
            changes.append(Change(key, JobState.SKIPPED, pending, {"reason": _skipped(phase, job.phase, state)}))
    return changes


def _skipped(phase: str, ended: str, state: JobState) -> str:
    """Why `phase` never runs: the job `ended` ended in `state`."""
    if phase == SCORE:
        return f"run incomplete: {ended} {state.value}"
    if phase == VERIFY and state is JobState.MODEL_FAILED:
        return f"no backend: the run ended model_failed at {ended}"
    return f"{ended} ended {state.value}"
