"""The API host comes from the token response's api_domain, as Zoho says, unless api_url is given."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.connector import _books_url
from connectors.zoho_books.emulator import ZohoBooksEmulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    with ZohoBooksEmulator(seed=3, contacts=3, invoices=2, bills=1, expenses=1).serve() as running:
        yield running


def test_the_connector_follows_the_api_domain_of_the_token(emu: ZohoBooksEmulator) -> None:
    # data center "eu" would mean www.zohoapis.eu; the token response names the emulator, and wins
    connector = ZohoBooksConnector(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        organization_id=emu.organization_id,
        data_center="eu",
        accounts_url=emu.accounts_url,
    )
    assert connector.http.api_url == "https://www.zohoapis.eu/books/v3"

    async def main() -> list[dict[str, object]]:
        try:
            return await connector.organizations()
        finally:
            await connector.aclose()

    organizations = asyncio.run(main())
    assert connector.http.api_url == emu.api_url
    assert emu.organization_id in {o["organization_id"] for o in organizations}


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("https://www.zohoapis.in", "https://www.zohoapis.in/books/v3"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/books/v3"),
        ("http://www.zohoapis.com", None),
        ("not a url", None),
    ],
)
def test_only_https_or_loopback_api_domains_are_followed(domain: str, expected: str | None) -> None:
    assert _books_url(domain) == expected
