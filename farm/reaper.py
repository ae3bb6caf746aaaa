"""The reaper: jobs that lost their worker or their message are sent again, with no human in the loop.

A job can be left with nothing to move it: its worker's main process was killed (the message then
waits in kombu's unacked hash for the 4-hour visibility timeout), its message was lost with a Redis
restart, or a delivery could not record its end. `farm round resume` re-sends such jobs, but only
when someone runs it. The reaper does that part of `resume` by itself (the same code:
`farm.scheduler.stuck_jobs` and `requeue`), never what ended infra_failed, budget_stopped or
cancelled — those wait for a human.

It runs in every worker's main process (`workers.reaper`), every `period_s` (a third of the job lease
TTL); a Redis lock lets one worker of the farm reap per period. A pass looks, per running round, at
each run's first unfinished job that may run now (pending, queued or running):

- a live lease: a delivery holds it (and renews it) — left alone;
- a message for it waiting in a queue, or delivered less than a lease TTL ago (in kombu's unacked
  hash: a worker that took it is about to take the lease) — on its way, left alone;
- otherwise it is a *suspect*. A suspect that is still one, with its ledger record unchanged, a
  whole lease TTL later (`grace_s`) is an orphan: it is queued again (a compare-and-set from the
  state it was seen in, so a job that moved meanwhile is left alone) and sent, and the stale copies
  of its message in the unacked hash are dropped (else kombu would deliver them again hours later).

Why a lease TTL of grace: a live holder whose lease lapsed (Redis unreachable longer than the TTL,
or a restart that lost the key) takes it back within a third of a TTL of Redis answering again
(`Ledger.renew_lease`), so it is never mistaken for a dead one; and the lease, taken before a job
starts, keeps a second delivery from running a job whose first one still does.

**Recovery bound.** A job whose worker died at T is sent again by T + lease TTL (its lease lapses)
+ one period (seen) + the grace (one TTL) + one period: 2 TTL + 2 periods = 8/3 of the lease TTL,
two minutes with the default 45 s; a job whose message was lost, by one TTL + 2 periods (75 s). Both
provided some worker is up (it reaps), and then a worker picks the job up as from any queue.

Its cost per pass: the ledger's jobs of each running round (as `farm round status` reads them),
one EXISTS per run's unfinished job, and — when one of them has no live lease (a queued job
waiting, usually) — one read of the queues (LRANGE: a message per waiting job) and the unacked hash.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass

import redis
from celery import Celery

from farm.ledger import JobKey, JobRecord, Ledger
from farm.queueing import PHASE_TASK, QUEUES, RUN_TASKS
from farm.scheduler import Stuck, ledger_runs, requeue, stuck_jobs

log = logging.getLogger("benchfarm.reaper")

LOCK_KEY = "farm:reaper:lock"
# kombu's Redis transport: a queue's list per priority step, and the hash/zset of delivered messages.
_PRIORITY_SEP, _PRIORITY_STEPS = "\x06\x16", (0, 3, 6, 9)
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"
_RUN_TASK_PHASES = {task: phase for phase, (task, _) in RUN_TASKS.items()}  # verify and score tasks


@dataclass(frozen=True)
class Copy:
    """A message of a job in the broker: waiting in a queue (`tag` None), or delivered at
    `delivered_at` and not acknowledged yet (kombu's unacked hash, under `tag`)."""

    tag: str | None = None
    delivered_at: float | None = None


def job_of(payload: dict) -> tuple[str, JobKey] | None:
    """The (round, job) a farm task message carries; None for anything else."""
    try:
        task = payload["headers"]["task"]
        body = payload["body"]
        if payload.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        if task == PHASE_TASK:
            round_id, model, project, phase = args
        elif task in _RUN_TASK_PHASES:
            (round_id, model, project), phase = args, _RUN_TASK_PHASES[task]
        else:
            return None
        return str(round_id), JobKey(model, project, phase)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def broker_copies(r: redis.Redis) -> dict[tuple[str, JobKey], list[Copy]]:
    """Every farm job's messages in the broker: its queues (every priority step) and the unacked hash."""
    names = [q if step == 0 else f"{q}{_PRIORITY_SEP}{step}" for q in QUEUES for step in _PRIORITY_STEPS]
    with r.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.lrange(name, 0, -1)
        pipe.hgetall(UNACKED)
        pipe.zrange(UNACKED_INDEX, 0, -1, withscores=True)
        *waiting, unacked, index = pipe.execute()
    copies: dict[tuple[str, JobKey], list[Copy]] = {}
    for raw in (raw for queue in waiting for raw in queue):
        if (found := _parse(raw)) is not None:
            copies.setdefault(found, []).append(Copy())
    delivered = {_text(tag): score for tag, score in index}
    for tag, raw in unacked.items():
        try:
            payload = json.loads(raw)[0]
        except (ValueError, IndexError, TypeError):
            continue
        if isinstance(payload, dict) and (found := job_of(payload)) is not None:
            copies.setdefault(found, []).append(Copy(_text(tag), delivered.get(_text(tag), 0.0)))
    return copies


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _parse(raw: str | bytes) -> tuple[str, JobKey] | None:
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return job_of(payload) if isinstance(payload, dict) else None


class Reaper:
    """One reaping pass at a time, from any number of processes (see the module's docstring)."""

    def __init__(self, ledger: Ledger, app: Celery, lease_ttl_s: float, period_s: float | None = None,
                 grace_s: float | None = None) -> None:  # fmt: skip
        self.ledger = ledger
        self.app = app
        self.lease_ttl_s = lease_ttl_s
        self.period_s = period_s if period_s is not None else lease_ttl_s / 3
        self.grace_s = grace_s if grace_s is not None else lease_ttl_s
        self.owner = f"{socket.gethostname()}:{id(self):x}"

    @property
    def bound_s(self) -> float:
        """The longest a job that lost its worker waits to be sent again (a worker being up)."""
        return self.lease_ttl_s + self.grace_s + 2 * self.period_s

    def _suspects_key(self, round_id: str) -> str:
        return f"farm:round:{round_id}:suspects"

    def reap(self) -> list[tuple[str, JobKey]]:
        """One pass, if no other process of the farm made one within this period; the jobs re-sent."""
        if not self.ledger.r.set(LOCK_KEY, self.owner, nx=True, px=max(1, int(self.period_s * 900))):
            return []
        sent: list[tuple[str, JobKey]] = []
        read: list[dict[tuple[str, JobKey], list[Copy]]] = []  # the broker, read once, when needed

        def copies_of(round_id: str, job: JobKey) -> list[Copy]:
            if not read:
                read.append(broker_copies(self.ledger.r))
            return read[0].get((round_id, job), [])

        for round_id in self.ledger.rounds():
            if self.ledger.round_info(round_id)["state"] != "running":
                self.ledger.r.delete(self._suspects_key(round_id))
                continue
            jobs = self.ledger.jobs(round_id)
            candidates = stuck_jobs(ledger_runs(jobs), jobs, frozenset())
            leases = self.ledger.leases_held(round_id, [found.job for found in candidates])
            now = time.time()
            suspects = [
                found for found in candidates
                if not leases[found.job] and not self._on_its_way(copies_of(round_id, found.job), now)
            ]  # fmt: skip
            orphans = self._orphans(round_id, suspects, now)
            if not orphans:
                continue
            requeued = requeue(round_id, self.ledger, self.app, orphans, lambda record: frozenset({record.state}),
                               reset_later=False)  # fmt: skip
            for job in requeued:
                log.warning("%s × %s: %s with no live worker; sent again", round_id, job,
                            next(o.record.state.value for o in orphans if o.job == job))  # fmt: skip
                self._drop_stale(copies_of(round_id, job))
            sent += [(round_id, job) for job in requeued]
        return sent

    def _on_its_way(self, copies: list[Copy], now: float) -> bool:
        return any(c.tag is None or now - (c.delivered_at or 0.0) < self.lease_ttl_s for c in copies)

    def _orphans(self, round_id: str, suspects: list[Stuck], now: float) -> list[Stuck]:
        """Suspects seen, unchanged, for `grace_s`; remembers the others (in Redis: whichever
        worker reaps next goes on counting) and forgets jobs that are suspects no more."""
        key = self._suspects_key(round_id)
        seen = self.ledger.r.hgetall(key)
        marks, orphans = {}, []
        for found in suspects:
            identity = _identity(found.record)
            mark = json.loads(seen[found.job.field]) if found.job.field in seen else None
            if mark is None or mark["identity"] != identity:
                mark = {"identity": identity, "since": now}
            elif now - mark["since"] >= self.grace_s:
                orphans.append(found)
                continue
            marks[found.job.field] = json.dumps(mark)
        with self.ledger.r.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if marks:
                pipe.hset(key, mapping=marks)
            pipe.execute()
        return orphans

    def _drop_stale(self, copies: list[Copy]) -> None:
        tags = [c.tag for c in copies if c.tag is not None]
        if tags:
            with self.ledger.r.pipeline(transaction=False) as pipe:
                pipe.hdel(UNACKED, *tags)
                pipe.zrem(UNACKED_INDEX, *tags)
                pipe.execute()

    # ---- in a thread of its own
    def start(self) -> threading.Event:
        """Reap every period in a daemon thread until the returned event is set."""
        stop = threading.Event()
        threading.Thread(target=self._loop, args=(stop,), name="farm-reaper", daemon=True).start()
        log.info("reaper: every %.1fs; a job with no live worker is sent again within %.0fs",
                 self.period_s, self.bound_s)  # fmt: skip
        return stop

    def _loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.period_s):
            try:
                self.reap()
            except Exception:  # noqa: BLE001 - Redis away for longer than the clients ride out, or a bug
                log.warning("reaper: pass failed; again in %.1fs", self.period_s, exc_info=True)


def _identity(record: JobRecord) -> list[object]:
    """What changes whenever the job moves (any transition stamps updated_at)."""
    return [record.state.value, record.deliveries, record.updated_at]
