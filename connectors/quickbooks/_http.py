"""QuickBooks Online on the toolkit's request loop: one company (realm) per client, ``minorversion`` on every call.

Paths are under ``{api_url}/v3/company/{realmId}``. Reads go through the query endpoint (``POST /query``,
``application/text``, which the loop may repeat: a query changes nothing). Writes carry ``requestid``
(:class:`~unified.toolkit.RequestIdParam`): QuickBooks answers a repeat with the first answer, so a write whose
answer was lost is sent again with the same id and yields one record. Pacing: 500 requests a window and 10 in
flight per realm, shared by every client of the realm in the process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.quickbooks._errors import AUTH_CODES, PROVIDER, RECONNECT, THROTTLED, error_for, fault_of
from connectors.quickbooks._query import Select
from connectors.quickbooks.settings import MINOR_VERSION
from unified.errors import ConnectorExecutionError, RequestValidationError, UnifiedError
from unified.ratelimit import RateLimitPolicy
from unified.retry import RetryPolicy
from unified.toolkit import ApiClient, Auth, Call, Dialect, RateLimitHit, Reply, RequestIdParam, retry_after_seconds

__all__ = ["QuickBooksDialect", "QuickBooksHttp", "policy"]

REQUESTS_PER_WINDOW = 500
IN_FLIGHT = 10


def policy(window_seconds: float = 60.0) -> RateLimitPolicy:
    """QuickBooks' limits per realm: 500 requests a minute, 10 in flight (``window_seconds`` scales the minute)."""
    if isinstance(window_seconds, bool) or not isinstance(window_seconds, int | float) or not window_seconds > 0:
        raise RequestValidationError(
            f"window_seconds must be a positive number of seconds; got {window_seconds!r}.", field="window_seconds"
        )
    return RateLimitPolicy(limit=REQUESTS_PER_WINDOW, window=float(window_seconds), max_concurrent=IN_FLIGHT)


class QuickBooksDialect(Dialect):
    provider = PROVIDER
    reconnect_hint = RECONNECT

    def parse(self, response: httpx.Response) -> Any:
        body = super().parse(response)
        return body if isinstance(body, dict) else None

    def succeeded(self, reply: Reply) -> bool:
        return reply.response.is_success and reply.body is not None and fault_of(reply.body) is None

    def token_refused(self, reply: Reply) -> bool:
        if reply.status != 401:
            return False
        fault = fault_of(reply.body)
        return fault is None or fault.code is None or fault.code in AUTH_CODES

    def rate_limit_hit(self, reply: Reply) -> RateLimitHit | None:
        fault = fault_of(reply.body)
        if reply.status != 429 and (fault is None or fault.code != THROTTLED):
            return None
        said = f"{fault.message} {fault.detail}".lower() if fault is not None else ""
        if "concurren" in said:
            return RateLimitHit("concurrency")
        return RateLimitHit("window", retry_after_seconds(reply.response))

    def log_note(self, reply: Reply) -> str:
        fault = fault_of(reply.body)
        return f" fault {fault.code}" if fault is not None and fault.code else ""

    def error(self, reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
        return error_for(reply, call, hit)


class QuickBooksHttp(ApiClient):
    """Talks to one company: the toolkit's loop with QuickBooks' dialect, realm path and minor version."""

    def __init__(
        self,
        *,
        tokens: Auth,
        api_url: str,
        realm_id: str,
        minorversion: int = MINOR_VERSION,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: RateLimitPolicy | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        realm = realm_id.strip() if isinstance(realm_id, str) else ""
        if not realm.isdigit():
            raise RequestValidationError(
                f"realm_id {realm_id!r} is not a QuickBooks company id: use the realmId the OAuth redirect named "
                "(digits, e.g. 9130717114118401).",
                field="realm_id",
            )
        if isinstance(minorversion, bool) or not isinstance(minorversion, int) or minorversion < 1:
            raise RequestValidationError(
                f"minorversion must be a positive whole number (QuickBooks serves 75 and later); got {minorversion!r}.",
                field="minorversion",
            )
        root = api_url.strip().rstrip("/") if isinstance(api_url, str) else ""
        self.realm_id = realm
        self.minorversion = minorversion
        self.api_url = root
        super().__init__(
            dialect=QuickBooksDialect(),
            base_url=f"{root}/v3/company/{realm}",
            auth=tokens,
            limiter_key=f"quickbooks:{urlsplit(root).netloc}:{realm}",
            rate_limit=rate_limit or policy(),
            writes=RequestIdParam("requestid", max_length=50),
            retry=retry,
            timeout=timeout,
            transport=transport,
            organization=realm,
        )

    def __repr__(self) -> str:
        return f"QuickBooksHttp(api_url={self.api_url!r}, realm_id={self.realm_id!r}, calls={self.calls})"

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
        query = {"minorversion": self.minorversion, **(params or {})}
        return await super().send(
            method, path, params=query, json=json, headers=headers, content=content, idempotent=idempotent, raw=raw
        )

    async def query(self, select: Select) -> tuple[list[dict[str, Any]], Mapping[str, Any]]:
        """The rows of one page of a query, and the QueryResponse around them."""
        reply = await self.send(
            "POST",
            "/query",
            content=select.text(),
            headers={"Content-Type": "application/text"},
            idempotent=True,  # a query writes nothing: safe to repeat after a lost answer
        )
        response = (reply.body or {}).get("QueryResponse")
        if not isinstance(response, Mapping):
            raise ConnectorExecutionError(f"QuickBooks answered a query of {select.entity} without a QueryResponse.")
        rows = response.get(select.entity)
        if rows is None:
            return [], response
        if not isinstance(rows, list):
            raise ConnectorExecutionError(f"QuickBooks answered a query of {select.entity} with no list of rows.")
        return [row for row in rows if isinstance(row, dict)], response

    async def read(self, entity: str, record_id: str) -> dict[str, Any]:
        """``GET /{entity}/{id}``: the record's payload."""
        body = await self.request("GET", f"/{entity.lower()}/{record_id}")
        return entity_of(body, entity)

    async def save(
        self,
        entity: str,
        payload: Mapping[str, Any],
        *,
        operation: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """``POST /{entity}`` (a create, a sparse update, or ``operation=delete``) with a request id: the caller's
        ``idempotency_key`` (at most 50 characters), else one made for this write."""
        params = {"operation": operation} if operation else None
        body = await self.write(
            "POST", f"/{entity.lower()}", json=dict(payload), params=params, idempotency_key=idempotency_key
        )
        return entity_of(body, entity)


def entity_of(body: Any, entity: str) -> dict[str, Any]:
    found = body.get(entity) if isinstance(body, Mapping) else None
    if not isinstance(found, dict):
        raise ConnectorExecutionError(f"QuickBooks answered without the {entity} it was asked for.")
    return found
