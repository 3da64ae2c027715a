"""A small local QuickBooks on a frozen clock, served on a loopback port for the length of a test."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.quickbooks.emulator import QuickBooksEmulator
from unified.emulator import Clock

START = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)  # seeded records end 2025-06-30: all past the CDC horizon


def make_emulator(**options: Any) -> QuickBooksEmulator:
    settings: dict[str, Any] = {"seed": 7, "contacts": 12, "invoices": 20, "bills": 6, "expenses": 6}
    settings.update(options)
    settings.setdefault("clock", Clock(start=START))
    return QuickBooksEmulator(**settings).wait_ready()


class Api:
    """QuickBooks calls for one company with a fresh access token."""

    def __init__(
        self, emu: QuickBooksEmulator, client: httpx.Client, realm_id: str | None = None, refresh_token: str = ""
    ) -> None:
        self.emu = emu
        self.client = client
        self.realm_id = realm_id or emu.realm_id
        tokens = token_response(client, emu, refresh_token or emu.refresh_token).json()
        self.token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def url(self, path: str) -> str:
        return f"/v3/company/{self.realm_id}/{path.lstrip('/')}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(self.url(path), params={"minorversion": "75", **params}, headers=self.headers)

    def post(self, path: str, body: Any, **params: Any) -> httpx.Response:
        return self.client.post(
            self.url(path), params={"minorversion": "75", **params}, json=body, headers=self.headers
        )

    def query(self, text: str) -> httpx.Response:
        return self.client.post(
            self.url("query"),
            params={"minorversion": "75"},
            content=text,
            headers={**self.headers, "Content-Type": "application/text"},
        )

    def rows(self, text: str) -> list[dict[str, Any]]:
        response = self.query(text)
        assert response.status_code == 200, response.text
        answer = response.json()["QueryResponse"]
        entity = next((k for k in answer if k not in ("startPosition", "maxResults", "totalCount")), None)
        return list(answer[entity]) if entity else []


def basic(emu: QuickBooksEmulator) -> str:
    return "Basic " + base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()


def token_response(client: httpx.Client, emu: QuickBooksEmulator, refresh_token: str) -> httpx.Response:
    return client.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": basic(emu), "Accept": "application/json"},
    )


def fault_code(response: httpx.Response) -> str:
    return str(response.json()["Fault"]["Error"][0]["code"])


@pytest.fixture
def emu() -> Iterator[QuickBooksEmulator]:
    emulator = make_emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def client(emu: QuickBooksEmulator) -> Iterator[httpx.Client]:
    with emu.serve(), httpx.Client(base_url=emu.url, timeout=10) as http:
        yield http


@pytest.fixture
def api(emu: QuickBooksEmulator, client: httpx.Client) -> Api:
    return Api(emu, client)
