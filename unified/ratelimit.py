"""Pace requests under a provider's limits instead of running into its 429s.

A :class:`RateLimiter` keeps one key (usually one organization) under ``limit`` requests in any sliding
``window``, under ``max_concurrent`` requests in flight, and within a daily budget. A request counts from its
start until ``window`` after its answer came back: the provider counts it somewhere in between and we cannot see
where. Every client object in the process that talks to the same key shares one limiter
(:meth:`RateLimiter.shared`), whichever thread or event loop it runs on, so two sync clients and an async one
together still stay under the provider's limit.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from unified.errors import ConnectorRateLimitError

__all__ = ["LimiterStats", "RateLimitPolicy", "RateLimiter"]


@dataclass(frozen=True)
class RateLimitPolicy:
    """A provider's limits for one key.

    ``margin`` lengthens the window a little, for a provider clock that runs faster than ours. Nothing else
    needs room: a request holds its slot until a full window after its answer, and the provider counted it
    before answering, so the provider's count of any window of its own never exceeds ours. Clock rates differ by
    parts per million (NTP slews a clock by at most 500 ppm), so 0.1% covers two clocks at their worst; a
    fixed-window or coarse-grained provider count ends sooner than ours, never later.
    """

    limit: int = 100
    window: float = 60.0
    max_concurrent: int = 10
    daily_limit: int | None = None
    #: the length of the daily budget's period, in seconds (tests scale it with the window)
    day: float = 86_400.0
    margin: float = 0.001

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0 or self.max_concurrent < 1:
            raise ValueError("limit, window and max_concurrent must be positive.")

    def scaled(self, window: float) -> RateLimitPolicy:
        """The same policy with time scaled: the day stays 1440 windows long."""
        return replace(self, window=window, day=window * 1440)


@dataclass
class LimiterStats:
    requests: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    penalties: int = 0
    daily_used: int = 0
    daily_remaining: int | None = None
    in_flight: int = 0


class RateLimiter:
    """A sliding-window, concurrency and daily-budget limiter, safe across threads and event loops."""

    _registry: dict[str, RateLimiter] = {}
    _registry_lock = threading.Lock()

    def __init__(self, policy: RateLimitPolicy, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        #: when each finished request's answer came back, oldest first
        self._finished: deque[float] = deque()
        self._in_flight = 0
        self._blocked_until = 0.0
        self._day_started = clock()
        self._day_used = 0
        self._day_remaining_hint: int | None = None
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.stats = LimiterStats()

    @classmethod
    def shared(cls, key: str, policy: RateLimitPolicy) -> RateLimiter:
        """The process-wide limiter for ``key``; created with ``policy`` the first time, and kept after.

        With ``UNIFIED_REDIS_URL`` set, the budget is shared by every process: a ``RedisRateLimiter``."""
        url = os.environ.get("UNIFIED_REDIS_URL", "").strip()
        if url and cls is RateLimiter:
            from unified.ratelimit_shared import RedisRateLimiter

            return RedisRateLimiter.for_url(url, key, policy)
        with cls._registry_lock:
            limiter = cls._registry.get(key)
            if limiter is None or limiter.policy != policy:
                limiter = cls._registry[key] = cls(policy)
            return limiter

    @classmethod
    def forget(cls, key: str | None = None) -> None:
        """Drop shared limiters (all, or one key): for tests and for a policy change at run time."""
        with cls._registry_lock:
            if key is None:
                cls._registry.clear()
            else:
                cls._registry.pop(key, None)

    # -- budget ---------------------------------------------------------------------------------------------

    def _roll_day(self, now: float) -> None:
        if now - self._day_started >= self.policy.day:
            periods = math.floor((now - self._day_started) / self.policy.day)
            self._day_started += periods * self.policy.day
            self._day_used = 0
            self._day_remaining_hint = None

    def _daily_left(self) -> int | None:
        left = None if self.policy.daily_limit is None else self.policy.daily_limit - self._day_used
        if self._day_remaining_hint is not None:
            left = self._day_remaining_hint if left is None else min(left, self._day_remaining_hint)
        return left

    def day_resets_in(self) -> float:
        with self._lock:
            return max(0.0, self._day_started + self.policy.day - self._clock())

    def _try_acquire(self) -> float:
        """Take a slot and return 0, or return how long to wait before trying again (inf: until woken)."""
        now = self._clock()
        self._roll_day(now)
        left = self._daily_left()
        if left is not None and left <= 0:
            resets_in = max(0.0, self._day_started + self.policy.day - now)
            raise ConnectorRateLimitError(
                "The daily API budget is used up; no more calls until it resets "
                f"in {resets_in:.0f} s. Raise the plan's limit or spread the work over days.",
                retry_after=resets_in,
                resets_at=datetime.now(UTC) + timedelta(seconds=resets_in),
                retriable=False,
                outcome="failed",
            )
        if now < self._blocked_until:
            return self._blocked_until - now
        window = self.policy.window * (1 + self.policy.margin)
        while self._finished and self._finished[0] <= now - window:
            self._finished.popleft()
        if len(self._finished) + self._in_flight >= self.policy.limit:
            # in-flight requests leave the window only once answered: wait for the oldest answer to age out
            return self._finished[0] + window - now if self._finished else math.inf
        if self._in_flight >= self.policy.max_concurrent:
            return math.inf
        self._in_flight += 1
        self._day_used += 1
        if self._day_remaining_hint is not None:
            self._day_remaining_hint -= 1
        self.stats.requests += 1
        self.stats.daily_used = self._day_used
        self.stats.daily_remaining = self._daily_left()
        self.stats.in_flight = self._in_flight
        return 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot for the duration of one HTTP call."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def acquire(self) -> None:
        waited = False
        started = self._clock()
        while True:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                delay = self._try_acquire()
                if delay == 0.0:
                    if waited:
                        self.stats.waits += 1
                        self.stats.waited_seconds += self._clock() - started
                    return
                self._waiters.append((loop, future))
            waited = True
            try:
                await asyncio.wait_for(future, None if math.isinf(delay) else delay)
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))

    def release(self) -> None:
        with self._lock:
            self._finished.append(self._clock())
            self._in_flight -= 1
            self.stats.in_flight = self._in_flight
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    # -- what the provider told us -------------------------------------------------------------------------

    def penalize(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (a Retry-After, or the rest of the window after a 429)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))
            self.stats.penalties += 1

    def observe_daily_remaining(self, remaining: int) -> None:
        """The provider's own count of the day's remaining calls (e.g. ``X-Rate-Limit-Remaining``)."""
        with self._lock:
            self._day_remaining_hint = max(0, remaining)
            self.stats.daily_remaining = self._daily_left()

    def exhaust_day(self, resets_in: float | None = None) -> None:
        """The provider said the daily budget is gone: refuse calls until it resets."""
        with self._lock:
            self._day_remaining_hint = 0
            if resets_in is not None:
                self._day_started = self._clock() + resets_in - self.policy.day

    def seconds_per_request(self) -> float:
        """The steady pace the window allows: for progress bars' ETA."""
        return self.policy.window / self.policy.limit


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
