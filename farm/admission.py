"""The Redis side of call admission: budgets, concurrency, request rate and Retry-After in one step.

Each function is one Lua script, so the check and the reservation are a single atomic step: no
interleaving of workers can admit two calls into the last dollar or the last slot. Times are the
Redis server's, so workers on hosts with skewed clocks agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from farm import budget
from farm.ledger import Ledger
from farm.ratelimit import AIMD_DECREASE, EndpointLimit

# KEYS: budget hash, holds, hold detail, unknown-outcome detail, leases, endpoint state, request
# window, endpoint registry. ARGV: id, worst case (nanos), lease ttl ms, max concurrency, rpm (0:
# none), endpoint, scopes... Returns {'ok', now} | {'refuse', scope, spent, limit} | {'wait', ms, reason}.
_ADMIT = budget.LUA_PRELUDE + """
local now = now_ms()
reap(KEYS[1], KEYS[2], KEYS[3], KEYS[4], now)
local worst = tonumber(ARGV[2])
local crowded = nil
for i = 7, #ARGV do
  local scope = ARGV[i]
  local limit = redis.call('HGET', KEYS[1], 'limit|' .. scope)
  if limit then
    local spent = tonumber(redis.call('HGET', KEYS[1], 'spent|' .. scope) or '0')
    local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved|' .. scope) or '0')
    if spent + worst > tonumber(limit) then
      return {'refuse', scope, string.format('%d', spent), limit}
    end
    if spent + reserved + worst > tonumber(limit) then crowded = crowded or scope end
  end
end
-- It would fit once calls in flight settle below their worst case: wait for them.
if crowded then return {'wait', '50', 'budget:' .. crowded} end
redis.call('HSET', KEYS[6], 'max_cap', ARGV[4])
redis.call('SADD', KEYS[8], ARGV[6])
local hold_until = tonumber(redis.call('HGET', KEYS[6], 'hold_until') or '0')
if hold_until > now then return {'wait', tostring(hold_until - now), 'retry-after'} end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
local cap = math.min(tonumber(redis.call('HGET', KEYS[6], 'cap') or ARGV[4]), tonumber(ARGV[4]))
if redis.call('ZCARD', KEYS[5]) >= math.floor(cap) then return {'wait', '25', 'concurrency'} end
local rpm = tonumber(ARGV[5])
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - 60000)
  if redis.call('ZCARD', KEYS[7]) >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[7], 0, 0, 'WITHSCORES')
    return {'wait', tostring(tonumber(oldest[2]) + 60000 - now), 'rpm'}
  end
  redis.call('ZADD', KEYS[7], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[7], 61000)
end
local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[5], expiry, ARGV[1])
local scopes = {}
for i = 7, #ARGV do
  incr(KEYS[1], 'reserved|' .. ARGV[i], worst)
  scopes[#scopes + 1] = ARGV[i]
end
redis.call('ZADD', KEYS[2], expiry, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({amount = worst, scopes = scopes}))
return {'ok', tostring(now)}
"""

# The settling of one hold, shared by _SETTLE and _RECONCILE. KEYS of the caller: budget hash,
# holds, hold detail, unknown-outcome detail, the ledger's usage counters. A live hold is released
# and charged its actual cost (its worst case when unknown: ''). A hold that already expired was
# charged at its worst case and kept as a call of unknown outcome; once the call's actual cost is
# known (its record reached the store), the charge is corrected to it. A call is settled at most
# once: a second settle finds no hold and changes nothing. Its usage is counted in the same step as
# its cost settles, so the ledger's usage and the budget's spend never disagree.
_SETTLE_HOLD = budget.LUA_PRELUDE + """
local function settle_hold(id, actual, model, counters)
  local raw = redis.call('HGET', KEYS[3], id)
  local unknown = false
  if not raw and actual ~= '' then
    raw = redis.call('HGET', KEYS[4], id)
    unknown = true
  end
  if not raw then return 0 end
  local hold = cjson.decode(raw)
  local charge = hold.amount
  if actual ~= '' then charge = tonumber(actual) end
  for _, scope in ipairs(hold.scopes) do
    if unknown then
      incr(KEYS[1], 'spent|' .. scope, charge - hold.amount)
      incr(KEYS[1], 'expired|' .. scope, -hold.amount)
    else
      incr(KEYS[1], 'reserved|' .. scope, -hold.amount)
      incr(KEYS[1], 'spent|' .. scope, charge)
    end
  end
  if unknown then
    redis.call('HDEL', KEYS[4], id)
  else
    redis.call('HDEL', KEYS[3], id)
    redis.call('ZREM', KEYS[2], id)
  end
  for i = 1, #counters, 2 do
    redis.call('HINCRBYFLOAT', KEYS[5], model .. '|' .. counters[i], counters[i + 1])
  end
  return 1
end
"""

# KEYS: as settle_hold's, then leases, endpoint state, wake list. ARGV: id, actual cost (nanos; ''
# when unknown), answered (1/0), max concurrency, model, then usage counter name/value pairs. The
# freed slot wakes one waiting caller (a token on the wake list; at most max concurrency of them
# wait there unclaimed). An answered call grows the shared cap by 1/cap: about one slot per cap's
# worth of successes.
_SETTLE = _SETTLE_HOLD + """
local counters = {}
for i = 6, #ARGV do counters[#counters + 1] = ARGV[i] end
settle_hold(ARGV[1], ARGV[2], ARGV[5], counters)
if redis.call('ZREM', KEYS[6], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[8], '1')
  redis.call('LTRIM', KEYS[8], 0, tonumber(ARGV[4]) - 1)
  redis.call('PEXPIRE', KEYS[8], 60000)
end
if ARGV[3] == '1' then
  local max_cap = tonumber(ARGV[4])
  local cap = tonumber(redis.call('HGET', KEYS[7], 'cap') or ARGV[4])
  if cap < max_cap then redis.call('HSET', KEYS[7], 'cap', tostring(math.min(max_cap, cap + 1 / cap))) end
end
return 1
"""

# KEYS: as settle_hold's. ARGV: model, then a JSON list of [id, actual cost (nanos, a string),
# [counter name, value (a string), ...]]. Returns how many holds it settled.
_RECONCILE = _SETTLE_HOLD + """
local settled = 0
for _, call in ipairs(cjson.decode(ARGV[2])) do
  settled = settled + settle_hold(call[1], call[2], ARGV[1], call[3])
end
return settled
"""

# KEYS: endpoint state. ARGV: admitted at (ms), retry-after (ms, 0: none), max concurrency, factor.
# The cap is cut once per window: a 429 on a call admitted before the last cut was sent under the
# old cap and says nothing new.
_THROTTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cut_at = tonumber(redis.call('HGET', KEYS[1], 'cut_at') or '0')
if tonumber(ARGV[1]) >= cut_at then
  local cap = math.min(tonumber(redis.call('HGET', KEYS[1], 'cap') or ARGV[3]), tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'cap', tostring(math.max(1, cap * tonumber(ARGV[4]))), 'cut_at', now)
end
local retry = tonumber(ARGV[2])
local hold = tonumber(redis.call('HGET', KEYS[1], 'hold_until') or '0')
if retry > 0 and now + retry > hold then redis.call('HSET', KEYS[1], 'hold_until', now + retry) end
return 1
"""

# KEYS: zsets holding live entries; ARGV: ttl ms, then the member of each key, in order.
# XX: an entry already reaped (its worker was taken for dead) is not brought back.
_RENEW = """
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do redis.call('ZADD', key, 'XX', expiry, ARGV[i + 1]) end
return 1
"""


@dataclass(frozen=True)
class Admitted:
    at_ms: int  # Redis time of admission


@dataclass(frozen=True)
class Wait:
    seconds: float
    reason: str  # "concurrency", "rpm", "retry-after" or "budget:<scope>"


@dataclass(frozen=True)
class Refused:
    """The call's worst case does not fit this budget even with nothing else in flight."""

    scope: str
    spent_usd: float
    limit_usd: float


@dataclass(frozen=True)
class Ticket:
    """What identifies one admitted call in Redis."""

    id: str
    round_id: str
    limit: EndpointLimit
    admitted_at_ms: int


_RECONCILE_BATCH = 500  # calls per script run: one run blocks Redis, so keep each short


def _settle_keys(round_id: str) -> list[str]:
    return budget.keys(round_id) + [Ledger.usage_key(round_id)]


def _counter_pairs(usage: dict[str, float]) -> list[str]:
    return [item for name, value in usage.items() if value for item in (name, repr(value))]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class AdmissionScripts:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._admit = client.register_script(_ADMIT)
        self._settle = client.register_script(_SETTLE)
        self._reconcile = client.register_script(_RECONCILE)
        self._throttle = client.register_script(_THROTTLE)
        self._renew = client.register_script(_RENEW)

    def admit(
        self, call_id: str, round_id: str, limit: EndpointLimit, worst_nanos: int, scopes: list[str], ttl_ms: int
    ) -> Admitted | Wait | Refused:
        args = [call_id, worst_nanos, ttl_ms, limit.concurrency, limit.rpm or 0, limit.endpoint, *scopes]
        reply = [_text(v) for v in self._admit(keys=budget.keys(round_id) + limit.keys, args=args)]
        if reply[0] == "ok":
            return Admitted(int(reply[1]))
        if reply[0] == "wait":
            return Wait(int(float(reply[1])) / 1000, reply[2])
        spent, limit = (budget.to_usd(int(float(v))) for v in reply[2:4])
        return Refused(reply[1], spent, limit)

    def settle(self, ticket: Ticket, actual_nanos: int | None, answered: bool, model_id: str,
               usage: dict[str, float]) -> None:
        keys = _settle_keys(ticket.round_id) + ticket.limit.keys[:2] + [ticket.limit.wake_key]
        actual = "" if actual_nanos is None else actual_nanos
        args = [ticket.id, actual, int(answered), ticket.limit.concurrency, model_id, *_counter_pairs(usage)]
        self._settle(keys=keys, args=args)

    def reconcile(self, round_id: str, model_id: str, calls: list[tuple[str, int, dict[str, float]]]) -> int:
        """Settle, at their recorded cost, the calls on record whose holds were never settled: their
        worker died between recording the call and settling it. `calls` are (id, cost in nanos,
        usage counters); a call already settled is left alone. Returns how many were settled here."""
        settled = 0
        for start in range(0, len(calls), _RECONCILE_BATCH):
            batch = [[call_id, str(nanos), _counter_pairs(usage)] for call_id, nanos, usage in
                     calls[start:start + _RECONCILE_BATCH]]  # fmt: skip
            settled += int(self._reconcile(keys=_settle_keys(round_id), args=[model_id, json.dumps(batch)]))
        return settled

    def wait_for_slot(self, limit: EndpointLimit, timeout_s: float) -> None:
        """Block until a call on `limit`'s endpoint settles (its slot is free) or `timeout_s` passes:
        a waiter wakes when it can be admitted instead of asking again every few milliseconds."""
        self._client.blpop([limit.wake_key], timeout=timeout_s)

    def throttle(self, ticket: Ticket, retry_after_s: float | None) -> None:
        retry_ms = round((retry_after_s or 0) * 1000)
        args = [ticket.admitted_at_ms, retry_ms, ticket.limit.concurrency, AIMD_DECREASE]
        self._throttle(keys=[ticket.limit.keys[1]], args=args)

    def renew(self, tickets: list[Ticket], ttl_ms: int) -> None:
        """Push back the expiry of these calls' leases and holds (their worker is alive)."""
        if not tickets:
            return
        keys = [k for t in tickets for k in (t.limit.keys[0], budget.keys(t.round_id)[1])]
        members = [t.id for t in tickets for _ in range(2)]
        self._renew(keys=keys, args=[ttl_ms, *members])
