"""Xero on the toolkit's request loop: its dialect (errors, rate-limit feedback) and the tenant every call is for.

Limits, from Xero's documents: per tenant 60 calls in a rolling minute, 5,000 in a rolling day and 5 in flight;
per app 10,000 a minute across tenants. The per-tenant budget is the client's own limiter (shared by every
client of the same tenant in the process); the app's is a second limiter, shared by every tenant of the same
client id, that each request passes through (:class:`~unified.toolkit.PacedTransport`). Answers carry
``X-DayLimit-Remaining`` (read into the daily budget) and ``X-MinLimit-Remaining`` (at 0, the next call waits a
moment: another process is spending the same minute). A 429 says which limit in ``X-Rate-Limit-Problem``: ``day``
is never retried before the day resets, ``minute`` waits ``Retry-After``, ``concurrent`` backs off briefly.

Writes carry an ``Idempotency-Key`` (at most 128 characters): Xero answers a repeat with the first answer, so a
write whose answer was lost is sent again with the same key. Element writes carry ``summarizeErrors=false``, so a
refused element comes back in a 200 with its ``ValidationErrors``, which the dialect turns into the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.xero._errors import PROVIDER, element_messages, error_for
from unified.errors import ConnectorExecutionError, RequestValidationError, UnifiedError
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.retry import RetryPolicy
from unified.toolkit import (
    ApiClient,
    Auth,
    Call,
    Dialect,
    IdempotencyHeader,
    PacedTransport,
    RateLimitHit,
    Reply,
    number_header,
    retry_after_seconds,
)

__all__ = ["API_PATH", "XeroDialect", "XeroHttp", "app_policy", "tenant_policy"]

API_PATH = "/api.xro/2.0"
_WRITES = frozenset({"PUT", "POST"})
_PROBLEMS: Mapping[str, str] = {"day": "day", "minute": "window", "appminute": "window", "concurrent": "concurrency"}


def tenant_policy(window_seconds: float = 60.0) -> RateLimitPolicy:
    """Xero's limits for one tenant; ``window_seconds`` scales time (the day stays 1440 windows), for emulators."""
    _check_window(window_seconds)
    return RateLimitPolicy(
        limit=60, window=window_seconds, max_concurrent=5, daily_limit=5000, day=window_seconds * 1440
    )


def app_policy(window_seconds: float = 60.0) -> RateLimitPolicy:
    """Xero's limit for one app across its tenants: 10,000 calls a minute."""
    _check_window(window_seconds)
    return RateLimitPolicy(limit=10_000, window=window_seconds, max_concurrent=1_000, day=window_seconds * 1440)


def _check_window(window_seconds: float) -> None:
    if not isinstance(window_seconds, int | float) or not window_seconds > 0:
        raise RequestValidationError("window_seconds must be a positive number of seconds.", field="window_seconds")


class XeroDialect(Dialect):
    provider = PROVIDER
    reconnect_hint = "reconnect (`unified connect xero`)"

    def succeeded(self, reply: Reply) -> bool:
        if not reply.response.is_success:
            return False
        # summarizeErrors=false: a refused element comes back in a 200
        return reply.response.request.method not in _WRITES or not element_messages(reply.body)

    def rate_limit_hit(self, reply: Reply) -> RateLimitHit | None:
        if reply.status != 429:
            return None
        problem = (reply.headers.get("X-Rate-Limit-Problem") or "minute").strip().lower()
        kind = _PROBLEMS.get(problem, "window")
        wait = retry_after_seconds(reply.response)
        if kind == "concurrency":
            return RateLimitHit("concurrency", wait)
        return RateLimitHit("day" if kind == "day" else "window", wait)

    def log_note(self, reply: Reply) -> str:
        left = reply.headers.get("X-MinLimit-Remaining")
        return f" (minute budget left {left})" if left is not None else ""

    def observe(self, reply: Reply, limiter: RateLimiter) -> None:
        day = number_header(reply.headers.get("X-DayLimit-Remaining"))
        if day is not None:
            limiter.observe_daily_remaining(int(day))
        minute = number_header(reply.headers.get("X-MinLimit-Remaining"))
        if minute is not None and minute < 1:
            # someone else spends this tenant's minute too: a short pause, one call's share of the window
            limiter.penalize(limiter.policy.window / limiter.policy.limit)

    def error(self, reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
        return error_for(reply, call, hit)


class XeroHttp(ApiClient):
    """Talks to one tenant's Accounting API (``{api_url}/api.xro/2.0``) with ``xero-tenant-id`` on every call."""

    def __init__(
        self,
        *,
        tokens: Auth,
        api_url: str,
        tenant_id: str,
        client_id: str,
        window_seconds: float = 60.0,
        rate_limit: RateLimitPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = api_url.strip().rstrip("/") if isinstance(api_url, str) else ""
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RequestValidationError(
                f"api_url {api_url!r} is not an http(s) URL; use e.g. https://api.xero.com.", field="api_url"
            )
        self.api_url = base
        self.tenant_id = tenant_id
        app = RateLimiter.shared(f"xero-app:{parts.netloc}:{client_id}", app_policy(window_seconds))
        super().__init__(
            dialect=XeroDialect(),
            base_url=base + API_PATH,
            auth=tokens,
            limiter_key=f"xero:{parts.netloc}:{tenant_id}",
            rate_limit=rate_limit or tenant_policy(window_seconds),
            writes=IdempotencyHeader("Idempotency-Key", max_length=128),
            retry=retry,
            timeout=timeout,
            transport=PacedTransport(app, transport),
            headers={"xero-tenant-id": tenant_id},
            organization=tenant_id,
        )

    def __repr__(self) -> str:
        return f"XeroHttp(api_url={self.api_url!r}, tenant_id={self.tenant_id!r}, calls={self.calls})"

    async def get(
        self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        body = await self.request("GET", path, params=params, headers=headers)
        if not isinstance(body, dict):
            raise ConnectorExecutionError(f"Xero answered GET {path} with something other than a JSON object.")
        return body

    async def write_element(
        self,
        method: str,
        path: str,
        list_key: str,
        element: Mapping[str, Any],
        *,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        summarize: bool = True,
    ) -> dict[str, Any]:
        """PUT (create) or POST (update) one element as ``{list_key: [element]}``; the element Xero answers."""
        query = dict(params or {})
        if summarize:
            query["summarizeErrors"] = "false"
        body = await self.write(
            method, path, json={list_key: [dict(element)]}, params=query, idempotency_key=idempotency_key
        )
        found = body.get(list_key) if isinstance(body, dict) else None
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise ConnectorExecutionError(
                f"Xero answered {method} {path} without the {list_key} element it was sent.", outcome="uncertain"
            )
        return found[0]
