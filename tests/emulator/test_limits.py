"""Limits per organization: 100 per window (429 code 44), the daily cap by plan (45), requests in flight (1070)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho, asgi_client

pytestmark = pytest.mark.anyio


async def _zoho(emu: ZohoBooksEmulator) -> AsyncIterator[Zoho]:
    async with asgi_client(emu) as http:
        yield Zoho(emu, http)


@pytest.fixture
async def limited() -> AsyncIterator[Zoho]:
    emu = ZohoBooksEmulator(contacts=3, invoices=0, bills=0, expenses=0, rate_limit=5, window_seconds=60)
    async for zoho in _zoho(emu):
        yield zoho


async def test_request_past_the_window_limit_is_429_code_44(limited: Zoho) -> None:
    for _ in range(5):
        assert (await limited.call("GET", "/contacts")).status_code == 200
    refused = await limited.call("GET", "/contacts")
    assert refused.status_code == 429
    assert refused.json() == {
        "code": 44,
        "message": "For security reasons your organization has been blocked as it have exceeded the maximum number "
        "of requests per minute that can originate from an organization.",
    }
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert 0 < float(refused.headers["X-Emulator-Retry-After"]) <= 60
    # Refused requests do not count: once the window has passed the budget is whole again.
    limited.emu.advance_time(60)
    for _ in range(5):
        assert (await limited.call("GET", "/contacts")).status_code == 200


async def test_window_is_sliding(limited: Zoho) -> None:
    for _ in range(3):
        await limited.call("GET", "/contacts")
    limited.emu.advance_time(30)
    for _ in range(2):
        await limited.call("GET", "/contacts")
    assert (await limited.call("GET", "/contacts")).status_code == 429
    limited.emu.advance_time(31)  # the first three have left the window
    assert (await limited.call("GET", "/contacts")).status_code == 200


async def test_oauth_and_emulator_routes_are_not_limited(limited: Zoho) -> None:
    for _ in range(6):
        await limited.call("GET", "/contacts")
    assert (await limited.http.get("/__emulator/stats")).status_code == 200
    assert "access_token" in (await limited.refresh()).json()


async def test_limits_are_per_organization() -> None:
    emu = ZohoBooksEmulator(contacts=2, invoices=0, bills=0, expenses=0, rate_limit=2, organizations=2)
    async for zoho in _zoho(emu):
        first, second = emu.organization_ids
        for _ in range(2):
            await zoho.call("GET", "/contacts", org=first)
        assert (await zoho.call("GET", "/contacts", org=first)).status_code == 429
        assert (await zoho.call("GET", "/contacts", org=second)).status_code == 200


async def test_daily_cap_is_429_code_45_until_the_day_resets() -> None:
    emu = ZohoBooksEmulator(contacts=2, invoices=0, bills=0, expenses=0, plan="free", daily_limit=3, window_seconds=1)
    async for zoho in _zoho(emu):
        first = await zoho.call("GET", "/contacts")
        assert first.headers["X-Rate-Limit-Limit"] == "3"
        assert first.headers["X-Rate-Limit-Remaining"] == "2"
        await zoho.call("GET", "/contacts")
        await zoho.call("GET", "/contacts")
        refused = await zoho.call("GET", "/contacts")
        assert refused.status_code == 429
        assert refused.json() == {
            "code": 45,
            "message": "The API call for this organization has exceeded the maximum call rate limit of 3.",
        }
        assert 1 <= int(refused.headers["Retry-After"]) <= 1440  # a "day" is 1440 windows of 1 s
        emu.advance_time(1440)
        assert (await zoho.call("GET", "/contacts")).status_code == 200


@pytest.mark.parametrize(
    ("plan", "cap"), [("free", 1000), ("standard", 2000), ("professional", 5000), ("premium", 10000)]
)
async def test_daily_cap_by_plan(plan: str, cap: int) -> None:
    emu = ZohoBooksEmulator(contacts=1, invoices=0, bills=0, expenses=0, plan=plan)
    async for zoho in _zoho(emu):
        response = await zoho.call("GET", "/contacts")
        assert response.headers["X-Rate-Limit-Limit"] == str(cap)
        assert response.headers["X-Rate-Limit-Remaining"] == str(cap - 1)
        assert int(response.headers["X-Rate-Limit-Reset"]) > 0


async def _fill_slots(zoho: Zoho, count: int) -> list[asyncio.Task[httpx.Response]]:
    zoho.emu.faults.timeout_seconds = 30
    zoho.emu.faults.fail_next(count, "timeout")
    held = [asyncio.create_task(zoho.call("GET", "/contacts")) for _ in range(count)]
    while zoho.emu.limits.in_flight(zoho.org) < count:  # noqa: ASYNC110 - poll until every held call is in
        await asyncio.sleep(0)
    return held


@pytest.mark.parametrize(("plan", "slots"), [("free", 5), ("premium", 10)])
async def test_requests_in_flight_past_the_plan_are_429_code_1070(plan: str, slots: int) -> None:
    emu = ZohoBooksEmulator(contacts=1, invoices=0, bills=0, expenses=0, plan=plan)
    async for zoho in _zoho(emu):
        await zoho.token()
        held = await _fill_slots(zoho, slots)
        refused = await zoho.call("GET", "/contacts")
        assert refused.status_code == 429
        assert refused.json()["code"] == 1070
        assert refused.json()["message"].startswith("You have reached the maximum number of in process requests")
        assert int(refused.headers["Retry-After"]) >= 1
        emu.faults.release()
        results = await asyncio.gather(*held, return_exceptions=True)
        assert all(isinstance(r, httpx.RemoteProtocolError) for r in results)  # a held call is never answered
        assert (await zoho.call("GET", "/contacts")).status_code == 200
