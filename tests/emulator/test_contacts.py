"""Contacts: customers and vendors, contact persons, addresses, status actions, JSON and JSONString bodies."""

from __future__ import annotations

import json

import pytest

from .conftest import Zoho, ids_of

pytestmark = pytest.mark.anyio

NEW_CONTACT = {
    "contact_name": "Bowman and Co",
    "company_name": "Bowman and Co",
    "contact_type": "customer",
    "payment_terms": 15,
    "billing_address": {"attention": "Mr.John", "address": "4900 Hopyard Rd", "city": "Pleasanton", "zip": "94588"},
    "shipping_address": {"address": "1 Dock St", "city": "Oakland", "country": "U.S.A"},
    "contact_persons": [
        {
            "first_name": "Will",
            "last_name": "Smith",
            "email": "willsmith@bowmanfurniture.com",
            "phone": "+1-925-921-9201",
        },
        {"first_name": "Zoë", "last_name": "Ødegaard", "email": "zoe@example.com", "is_primary_contact": True},
    ],
}


async def test_create_get_update_delete_contact(zoho: Zoho) -> None:
    response = await zoho.call("POST", "/contacts", json=NEW_CONTACT)
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "The contact has been added."
    contact = body["contact"]
    contact_id = contact["contact_id"]
    assert isinstance(contact_id, str) and contact_id.isdigit() and int(contact_id) > 2**53
    assert contact["payment_terms_label"] == "Net 15"
    assert contact["billing_address"]["city"] == "Pleasanton"
    assert contact["billing_address"]["address_id"]
    assert contact["shipping_address"]["state"] == ""  # unset scalars are ""
    persons = contact["contact_persons"]
    assert [p["is_primary_contact"] for p in persons] == [False, True]
    assert contact["primary_contact_id"] == persons[1]["contact_person_id"]
    assert contact["email"] == "zoe@example.com"
    assert contact["created_time"][-5] in "+-"  # 2024-01-01T10:00:00+0530

    got = await zoho.ok("GET", f"/contacts/{contact_id}")
    assert got["contact"] == contact

    updated = await zoho.ok("PUT", f"/contacts/{contact_id}", json={"company_name": "Bowman & Co", "payment_terms": 30})
    assert updated["message"] == "Contact has been updated successfully"
    assert updated["contact"]["company_name"] == "Bowman & Co"
    assert updated["contact"]["contact_name"] == "Bowman and Co"  # untouched fields stay
    assert updated["contact"]["payment_terms_label"] == "Net 30"
    assert updated["contact"]["contact_persons"] == persons

    deleted = await zoho.ok("DELETE", f"/contacts/{contact_id}")
    assert deleted == {"code": 0, "message": "The contact has been deleted."}
    gone = await zoho.call("GET", f"/contacts/{contact_id}")
    assert gone.status_code == 404
    assert gone.json() == {"code": 1002, "message": "Contact does not exist."}


async def test_contact_name_is_required_and_limited(zoho: Zoho) -> None:
    missing = await zoho.call("POST", "/contacts", json={"company_name": "No Name"})
    assert missing.status_code == 400
    assert "contact_name" in missing.json()["message"]
    too_long = await zoho.call("POST", "/contacts", json={"contact_name": "x" * 201})
    assert "200" in too_long.json()["message"]
    bad_type = await zoho.call("POST", "/contacts", json={"contact_name": "A", "contact_type": "both"})
    assert "contact_type" in bad_type.json()["message"]


async def test_duplicate_contact_name_is_refused(zoho: Zoho) -> None:
    await zoho.ok("POST", "/contacts", json={"contact_name": "Unique Name"})
    again = await zoho.call("POST", "/contacts", json={"contact_name": "unique name"})
    assert again.status_code == 400
    assert again.json()["code"] != 0


async def test_legacy_jsonstring_form_body(zoho: Zoho) -> None:
    token = await zoho.token()
    response = await zoho.http.post(
        "/books/v3/contacts",
        params={"organization_id": zoho.org},
        data={"JSONString": json.dumps({"contact_name": "Form Posted GmbH", "contact_type": "vendor"})},
        headers={"Authorization": f"Zoho-oauthtoken {token}"},
    )
    assert response.status_code == 201
    assert response.json()["contact"]["contact_type"] == "vendor"
    broken = await zoho.http.post(
        "/books/v3/contacts",
        params={"organization_id": zoho.org},
        data={"JSONString": "{not json"},
        headers={"Authorization": f"Zoho-oauthtoken {token}"},
    )
    assert broken.status_code == 400
    assert "JSONString" in broken.json()["message"]


async def test_mark_inactive_and_active(zoho: Zoho) -> None:
    contact_id = ids_of(zoho.emu, "contacts")[0]
    body = await zoho.ok("POST", f"/contacts/{contact_id}/inactive")
    assert body == {"code": 0, "message": "The contact has been marked as inactive."}
    assert (await zoho.ok("GET", f"/contacts/{contact_id}"))["contact"]["status"] == "inactive"
    inactive = await zoho.all_pages("/contacts", "contacts", filter_by="Status.Inactive")
    assert contact_id in {c["contact_id"] for c in inactive}
    await zoho.ok("POST", f"/contacts/{contact_id}/active")
    assert (await zoho.ok("GET", f"/contacts/{contact_id}"))["contact"]["status"] == "active"


async def test_contact_with_transactions_cannot_be_deleted(zoho: Zoho) -> None:
    invoice = zoho.emu.records(zoho.org, "invoices")[0]
    response = await zoho.call("DELETE", f"/contacts/{invoice['customer_id']}")
    assert response.status_code == 400
    assert "inactive" in response.json()["message"]


async def test_contact_persons_endpoints(zoho: Zoho) -> None:
    contact_id = (await zoho.ok("POST", "/contacts", json={"contact_name": "People Inc"}))["contact"]["contact_id"]
    created = await zoho.call(
        "POST", "/contacts/contactpersons", json={"contact_id": contact_id, "first_name": "Ana", "email": "ana@x.io"}
    )
    assert created.status_code == 201
    person = created.json()["contact_person"][0]
    assert person["is_primary_contact"] is True
    person_id = person["contact_person_id"]
    listed = await zoho.ok("GET", f"/contacts/{contact_id}/contactpersons")
    assert [p["contact_person_id"] for p in listed["contact_persons"]] == [person_id]
    await zoho.ok("PUT", f"/contacts/contactpersons/{person_id}", json={"last_name": "Núñez"})
    got = await zoho.ok("GET", f"/contacts/{contact_id}/contactpersons/{person_id}")
    assert got["contact_person"]["last_name"] == "Núñez"
    assert (await zoho.ok("GET", f"/contacts/{contact_id}"))["contact"]["last_name"] == "Núñez"
    await zoho.ok("DELETE", f"/contacts/contactpersons/{person_id}")
    assert (await zoho.ok("GET", f"/contacts/{contact_id}/contactpersons"))["contact_persons"] == []


async def test_bulk_delete(zoho: Zoho) -> None:
    ids = [
        (await zoho.ok("POST", "/contacts", json={"contact_name": f"Bulk {n}"}))["contact"]["contact_id"]
        for n in range(2)
    ]
    await zoho.ok("DELETE", "/contacts", params={"contact_ids": ",".join(ids)})
    for contact_id in ids:
        assert (await zoho.call("GET", f"/contacts/{contact_id}")).status_code == 404


async def test_unknown_path_and_method(zoho: Zoho) -> None:
    nowhere = await zoho.call("GET", "/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["code"] == 5
    wrong = await zoho.call("PATCH", "/contacts")
    assert wrong.status_code == 405
    assert wrong.json()["code"] != 0
