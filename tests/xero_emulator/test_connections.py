"""GET/DELETE /connections with several tenants per login, and the xero-tenant-id header on every call."""

from __future__ import annotations

import uuid

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator

from .conftest import API, Xero, invoice

pytestmark = pytest.mark.anyio


async def _connections(xero: Xero, path: str = "/connections") -> httpx.Response:
    return await xero.http.get(path, headers={"Authorization": f"Bearer {await xero.token()}"})


async def test_one_login_reaches_several_tenants(emu: XeroEmulator, xero: Xero) -> None:
    response = await _connections(xero)
    assert response.status_code == 200
    found = response.json()
    assert [c["tenantId"] for c in found] == emu.tenant_ids and len(found) == 2
    assert {"id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc"} <= set(
        found[0]
    )
    assert found[0]["tenantType"] == "ORGANISATION"
    names = set()
    for connection in found:
        body = await xero.ok("GET", "/Organisation", tenant=connection["tenantId"])
        organisation = body["Organisations"][0]
        assert organisation["OrganisationID"] == connection["tenantId"]
        names.add(organisation["Name"])
    assert len(names) == 2
    assert (await _connections(xero, "/Connections")).json() == found
    by_event = await xero.http.get(
        "/connections",
        params={"authEventId": found[0]["authEventId"]},
        headers={"Authorization": f"Bearer {await xero.token()}"},
    )
    assert len(by_event.json()) == 2


async def test_tenants_never_see_each_others_data(emu: XeroEmulator, xero: Xero) -> None:
    first, second = emu.tenant_ids
    contact = emu.records("Contacts", first)[0]["ContactID"]
    created = await xero.ok("PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, tenant=first)
    invoice_id = created["Invoices"][0]["InvoiceID"]
    assert (await xero.call("GET", f"/Invoices/{invoice_id}", tenant=second)).status_code == 404
    assert (await xero.call("GET", f"/Invoices/{invoice_id}", tenant=first)).status_code == 200


async def test_a_disconnected_tenant_is_forbidden_until_consent(emu: XeroEmulator, xero: Xero) -> None:
    connections = (await _connections(xero)).json()
    second = connections[1]
    deleted = await xero.http.delete(
        f"/connections/{second['id']}", headers={"Authorization": f"Bearer {await xero.token()}"}
    )
    assert deleted.status_code == 204
    assert [c["tenantId"] for c in (await _connections(xero)).json()] == [connections[0]["tenantId"]]
    refused = await xero.call("GET", "/Invoices", tenant=second["tenantId"])
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthorizationUnsuccessful"
    again = await xero.http.delete(
        f"/connections/{second['id']}", headers={"Authorization": f"Bearer {await xero.token()}"}
    )
    assert again.status_code == 404
    emu.connect_all(str(uuid.uuid4()))
    assert (await xero.call("GET", "/Invoices", tenant=second["tenantId"])).status_code == 200


async def test_the_tenant_header_is_required_and_checked(emu: XeroEmulator, xero: Xero) -> None:
    token = await xero.token()
    missing = await xero.http.get(f"{API}/Invoices", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 403
    assert {k: missing.json()[k] for k in ("Title", "Status", "Detail")} == {
        "Title": "Forbidden",
        "Status": 403,
        "Detail": "AuthenticationUnsuccessful",
    }
    unknown = await xero.call("GET", "/Invoices", tenant=str(uuid.uuid4()))
    assert unknown.status_code == 403 and unknown.json()["Detail"] == "AuthorizationUnsuccessful"
    upper = await xero.http.get(
        f"{API}/Invoices", headers={"Authorization": f"Bearer {token}", "Xero-Tenant-Id": emu.tenant_id.upper()}
    )
    assert upper.status_code == 200


async def test_connections_need_a_valid_token(xero: Xero) -> None:
    response = await xero.http.get("/connections", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["Title"] == "Unauthorized"
