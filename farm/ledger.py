"""The ledger in Redis: round and job states, usage counters, job leases. Atomic under many workers.

Every state change is a compare-and-set in a Lua script (the job moves only from the states the
caller names), so two deliveries of one job, or a worker and a `resume`, cannot both win.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

from farm.outcomes import TERMINAL_STATES, JobState

_PREFIX = "farm"

# KEYS[1] jobs hash, KEYS[2] round hash; ARGV: field, allowed-from (comma list, '' = any), patch
# JSON, now, terminal states (comma list), count-a-delivery flag. Keeps the round's count of open
# (non-terminal) jobs in step, so completion is O(1) however big the round. Returns the previous
# state, or false when the transition is refused.
_TRANSITION = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return false end
local rec = cjson.decode(cur)
local function listed(list, value) return string.find(',' .. list .. ',', ',' .. value .. ',', 1, true) end
if ARGV[2] ~= '' and not listed(ARGV[2], rec.state) then return false end
local prev = rec.state
local patch = cjson.decode(ARGV[3])
for k, v in pairs(patch) do rec[k] = v end
rec.updated_at = tonumber(ARGV[4])
if ARGV[6] == '1' then
  rec.deliveries = (rec.deliveries or 0) + 1
  if not rec.started_at or rec.started_at == cjson.null then rec.started_at = rec.updated_at end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
local was_open, is_open = not listed(ARGV[5], prev), not listed(ARGV[5], rec.state)
if was_open and not is_open then redis.call('HINCRBY', KEYS[2], 'open', -1) end
if is_open and not was_open then redis.call('HINCRBY', KEYS[2], 'open', 1) end
return prev
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

    def mark_complete_if_done(self, round_id: str) -> bool:
        """Set the round complete once every job is terminal; True when it is (now or before)."""
        if int(self.r.hget(self._round(round_id), "open") or 0) > 0:
            return False
        self.r.hsetnx(self._round(round_id), "completed_at", time.time())
        self.r.hset(self._round(round_id), "state", "complete")
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
        now = time.time()
        patch: dict[str, Any] = {"state": to.value, **fields}
        if to is JobState.QUEUED:
            patch.setdefault("queued_at", now)
        if to.terminal:
            patch.setdefault("ended_at", now)
        allowed = ",".join(sorted(s.value for s in allowed_from)) if allowed_from is not None else ""
        prev = self._transition(
            keys=[self._jobs(round_id), self._round(round_id)],
            args=[job.field, allowed, json.dumps(patch), now, _TERMINAL, "1" if count_delivery else "0"],
        )
        return JobState(prev) if prev else None

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
        for field, value in self.r.hgetall(self.usage_key(round_id)).items():
            model, name = field.rsplit("|", 1)
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
