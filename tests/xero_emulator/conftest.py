"""A small Xero client written from Xero's documents (not from any connector), for driving the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from json import loads
from typing import Any

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator
from unified.emulator import Clock

API = "/api.xro/2.0"
START = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


class Xero:
    """Plain httpx calls as Xero's pages describe them: a token from /connect/token (HTTP Basic client
    authentication), then `Authorization: Bearer` and `xero-tenant-id` on every Accounting API call."""

    def __init__(self, emu: XeroEmulator, http: httpx.AsyncClient) -> None:
        self.emu = emu
        self.http = http
        self.refresh_token = emu.refresh_token
        self.tenant = emu.tenant_id
        self._token: str | None = None

    async def refresh(self, refresh_token: str | None = None) -> httpx.Response:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token or self.refresh_token}
        return await self.http.post("/connect/token", data=form, auth=(self.emu.client_id, self.emu.client_secret))

    async def token(self) -> str:
        if self._token is None:
            response = await self.refresh()
            assert response.status_code == 200, response.text
            body = response.json()
            self.refresh_token = body["refresh_token"]
            self._token = body["access_token"]
        return self._token

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        tenant: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = {
            "Authorization": f"Bearer {await self.token()}",
            "xero-tenant-id": tenant or self.tenant,
            "Accept": "application/json",
            **(headers or {}),
        }
        return await self.http.request(method, f"{API}{path}", params=params, json=json, headers=sent, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = loads(response.text, parse_float=Decimal)  # Xero's amounts, exactly
        assert body["Status"] == "OK"
        return body


def small(**overrides: Any) -> XeroEmulator:
    options: dict[str, Any] = {
        "contacts": 40,
        "invoices": 120,
        "bills": 30,
        "expenses": 20,
        "clock": Clock(start=START),
    }
    options.update(overrides)
    return XeroEmulator(**options).wait_ready()


@pytest.fixture
def emu() -> XeroEmulator:
    return small()


@pytest.fixture
async def http(emu: XeroEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as client:
        yield client


@pytest.fixture
def xero(emu: XeroEmulator, http: httpx.AsyncClient) -> Xero:
    return Xero(emu, http)


def invoice(contact_id: str, **extra: Any) -> dict[str, Any]:
    """An ACCREC invoice as Xero's examples write one."""
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2025-06-01",
        "DueDate": "2025-06-30",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {"Description": "Design work", "Quantity": 2, "UnitAmount": 100, "AccountCode": "200", "TaxType": "OUTPUT2"}
        ],
    }
    body.update(extra)
    return body


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
