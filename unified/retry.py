"""When to try a failed call again, and how long to wait first. Decided here, in one place, for every connector."""

from __future__ import annotations

import random
from dataclasses import dataclass

from unified.errors import ConnectorRateLimitError, UnifiedError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter.

    A call is retried when its error is ``retriable`` and, for writes, only when nothing could have been
    written: a create whose outcome is uncertain is never resent blindly (the connector looks it up instead).
    """

    max_attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 20.0
    #: the longest Retry-After worth waiting for inside one call; longer ones surface as errors
    max_retry_after: float = 120.0

    def should_retry(self, error: UnifiedError, *, attempt: int, idempotent: bool) -> bool:
        """``attempt`` counts from 1: the call that just failed."""
        if attempt >= self.max_attempts or not error.retriable:
            return False
        if (
            isinstance(error, ConnectorRateLimitError)
            and error.retry_after is not None
            and error.retry_after > self.max_retry_after
        ):
            return False
        return idempotent or error.outcome == "failed"

    def delay(self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1``; a provider's Retry-After wins when it says more."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        jittered = (rng or random).uniform(0, backoff)
        return max(jittered, retry_after or 0.0)
