"""API limits per organization: a sliding window of requests (code 44), a daily cap by plan (code 45),
and requests in flight (code 1070). Every 429 carries Retry-After.

Requests refused with 429 do not count against the window or the day: Zoho's facts sheet says the
organization is blocked until the window passes, and counting refused calls would stretch that block
for as long as a client keeps knocking.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from ._clock import Clock
from ._errors import CONCURRENCY, RATE_LIMITED, ZohoError

PLANS = ("free", "standard", "professional", "premium")
DAILY_CAP = {"free": 1000, "standard": 2000, "professional": 5000, "premium": 10000}
CONCURRENT = {"free": 5, "standard": 10, "professional": 10, "premium": 10}
WINDOWS_PER_DAY = 1440


@dataclass
class _Usage:
    window: deque[float] = field(default_factory=deque)
    day: int = -1
    day_count: int = 0
    in_flight: int = 0


class Limits:
    def __init__(
        self,
        clock: Clock,
        *,
        plan: str,
        window_seconds: float,
        rate_limit: int,
        daily_limit: int | None = None,
        concurrency: int | None = None,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be > 0")
        if rate_limit < 1:
            raise ValueError("rate_limit must be >= 1")
        self.plan = plan
        self.window_seconds = window_seconds
        self.rate_limit = rate_limit
        self.daily_limit = daily_limit if daily_limit is not None else DAILY_CAP[plan]
        self.concurrency = concurrency if concurrency is not None else CONCURRENT[plan]
        self._clock = clock
        self._origin = clock.now()
        self._usage: dict[str, _Usage] = {}
        self._lock = threading.Lock()

    @property
    def day_seconds(self) -> float:
        return self.window_seconds * WINDOWS_PER_DAY

    def admit(self, organization_id: str) -> dict[str, str]:
        """Count one request, or raise the 429 Zoho answers; returns the X-Rate-Limit-* headers."""
        with self._lock:
            now = self._clock.now()
            usage = self._usage.setdefault(organization_id, _Usage())
            day = int((now - self._origin) // self.day_seconds)
            if day != usage.day:
                usage.day, usage.day_count = day, 0
            day_reset = self._origin + (day + 1) * self.day_seconds - now
            if usage.day_count >= self.daily_limit:
                message = (
                    "The API call for this organization has exceeded the maximum call rate limit of "
                    f"{self.daily_limit}."
                )
                raise ZohoError(429, 45, message, _retry_headers(day_reset, self._headers(usage, day_reset)))
            while usage.window and usage.window[0] <= now - self.window_seconds:
                usage.window.popleft()
            if len(usage.window) >= self.rate_limit:
                wait = usage.window[0] + self.window_seconds - now
                raise ZohoError(429, 44, RATE_LIMITED, _retry_headers(wait, self._headers(usage, day_reset)))
            if usage.in_flight >= self.concurrency:
                raise ZohoError(429, 1070, CONCURRENCY, _retry_headers(1.0, self._headers(usage, day_reset)))
            usage.window.append(now)
            usage.day_count += 1
            usage.in_flight += 1
            return self._headers(usage, day_reset)

    def release(self, organization_id: str) -> None:
        with self._lock:
            usage = self._usage.get(organization_id)
            if usage and usage.in_flight:
                usage.in_flight -= 1

    def in_flight(self, organization_id: str) -> int:
        usage = self._usage.get(organization_id)
        return usage.in_flight if usage else 0

    def reset(self) -> None:
        """Forget counted requests (requests in flight stay counted until they finish)."""
        with self._lock:
            for usage in self._usage.values():
                usage.window.clear()
                usage.day_count = 0

    def _headers(self, usage: _Usage, day_reset: float) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.daily_limit),
            "X-Rate-Limit-Remaining": str(max(0, self.daily_limit - usage.day_count)),
            "X-Rate-Limit-Reset": str(math.ceil(day_reset)),
        }


def _retry_headers(wait: float, headers: dict[str, str]) -> dict[str, str]:
    wait = max(wait, 0.0)
    return {**headers, "Retry-After": str(max(1, math.ceil(wait))), "X-Emulator-Retry-After": f"{wait:.3f}"}
