"""The limiter's pacing on a fake clock: safe wherever the provider counts a call, and no slower than it must be."""

from __future__ import annotations

import bisect

from hypothesis import given
from hypothesis import strategies as st

from unified.ratelimit import RateLimiter, RateLimitPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def most_in_a_window(times: list[float], window: float) -> int:
    """The most of ``times`` in any window ``(t - window, t]``, as a provider with a sliding window counts."""
    ordered = sorted(times)
    return max((i + 1 - bisect.bisect_right(ordered, t - window) for i, t in enumerate(ordered)), default=0)


def paced(calls: list[tuple[float, float]], policy: RateLimitPolicy) -> tuple[list[float], float]:
    """Run ``calls`` (latency, where in its flight the provider counts it, 0..1) through a limiter on a fake
    clock, as many at once as it admits; the instants the provider counted them, and when the last answered."""
    clock = FakeClock()
    limiter = RateLimiter(policy, clock=clock)
    waiting = list(calls)
    in_flight: list[float] = []  # answer times
    counted: list[float] = []
    while waiting or in_flight:
        delay = 0.0
        while waiting:
            with limiter._lock:
                delay = limiter._try_acquire()
            if delay:
                break
            latency, where = waiting.pop(0)
            counted.append(clock.now + where * latency)
            bisect.insort(in_flight, clock.now + latency)
        # the next event: an answer, or the moment the limiter said a slot frees
        wake = clock.now + delay if waiting and delay != float("inf") else float("inf")
        if in_flight and in_flight[0] <= wake:
            clock.now = in_flight.pop(0)
            limiter.release()
        else:
            clock.now = wake
    return counted, clock.now


@given(
    calls=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=4.0), st.floats(min_value=0.0, max_value=1.0)),
        min_size=1,
        max_size=60,
    )
)
def test_the_provider_never_counts_more_than_its_limit_wherever_in_a_call_it_counts(
    calls: list[tuple[float, float]],
) -> None:
    policy = RateLimitPolicy(limit=5, window=10.0, max_concurrent=3)
    counted, _ = paced(calls, policy)
    assert len(counted) == len(calls)
    assert most_in_a_window(counted, policy.window) <= policy.limit


def test_the_margin_is_only_for_clock_rates() -> None:
    # a slot frees a window (and 0.1%) after its answer: 60.06 s for Zoho's minute, not 61.2 s
    assert RateLimitPolicy().margin <= 0.001
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(limit=1, window=60.0), clock=clock)
    with limiter._lock:
        assert limiter._try_acquire() == 0.0
    clock.now += 0.5
    limiter.release()
    with limiter._lock:
        assert 60.0 <= limiter._try_acquire() <= 60.06


def test_a_long_run_of_instant_calls_reaches_the_ceiling() -> None:
    # 1,000 calls of no latency under 100 a minute: 9 full waits of a window (and the margin), no more
    policy = RateLimitPolicy(limit=100, window=60.0, max_concurrent=10)
    counted, finished = paced([(0.0, 0.0)] * 1000, policy)
    assert most_in_a_window(counted, policy.window) == 100
    assert 9 * 60.0 <= finished - 1000.0 <= 9 * 60.0 * (1 + policy.margin) + 1e-6
