"""Fault injection: 500, 503, an HTML error page, a held request, a dropped connection (before or after the
write) and an expired token, for the next N calls or a seeded fraction, by path and method."""

from __future__ import annotations

import httpx
import pytest

from .conftest import Zoho

pytestmark = pytest.mark.anyio


async def test_next_n_calls_fail_then_recover(zoho: Zoho) -> None:
    await zoho.token()  # faults apply to the token endpoint too: fetch it first
    zoho.emu.faults.fail_next(2, "503")
    first = await zoho.call("GET", "/contacts")
    second = await zoho.call("GET", "/contacts")
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["code"] != 0
    assert (await zoho.call("GET", "/contacts")).status_code == 200
    assert zoho.emu.stats()["by_fault"] == {"503": 2}


async def test_500_and_html_and_expired_token(zoho: Zoho) -> None:
    await zoho.token()
    zoho.emu.faults.fail_next(1, "500")
    internal = await zoho.call("GET", "/contacts")
    assert (internal.status_code, internal.json()) == (500, {"code": 1000, "message": "Internal error"})
    zoho.emu.faults.fail_next(1, "html")
    page = await zoho.call("GET", "/contacts")
    assert page.status_code == 502
    assert page.headers["content-type"].startswith("text/html")
    assert "<html>" in page.text
    zoho.emu.faults.fail_next(1, "expired_token")
    expired = await zoho.call("GET", "/contacts")
    assert (expired.status_code, expired.json()["code"]) == (401, 57)


async def test_drop_closes_without_processing(zoho: Zoho) -> None:
    before = len(zoho.emu.records(zoho.org, "contacts"))
    zoho.emu.faults.fail_next(1, "drop", path="/contacts", method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        await zoho.call("POST", "/contacts", json={"contact_name": "Never Stored"})
    assert len(zoho.emu.records(zoho.org, "contacts")) == before


async def test_drop_after_commit_stores_then_closes(zoho: Zoho) -> None:
    zoho.emu.faults.fail_next(1, "drop_after_commit", path="/contacts", method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        await zoho.call("POST", "/contacts", json={"contact_name": "Stored Anyway"})
    names = {c["contact_name"] for c in zoho.emu.records(zoho.org, "contacts")}
    assert "Stored Anyway" in names
    found = await zoho.ok("GET", "/contacts", params={"contact_name": "Stored Anyway"})
    assert len(found["contacts"]) == 1  # a client can look the record up before trying again


async def test_timeout_holds_then_drops(zoho: Zoho) -> None:
    zoho.emu.faults.timeout_seconds = 0.05
    zoho.emu.faults.fail_next(1, "timeout")
    with pytest.raises(httpx.RemoteProtocolError):
        await zoho.call("GET", "/contacts")
    assert zoho.emu.stats()["by_status"]["dropped"] == 1


async def test_path_and_method_filters(zoho: Zoho) -> None:
    zoho.emu.faults.fail_next(1, "500", path="/invoices", method="GET")
    assert (await zoho.call("GET", "/contacts")).status_code == 200
    assert (await zoho.call("POST", "/contacts", json={"contact_name": "Fine"})).status_code == 201
    assert (await zoho.call("GET", "/invoices")).status_code == 500
    assert zoho.emu.faults.rules() == []


async def test_oauth_calls_can_fail_too(zoho: Zoho) -> None:
    zoho.emu.faults.fail_next(1, "503", path="/oauth/v2/token")
    assert (await zoho.refresh()).status_code == 503
    assert (await zoho.refresh()).status_code == 200


async def test_fraction_is_seeded_and_repeatable(zoho: Zoho) -> None:
    await zoho.token()

    async def pattern() -> list[int]:
        zoho.emu.faults.clear()
        zoho.emu.faults.fail_fraction(0.5, "500", seed=3)
        return [(await zoho.call("GET", "/contacts")).status_code for _ in range(20)]

    first = await pattern()
    assert first == await pattern()
    assert 0 < first.count(500) < 20
    zoho.emu.faults.clear()
    assert (await zoho.call("GET", "/contacts")).status_code == 200


async def test_faults_over_http(zoho: Zoho) -> None:
    await zoho.token()
    set_up = await zoho.http.post("/__emulator/faults", json={"kind": "500", "count": 1, "path": "/contacts"})
    assert set_up.json()["rules"] == [
        {"kind": "500", "remaining": 1, "fraction": None, "path": "/contacts", "method": None}
    ]
    assert (await zoho.call("GET", "/contacts")).status_code == 500
    bad = await zoho.http.post("/__emulator/faults", json={"kind": "teapot"})
    assert bad.status_code == 400
    await zoho.http.post("/__emulator/faults", json={"kind": "503", "fraction": 1.0, "seed": 1})
    assert (await zoho.call("GET", "/contacts")).status_code == 503
    cleared = await zoho.http.delete("/__emulator/faults")
    assert cleared.json()["rules"] == []
    assert (await zoho.call("GET", "/contacts")).status_code == 200


def test_bad_fault_arguments_are_refused() -> None:
    from unified.emulator import Faults

    faults = Faults()
    with pytest.raises(ValueError, match="kind"):
        faults.fail_next(1, "boom")
    with pytest.raises(ValueError, match="n must"):
        faults.fail_next(0, "500")
    with pytest.raises(ValueError, match="p must"):
        faults.fail_fraction(1.5, "500")
