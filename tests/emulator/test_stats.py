"""The request log, counters per endpoint / organization / status, the JSON control endpoints, and reset."""

from __future__ import annotations

import pytest

from .conftest import Zoho

pytestmark = pytest.mark.anyio


async def test_counters_and_log(zoho: Zoho) -> None:
    await zoho.token()
    invoice_id = zoho.emu.records(zoho.org, "invoices")[0]["invoice_id"]
    await zoho.call("GET", "/invoices")
    await zoho.call("GET", f"/invoices/{invoice_id}")
    await zoho.call("GET", "/invoices/404")
    await zoho.call("GET", "/contacts", org="1")
    stats = zoho.emu.stats()
    assert stats["requests"] == 5
    assert stats["by_endpoint"]["GET /books/v3/invoices"] == 1
    assert stats["by_endpoint"]["GET /books/v3/invoices/{invoice_id}"] == 2
    assert stats["by_endpoint"]["POST /oauth/v2/token"] == 1
    assert stats["by_organization"] == {zoho.org: 3, "1": 1}
    assert stats["by_status"] == {"200": 3, "404": 1, "400": 1}
    entry = zoho.emu.request_log[-1]
    assert (entry["method"], entry["path"], entry["status"], entry["code"]) == ("GET", "/books/v3/contacts", 400, 6041)
    assert "Authorization" not in str(entry)  # no secrets in the log
    over_http = (await zoho.http.get("/__emulator/stats")).json()
    assert over_http == stats
    log = (await zoho.http.get("/__emulator/requests")).json()["requests"]
    assert len(log) == 5
    await zoho.http.post(
        "/oauth/v2/token",
        params={
            "grant_type": "refresh_token",
            "refresh_token": zoho.emu.refresh_token,
            "client_id": zoho.emu.client_id,
            "client_secret": zoho.emu.client_secret,
        },
    )
    logged = str(zoho.emu.request_log)
    assert zoho.emu.refresh_token not in logged and zoho.emu.client_secret not in logged


async def test_reset_over_python_and_http(zoho: Zoho) -> None:
    await zoho.call("GET", "/contacts")
    zoho.emu.reset_stats()
    assert zoho.emu.stats()["requests"] == 0
    assert zoho.emu.request_log == []
    await zoho.call("GET", "/contacts")
    zoho.emu.faults.fail_next(3, "500")
    reset = await zoho.http.post("/__emulator/reset")
    assert reset.json() == {"status": "reset"}
    assert zoho.emu.stats()["requests"] == 0
    assert zoho.emu.faults.rules() == []


async def test_time_and_token_controls_over_http(zoho: Zoho) -> None:
    token = await zoho.token()
    before = (await zoho.http.get("/__emulator/time")).json()
    moved = (await zoho.http.post("/__emulator/time/advance", json={"seconds": 120})).json()
    assert moved["offset_seconds"] == before["offset_seconds"] + 120
    assert moved["now"] >= before["now"] + 120
    assert (await zoho.http.post("/__emulator/time/advance", json={"seconds": -1})).status_code == 400
    await zoho.http.post("/__emulator/tokens/expire")
    assert (await zoho.call("GET", "/contacts", token=token)).json()["code"] == 57
    assert (await zoho.http.get("/__emulator/health")).json() == {"status": "ok"}
