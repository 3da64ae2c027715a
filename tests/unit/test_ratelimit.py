"""The shared rate limiter: sliding window, concurrency cap, daily budget, penalties, across loops and threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque

import pytest

from unified.errors import ConnectorRateLimitError
from unified.ratelimit import RateLimiter, RateLimitPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def max_in_any_window(starts: list[float], window: float) -> int:
    starts = sorted(starts)
    best, q = 0, deque[float]()
    for t in starts:
        q.append(t)
        while q[0] <= t - window:
            q.popleft()
        best = max(best, len(q))
    return best


def test_window_is_never_exceeded_across_threads_and_loops() -> None:
    policy = RateLimitPolicy(limit=10, window=0.2, max_concurrent=4, margin=0.05)
    limiter = RateLimiter(policy)
    starts: list[float] = []
    lock = threading.Lock()

    async def worker(n: int) -> None:
        for _ in range(n):
            async with limiter.slot():
                with lock:
                    starts.append(time.monotonic())
                await asyncio.sleep(0)

    async def three_workers() -> None:
        await asyncio.wait_for(asyncio.gather(*(worker(5) for _ in range(3))), 30)

    def thread_main() -> None:
        asyncio.run(three_workers())

    threads = [threading.Thread(target=thread_main) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(starts) == 30
    assert max_in_any_window(starts, policy.window) <= policy.limit
    assert limiter.stats.requests == 30 and limiter.stats.waits > 0


def test_concurrency_cap_holds() -> None:
    limiter = RateLimiter(RateLimitPolicy(limit=1000, window=1, max_concurrent=3))
    in_flight = peak = 0

    async def call() -> None:
        nonlocal in_flight, peak
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.001)
            in_flight -= 1

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(25)))

    asyncio.run(main())
    assert peak == 3 and limiter.stats.in_flight == 0


def test_daily_budget_refuses_without_calling_and_resets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(limit=100, window=60, daily_limit=3, day=600), clock=clock)

    async def take() -> None:
        async with limiter.slot():
            pass

    for _ in range(3):
        asyncio.run(take())
    with pytest.raises(ConnectorRateLimitError) as info:
        asyncio.run(take())
    assert info.value.retriable is False and info.value.retry_after == pytest.approx(600)
    assert info.value.resets_at is not None
    clock.now += 601
    asyncio.run(take())
    assert limiter.stats.daily_used == 1


def test_provider_exhausting_the_day_blocks_until_reset() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(daily_limit=None, day=100), clock=clock)
    limiter.exhaust_day(resets_in=40)
    with pytest.raises(ConnectorRateLimitError, match="daily API budget"):
        asyncio.run(limiter.acquire())
    clock.now += 41
    asyncio.run(limiter.acquire())


def test_penalty_delays_the_next_slot() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(), clock=clock)
    limiter.penalize(5)
    with limiter._lock:
        assert limiter._try_acquire() == pytest.approx(5)
    clock.now += 5
    with limiter._lock:
        assert limiter._try_acquire() == 0.0


def test_a_request_occupies_the_window_until_a_window_after_its_answer() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(limit=2, window=10, margin=0.0), clock=clock)
    with limiter._lock:
        assert limiter._try_acquire() == 0.0
        clock.now += 3
        assert limiter._try_acquire() == 0.0
        assert limiter._try_acquire() == float("inf")  # both in flight: wait for an answer
    clock.now += 2
    limiter.release()  # answered at t=5: its slot frees at t=15
    with limiter._lock:
        assert limiter._try_acquire() == pytest.approx(10)


def test_shared_limiters_are_per_key_and_policy() -> None:
    RateLimiter.forget()
    a = RateLimiter.shared("zoho-books:host:1", RateLimitPolicy())
    assert RateLimiter.shared("zoho-books:host:1", RateLimitPolicy()) is a
    assert RateLimiter.shared("zoho-books:host:2", RateLimitPolicy()) is not a
    assert RateLimiter.shared("zoho-books:host:1", RateLimitPolicy(limit=5)) is not a
    RateLimiter.forget()


def test_scaled_policy_keeps_the_day_at_1440_windows() -> None:
    policy = RateLimitPolicy(daily_limit=1000).scaled(2.0)
    assert policy.window == 2.0 and policy.day == 2880.0 and policy.daily_limit == 1000


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ValueError):
        RateLimitPolicy(limit=0)
