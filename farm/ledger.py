"""The ledger in Redis: round and job states, usage counters, job leases. Atomic under many workers.

Every state change is a compare-and-set in a Lua script (the job moves only from the states the
caller names), so two deliveries of one job, or a worker and a `resume`, cannot both win.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis

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

# KEYS[1] lease key; ARGV: token, ttl ms. Renews only our own lease.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


SCORE = "score"  # the job after a run's phases: scoring its project tree


class RoundExists(Exception):
    """The round id is registered already; only a resume may touch it again."""


@dataclass(frozen=True, order=True)
class JobKey:
    model: str
    project: str
    phase: str  # one of the five phases, or SCORE

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
        )


class Ledger:
    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._transition = client.register_script(_TRANSITION)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str) -> Ledger:
        return cls(redis.Redis.from_url(url, decode_responses=True, socket_timeout=30, health_check_interval=30))

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
        return list(self.r.zrange(f"{_PREFIX}:rounds", 0, -1))

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
        """Mark a delivery as running (from a non-terminal state); counts deliveries for status."""
        allowed = {JobState.PENDING, JobState.QUEUED, JobState.RUNNING}
        return self.transition(round_id, job, JobState.RUNNING, allowed, count_delivery=True, reason="")

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
        return bool(self._renew(keys=[self._lease(round_id, job)], args=[token, int(ttl_s * 1000)]))

    def lease_held(self, round_id: str, job: JobKey) -> bool:
        return bool(self.r.exists(self._lease(round_id, job)))

    def lease_holder(self, round_id: str, job: JobKey) -> str | None:
        return self.r.get(self._lease(round_id, job))

    def release_lease(self, round_id: str, job: JobKey, token: str) -> None:
        self._release(keys=[self._lease(round_id, job)], args=[token])
