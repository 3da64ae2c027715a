"""The Books API client: auth, organization_id, pacing under Zoho's limits, retries, and the envelope.

One :class:`ZohoHttp` per connector. Every call:

1. takes a valid access token from the :class:`TokenManager` (refreshed once for all callers);
2. waits for a slot of the organization's shared :class:`RateLimiter` (100 a window, the concurrency cap, the
   daily budget) so the client stays under Zoho's limits instead of running into its 429s;
3. sends, logs one DEBUG line (method, path, status, Zoho code, elapsed, attempt; never the query string or
   the Authorization header), and reads ``X-Rate-Limit-*``;
4. checks Zoho's envelope (``code`` != 0 is an error even on a 2xx) and maps errors onto ``unified.errors``;
5. retries per :class:`RetryPolicy`: reads on 5xx, timeouts and dropped connections; any call Zoho refused
   with 429 code 44 (after Retry-After) or 1070 (after a short backoff), since nothing was processed; a
   401 code 57 once after a refresh. Code 45 is never retried: the day's budget is gone.

A POST whose outcome is unknown (timeout after sending, dropped connection, 5xx) is never resent:
:meth:`ZohoHttp.create` asks the caller's ``lookup`` whether the record exists instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.zoho_books._errors import error_from_response, unknown_outcome
from connectors.zoho_books._tokens import TokenManager
from connectors.zoho_books.oauth import scope_for_path
from unified.errors import (
    ConnectorConnectionError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    RequestValidationError,
    UnifiedError,
)
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.retry import RetryPolicy

__all__ = ["PLAN_DAILY_LIMITS", "ZohoHttp", "policy_for_plan"]

logger = logging.getLogger("connectors.zoho_books")

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
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_AUTH_CODES = (14, 57)


def policy_for_plan(plan: str, window_seconds: float = 60.0) -> RateLimitPolicy:
    """Zoho's limits for a plan: 100 requests a window, 5 (free) or 10 in flight, the plan's daily budget.

    ``window_seconds`` scales time (the day stays 1440 windows long), for tests and the local emulator.
    """
    key = plan.strip().lower()
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


class ZohoHttp:
    """Talks to one organization's Books API. Errors come out as :class:`unified.errors.UnifiedError`."""

    def __init__(
        self,
        *,
        tokens: TokenManager,
        api_url: str,
        organization_id: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: RateLimitPolicy | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = api_url.strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RequestValidationError(
                f"api_url {api_url!r} is not an http(s) URL; use e.g. https://www.zohoapis.com/books/v3.",
                field="api_url",
            )
        self.api_url = base
        self.organization_id = organization_id or None
        self.tokens = tokens
        # the largest daily budget by default: Zoho's own 45 and X-Rate-Limit-Remaining correct it downwards
        policy = rate_limit or policy_for_plan("premium")
        self.limiter = RateLimiter.shared(f"zoho-books:{parts.netloc}:{self.organization_id or '-'}", policy)
        self.retry = retry or RetryPolicy()
        self.calls = 0
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout, headers={"Accept": "application/json"})
        self._timeout = timeout
        self._rng = random.Random()

    def __repr__(self) -> str:
        return f"ZohoHttp(api_url={self.api_url!r}, organization_id={self.organization_id!r}, calls={self.calls})"

    # -- public API ------------------------------------------------------------------------------------------

    async def request(
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
        _, body = await self._call(method, path, params, json, headers, organization, raw=False)
        assert body is not None
        return body

    async def create(
        self,
        path: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        lookup: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> dict[str, Any]:
        """POST once. If Zoho may or may not have stored it, ``lookup()`` decides; the POST is never resent.

        ``lookup`` returns the record's body (shaped like the create's answer) when it exists, else None.
        """
        try:
            return await self.request("POST", path, params=params, json=json, headers=headers)
        except UnifiedError as error:
            if error.outcome != "uncertain":
                raise
            unconfirmed = error
        where = f"POST {_path_only(path)}"
        if lookup is not None:
            logger.debug("%s: outcome unknown (%s); looking the record up", where, type(unconfirmed).__name__)
            try:
                found = await lookup()
            except UnifiedError as lookup_error:
                raise ConnectorExecutionError(
                    f"Zoho Books did not confirm {where} ({unconfirmed.message}), and looking the record up failed "
                    f"too ({lookup_error.message}). The record may exist: look for it in Zoho Books (by its "
                    "reference number or unique custom field) before creating it again.",
                    downstream_errors=unconfirmed.downstream_errors,
                    retriable=False,
                    outcome="uncertain",
                ) from lookup_error
            if found is not None:
                logger.debug("%s: the record exists; returning it", where)
                return found
            looked = "no matching record was found"
        else:
            looked = "the record could not be looked up"
        raise ConnectorExecutionError(
            f"Zoho Books did not confirm {where} ({unconfirmed.message}) and {looked}. The record may still "
            "exist: look for it in Zoho Books (by its reference number or unique custom field) before creating "
            "it again.",
            downstream_errors=unconfirmed.downstream_errors,
            retriable=False,
            outcome="uncertain",
        ) from unconfirmed

    async def raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Zoho's own answer, with auth, organization_id, pacing and retries done; errors are not raised."""
        response, _ = await self._call(method, path, params, json, headers, True, raw=True)
        return response

    async def organizations(self) -> list[dict[str, Any]]:
        """The organizations this connection's user can reach (``GET /organizations``)."""
        body = await self.request("GET", "/organizations", organization=False)
        organizations = body.get("organizations")
        if not isinstance(organizations, list):
            raise ConnectorExecutionError("Zoho Books answered GET /organizations without an organizations list.")
        return organizations

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- one call, with its retries --------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        organization: bool,
        *,
        raw: bool,
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        method = method.upper()
        self._url(path)  # a bad path fails before any token is fetched
        query = self._query(params, organization)
        idempotent = method in _IDEMPOTENT
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                token = await self.tokens.token()
                # the URL after the token: a refresh may have moved the API to the token's api_domain
                response = await self._send(method, self._url(path), path, query, json, headers, token, attempt)
            except UnifiedError as unsent:
                await self._retry_or_raise(unsent, attempt, idempotent, path)
                continue
            body = _json_object(response)
            code = _code(body)
            if response.status_code == 401 and code in (*_AUTH_CODES, None) and not refreshed:
                # an expired or revoked access token: refresh (once, for every caller) and try again
                refreshed = True
                if await self.tokens.invalidate(token):
                    continue
            if response.is_success and body is not None and code in (0, None):
                return response, body
            error = self._error(response, body, code, method, path)
            if raw and not self._worth_retrying(error, attempt, idempotent):
                return response, body
            await self._retry_or_raise(error, attempt, idempotent, path)

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        query: dict[str, Any],
        json: Any,
        headers: Mapping[str, str] | None,
        token: str,
        attempt: int,
    ) -> httpx.Response:
        send_headers = {key: value for key, value in (headers or {}).items() if key.lower() != "authorization"}
        send_headers["Authorization"] = f"Zoho-oauthtoken {token}"
        where = f"{method} {_path_only(path)}"
        async with self.limiter.slot():
            self.calls += 1
            started = time.monotonic()
            try:
                response = await self._client.request(method, url, params=query, json=json, headers=send_headers)
            except httpx.TransportError as exc:
                logger.debug(
                    "%s -> %s after %.3f s (attempt %d)", where, type(exc).__name__, time.monotonic() - started, attempt
                )
                raise self._transport_error(exc, method, where) from exc
        body = _json_object(response)
        logger.debug(
            "%s -> HTTP %d code %s in %.3f s (attempt %d)",
            where,
            response.status_code,
            _code(body),
            time.monotonic() - started,
            attempt,
        )
        remaining = _number(response.headers.get("X-Rate-Limit-Remaining"))
        if remaining is not None:
            self.limiter.observe_daily_remaining(int(remaining))
        return response

    def _transport_error(self, exc: httpx.TransportError, method: str, where: str) -> UnifiedError:
        name = type(exc).__name__
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return ConnectorTimeoutError(
                f"Could not connect to Zoho Books in time for {where} ({name}).", outcome="failed"
            )
        if isinstance(exc, httpx.ConnectError):
            return ConnectorConnectionError(f"Could not connect to Zoho Books for {where} ({name}).", outcome="failed")
        if isinstance(exc, httpx.TimeoutException):
            return ConnectorTimeoutError(
                f"Zoho Books did not answer {where} within {self._timeout:g} s ({name}).",
                outcome=unknown_outcome(method),
            )
        return ConnectorConnectionError(
            f"The connection to Zoho Books dropped during {where} before an answer ({name}).",
            outcome=unknown_outcome(method),
        )

    def _error(
        self, response: httpx.Response, body: dict[str, Any] | None, code: int | None, method: str, path: str
    ) -> UnifiedError:
        retry_after = _retry_after(response)
        resets_at = None
        if code == 45:
            if retry_after is None:
                retry_after = _number(response.headers.get("X-Rate-Limit-Reset"))
            if retry_after is None:
                retry_after = self.limiter.day_resets_in()
            self.limiter.exhaust_day(retry_after)
            resets_at = datetime.now(UTC) + timedelta(seconds=retry_after)
        elif code == 1070:
            retry_after = None  # a short jittered backoff, not a wait for the window
        elif response.status_code == 429:
            if retry_after is None:
                retry_after = self.limiter.policy.window
            self.limiter.penalize(retry_after)
        return error_from_response(
            response.status_code,
            body,
            content_type=response.headers.get("content-type"),
            method=method,
            path=_path_only(path),
            organization_id=self.organization_id,
            retry_after=retry_after,
            resets_at=resets_at,
            scope=scope_for_path(method, path),
        )

    def _worth_retrying(self, error: UnifiedError, attempt: int, idempotent: bool) -> bool:
        return self.retry.should_retry(error, attempt=attempt, idempotent=idempotent)

    async def _retry_or_raise(self, error: UnifiedError, attempt: int, idempotent: bool, path: str) -> None:
        if not self._worth_retrying(error, attempt, idempotent):
            raise error
        retry_after = error.retry_after if isinstance(error, ConnectorRateLimitError) else None
        delay = self.retry.delay(attempt, retry_after=retry_after, rng=self._rng)
        logger.debug(
            "%s on %s; retrying in %.3f s (attempt %d)", type(error).__name__, _path_only(path), delay, attempt + 1
        )
        await asyncio.sleep(delay)

    # -- URLs ------------------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if "://" in path or path.startswith("//") or ".." in urlsplit(path).path.split("/"):
            raise RequestValidationError(
                f"path {path!r} must be a path under the Books API, like '/invoices' or '/settings/taxes'.",
                field="path",
            )
        return f"{self.api_url}/{path.lstrip('/')}"

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


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    # amounts as Decimal straight from the text: a float would round anything past 15 significant digits
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _code(body: Mapping[str, Any] | None) -> int | None:
    if body is None:
        return None
    code = body.get("code")
    if isinstance(code, int):
        return code
    if not isinstance(code, str):
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _path_only(path: str) -> str:
    """The path without its query string: a query could carry what a log must not."""
    return "/" + urlsplit(path).path.lstrip("/")
