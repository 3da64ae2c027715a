"""The one place that decides whether a failed call is tried again."""

from __future__ import annotations

import random

import pytest

from unified.errors import (
    ConnectorConnectionError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    EntityNotFoundError,
)
from unified.retry import RetryPolicy

policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0)


def test_reads_retry_retriable_errors_until_the_cap() -> None:
    error = ConnectorTimeoutError("slow")
    assert policy.should_retry(error, attempt=1, idempotent=True)
    assert not policy.should_retry(error, attempt=4, idempotent=True)


def test_writes_with_an_uncertain_outcome_are_never_resent() -> None:
    error = ConnectorConnectionError("dropped", outcome="uncertain")
    assert not policy.should_retry(error, attempt=1, idempotent=False)
    refused = ConnectorConnectionError("refused", outcome="failed")
    assert policy.should_retry(refused, attempt=1, idempotent=False)


def test_non_retriable_errors_stop_at_once() -> None:
    assert not policy.should_retry(EntityNotFoundError("gone"), attempt=1, idempotent=True)
    assert not policy.should_retry(ConnectorExecutionError("bad"), attempt=1, idempotent=True)
    daily = ConnectorRateLimitError("day", retriable=False, retry_after=3600)
    assert not policy.should_retry(daily, attempt=1, idempotent=True)


def test_a_retry_after_longer_than_worth_waiting_surfaces() -> None:
    long_wait = ConnectorRateLimitError("wait", retry_after=policy.max_retry_after + 1)
    assert not policy.should_retry(long_wait, attempt=1, idempotent=True)
    assert policy.should_retry(ConnectorRateLimitError("wait", retry_after=3), attempt=1, idempotent=True)


@pytest.mark.parametrize("attempt", [1, 2, 3, 10])
def test_backoff_is_capped_and_jittered(attempt: int) -> None:
    rng = random.Random(attempt)
    delays = [policy.delay(attempt, rng=rng) for _ in range(200)]
    cap = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    assert all(0 <= d <= cap for d in delays) and len(set(delays)) > 100


def test_retry_after_wins_when_longer() -> None:
    assert policy.delay(1, retry_after=7.5, rng=random.Random(0)) == 7.5
