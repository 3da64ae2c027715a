"""Zoho Books on the toolkit's request loop: how Zoho spells errors and rate-limit feedback, and ``organization_id``.

Zoho's envelope: ``code`` != 0 is an error even on a 2xx; 401 with code 14 or 57 is a token Zoho refused; 429
code 44 is the per-minute limit, 45 the daily budget (never retried before it resets), 1070 too many in flight.
``X-Rate-Limit-Remaining`` corrects the limiter's idea of the daily budget. Errors map in ``_errors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.zoho_books._errors import error_from_response
from connectors.zoho_books.oauth import scope_for_path
from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.retry import RetryPolicy
from unified.toolkit import (
    ApiClient,
    Auth,
    Call,
    Dialect,
    LookupFirst,
    RateLimitHit,
    Reply,
    number_header,
    resets_at_of,
    retry_after_seconds,
)

__all__ = ["PLAN_DAILY_LIMITS", "ZohoDialect", "ZohoHttp", "policy_for_plan"]

#: Zoho Books' daily API calls per organization, by plan
PLAN_DAILY_LIMITS: dict[str, int] = {
    "free": 1000,
    "standard": 2000,
    "professional": 5000,
    "premium": 10000,
    "elite": 10000,
    "ultimate": 10000,
}
_REQUESTS_PER_WINDOW = 100
_AUTH_CODES = (14, 57)


def policy_for_plan(plan: str, window_seconds: float = 60.0) -> RateLimitPolicy:
    """Zoho's limits for a plan: 100 requests a window, 5 (free) or 10 in flight, the plan's daily budget.

    ``window_seconds`` scales time (the day stays 1440 windows long), for tests and the local emulator.
    """
    key = plan.strip().lower() if isinstance(plan, str) else ""
    if key not in PLAN_DAILY_LIMITS:
        raise RequestValidationError(
            f"Unknown Zoho Books plan {plan!r}; use one of: {', '.join(PLAN_DAILY_LIMITS)}.", field="plan"
        )
    if not window_seconds > 0:
        raise RequestValidationError("window_seconds must be a positive number of seconds.", field="window_seconds")
    return RateLimitPolicy(
        limit=_REQUESTS_PER_WINDOW,
        window=window_seconds,
        max_concurrent=5 if key == "free" else 10,
        daily_limit=PLAN_DAILY_LIMITS[key],
        day=window_seconds * 1440,
    )


def _code(body: Any) -> int | None:
    if not isinstance(body, Mapping):
        return None
    code = body.get("code")
    if isinstance(code, int):
        return code
    try:
        return int(code) if isinstance(code, str) else None
    except ValueError:
        return None


class ZohoDialect(Dialect):
    provider = "Zoho Books"
    auth_scheme = "Zoho-oauthtoken"
    reconnect_hint = "reconnect (`unified connect zoho-books`)"
    logger_name = "connectors.zoho_books"

    def parse(self, response: httpx.Response) -> Any:
        body = super().parse(response)
        return body if isinstance(body, dict) else None

    def succeeded(self, reply: Reply) -> bool:
        return reply.response.is_success and reply.body is not None and _code(reply.body) in (0, None)

    def token_refused(self, reply: Reply) -> bool:
        return reply.status == 401 and _code(reply.body) in (*_AUTH_CODES, None)

    def rate_limit_hit(self, reply: Reply) -> RateLimitHit | None:
        code = _code(reply.body)
        if code == 45:
            wait = retry_after_seconds(reply.response)
            if wait is None:
                wait = number_header(reply.headers.get("X-Rate-Limit-Reset"))
            return RateLimitHit("day", wait)
        if code == 1070:
            return RateLimitHit("concurrency")
        if reply.status == 429 or code == 44:
            return RateLimitHit("window", retry_after_seconds(reply.response))
        return None

    def log_note(self, reply: Reply) -> str:
        return f" code {_code(reply.body)}"

    def observe(self, reply: Reply, limiter: RateLimiter) -> None:
        remaining = number_header(reply.headers.get("X-Rate-Limit-Remaining"))
        if remaining is not None:
            limiter.observe_daily_remaining(int(remaining))

    def error(self, reply: Reply, call: Call, hit: RateLimitHit | None) -> Any:
        return error_from_response(
            reply.status,
            reply.body,
            content_type=reply.headers.get("content-type"),
            method=call.method,
            path=call.path,
            organization_id=call.organization,
            retry_after=hit.retry_after if hit is not None else None,
            resets_at=resets_at_of(hit),
            scope=scope_for_path(call.method, call.path),
            refused_after_refresh=call.refused_after_refresh,
        )


Lookup = Callable[[], Awaitable[dict[str, Any] | None]]


class ZohoHttp(ApiClient):
    """Talks to one organization's Books API: the toolkit's loop with Zoho's dialect and ``organization_id``."""

    def __init__(
        self,
        *,
        tokens: Auth,
        api_url: str,
        organization_id: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: RateLimitPolicy | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = api_url.strip().rstrip("/") if isinstance(api_url, str) else ""
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RequestValidationError(
                f"api_url {api_url!r} is not an http(s) URL; use e.g. https://www.zohoapis.com/books/v3.",
                field="api_url",
            )
        self.organization_id = organization_id or None
        self.tokens = tokens
        super().__init__(
            dialect=ZohoDialect(),
            base_url=base,
            auth=tokens,
            # the largest daily budget by default: Zoho's own 45 and X-Rate-Limit-Remaining correct it downwards
            limiter_key=f"zoho-books:{parts.netloc}:{self.organization_id or '-'}",
            rate_limit=rate_limit or policy_for_plan("premium"),
            writes=LookupFirst(),
            retry=retry,
            timeout=timeout,
            transport=transport,
            organization=self.organization_id,
        )

    @property
    def api_url(self) -> str:
        return self.base_url

    @api_url.setter
    def api_url(self, value: str) -> None:
        self.base_url = value.rstrip("/")

    def __repr__(self) -> str:
        return f"ZohoHttp(api_url={self.api_url!r}, organization_id={self.organization_id!r}, calls={self.calls})"

    async def request(  # type: ignore[override]
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        organization: bool = True,
    ) -> dict[str, Any]:
        """One API call; the parsed body of a success (``code`` 0), or a unified error."""
        self.url(path)  # a bad path fails before anything else
        reply = await self.send(method, path, params=self._query(params, organization), json=json, headers=headers)
        body: dict[str, Any] = reply.body
        return body

    async def create(
        self,
        path: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        lookup: Lookup | None = None,
    ) -> dict[str, Any]:
        """POST once. If Zoho may or may not have stored it, ``lookup()`` decides; the POST is never resent."""
        self.url(path)
        body: dict[str, Any] = await self.write(
            "POST", path, json=json, params=self._query(params, True), headers=headers, lookup=lookup
        )
        return body

    def proxy_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return self._query(params, True)

    async def organizations(self) -> list[dict[str, Any]]:
        """The organizations this connection's user can reach (``GET /organizations``)."""
        body = await self.request("GET", "/organizations", organization=False)
        organizations = body.get("organizations")
        if not isinstance(organizations, list):
            raise ConnectorExecutionError("Zoho Books answered GET /organizations without an organizations list.")
        return organizations

    def _query(self, params: Mapping[str, Any] | None, organization: bool) -> dict[str, Any]:
        query = dict(params or {})
        if organization:
            if not self.organization_id:
                raise RequestValidationError(
                    "organization_id is required for this call: list the organizations the account can reach "
                    "(GET /organizations) and pass one of their organization_id values.",
                    field="organization_id",
                )
            query.setdefault("organization_id", self.organization_id)
        return query
