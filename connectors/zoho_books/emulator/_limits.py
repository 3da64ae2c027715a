"""Zoho's API limits per organization, on the kit's Limits: a daily cap by plan (code 45), 100 requests per
window (code 44), and requests in flight (code 1070), checked in that order.

Requests refused with 429 do not count against the window or the day: Zoho's facts sheet says the
organization is blocked until the window passes, and counting refused calls would stretch that block
for as long as a client keeps knocking.
"""

from __future__ import annotations

import math

from unified.emulator import Admission, Clock, Limits, Refusal, Rule, Usage

from ._errors import CONCURRENCY, RATE_LIMITED, ZohoError

PLANS = ("free", "standard", "professional", "premium")
DAILY_CAP = {"free": 1000, "standard": 2000, "professional": 5000, "premium": 10000}
CONCURRENT = {"free": 5, "standard": 10, "professional": 10, "premium": 10}
SCOPE = "organization"
_CODES = {"day": 45, "window": 44, "concurrent": 1070}


def zoho_limits(
    clock: Clock,
    *,
    plan: str,
    window_seconds: float,
    rate_limit: int,
    daily_limit: int | None = None,
    concurrency: int | None = None,
) -> Limits:
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
    if not window_seconds > 0:
        raise ValueError("window_seconds must be > 0")
    if rate_limit < 1:
        raise ValueError("rate_limit must be >= 1")
    rules = [
        Rule.per_day("day", daily_limit if daily_limit is not None else DAILY_CAP[plan]),
        Rule.per_window("window", rate_limit),
        Rule.in_flight("concurrent", concurrency if concurrency is not None else CONCURRENT[plan]),
    ]
    return Limits(clock, rules={SCOPE: rules}, window_seconds=window_seconds)


def headers(day: Usage) -> dict[str, str]:
    """Zoho's X-Rate-Limit-* headers, for the daily cap."""
    return {
        "X-Rate-Limit-Limit": str(day.limit),
        "X-Rate-Limit-Remaining": str(day.remaining),
        "X-Rate-Limit-Reset": str(math.ceil(day.resets_in)),
    }


def peek(limits: Limits, organization_id: str) -> dict[str, str]:
    """The headers for an organization without counting a request."""
    return headers(limits.usage({SCOPE: organization_id})["day"])


def admit(limits: Limits, organization_id: str, *, retry_after: bool = True) -> tuple[Admission, dict[str, str]]:
    """Count one request (release the Admission when it ends), or raise the 429 Zoho answers."""
    outcome = limits.acquire({SCOPE: organization_id})
    found = headers(outcome.usage["day"])
    if isinstance(outcome, Refusal):
        raise ZohoError(429, _CODES[outcome.rule], _message(outcome), _retry_headers(outcome, found, retry_after))
    return outcome, found


def _message(refusal: Refusal) -> str:
    if refusal.rule == "day":
        return f"The API call for this organization has exceeded the maximum call rate limit of {refusal.limit}."
    return RATE_LIMITED if refusal.rule == "window" else CONCURRENCY


def _retry_headers(refusal: Refusal, found: dict[str, str], retry_after: bool) -> dict[str, str]:
    wait = max(refusal.retry_after, 0.0)
    extra = {"X-Emulator-Retry-After": f"{wait:.3f}"}
    if retry_after:  # Zoho does not document Retry-After: retry_after=False leaves it out
        extra["Retry-After"] = str(max(1, math.ceil(wait)))
    return {**found, **extra}
