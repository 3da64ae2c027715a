"""The request loop every connector sends through: auth, pacing, retries and errors decided once.

Each call of :class:`ApiClient`:

1. takes an access token from the auth flow (a :class:`~unified.toolkit.TokenManager`; refreshed once for all);
2. waits for a slot of the key's shared :class:`~unified.ratelimit.RateLimiter`, so the client stays under the
   provider's limits instead of running into its 429s;
3. sends, logs one DEBUG line (method, path, status, elapsed, attempt; never the query string or a header);
4. lets the connector's :class:`Dialect` read the answer: success or not, the provider's error spelling, its
   rate-limit feedback (remaining budget headers; which limit a 429 hit and when it resets);
5. retries per :class:`~unified.retry.RetryPolicy`, the one place that decides: reads on 5xx, timeouts and dropped
   connections; anything the provider refused with a rate-limit answer (after its Retry-After); a call refused
   for its token once, after a refresh. A daily budget that is gone is never retried before it resets.

Writes go through the connector's :class:`~unified.toolkit.WriteSafety`, which says whether a write whose outcome
is unknown may be sent again (an idempotency key makes it safe) or must be looked up instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx

from unified.errors import (
    ConflictError,
    ConnectorConnectionError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    DownstreamError,
    EntityNotFoundError,
    ForbiddenError,
    Outcome,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.retry import RetryPolicy
from unified.secret import Secret
from unified.toolkit._writes import LookupFirst, WriteSafety

__all__ = ["ApiClient", "Auth", "Call", "Dialect", "Lookup", "RateLimitHit", "Reply", "unknown_outcome"]

logger = logging.getLogger("unified.toolkit")

Lookup = Callable[[], Awaitable[Any]]
LimitKind = Literal["window", "day", "concurrency"]

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def unknown_outcome(method: str) -> Outcome:
    """What a failure with no answer means: nothing for a read, maybe-written for a write."""
    return "unknown" if method.upper() in _READS else "uncertain"


class Auth(Protocol):
    """What the loop needs of an auth flow: a token, and being told the provider refused one."""

    async def token(self) -> Secret: ...

    async def invalidate(self, token: Secret) -> bool: ...


@dataclass(frozen=True)
class Call:
    """The call an answer belongs to, for the dialect's messages (the path carries no query string)."""

    method: str
    path: str
    #: the organization, tenant or company the call was for
    organization: str | None = None
    #: the token was refreshed during this call and refused again
    refused_after_refresh: bool = False

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Reply:
    """An answer, parsed once."""

    response: httpx.Response
    body: Any

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers


@dataclass(frozen=True)
class RateLimitHit:
    """Which of the provider's limits a refusal hit, and how long it said to wait."""

    kind: LimitKind
    retry_after: float | None = None


class Dialect:
    """How one provider spells things. Connectors subclass it and override what differs."""

    #: the provider, as messages name it ("My Books")
    provider: str = "The provider"
    auth_scheme: str = "Bearer"
    #: how to get new credentials, for messages
    reconnect_hint: str = "reconnect (`unified connect`)"
    #: the logger of the connector's calls (one DEBUG line each; never a secret)
    logger_name: str = "unified.toolkit"

    def auth_headers(self, token: Secret) -> dict[str, str]:
        return {"Authorization": f"{self.auth_scheme} {token.reveal()}"}

    def parse(self, response: httpx.Response) -> Any:
        """The body, parsed once: JSON with amounts as Decimal (a float rounds past 15 digits); None if not JSON."""
        if not response.content:
            return None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            return None

    def succeeded(self, reply: Reply) -> bool:
        return reply.response.is_success

    def token_refused(self, reply: Reply) -> bool:
        """The provider refused the access token (expired or revoked): a refresh may help."""
        return reply.status == 401

    def rate_limit_hit(self, reply: Reply) -> RateLimitHit | None:
        """Which limit a refusal hit; None when the answer is not a rate-limit refusal."""
        if reply.status == 429:
            return RateLimitHit("window", retry_after_seconds(reply.response))
        return None

    def log_note(self, reply: Reply) -> str:
        """A few words for the DEBUG line of an answer (the provider's error code); never anything secret."""
        return ""

    def observe(self, reply: Reply, limiter: RateLimiter) -> None:
        """Read the provider's remaining-budget headers into the limiter (every answer)."""

    def error(self, reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
        """The unified error for an answer that is not a success: by HTTP status unless overridden."""
        return error_by_status(self.provider, reply, call, hit, reconnect_hint=self.reconnect_hint)


class ApiClient:
    """Talks to one organization's API for one connector. Errors come out as :class:`UnifiedError`."""

    def __init__(
        self,
        *,
        dialect: Dialect,
        base_url: str,
        auth: Auth | None,
        limiter_key: str,
        rate_limit: RateLimitPolicy,
        writes: WriteSafety | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        organization: str | None = None,
        url_field: str = "api_url",
    ) -> None:
        self.dialect = dialect
        self.base_url = checked_base_url(base_url, url_field, provider=dialect.provider)
        self.auth = auth
        self.organization = organization
        self.limiter = RateLimiter.shared(limiter_key, rate_limit)
        self.writes = writes or LookupFirst()
        self.retry = retry or RetryPolicy()
        self.calls = 0
        self._timeout = timeout
        self._closed = False
        self._client = httpx.AsyncClient(
            transport=transport, timeout=timeout, headers={"Accept": "application/json", **(headers or {})}
        )
        self._rng = random.Random()
        self._log = logging.getLogger(dialect.logger_name)

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, organization={self.organization!r}, calls={self.calls})"

    # -- calls -----------------------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Any:
        """One call; the parsed body of a success, or a unified error."""
        reply = await self.send(method, path, params=params, json=json, headers=headers, content=content)
        return reply.body

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> Reply:
        """One call with its retries. ``raw``: a provider refusal comes back as the reply instead of an error."""
        method = method.upper()
        self.url(path)  # a bad path fails before any token is fetched
        call = Call(method, path_only(path), self.organization)
        may_repeat = method in _IDEMPOTENT if idempotent is None else idempotent
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            token: Secret | None = None
            try:
                token = await self.auth.token() if self.auth is not None else None
                # the URL after the token: a refresh may have moved the API (a token response naming its host)
                url = self.url(path)
                reply = await self._send_once(method, url, call, params, json, headers, content, token, attempt)
            except UnifiedError as unsent:
                await self._retry_or_raise(unsent, attempt, may_repeat, call)
                continue
            if token is not None and self.auth is not None and self.dialect.token_refused(reply):
                if not refreshed and await self.auth.invalidate(token):
                    refreshed = True  # expired or revoked: refresh (once, for every caller) and try again
                    continue
                # refused again right after a refresh (here, or by another caller moments ago)
                call = Call(method, call.path, self.organization, refused_after_refresh=True)
            if self.dialect.succeeded(reply):
                return reply
            error = self._error(reply, call)
            if raw and not self.retry.should_retry(error, attempt=attempt, idempotent=may_repeat):
                return reply
            await self._retry_or_raise(error, attempt, may_repeat, call)

    async def write(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        idempotency_key: str | None = None,
        lookup: Lookup | None = None,
    ) -> Any:
        """A write under the connector's write safety. An outcome nobody can settle raises ``outcome="uncertain"``.

        The write strategy marks the call (an idempotency key, a request id) when it can make a resend safe; then
        a lost answer is retried with the same mark. Otherwise ``lookup()`` decides whether the record exists
        (it returns the record's body, else None) and the write is never resent.
        """
        key = idempotency_key or uuid.uuid4().hex
        query = dict(params or {})
        send_headers = dict(headers or {})
        self.writes.mark(key, query, send_headers, caller_key=idempotency_key is not None)
        try:
            reply = await self.send(
                method,
                path,
                params=query,
                json=json,
                headers=send_headers,
                content=content,
                idempotent=self.writes.resend_safe or method.upper() in _IDEMPOTENT,
            )
            return reply.body
        except UnifiedError as error:
            if error.outcome != "uncertain":
                raise
            unconfirmed = error
        return await self._settle(method, path, unconfirmed, lookup)

    async def _settle(self, method: str, path: str, unconfirmed: UnifiedError, lookup: Lookup | None) -> Any:
        where = f"{method.upper()} {path_only(path)}"
        provider = self.dialect.provider
        if lookup is not None:
            self._log.debug("%s: outcome unknown (%s); looking the record up", where, type(unconfirmed).__name__)
            try:
                found = await lookup()
            except UnifiedError as lookup_error:
                raise ConnectorExecutionError(
                    f"{provider} did not confirm {where} ({unconfirmed.message}), and looking the record up failed "
                    f"too ({lookup_error.message}). The record may exist: look for it in {provider} before "
                    "creating it again.",
                    downstream_errors=unconfirmed.downstream_errors,
                    retriable=False,
                    outcome="uncertain",
                ) from lookup_error
            if found is not None:
                self._log.debug("%s: the record exists; returning it", where)
                return found
            looked = "no matching record was found"
        elif self.writes.resend_safe:
            looked = "resending it with the same idempotency key did not settle it either"
        else:
            looked = "the record could not be looked up (give it a number, a reference or an idempotency key)"
        raise ConnectorExecutionError(
            f"{provider} did not confirm {where} ({unconfirmed.message}) and {looked}. The record may still exist: "
            f"look for it in {provider} before creating it again.",
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
        """The provider's own answer, with auth, pacing and retries done; its refusals are not raised."""
        reply = await self.send(method, path, params=self.proxy_params(params), json=json, headers=headers, raw=True)
        return reply.response

    def proxy_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """The query a proxied call sends: a connector adds what every call carries (an organization id)."""
        return dict(params or {})

    async def aclose(self) -> None:
        self._closed = True
        await self._client.aclose()

    # -- one attempt -----------------------------------------------------------------------------------------

    async def _send_once(
        self,
        method: str,
        url: str,
        call: Call,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        token: Secret | None,
        attempt: int,
    ) -> Reply:
        if self._closed or self._client.is_closed:
            raise ConnectorExecutionError(
                f"This {self.dialect.provider} connector is closed: build a new one (or a new client) to go on.",
                retriable=False,
                outcome="failed",
            )
        send_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
        if token is not None:
            send_headers.update(self.dialect.auth_headers(token))
        try:
            request = self._client.build_request(
                method, url, params=params, json=json, headers=send_headers, content=content
            )
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
            raise RequestValidationError(
                f"The request for {call.where} cannot be sent ({type(exc).__name__}): an id, filter value or path "
                "holds characters or a length no URL can carry. Check the values you passed.",
                field="path",
                outcome="failed",
            ) from None
        finally:
            del send_headers
        async with self.limiter.slot():
            self.calls += 1
            started = time.monotonic()
            try:
                response = await self._client.send(request)
            except httpx.TransportError as exc:
                self._log.debug(
                    "%s -> %s after %.3f s (attempt %d)",
                    call.where,
                    type(exc).__name__,
                    time.monotonic() - started,
                    attempt,
                )
                raise self._transport_error(exc, method, call.where) from None
            except RuntimeError as exc:  # httpx: the client was closed under us
                raise ConnectorExecutionError(
                    f"The {self.dialect.provider} connector was closed during {call.where} ({exc}).", outcome="unknown"
                ) from None
            finally:
                del request
        reply = Reply(response, self.dialect.parse(response))
        self._log.debug(
            "%s -> HTTP %d%s in %.3f s (attempt %d)",
            call.where,
            response.status_code,
            self.dialect.log_note(reply),
            time.monotonic() - started,
            attempt,
        )
        self.dialect.observe(reply, self.limiter)
        return reply

    def _transport_error(self, exc: httpx.TransportError, method: str, where: str) -> UnifiedError:
        name = type(exc).__name__
        provider = self.dialect.provider
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return ConnectorTimeoutError(
                f"Could not connect to {provider} in time for {where} ({name}).", outcome="failed"
            )
        if isinstance(exc, httpx.ConnectError):
            return ConnectorConnectionError(f"Could not connect to {provider} for {where} ({name}).", outcome="failed")
        if isinstance(exc, httpx.TimeoutException):
            return ConnectorTimeoutError(
                f"{provider} did not answer {where} within {self._timeout:g} s ({name}).",
                outcome=unknown_outcome(method),
            )
        return ConnectorConnectionError(
            f"The connection to {provider} dropped during {where} before an answer ({name}).",
            outcome=unknown_outcome(method),
        )

    def _error(self, reply: Reply, call: Call) -> UnifiedError:
        hit = self.dialect.rate_limit_hit(reply)
        if hit is not None:
            hit = self._react(hit)
        return self.dialect.error(reply, call, hit)

    def _react(self, hit: RateLimitHit) -> RateLimitHit:
        """The limiter's answer to a refusal: no call before a spent day resets; a pause after a window's 429."""
        if hit.kind == "day":
            wait = hit.retry_after if hit.retry_after is not None else self.limiter.day_resets_in()
            self.limiter.exhaust_day(wait)
            return RateLimitHit("day", wait)
        if hit.kind == "window":
            wait = hit.retry_after if hit.retry_after is not None else self.limiter.policy.window
            self.limiter.penalize(wait)
            return RateLimitHit("window", wait)
        return RateLimitHit("concurrency", None)  # a short jittered backoff, not a wait for the window

    async def _retry_or_raise(self, error: UnifiedError, attempt: int, idempotent: bool, call: Call) -> None:
        if not self.retry.should_retry(error, attempt=attempt, idempotent=idempotent):
            raise error
        retry_after = error.retry_after if isinstance(error, ConnectorRateLimitError) else None
        delay = self.retry.delay(attempt, retry_after=retry_after, rng=self._rng)
        self._log.debug(
            "%s on %s; retrying in %.3f s (attempt %d)", type(error).__name__, call.path, delay, attempt + 1
        )
        await asyncio.sleep(delay)

    # -- URLs ------------------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        if not isinstance(path, str) or "://" in path or path.startswith("//") or "\x00" in path:
            raise RequestValidationError(
                f"path {path!r} must be a path under the {self.dialect.provider} API, like '/invoices'.", field="path"
            )
        if ".." in urlsplit(path).path.split("/"):
            raise RequestValidationError(f"path {path!r} must not climb out of the API with '..'.", field="path")
        return f"{self.base_url}/{path.lstrip('/')}"


# -- helpers a dialect uses -----------------------------------------------------------------------------------


def checked_base_url(url: str, field: str, *, provider: str) -> str:
    base = url.strip().rstrip("/") if isinstance(url, str) else ""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RequestValidationError(f"{field} {url!r} is not an http(s) URL for {provider}.", field=field)
    return base


def path_only(path: str) -> str:
    """The path without its query string: a query could carry what a log must not."""
    return "/" + urlsplit(path).path.lstrip("/")


def number_header(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, from a number or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    seconds = number_header(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def resets_at_of(hit: RateLimitHit | None) -> datetime | None:
    if hit is None or hit.kind != "day" or hit.retry_after is None:
        return None
    return datetime.now(UTC) + timedelta(seconds=hit.retry_after)


def error_by_status(
    provider: str,
    reply: Reply,
    call: Call,
    hit: RateLimitHit | None,
    *,
    message: str | None = None,
    code: str | None = None,
    reconnect_hint: str = "reconnect",
) -> UnifiedError:
    """The unified error for an HTTP status, with the provider's own ``code`` and ``message`` kept."""
    status = reply.status
    said = message or f"HTTP {status}"
    common: dict[str, Any] = {
        "detail": {"request": call.where, "status": status},
        "downstream_errors": [DownstreamError(code, said, status)],
    }
    where = call.where
    if reply.body is None and status >= 500:
        kind = reply.headers.get("content-type") or "no content type"
        return ConnectorExecutionError(
            f"{provider} answered {where} with HTTP {status} and {kind} instead of JSON (a proxy or outage page).",
            retriable=True,
            outcome=unknown_outcome(call.method),
            **common,
        )
    if hit is not None:
        if hit.kind == "day":
            when = resets_at_of(hit)
            at = f" It resets at {when.isoformat(timespec='seconds')}." if when else ""
            return ConnectorRateLimitError(
                f"The daily {provider} API budget is used up ({said}).{at} No call succeeds before then.",
                retry_after=hit.retry_after,
                resets_at=when,
                retriable=False,
                outcome="failed",
                **common,
            )
        what = "too many requests are in flight" if hit.kind == "concurrency" else "the request rate limit was reached"
        wait = f"; retry after {hit.retry_after:g} s" if hit.retry_after is not None else ""
        return ConnectorRateLimitError(
            f"{provider} refused {where}: {what} ({said}){wait}.",
            retry_after=hit.retry_after,
            retriable=True,
            outcome="failed",
            **common,
        )
    if status == 401:
        if call.refused_after_refresh:
            text = (
                f"{provider} refused {where} with a token refreshed moments ago ({said}): the grant was revoked or "
                f"lacks access to this endpoint. {reconnect_hint.capitalize()}."
            )
        else:
            text = f"{provider} did not accept the credentials for {where} ({said}). {reconnect_hint.capitalize()}."
        return UnauthorizedError(text, outcome="failed", **common)
    if status == 403:
        return ForbiddenError(f"{provider} does not allow {where} ({said}).", outcome="failed", **common)
    if status == 404:
        return EntityNotFoundError(f"{provider} has no such record for {where} ({said}).", outcome="failed", **common)
    if status in (409, 412):
        return ConflictError(f"{provider} refused {where}: {said}", outcome="failed", **common)
    if status >= 500:
        return ConnectorExecutionError(
            f"{provider} failed on {where} (HTTP {status}, {said}).",
            retriable=True,
            outcome=unknown_outcome(call.method),
            **common,
        )
    if 400 <= status < 500:
        return RequestValidationError(f"{provider} refused {where}: {said}", outcome="failed", **common)
    return ConnectorExecutionError(
        f"{provider} reported an error for {where} ({said}).", retriable=False, outcome="failed", **common
    )
