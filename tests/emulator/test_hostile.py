"""Hostile or broken input: refused with a clear 4xx in Zoho's shape, never a 500 or a broken emulator."""

from __future__ import annotations

import json
import socket

import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho, asgi_client, ids_of

pytestmark = pytest.mark.anyio


async def test_a_nan_time_advance_is_refused_and_every_later_call_still_works(zoho: Zoho) -> None:
    for seconds in ("NaN", "nan", "Infinity", "-1", None):
        refused = await zoho.http.post("/__emulator/time/advance", json={"seconds": seconds})
        assert refused.status_code == 400, seconds
    refused_raw = await zoho.http.post("/__emulator/time/advance", content=b'{"seconds": NaN}')
    assert refused_raw.status_code == 400
    assert (await zoho.http.get("/__emulator/time")).json()["offset_seconds"] == 0
    assert (await zoho.call("GET", "/contacts")).status_code == 200
    assert (await zoho.http.post("/__emulator/time/advance", json={"seconds": 61})).status_code == 200
    assert (await zoho.call("GET", "/invoices")).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b'{"contact_name": "Huge", "credit_limit": ' + b"9" * 10_000 + b"}",
        b'{"contact_name": "Deep", "notes": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"contact_name": "Deep enough", "x": ' + b'{"a":' * 100 + b"1" + b"}" * 100 + b"}",
        b'{"contact_name": "NaN", "credit_limit": NaN}',
        b'{"contact_name": "Exponent", "credit_limit": 1e999999999}',
    ],
)
async def test_malformed_bodies_are_400_code_4_never_500(zoho: Zoho, raw: bytes) -> None:
    response = await zoho.call("POST", "/contacts", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 4 and body["message"].startswith("Invalid value passed for JSONString")
    assert (await zoho.call("GET", "/contacts")).status_code == 200


async def test_an_8_mb_invoice_of_200000_lines_is_refused_with_413(zoho: Zoho) -> None:
    customer = ids_of(zoho.emu, "contacts", contact_type="customer")[0]
    lines = [{"name": "Bolt", "rate": 1, "quantity": 1}] * 200_000
    raw = json.dumps({"customer_id": customer, "line_items": lines}).encode()
    assert len(raw) > 8_000_000
    response = await zoho.call("POST", "/invoices", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == 4 and "too large" in response.json()["message"]
    assert not [i for i in zoho.emu.records(zoho.org, "invoices") if len(i.get("line_items", [])) > 1000]


async def test_the_body_limit_is_configurable() -> None:
    emu = ZohoBooksEmulator(contacts=1, invoices=0, bills=0, expenses=0, max_body_bytes=400)
    async with asgi_client(emu) as http:
        zoho = Zoho(emu, http)
        small = await zoho.call("POST", "/contacts", json={"contact_name": "Small"})
        large = await zoho.call("POST", "/contacts", json={"contact_name": "L" * 500})
    assert small.status_code == 201 and large.status_code == 413


@pytest.mark.e2e
@pytest.mark.anyio(False)
def test_idle_connections_are_closed() -> None:
    emu = ZohoBooksEmulator(contacts=1, invoices=0, bills=0, expenses=0, idle_timeout=0.2)
    with emu.serve():
        host, port = emu.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.settimeout(10)  # bounds the wait; the server closes long before
            assert sock.recv(1024) == b""  # closed without a request ever sent
