"""The ledger in Redis: round and job states, usage counters, job leases. Atomic under many workers.

Every state change is a compare-and-set in a Lua script (the job moves only from the states the
caller names), so two deliveries of one job, or a worker and a `resume`, cannot both win.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from farm.outcomes import TERMINAL_STATES, JobState

_PREFIX = "farm"

# KEYS[1] jobs hash, KEYS[2] round hash; ARGV: now, terminal states (comma list), then four per
# change: field, allowed-from (comma list, '' = any), patch JSON, count-a-delivery flag. Applies the
# changes in order, each only from the states it names; keeps the round's count of open
# (non-terminal) jobs in step, so completion is O(1) however big the round. Returns each change's
# previous state ('' when refused or the job is unknown), then the open count.
_TRANSITION = """
local function listed(list, value) return string.find(',' .. list .. ',', ',' .. value .. ',', 1, true) end
local now, terminal, out = tonumber(ARGV[1]), ARGV[2], {}
for i = 3, #ARGV, 4 do
  local field, allowed, patch, count = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local cur, prev = redis.call('HGET', KEYS[1], field), ''
  local rec = cur and cjson.decode(cur)
  if rec and (allowed == '' or listed(allowed, rec.state)) then
    prev = rec.state
    for k, v in pairs(cjson.decode(patch)) do rec[k] = v end
    rec.updated_at = now
    if count == '1' then
      rec.deliveries = (rec.deliveries or 0) + 1
      if not rec.started_at or rec.started_at == cjson.null then rec.started_at = now end
    end
    redis.call('HSET', KEYS[1], field, cjson.encode(rec))
    local was_open, is_open = not listed(terminal, prev), not listed(terminal, rec.state)
    if was_open and not is_open then redis.call('HINCRBY', KEYS[2], 'open', -1) end
    if is_open and not was_open then redis.call('HINCRBY', KEYS[2], 'open', 1) end
  end
  out[#out + 1] = prev
end
out[#out + 1] = redis.call('HGET', KEYS[2], 'open') or '0'
return out
"""

_TERMINAL = ",".join(sorted(state.value for state in TERMINAL_STATES))

# KEYS[1] lease key, KEYS[2] jobs hash, KEYS[3] the round's heartbeats; ARGV: token, ttl ms, job
# field, now. Renews only our own lease; takes it back when it lapsed (Redis was unreachable for
# longer than the TTL, or a restart lost it) while nobody else took it and the job is still running:
# a live holder keeps its job, so the reaper (farm/reaper.py) does not hand it to a second delivery.
# Each renewal notes the time (the job's heartbeat: a dead delivery worked until its last one).
# 1 renewed or taken back, 0 lost.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if holder then return 0 end
local rec = redis.call('HGET', KEYS[2], ARGV[3])
if rec and cjson.decode(rec).state == 'running' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


SCORE = "score"  # the job that ends a run: scoring its project tree
VERIFY = "verify"  # between a backend's last phase and its score job: building, booting and testing it live
BACKEND_PHASE = "realize"  # the phase that completes a backend: a run without it has nothing to boot


def pipeline(phases: Sequence[str]) -> list[str]:
    """A run's jobs in order: its phases, then verify when they include realize, then score."""
    return [*phases, *([VERIFY] if BACKEND_PHASE in phases else []), SCORE]


_GLOB = re.compile(r"[*?\[\]\\]")  # what a Redis match pattern treats as special

# How long every farm Redis client keeps retrying a command while Redis is unreachable (a restart,
# a failover, AOF loading) before it raises: at least this many seconds of backoff (0.1 s doubling
# to 2 s), each reconnect bounded by a 5 s connect timeout. Workers ride out a restart this long.
RIDE_OUT_S = float(os.environ.get("FARM_REDIS_RIDE_OUT_S", "60"))
_BACKOFF_BASE_S, _BACKOFF_CAP_S = 0.05, 2.0


def ride_out_retry(ride_out_s: float = RIDE_OUT_S) -> Retry:
    """redis-py's Retry (on ConnectionError, TimeoutError, BusyLoadingError) whose backoffs add up
    to at least `ride_out_s` (redis-py's default gives up after ~20 ms: three quick retries).

    A retried command may run twice when the connection died between the server's work and our
    read of its reply. The ledger's transitions are compare-and-set, so a repeat is refused, not
    applied twice: at worst the caller takes a job's end as refused and sends nothing after it, and
    the reaper (farm/reaper.py) sends the job it queued."""
    backoff = ExponentialBackoff(cap=_BACKOFF_CAP_S, base=_BACKOFF_BASE_S)
    retries, waited = 0, 0.0
    while waited < ride_out_s:
        retries += 1
        waited += backoff.compute(retries)
    return Retry(backoff, retries)


def redis_client(url: str, ride_out_s: float = RIDE_OUT_S) -> redis.Redis:
    """A client of the farm's Redis that rides out `ride_out_s` of it being unreachable."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30,
        retry=ride_out_retry(ride_out_s),
    )  # fmt: skip


class RoundExists(Exception):
    """The round id is registered already; only a resume may touch it again."""


@dataclass(frozen=True, order=True)
class JobKey:
    model: str
    project: str
    phase: str  # one of the five phases, VERIFY or SCORE

    @property
    def field(self) -> str:
        return f"{self.model}|{self.project}|{self.phase}"

    @classmethod
    def parse(cls, field: str) -> JobKey:
        model, project, phase = field.rsplit("|", 2)
        return cls(model, project, phase)

    def __str__(self) -> str:
        return f"{self.model} × {self.project} × {self.phase}"


@dataclass(frozen=True)
class Change:
    """One compare-and-set of a job's state: to `to`, only from `allowed_from` (any when None)."""

    job: JobKey
    to: JobState
    allowed_from: frozenset[JobState] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    count_delivery: bool = False


@dataclass(frozen=True)
class Applied:
    """What a batch of changes did: each one's previous state (None: refused), and how many of the
    round's jobs are still open (not terminal) after it."""

    previous: list[JobState | None]
    open_jobs: int


@dataclass(frozen=True)
class JobRecord:
    state: JobState
    reason: str = ""
    deliveries: int = 0
    queued_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    updated_at: float | None = None  # the last transition's time
    run_started_at: float | None = None  # the latest delivery's start (`started_at` is the first's)
    worked: tuple[tuple[float, float], ...] = ()  # the earlier deliveries' active intervals

    @classmethod
    def from_json(cls, raw: str | bytes) -> JobRecord:
        data = json.loads(raw)
        return cls(
            state=JobState(data["state"]),
            reason=data.get("reason", ""),
            deliveries=int(data.get("deliveries", 0)),
            queued_at=data.get("queued_at"),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            updated_at=data.get("updated_at"),
            run_started_at=data.get("run_started_at"),
            # Redis' cjson writes an empty list back as {}: iterating either gives nothing.
            worked=tuple((float(a), float(b)) for a, b in data.get("worked") or []),
        )

    def intervals(self, now: float, live: bool, alive_at: float | None) -> list[tuple[float, float]]:
        """When the job was worked on: each delivery from its start to its end, never the time
        between them (a dead worker, a stopped farm, a budget stop awaiting its raise).

        The latest delivery ends at its recorded end; runs until `now` while it holds a live lease;
        and, when its worker died, stopped at its lease's last renewal (`alive_at`, the heartbeat).
        Records of older farms have no per-delivery start: their first start stands in for it."""
        start = self.run_started_at or self.started_at
        if start is None:
            return list(self.worked)
        if self.ended_at is not None and self.ended_at >= start:
            end = self.ended_at
        elif self.state is JobState.RUNNING and live:
            end = now
        else:
            end = max(start, alive_at or start)
        return [*self.worked, (start, end)]


class Ledger:
    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._transition = client.register_script(_TRANSITION)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, ride_out_s: float = RIDE_OUT_S) -> Ledger:
        """`ride_out_s`: how long a command retries while Redis is unreachable (see `redis_client`)."""
        return cls(redis_client(url, ride_out_s))

    # ---- keys
    @staticmethod
    def _round(round_id: str) -> str:
        return f"{_PREFIX}:round:{round_id}"

    def _jobs(self, round_id: str) -> str:
        return self._round(round_id) + ":jobs"

    # ---- rounds
    def register_round(self, round_id: str, jobs: list[JobKey], info: dict[str, Any]) -> None:
        """Create the round and all its jobs as pending, atomically; refuse an existing id."""
        now = time.time()
        record = json.dumps({"state": JobState.PENDING.value, "deliveries": 0, "updated_at": now})
        with self.r.pipeline(transaction=True) as pipe:
            pipe.watch(self._round(round_id))
            if pipe.exists(self._round(round_id)):
                raise RoundExists(round_id)
            pipe.multi()
            pipe.hset(
                self._round(round_id),
                mapping={"created_at": now, "state": "running", "info": json.dumps(info), "open": len(jobs)},
            )
            pipe.hset(self._jobs(round_id), mapping={job.field: record for job in jobs})
            pipe.zadd(f"{_PREFIX}:rounds", {round_id: now})
            pipe.execute()

    def round_exists(self, round_id: str) -> bool:
        return bool(self.r.exists(self._round(round_id)))

    def rounds(self) -> list[str]:
        """Every round, oldest first."""
        return list(self.r.zrange(f"{_PREFIX}:rounds", 0, -1))

    def delete_round(self, round_id: str) -> int:
        """Remove the round from the ledger: every key under its name (record, jobs, usage counters,
        budgets and holds, leases, heartbeats, the reaper's notes) and its entry in the list of
        rounds. Returns how many keys were deleted."""
        pattern = _GLOB.sub(r"\\\g<0>", self._round(round_id)) + ":*"
        found = [self._round(round_id), *self.r.scan_iter(match=pattern, count=1000)]
        deleted = 0
        for start in range(0, len(found), 1000):
            deleted += int(self.r.delete(*found[start : start + 1000]))
        self.r.zrem(f"{_PREFIX}:rounds", round_id)
        return deleted

    def round_info(self, round_id: str) -> dict[str, Any]:
        raw = self.r.hgetall(self._round(round_id))
        if not raw:
            raise KeyError(round_id)
        return {
            "created_at": float(raw["created_at"]),
            "completed_at": float(raw["completed_at"]) if raw.get("completed_at") else None,
            "state": raw["state"],
            **json.loads(raw.get("info", "{}")),
        }

    def append_info(self, round_id: str, key: str, entry: dict[str, Any]) -> None:
        """Append to a list in the round's info: changes made after submission (the manifest is immutable)."""

        def append(pipe: redis.client.Pipeline) -> None:
            info = json.loads(pipe.hget(self._round(round_id), "info") or "{}")
            info.setdefault(key, []).append(entry)
            pipe.multi()
            pipe.hset(self._round(round_id), "info", json.dumps(info))

        self.r.transaction(append, self._round(round_id))

    def mark_complete_if_done(self, round_id: str, open_jobs: int | None = None) -> bool:
        """Set the round complete once every job is terminal; True when it is (now or before).
        `open_jobs`: the count a batch of changes just returned, which saves asking again."""
        if open_jobs is None:
            open_jobs = int(self.r.hget(self._round(round_id), "open") or 0)
        if open_jobs > 0:
            return False
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hsetnx(self._round(round_id), "completed_at", time.time())
            pipe.hset(self._round(round_id), "state", "complete")
            pipe.execute()
        return True

    def reopen(self, round_id: str) -> None:
        self.r.hdel(self._round(round_id), "completed_at")
        self.r.hset(self._round(round_id), "state", "running")

    # ---- jobs
    def jobs(self, round_id: str) -> dict[JobKey, JobRecord]:
        raw = self.r.hgetall(self._jobs(round_id))
        return {JobKey.parse(field): JobRecord.from_json(value) for field, value in sorted(raw.items())}

    def job(self, round_id: str, job: JobKey) -> JobRecord | None:
        raw = self.r.hget(self._jobs(round_id), job.field)
        return JobRecord.from_json(raw) if raw else None

    def registered(self, round_id: str, jobs: Sequence[JobKey]) -> list[JobKey]:
        """Those of `jobs` the round has, in the order given, in one round trip."""
        if not jobs:
            return []
        found = self.r.hmget(self._jobs(round_id), [job.field for job in jobs])
        return [job for job, raw in zip(jobs, found, strict=True) if raw is not None]

    def add_job(self, round_id: str, job: JobKey) -> None:
        """Register a job that a round did not plan at submission (the score job)."""
        record = json.dumps({"state": JobState.PENDING.value, "deliveries": 0, "updated_at": time.time()})
        if self.r.hsetnx(self._jobs(round_id), job.field, record):
            self.r.hincrby(self._round(round_id), "open", 1)

    def transition(
        self,
        round_id: str,
        job: JobKey,
        to: JobState,
        allowed_from: set[JobState] | frozenset[JobState] | None = None,
        *,
        count_delivery: bool = False,
        **fields: Any,
    ) -> JobState | None:
        """Move a job to `to` if it is in one of `allowed_from` (any when None).

        Returns the previous state, or None when refused (or the job is unknown).
        """
        allowed = frozenset(allowed_from) if allowed_from is not None else None
        return self.apply(round_id, [Change(job, to, allowed, fields, count_delivery)]).previous[0]

    def apply(self, round_id: str, changes: list[Change]) -> Applied:
        """Several transitions in one round trip, in order, each a compare-and-set of its own."""
        now = time.time()
        args: list[Any] = [now, _TERMINAL]
        for change in changes:
            patch: dict[str, Any] = {"state": change.to.value, **change.fields}
            if change.to is JobState.QUEUED:
                patch.setdefault("queued_at", now)
            if change.to.terminal:
                patch.setdefault("ended_at", now)
            allowed = ",".join(sorted(s.value for s in change.allowed_from)) if change.allowed_from is not None else ""
            args += [change.job.field, allowed, json.dumps(patch), "1" if change.count_delivery else "0"]
        *previous, open_jobs = self._transition(keys=[self._jobs(round_id), self._round(round_id)], args=args)
        return Applied([JobState(prev) if prev else None for prev in previous], int(open_jobs))

    def start(self, round_id: str, job: JobKey) -> JobState | None:
        """Mark a delivery as running (from a non-terminal state); counts deliveries for status.

        The caller holds the job's lease, so no earlier delivery still runs: the time the earlier
        ones worked is kept (`JobRecord.worked`) and this one's start noted, for status' worked time."""
        now = time.time()
        record = self.job(round_id, job)
        beat = self.r.hget(self._heartbeats(round_id), job.field)
        earlier = record.intervals(now, live=False, alive_at=float(beat) if beat else None) if record else []
        fields: dict[str, Any] = {"reason": "", "run_started_at": now} | ({"worked": earlier} if earlier else {})
        allowed = {JobState.PENDING, JobState.QUEUED, JobState.RUNNING}
        return self.transition(round_id, job, JobState.RUNNING, allowed, count_delivery=True, **fields)

    # ---- usage counters: written by the admission script as each call settles (farm/admission.py)
    @classmethod
    def usage_key(cls, round_id: str) -> str:
        return cls._round(round_id) + ":counters"

    def usage(self, round_id: str) -> dict[str, dict[str, float]]:
        """{model: {counter: value}}."""
        out: dict[str, dict[str, float]] = {}
        for counter, value in self.r.hgetall(self.usage_key(round_id)).items():
            model, name = counter.rsplit("|", 1)
            out.setdefault(model, {})[name] = float(value)
        return out

    # ---- leases: one live delivery per job
    def _lease(self, round_id: str, job: JobKey) -> str:
        return f"{self._round(round_id)}:lease:{job.field}"

    def acquire_lease(self, round_id: str, job: JobKey, token: str, ttl_s: float) -> bool:
        return bool(self.r.set(self._lease(round_id, job), token, nx=True, px=int(ttl_s * 1000)))

    def renew_lease(self, round_id: str, job: JobKey, token: str, ttl_s: float) -> bool:
        """Extend our lease; take it back if it lapsed, nobody took it, and the job still runs.
        Either way the job's heartbeat is noted."""
        keys = [self._lease(round_id, job), self._jobs(round_id), self._heartbeats(round_id)]
        return bool(self._renew(keys=keys, args=[token, int(ttl_s * 1000), job.field, time.time()]))

    def _heartbeats(self, round_id: str) -> str:
        return self._round(round_id) + ":alive"

    def heartbeats(self, round_id: str) -> dict[JobKey, float]:
        """When each job's lease was last renewed (by whichever delivery held it)."""
        return {JobKey.parse(field): float(at) for field, at in self.r.hgetall(self._heartbeats(round_id)).items()}

    def lease_held(self, round_id: str, job: JobKey) -> bool:
        return bool(self.r.exists(self._lease(round_id, job)))

    def leases_held(self, round_id: str, jobs: list[JobKey]) -> dict[JobKey, bool]:
        """Whether each job's lease is live, in one round trip."""
        if not jobs:
            return {}
        with self.r.pipeline(transaction=False) as pipe:
            for job in jobs:
                pipe.exists(self._lease(round_id, job))
            return {job: bool(held) for job, held in zip(jobs, pipe.execute(), strict=True)}

    def running_without_lease(self, round_id: str, jobs: dict[JobKey, JobRecord] | None = None) -> set[JobKey]:
        """The round's running jobs whose lease lapsed: no live delivery is running them (their
        worker died, or lost Redis for longer than the TTL). Status and metrics show them; the
        reaper (farm/reaper.py) sends them again."""
        jobs = self.jobs(round_id) if jobs is None else jobs
        running = [job for job, record in jobs.items() if record.state is JobState.RUNNING]
        return {job for job, held in self.leases_held(round_id, running).items() if not held}

    def lease_holder(self, round_id: str, job: JobKey) -> str | None:
        return self.r.get(self._lease(round_id, job))

    def release_lease(self, round_id: str, job: JobKey, token: str) -> None:
        self._release(keys=[self._lease(round_id, job)], args=[token])
