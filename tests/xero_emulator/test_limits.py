"""Xero's limits: per tenant 60 a minute, 5,000 a day (rolling), 5 in flight; per app 10,000 a minute."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator

from .conftest import Xero, small

pytestmark = pytest.mark.anyio


async def _client(emu: XeroEmulator, http: httpx.AsyncClient) -> Xero:
    xero = Xero(emu, http)
    await xero.token()
    return xero


async def test_headers_count_down_per_tenant(xero: Xero) -> None:
    first = await xero.call("GET", "/Organisation")
    second = await xero.call("GET", "/Organisation")
    assert int(first.headers["X-MinLimit-Remaining"]) == 59
    assert int(second.headers["X-MinLimit-Remaining"]) == 58
    assert int(second.headers["X-DayLimit-Remaining"]) == 4998
    assert int(second.headers["X-AppMinLimit-Remaining"]) == 9998


async def test_the_minute_limit_per_tenant(http: httpx.AsyncClient) -> None:
    emu = small(minute_limit=3, contacts=2, invoices=0, bills=0, expenses=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as http:
        xero = await _client(emu, http)
        for _ in range(3):
            assert (await xero.call("GET", "/Organisation")).status_code == 200
        refused = await xero.call("GET", "/Organisation")
        assert refused.status_code == 429
        assert refused.headers["X-Rate-Limit-Problem"] == "minute"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-MinLimit-Remaining"] == "0"
        other = emu.tenant_ids[1]
        assert (await xero.call("GET", "/Organisation", tenant=other)).status_code == 200
        emu.advance_time(60)
        assert (await xero.call("GET", "/Organisation")).status_code == 200


async def test_refused_calls_do_not_count(http: httpx.AsyncClient) -> None:
    emu = small(minute_limit=2, contacts=2, invoices=0, bills=0, expenses=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as http:
        xero = await _client(emu, http)
        for _ in range(2):
            await xero.call("GET", "/Organisation")
        for _ in range(5):
            assert (await xero.call("GET", "/Organisation")).status_code == 429
        emu.advance_time(60)
        assert (await xero.call("GET", "/Organisation")).headers["X-MinLimit-Remaining"] == "1"


async def test_the_app_minute_limit_spans_tenants() -> None:
    emu = small(app_minute_limit=4, contacts=2, invoices=0, bills=0, expenses=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as http:
        xero = await _client(emu, http)
        first, second = emu.tenant_ids
        for tenant in (first, second, first, second):
            assert (await xero.call("GET", "/Organisation", tenant=tenant)).status_code == 200
        refused = await xero.call("GET", "/Organisation", tenant=second)
        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"


async def test_the_day_limit_rolls_over_24_hours() -> None:
    emu = small(day_limit=3, contacts=2, invoices=0, bills=0, expenses=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as http:
        xero = await _client(emu, http)
        for _ in range(3):
            assert (await xero.call("GET", "/Organisation")).status_code == 200
        emu.advance_time(120)
        refused = await xero.call("GET", "/Organisation")
        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
        assert int(refused.headers["Retry-After"]) > 3600
        assert refused.headers["X-DayLimit-Remaining"] == "0"
        emu.advance_time(24 * 3600)
        xero._token = None  # the access token expired meanwhile: refresh with the current refresh token
        assert (await xero.call("GET", "/Organisation")).status_code == 200


async def test_no_more_than_five_in_flight_per_tenant() -> None:
    emu = small(contacts=2, invoices=0, bills=0, expenses=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app), base_url="http://xero.test") as http:
        xero = await _client(emu, http)
        emu.faults.fail_next(5, "timeout", path="/Organisation")  # five calls held open, in flight
        held = [asyncio.create_task(xero.call("GET", "/Organisation")) for _ in range(5)]
        deadline = time.monotonic() + 10
        while emu.limits.in_flight(emu.tenant_id, "tenant") < 5:  # poll until all five are being served
            assert time.monotonic() < deadline, "the held calls never started"
            await asyncio.sleep(0.005)
        refused = await xero.call("GET", "/Organisation")
        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "concurrent"
        assert refused.headers["Retry-After"] == "1"
        other = await xero.call("GET", "/Organisation", tenant=emu.tenant_ids[1])
        assert other.status_code == 200
        emu.faults.release()
        results = await asyncio.gather(*held, return_exceptions=True)
        assert all(isinstance(r, httpx.RemoteProtocolError) for r in results)
        assert (await xero.call("GET", "/Organisation")).status_code == 200
