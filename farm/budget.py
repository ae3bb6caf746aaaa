"""Budgets in Redis: limits, spend and reservations per round and per model, in exact integer units.

Amounts are integer nano-dollars (HINCRBY), so the invariant `spent + reserved ≤ limit` is exact:
floats summed by many workers would drift past a limit by rounding alone. The manifest holds the
limits a round was submitted with; Redis holds the live ones, which `farm round resume` can raise.

A reservation ("hold") belongs to one admitted call (its id is the call's attempt id in
`calls.jsonl`) and carries an expiry its worker renews; a hold that expires belonged to a dead
worker whose call may have been billed, so it is charged at its worst case, never released for
free, and kept aside as a call of unknown outcome. If the call turns out to be on record after all
(the worker died between recording it and settling it), settling it later charges the recorded
cost instead, once: see `farm.admission`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis

from farm.spec import RoundSpec

NANOS_PER_USD = 1_000_000_000
ROUND_SCOPE = "round"
_MODEL_PREFIX = "model:"

# Lua shared by every script that touches holds: the current server time in ms, and the reaping
# of expired holds (charged at their worst case, their detail moved to the unknown-outcome hash).
# KEYS of the caller: budget hash, holds zset, hold-detail hash, unknown-outcome hash, in that
# order as the first four.
LUA_PRELUDE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Amounts are integers; '%d' keeps -0 and large values out of HINCRBY's way.
local function incr(key, field, amount)
  if amount ~= 0 then redis.call('HINCRBY', key, field, string.format('%d', amount)) end
end
local function reap(budget, holds, detail, unknown, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', holds, '-inf', now)) do
    local raw = redis.call('HGET', detail, id)
    if raw then
      local hold = cjson.decode(raw)
      for _, scope in ipairs(hold.scopes) do
        incr(budget, 'reserved|' .. scope, -hold.amount)
        incr(budget, 'spent|' .. scope, hold.amount)
        incr(budget, 'expired|' .. scope, hold.amount)
      end
      redis.call('HDEL', detail, id)
      redis.call('HSET', unknown, id, raw)
    end
    redis.call('ZREM', holds, id)
  end
end
"""

# ARGV: scope, amount (nanos), 'set' or 'add' (to an existing limit). Refuses a limit below what
# is already spent and reserved. Returns {'ok', old limit or ''} | {'refused', used} | {'none'}.
_SET_LIMIT = LUA_PRELUDE + """
reap(KEYS[1], KEYS[2], KEYS[3], KEYS[4], now_ms())
local old = redis.call('HGET', KEYS[1], 'limit|' .. ARGV[1])
local new = tonumber(ARGV[2])
if ARGV[3] == 'add' then
  if not old then return {'none'} end
  new = new + tonumber(old)
end
local used = tonumber(redis.call('HGET', KEYS[1], 'spent|' .. ARGV[1]) or '0')
  + tonumber(redis.call('HGET', KEYS[1], 'reserved|' .. ARGV[1]) or '0')
if new < used then return {'refused', tostring(used)} end
redis.call('HSET', KEYS[1], 'limit|' .. ARGV[1], string.format('%d', new))
return {'ok', old or ''}
"""

_REAP = LUA_PRELUDE + """
reap(KEYS[1], KEYS[2], KEYS[3], KEYS[4], now_ms())
return redis.call('HGETALL', KEYS[1])
"""


class BudgetError(ValueError):
    """A budget change that cannot be made; the message names the value and why."""


def check_amount(usd: float, what: str) -> float:
    """A budget amount must be a positive, finite number of USD."""
    if not math.isfinite(usd) or usd <= 0:
        raise BudgetError(f"{what} must be a positive number of USD, got {usd!r}")
    return usd


def to_nanos(usd: float) -> int:
    """USD → nano-dollars, rounded up (a cost is never under-counted); float noise removed first."""
    return math.ceil(round(usd * NANOS_PER_USD, 3))


def to_usd(nanos: int | float) -> float:
    return nanos / NANOS_PER_USD


def model_scope(model_id: str) -> str:
    return _MODEL_PREFIX + model_id


def scope_kind(scope: str) -> str:
    """"round" or "model": the `scope` label of the budget metrics."""
    return "round" if scope == ROUND_SCOPE else "model"


def scope_model(scope: str) -> str:
    """The model a budget belongs to; empty for the round's."""
    return scope.removeprefix(_MODEL_PREFIX) if scope != ROUND_SCOPE else ""


def scopes_of(model_id: str) -> list[str]:
    """Every budget a call of this model counts against (each is enforced only if it has a limit)."""
    return [ROUND_SCOPE, model_scope(model_id)]


def keys(round_id: str) -> list[str]:
    """The budget hash, the holds (zset by expiry), the hold details and the expired holds' details
    (calls of unknown outcome), in the scripts' order."""
    base = f"farm:round:{round_id}:budget"
    return [base, base + ":holds", base + ":hold", base + ":unknown"]


@dataclass(frozen=True)
class BudgetLine:
    """One budget as `farm round status` and the metrics show it."""

    scope: str  # "round" or "model:<id>"
    limit_usd: float | None  # None: no limit on this scope, spend is only counted
    spent_usd: float
    reserved_usd: float
    expired_usd: float  # calls of unknown outcome (their worker died mid-call), charged at worst case; in spent

    @property
    def model(self) -> str:
        return scope_model(self.scope)

    @property
    def kind(self) -> str:
        return scope_kind(self.scope)


class BudgetBook:
    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._set_limit = client.register_script(_SET_LIMIT)
        self._reap = client.register_script(_REAP)

    def ensure(self, round_id: str, spec: RoundSpec) -> None:
        """Record the manifest's limits unless Redis holds some already (raised ones are kept)."""
        limits = {ROUND_SCOPE: spec.budgets.round_usd} | {model_scope(m.id): spec.model_budget(m.id) for m in spec.models}
        with self.r.pipeline(transaction=True) as pipe:
            for scope, usd in limits.items():
                if usd is not None:
                    pipe.hsetnx(keys(round_id)[0], "limit|" + scope, to_nanos(usd))
            pipe.execute()

    def set_limit(self, round_id: str, scope: str, usd: float, *, add: bool = False) -> tuple[float | None, float]:
        """Set a live limit to `usd`, or raise an existing one by `usd`; returns (previous, new).

        Refused when the result is below what the scope already spent and holds in flight.
        """
        check_amount(usd, f"the {scope} budget")
        reply = [v.decode() if isinstance(v, bytes) else v for v in
                 self._set_limit(keys=keys(round_id), args=[scope, to_nanos(usd), "add" if add else "set"])]
        if reply[0] == "none":
            raise BudgetError(f"round {round_id!r} has no {scope} budget to add ${usd:g} to; set one instead")
        if reply[0] == "refused":
            raise BudgetError(
                f"{scope} budget of round {round_id!r}: ${usd:g} is below what is already spent and reserved "
                f"(${to_usd(int(float(reply[1]))):.6f})"
            )
        old = to_usd(int(reply[1])) if reply[1] != "" else None
        return old, (old or 0) + usd if add else usd

    def lines(self, round_id: str) -> list[BudgetLine]:
        """Every scope with a limit or any spend, the round first; expired holds are charged first."""
        flat = self._reap(keys=keys(round_id))
        fields: dict[str, dict[str, int]] = {}
        for name, value in zip(flat[::2], flat[1::2]):
            name = name.decode() if isinstance(name, bytes) else name
            kind, _, scope = name.partition("|")
            fields.setdefault(scope, {})[kind] = int(value)
        ordered = sorted(fields, key=lambda s: (s != ROUND_SCOPE, s))
        return [
            BudgetLine(
                scope=scope,
                limit_usd=to_usd(fields[scope]["limit"]) if "limit" in fields[scope] else None,
                spent_usd=to_usd(fields[scope].get("spent", 0)),
                reserved_usd=to_usd(fields[scope].get("reserved", 0)),
                expired_usd=to_usd(fields[scope].get("expired", 0)),
            )
            for scope in ordered
        ]
