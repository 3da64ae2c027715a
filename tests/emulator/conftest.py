"""A small Zoho client written from Zoho's documents (not from the connector), for driving the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "zoho_samples"


class Zoho:
    """Plain httpx calls as Zoho's pages describe them: token from /oauth/v2/token, then
    `Authorization: Zoho-oauthtoken <token>` and `?organization_id=` on /books/v3 calls."""

    def __init__(self, emu: ZohoBooksEmulator, http: httpx.AsyncClient) -> None:
        self.emu = emu
        self.http = http
        self.org = emu.organization_id
        self._token: str | None = None

    async def refresh(self, **extra: str) -> httpx.Response:
        form = {
            "refresh_token": self.emu.refresh_token,
            "client_id": self.emu.client_id,
            "client_secret": self.emu.client_secret,
            "grant_type": "refresh_token",
            **extra,
        }
        return await self.http.post("/oauth/v2/token", data=form)

    async def token(self) -> str:
        if self._token is None:
            response = await self.refresh()
            self._token = response.json()["access_token"]
        return self._token

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        org: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        query = {"organization_id": org or self.org, **(params or {})}
        auth = {"Authorization": f"Zoho-oauthtoken {token or await self.token()}", **(headers or {})}
        return await self.http.request(method, f"/books/v3{path}", params=query, json=json, headers=auth, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call that must succeed: Zoho's envelope with code 0."""
        response = await self.call(method, path, **kwargs)
        body: dict[str, Any] = response.json()
        assert response.status_code in (200, 201), (response.status_code, body)
        assert body["code"] == 0, body
        return body

    async def all_pages(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self.ok("GET", path, params={**params, "page": page})
            rows.extend(body[key])
            if not body["page_context"]["has_more_page"]:
                return rows
            page += 1


def asgi_client(emu: ZohoBooksEmulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://books.test")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu() -> ZohoBooksEmulator:
    return ZohoBooksEmulator(seed=11, contacts=24, invoices=30, bills=12, expenses=12, rate_limit=10_000)


@pytest.fixture
async def zoho(emu: ZohoBooksEmulator) -> AsyncIterator[Zoho]:
    async with asgi_client(emu) as http:
        yield Zoho(emu, http)
    emu.close()


def ids_of(emu: ZohoBooksEmulator, module: str, **match: Any) -> list[str]:
    """Ids of seeded records, e.g. ids_of(emu, "contacts", contact_type="customer")."""
    id_field = {"chartofaccounts": "account_id", "taxes": "tax_id", "items": "item_id"}.get(module, module[:-1] + "_id")
    return [
        str(r[id_field])
        for r in emu.records(emu.organization_id, module)
        if all(r.get(k) == v for k, v in match.items())
    ]
