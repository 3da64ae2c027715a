"""A rate budget shared by every process and machine: :class:`RedisRateLimiter`, the in-process
:class:`~unified.ratelimit.RateLimiter`'s interface kept in Redis.

``UNIFIED_REDIS_URL=redis://host:6379/0`` makes ``RateLimiter.shared(key, policy)`` (what every connector's
client asks for its organization's budget) one of these, so eight worker processes together stay under the
provider's limit for an organization instead of each spending it. Per key, as in-process: at most ``limit``
requests in any sliding ``window`` (a request counts from its start until ``window`` after its answer), at most
``max_concurrent`` in flight, and the daily budget. Each check-and-take is one server-side script on Redis's own
clock, so processes on machines whose clocks differ still agree. A slot held by a process that was killed is
freed when its lease runs out (and counted as answered then). Redis unreachable is a
:class:`RateBudgetUnavailableError`, never an unpaced call.

Keys (``unified:rl:<key>:...``): ``flight`` (slots in flight, scored by lease end), ``done`` (answered
requests, scored by answer time), ``block`` (a pause after a 429), ``day`` (the day's period, count, the
provider's remaining hint, and a spent day's end). Needs ``pip install 'unified-accounting[redis]'``.
"""

from __future__ import annotations

import asyncio
import collections
import math
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from unified.errors import ConnectorRateLimitError, RequestValidationError, UnifiedError
from unified.ratelimit import RateLimiter, RateLimitPolicy

__all__ = ["REDIS_URL_ENV", "RateBudgetUnavailableError", "RedisRateLimiter"]

REDIS_URL_ENV = "UNIFIED_REDIS_URL"
PREFIX_ENV = "UNIFIED_REDIS_PREFIX"  # keys of one deployment apart from another's on a shared Redis
PREFIX = "unified:rl:"

# Returns {0, used} when a slot is taken, {1, ms} to wait that long, {2, 0} to wait for an answer,
# {-1, ms} when the day's budget is spent (ms until it resets).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, maxc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local daily, day, lease = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZREM', KEYS[1], expired[i])
  redis.call('ZADD', KEYS[2], expired[i + 1], expired[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local period = math.floor(now / day)
if tonumber(redis.call('HGET', KEYS[4], 'period') or '-1') ~= period then
  redis.call('HSET', KEYS[4], 'period', period, 'used', 0)
  redis.call('HDEL', KEYS[4], 'hint')
end
local spent_until = tonumber(redis.call('HGET', KEYS[4], 'spent_until') or '0')
if now < spent_until then return {-1, spent_until - now} end
local used = tonumber(redis.call('HGET', KEYS[4], 'used') or '0')
local hint = redis.call('HGET', KEYS[4], 'hint')
local left = nil
if daily >= 0 then left = daily - used end
if hint then
  hint = tonumber(hint)
  if left == nil or hint < left then left = hint end
end
if left ~= nil and left <= 0 then return {-1, (period + 1) * day - now} end
local blocked = tonumber(redis.call('GET', KEYS[3]) or '0')
if now < blocked then return {1, blocked - now} end
local done, flying = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[1])
if done + flying >= limit then
  if done > 0 then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {1, math.max(1, tonumber(oldest[2]) + window - now)}
  end
  return {2, 0}
end
if flying >= maxc then return {2, 0} end
redis.call('ZADD', KEYS[1], now + lease, ARGV[7])
redis.call('HINCRBY', KEYS[4], 'used', 1)
if hint then redis.call('HSET', KEYS[4], 'hint', hint - 1) end
redis.call('PEXPIRE', KEYS[1], lease + window)
redis.call('PEXPIRE', KEYS[2], lease + window)
redis.call('PEXPIRE', KEYS[4], day * 2)
return {0, used + 1}
"""

_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
end
return now
"""

_PENALIZE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_ms, 'PX', math.max(1, tonumber(ARGV[1])))
end
return until_ms
"""

# ARGV: day ms, remaining (or -1), spent-for ms (or -1). Returns ms until the day resets.
_DAY = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local day = tonumber(ARGV[1])
local period = math.floor(now / day)
if tonumber(redis.call('HGET', KEYS[1], 'period') or '-1') ~= period then
  redis.call('HSET', KEYS[1], 'period', period, 'used', 0)
  redis.call('HDEL', KEYS[1], 'hint')
end
if tonumber(ARGV[2]) >= 0 then redis.call('HSET', KEYS[1], 'hint', ARGV[2]) end
if tonumber(ARGV[3]) >= 0 then
  redis.call('HSET', KEYS[1], 'hint', 0, 'spent_until', now + tonumber(ARGV[3]))
end
redis.call('PEXPIRE', KEYS[1], day * 2)
local spent_until = tonumber(redis.call('HGET', KEYS[1], 'spent_until') or '0')
if now < spent_until then return spent_until - now end
return (period + 1) * day - now
"""


class RateBudgetUnavailableError(UnifiedError):
    """The shared rate budget (Redis) cannot be reached: no call is sent unpaced (503, retriable)."""

    status_code = 503
    type_name = "RateBudgetUnavailableError"
    default_retriable = True


class RedisRateLimiter(RateLimiter):
    """:class:`~unified.ratelimit.RateLimiter` for one key, its counts in Redis, shared by every process.

    >>> limiter = RedisRateLimiter("redis://127.0.0.1:6379/0", "my-books:company-42", RateLimitPolicy(limit=60))
    >>> async with limiter.slot():
    ...     ...one call...

    ``lease`` is how long a slot of a process that died without giving it back stays taken (longer than any
    call may last); ``prefix`` starts every key (``UNIFIED_REDIS_PREFIX``, else ``unified:rl:``).
    """

    _clients: ClassVar[dict[str, Any]] = {}
    _clients_lock = threading.Lock()

    def __init__(
        self, url: str, key: str, policy: RateLimitPolicy, *, lease: float = 60.0, prefix: str | None = None
    ) -> None:
        super().__init__(policy)
        if not key:
            raise RequestValidationError("A rate budget needs a key (e.g. the organization).", field="key")
        self.url = url
        self.key = key
        self.lease = lease
        base = f"{prefix or os.environ.get(PREFIX_ENV, '').strip() or PREFIX}{key}:"
        self._keys = [base + "flight", base + "done", base + "block", base + "day"]
        self._held: collections.deque[str] = collections.deque()
        client = _client(url)
        self._acquire_script = client.register_script(_ACQUIRE)
        self._release_script = client.register_script(_RELEASE)
        self._penalize_script = client.register_script(_PENALIZE)
        self._day_script = client.register_script(_DAY)

    def __repr__(self) -> str:
        return f"RedisRateLimiter({_redact(self.url)!r}, {self.key!r})"

    @classmethod
    def for_url(cls, url: str, key: str, policy: RateLimitPolicy) -> RateLimiter:
        """The process's limiter for ``key`` on the Redis at ``url`` (one object per key, as ``shared`` gives)."""
        registry_key = f"redis:{url}:{key}"
        with cls._registry_lock:
            limiter = cls._registry.get(registry_key)
            if limiter is None or limiter.policy != policy:
                limiter = cls._registry[registry_key] = cls(url, key, policy)
            return limiter

    # -- the scripts ----------------------------------------------------------------------------------------

    def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        import redis

        try:
            return script(keys=keys, args=args)
        except redis.RedisError as exc:
            raise RateBudgetUnavailableError(
                f"The shared rate budget at {_redact(self.url)} cannot be reached ({type(exc).__name__}: {exc}); no "
                f"call is sent unpaced. Start Redis there, or unset {REDIS_URL_ENV} to pace within this process only.",
                outcome="failed",
            ) from None

    def _try(self, slot_id: str) -> tuple[int, int]:
        p = self.policy
        window_ms = math.ceil(p.window * (1 + p.margin) * 1000)
        daily = -1 if p.daily_limit is None else p.daily_limit
        args = [p.limit, window_ms, p.max_concurrent, daily, math.ceil(p.day * 1000), math.ceil(self.lease * 1000)]
        code, value = self._run(self._acquire_script, self._keys, [*args, slot_id])
        return int(code), int(value)

    async def _take(self) -> str:
        slot_id = uuid.uuid4().hex
        started = time.monotonic()
        waited = False
        poll = max(0.002, min(0.05, self.policy.window / self.policy.limit))
        while True:
            code, value = await asyncio.to_thread(self._try, slot_id)
            if code == 0:
                with self._lock:
                    self._in_flight += 1
                    self.stats.requests += 1
                    self.stats.daily_used = value
                    self.stats.in_flight = self._in_flight
                    if waited:
                        self.stats.waits += 1
                        self.stats.waited_seconds += time.monotonic() - started
                return slot_id
            if code < 0:
                resets_in = value / 1000
                raise ConnectorRateLimitError(
                    "The daily API budget is used up; no more calls until it resets "
                    f"in {resets_in:.0f} s. Raise the plan's limit or spread the work over days.",
                    retry_after=resets_in,
                    resets_at=datetime.now(UTC) + timedelta(seconds=resets_in),
                    retriable=False,
                    outcome="failed",
                )
            waited = True
            await asyncio.sleep(value / 1000 if code == 1 else poll)

    def _give_back(self, slot_id: str) -> None:
        try:
            self._run(
                self._release_script, self._keys[:2], [slot_id, math.ceil((self.lease + self.policy.window) * 1000)]
            )
        finally:
            with self._lock:
                self._in_flight -= 1
                self.stats.in_flight = self._in_flight

    # -- the RateLimiter interface --------------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        slot_id = await self._take()
        try:
            yield
        finally:
            await asyncio.to_thread(self._give_back, slot_id)

    async def acquire(self) -> None:
        self._held.append(await self._take())

    def release(self) -> None:
        self._give_back(self._held.popleft())

    def penalize(self, seconds: float) -> None:
        self._run(self._penalize_script, [self._keys[2]], [math.ceil(max(0.0, seconds) * 1000)])
        with self._lock:
            self.stats.penalties += 1

    def observe_daily_remaining(self, remaining: int) -> None:
        self._run(self._day_script, [self._keys[3]], [math.ceil(self.policy.day * 1000), max(0, remaining), -1])
        with self._lock:
            self.stats.daily_remaining = max(0, remaining)

    def exhaust_day(self, resets_in: float | None = None) -> None:
        spent_for = -1 if resets_in is None else math.ceil(max(0.0, resets_in) * 1000)
        args = [math.ceil(self.policy.day * 1000), 0, spent_for]
        self._run(self._day_script, [self._keys[3]], args)

    def day_resets_in(self) -> float:
        return float(self._run(self._day_script, [self._keys[3]], [math.ceil(self.policy.day * 1000), -1, -1])) / 1000


def _client(url: str) -> Any:
    """One connection pool per Redis URL in this process (redis-py's client is thread-safe)."""
    with RedisRateLimiter._clients_lock:
        client = RedisRateLimiter._clients.get(url)
        if client is None:
            try:
                import redis
            except ImportError:
                raise RequestValidationError(
                    f"{REDIS_URL_ENV} is set, which needs redis-py: pip install 'unified-accounting[redis]'.",
                    field=REDIS_URL_ENV,
                ) from None
            try:
                client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            except ValueError as exc:
                raise RequestValidationError(
                    f"{REDIS_URL_ENV} is not a Redis URL ({exc}); use e.g. redis://127.0.0.1:6379/0.",
                    field=REDIS_URL_ENV,
                ) from None
            RedisRateLimiter._clients[url] = client
        return client


def _redact(url: str) -> str:
    """The URL without its password (``redis://:secret@host`` is common)."""
    parts = urlsplit(url)
    host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
    if parts.username or parts.password:
        host = f"***@{host}"
    return f"{parts.scheme}://{host}{parts.path}"


def shared_url() -> str | None:
    """``UNIFIED_REDIS_URL``, when set."""
    return os.environ.get(REDIS_URL_ENV, "").strip() or None
