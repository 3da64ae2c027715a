"""The shared rate budget in Redis: two limiters of one key (two processes) share one window, one concurrency
bound and one day; a killed holder's slot comes back when its lease ends; Redis unreachable is a clear error;
UNIFIED_REDIS_URL makes RateLimiter.shared give one."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.scale.conftest import REDIS_URL
from unified.errors import ConnectorRateLimitError
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.ratelimit_shared import RateBudgetUnavailableError, RedisRateLimiter

TAKEN, WAIT, WAIT_FOR_ANSWER = 0, 1, 2


def pair(prefix: str, policy: RateLimitPolicy, *, lease: float = 60.0) -> tuple[RedisRateLimiter, RedisRateLimiter]:
    """Two limiters of one key that share nothing but Redis, as two processes would."""
    return (
        RedisRateLimiter(REDIS_URL, "org-1", policy, lease=lease, prefix=prefix),
        RedisRateLimiter(REDIS_URL, "org-1", policy, lease=lease, prefix=prefix),
    )


async def take(limiter: RedisRateLimiter, n: int) -> None:
    for _ in range(n):
        async with limiter.slot():
            pass


def test_two_processes_share_one_window(redis_prefix: str) -> None:
    first, second = pair(redis_prefix, RateLimitPolicy(limit=5, window=30.0, max_concurrent=5))
    asyncio.run(take(first, 3))
    asyncio.run(take(second, 2))
    code, wait_ms = first._try("probe")
    assert code == WAIT and 0 < wait_ms <= 31_000  # the window is full for both, whoever spent it
    assert first.stats.requests == 3 and second.stats.requests == 2
    other_key = RedisRateLimiter(REDIS_URL, "org-2", first.policy, prefix=redis_prefix)
    assert other_key._try("probe")[0] == TAKEN  # another organization has a budget of its own


def test_two_processes_share_the_bound_in_flight(redis_prefix: str) -> None:
    first, second = pair(redis_prefix, RateLimitPolicy(limit=50, window=30.0, max_concurrent=2))

    async def hold() -> None:
        await first.acquire()
        await first.acquire()
        assert second._try("probe")[0] == WAIT_FOR_ANSWER
        first.release()

    asyncio.run(hold())
    assert second._try("probe")[0] == TAKEN


def test_a_killed_holders_slot_comes_back_when_its_lease_ends(redis_prefix: str) -> None:
    policy = RateLimitPolicy(limit=50, window=0.05, max_concurrent=1)
    dead, alive = pair(redis_prefix, policy, lease=0.3)
    asyncio.run(dead.acquire())  # and never released: its process died
    assert alive._try("probe")[0] == WAIT_FOR_ANSWER
    deadline = time.monotonic() + 10
    while alive._try("probe")[0] != TAKEN:
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.01)


def test_the_day_is_shared_and_a_spent_day_is_never_retried(redis_prefix: str) -> None:
    first, second = pair(redis_prefix, RateLimitPolicy(limit=50, window=30.0, daily_limit=3))
    asyncio.run(take(first, 2))
    asyncio.run(take(second, 1))
    with pytest.raises(ConnectorRateLimitError, match="daily API budget") as raised:
        asyncio.run(take(first, 1))
    assert raised.value.retriable is False and raised.value.retry_after is not None


def test_what_the_provider_says_reaches_every_process(redis_prefix: str) -> None:
    first, second = pair(redis_prefix, RateLimitPolicy(limit=50, window=30.0, daily_limit=1000))
    first.penalize(20.0)
    code, wait_ms = second._try("probe")
    assert code == WAIT and 15_000 < wait_ms <= 20_000
    first.observe_daily_remaining(0)
    with pytest.raises(ConnectorRateLimitError):
        asyncio.run(take(second, 1))
    first.exhaust_day(resets_in=500.0)
    assert 400 < second.day_resets_in() <= 500


def test_redis_unreachable_is_a_clear_error_and_no_call() -> None:
    limiter = RedisRateLimiter("redis://:hunter2@127.0.0.1:1/0", "org-1", RateLimitPolicy())
    with pytest.raises(RateBudgetUnavailableError, match="cannot be reached") as raised:
        asyncio.run(take(limiter, 1))
    assert "hunter2" not in str(raised.value) and raised.value.retriable and raised.value.outcome == "failed"
    assert limiter.stats.requests == 0


def test_the_environment_makes_shared_limiters_redis_ones(redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RateLimitPolicy(limit=7)
    monkeypatch.setenv("UNIFIED_REDIS_URL", REDIS_URL)
    try:
        limiter = RateLimiter.shared(redis_prefix + "org", policy)
        assert isinstance(limiter, RedisRateLimiter)
        assert RateLimiter.shared(redis_prefix + "org", policy) is limiter
        asyncio.run(take(limiter, 1))
        monkeypatch.delenv("UNIFIED_REDIS_URL")
        assert type(RateLimiter.shared(redis_prefix + "org", policy)) is RateLimiter
    finally:
        RateLimiter.forget()
