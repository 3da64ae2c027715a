"""The Acme Ledger connector: everything that is Acme's, and nothing else.

- its settings (one declaration: CLI flags, ``UNIFIED_ACME_*``, the vault and reprs follow);
- its :class:`~unified.toolkit.Dialect`: how Acme spells errors (``{"error": {"code", "message"}}``);
- its capabilities: contacts only, listed by page number, created with an idempotency key;
- its mapping: Acme's contact <-> the unified :class:`~schemas.Contact`.

The toolkit does the rest: OAuth refresh with rotating refresh tokens, pacing, retries, write safety, cursors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from schemas import Contact, Email
from unified.connector import Capabilities, Connector, ListQuery, Page, ResourceCapabilities, operations
from unified.errors import RequestValidationError, UnifiedError
from unified.ratelimit import RateLimitPolicy
from unified.secret import Secret
from unified.settings import ConnectionSettings, Setting
from unified.toolkit import (
    ApiClient,
    Call,
    Dialect,
    IdempotencyHeader,
    OAuthClient,
    PageNumbers,
    RateLimitHit,
    Reply,
    TokenManager,
    TokenStore,
    error_by_status,
)

SETTINGS = ConnectionSettings(
    env_prefix="UNIFIED_ACME_",
    settings=(
        Setting("client_id", help="OAuth client id."),
        Setting("client_secret", secret=True, help="OAuth client secret."),
        Setting("refresh_token", secret=True, help="OAuth refresh token."),
        Setting("company_id", help="The company to read."),
        Setting("api_url", required=False, help="API root, e.g. an emulator's."),
        Setting("window_seconds", type=float, required=False, flag=False, help="Rate window length (emulators)."),
    ),
)

CAPABILITIES = Capabilities(
    resources={
        "contacts": ResourceCapabilities(
            operations=operations("list", "get", "create", "update"),
            writable_fields=frozenset({"display_name", "emails"}),
            read_only_fields=frozenset({"id", "updated_at"}),
            max_page_size=50,
        )
    }
)
_PAGES = PageNumbers(max_size=50)


class AcmeDialect(Dialect):
    provider = "Acme Ledger"
    reconnect_hint = "reconnect (`unified connect acme-ledger`)"

    def error(self, reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
        found = reply.body.get("error") if isinstance(reply.body, Mapping) else None
        said = found if isinstance(found, Mapping) else {}
        return error_by_status(
            self.provider,
            reply,
            call,
            hit,
            message=str(said.get("message") or f"HTTP {reply.status}"),
            code=str(said.get("code")) if said.get("code") else None,
            reconnect_hint=self.reconnect_hint,
        )


def contact_from_acme(row: Mapping[str, Any], *, raw: bool = False) -> Contact:
    email = row.get("email")
    return Contact(
        id=str(row["id"]),
        display_name=str(row.get("name") or ""),
        emails=[Email(email=email)] if email else None,
        updated_at=datetime.fromtimestamp(float(row["updated"]), UTC) if row.get("updated") else None,
        raw=dict(row) if raw else None,
    )


def contact_to_acme(record: Contact) -> dict[str, Any]:
    body: dict[str, Any] = {}
    fields = record.model_fields_set
    if "display_name" in fields:
        body["name"] = record.display_name
    if "emails" in fields:
        if record.emails and len(record.emails) > 1:
            raise RequestValidationError("Acme Ledger keeps one email per contact; send one.", field="emails")
        body["email"] = record.emails[0].email if record.emails else None
    return body


class AcmeLedgerConnector(Connector):
    name: ClassVar[str] = "acme-ledger"
    settings: ClassVar[ConnectionSettings | None] = SETTINGS

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | Secret,
        refresh_token: str | Secret,
        company_id: str,
        api_url: str = "https://api.acme-ledger.example",
        window_seconds: float = 60.0,
        token_store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not company_id:
            raise RequestValidationError("company_id is required: the company to read.", field="company_id")
        base = api_url.rstrip("/")
        oauth = OAuthClient(
            client_id,
            client_secret,
            authorize_url=f"{base}/oauth/authorize",
            token_url=f"{base}/oauth/token",
            client_auth="basic",
            transport=transport,
        )
        self.tokens = TokenManager(oauth, refresh_token=refresh_token, store=token_store)
        self.http = ApiClient(
            dialect=AcmeDialect(),
            base_url=f"{base}/api",
            auth=self.tokens,
            limiter_key=f"acme-ledger:{base}:{company_id}",
            rate_limit=RateLimitPolicy(limit=30, window=window_seconds, max_concurrent=3),
            writes=IdempotencyHeader("Idempotency-Key"),
            transport=transport,
            organization=company_id,
        )

    def __repr__(self) -> str:
        return f"AcmeLedgerConnector(base_url={self.http.base_url!r})"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        position = _PAGES.position(query.cursor, query.limit)
        body = await self.http.request("GET", "/contacts", params={"page": position.start, "size": position.size})
        records = [contact_from_acme(row, raw=query.raw) for row in body.get("items", [])]
        return Page(data=records, next_cursor=_PAGES.next_cursor(position, more=bool(body.get("has_more"))))

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        return contact_from_acme(await self.http.request("GET", f"/contacts/{id}"), raw=raw)

    async def create(
        self, resource: str, record: BaseModel, *, raw: bool = False, idempotency_key: str | None = None
    ) -> BaseModel:
        assert isinstance(record, Contact)
        body = await self.http.write("POST", "/contacts", json=contact_to_acme(record), idempotency_key=idempotency_key)
        return contact_from_acme(body, raw=raw)

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        assert isinstance(record, Contact)
        return contact_from_acme(await self.http.request("PUT", f"/contacts/{id}", json=contact_to_acme(record)))

    async def aclose(self) -> None:
        await self.http.aclose()
