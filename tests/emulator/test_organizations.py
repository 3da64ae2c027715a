"""Organizations: several per account, organization_id on every call, and data kept apart."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho, asgi_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def two_orgs() -> AsyncIterator[Zoho]:
    emu = ZohoBooksEmulator(seed=5, contacts=20, invoices=20, bills=10, expenses=10, organizations=3)
    async with asgi_client(emu) as http:
        yield Zoho(emu, http)


async def test_get_organizations_lists_every_organization(two_orgs: Zoho) -> None:
    token = await two_orgs.token()
    response = await two_orgs.http.get("/books/v3/organizations", headers={"Authorization": f"Zoho-oauthtoken {token}"})
    body = response.json()
    assert body["code"] == 0
    ids = [o["organization_id"] for o in body["organizations"]]
    assert ids == two_orgs.emu.organization_ids
    assert len(ids) == 3
    assert [o["is_default_org"] for o in body["organizations"]] == [True, False, False]
    assert {"name", "currency_code", "price_precision", "time_zone"} <= set(body["organizations"][0])


async def test_get_one_organization(two_orgs: Zoho) -> None:
    token = await two_orgs.token()
    other = two_orgs.emu.organization_ids[1]
    response = await two_orgs.http.get(
        f"/books/v3/organizations/{other}", headers={"Authorization": f"Zoho-oauthtoken {token}"}
    )
    assert response.json()["organization"]["organization_id"] == other
    missing = await two_orgs.http.get(
        "/books/v3/organizations/1", headers={"Authorization": f"Zoho-oauthtoken {token}"}
    )
    assert missing.json()["code"] == 6041


async def test_unknown_organization_is_6041(zoho: Zoho) -> None:
    response = await zoho.call("GET", "/contacts", org="63999")
    assert response.status_code == 400
    assert response.json() == {
        "code": 6041,
        "message": "This user is not associated with the CompanyID/CompanyName:63999.",
    }


async def test_a_call_without_organization_id_is_answered_for_the_default_organization(two_orgs: Zoho) -> None:
    token = await two_orgs.token()
    auth = {"Authorization": f"Zoho-oauthtoken {token}"}
    default, other = two_orgs.emu.organization_ids[:2]
    created = await two_orgs.ok("POST", "/contacts", org=other, json={"contact_name": "Only In Other"})
    response = await two_orgs.http.get("/books/v3/contacts", params={"per_page": 200}, headers=auth)
    assert response.status_code == 200 and response.json()["code"] == 0
    names = {c["contact_name"] for c in response.json()["contacts"]}
    expected = {c["contact_name"] for c in two_orgs.emu.records(default, "contacts")}
    assert names == expected and created["contact"]["contact_name"] not in names
    assert two_orgs.emu.request_log[-1]["organization_id"] == default


async def test_data_is_separated_between_organizations(two_orgs: Zoho) -> None:
    first, second = two_orgs.emu.organization_ids[:2]
    created = await two_orgs.ok("POST", "/contacts", org=first, json={"contact_name": "Only In First"})
    contact_id = created["contact"]["contact_id"]
    assert (await two_orgs.call("GET", f"/contacts/{contact_id}", org=second)).json()["code"] == 1002
    in_second = await two_orgs.all_pages("/contacts", "contacts", organization_id=second)
    assert all(c["contact_name"] != "Only In First" for c in in_second)
    assert (await two_orgs.ok("GET", f"/contacts/{contact_id}", org=first))["contact"][
        "contact_name"
    ] == "Only In First"
    first_ids = {c["contact_id"] for c in await two_orgs.all_pages("/contacts", "contacts", organization_id=first)}
    second_ids = {c["contact_id"] for c in in_second}
    assert first_ids and second_ids and not first_ids & second_ids
    # Each organization has its own settings: ids from one are unknown in the other.
    tax_id = two_orgs.emu.records(first, "taxes")[0]["tax_id"]
    assert (await two_orgs.call("GET", f"/settings/taxes/{tax_id}", org=second)).json()["code"] == 1002
