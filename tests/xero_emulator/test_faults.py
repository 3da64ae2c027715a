"""Injected faults, as the Zoho emulator has them: answers in Xero's shapes, held and dropped connections."""

from __future__ import annotations

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator

from .conftest import Xero, invoice

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("kind", "status", "check"),
    [
        ("500", 500, lambda r: r.json()["Status"] == 500),
        ("503", 503, lambda r: r.json()["Title"] == "Service Unavailable"),
        ("html", 502, lambda r: r.headers["content-type"].startswith("text/html")),
        ("expired_token", 401, lambda r: r.json()["Detail"].startswith("TokenExpired")),
    ],
)
async def test_answered_faults(emu: XeroEmulator, xero: Xero, kind: str, status: int, check: object) -> None:
    await xero.token()
    emu.faults.fail_next(1, kind, path="/Invoices")
    faulted = await xero.call("GET", "/Invoices")
    assert faulted.status_code == status
    assert callable(check) and check(faulted)
    assert (await xero.call("GET", "/Invoices")).status_code == 200
    assert emu.stats()["by_fault"] == {kind: 1}


async def test_drop_loses_the_call_and_drop_after_commit_keeps_it(emu: XeroEmulator, xero: Xero) -> None:
    contact = emu.records("Contacts")[0]["ContactID"]
    await xero.token()
    before = len(emu.records("Invoices"))
    emu.faults.fail_next(1, "drop", method="PUT")
    with pytest.raises(httpx.RemoteProtocolError):
        await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact)]})
    assert len(emu.records("Invoices")) == before
    emu.faults.fail_next(1, "drop_after_commit", method="PUT")
    with pytest.raises(httpx.RemoteProtocolError):
        await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers={"Idempotency-Key": "k-1"})
    assert len(emu.records("Invoices")) == before + 1
    # The client retries with the same key: the first answer comes back, nothing is created twice.
    retried = await xero.ok(
        "PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers={"Idempotency-Key": "k-1"}
    )
    assert len(emu.records("Invoices")) == before + 1
    assert retried["Invoices"][0]["InvoiceID"] in {r["InvoiceID"] for r in emu.records("Invoices")}


async def test_timeouts_are_held_then_closed(emu: XeroEmulator, xero: Xero) -> None:
    await xero.token()
    emu.faults.timeout_seconds = 0.05
    emu.faults.fail_next(1, "timeout", path="/Contacts")
    with pytest.raises(httpx.RemoteProtocolError):
        await xero.call("GET", "/Contacts")
    assert emu.request_log[-1]["status"] == "dropped" and emu.request_log[-1]["fault"] == "timeout"


async def test_faults_through_the_controls(emu: XeroEmulator, xero: Xero, http: httpx.AsyncClient) -> None:
    await xero.token()
    posted = await http.post("/__emulator/faults", json={"kind": "503", "count": 2, "path": "/Invoices"})
    assert posted.status_code == 200 and posted.json()["rules"][0]["remaining"] == 2
    assert [(await xero.call("GET", "/Invoices")).status_code for _ in range(3)] == [503, 503, 200]
    fraction = await http.post("/__emulator/faults", json={"kind": "500", "fraction": 1.0, "seed": 3})
    assert fraction.status_code == 200
    assert (await xero.call("GET", "/Organisation")).status_code == 500
    assert (await http.delete("/__emulator/faults")).json()["rules"] == []
    assert (await xero.call("GET", "/Organisation")).status_code == 200
    bad = await http.post("/__emulator/faults", json={"kind": "meltdown"})
    assert bad.status_code == 400


async def test_the_request_log_keeps_no_secrets(emu: XeroEmulator, xero: Xero) -> None:
    await xero.token()
    await xero.call("GET", "/Invoices", params={"page": 1})
    text = repr(emu.request_log) + repr(emu.stats())
    assert emu.client_secret not in text and xero.refresh_token not in text
    assert (await xero.token()) not in text
    endpoints = emu.stats()["by_endpoint"]
    assert endpoints["POST /connect/token"] == 1 and endpoints["GET /api.xro/2.0/Invoices"] == 1
