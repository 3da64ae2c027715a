"""Custom fields: definitions per entity, writes by customfield_id / api_name / label / index, typed values,
the custom_fields array and custom_field_hash, and upserts by a unique custom field."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Zoho, ids_of

pytestmark = pytest.mark.anyio
TYPES = {
    "string",
    "number",
    "decimal",
    "amount",
    "percent",
    "date",
    "check_box",
    "dropdown",
    "email",
    "url",
    "phone",
    "multiline",
}


async def _definitions(zoho: Zoho, entity: str) -> dict[str, dict[str, Any]]:
    body = await zoho.ok("GET", "/settings/customfields", params={"entity": entity})
    return {d["api_name"]: d for d in body["customfields"][entity]}


async def test_definitions_per_entity(zoho: Zoho) -> None:
    everything = (await zoho.ok("GET", "/settings/customfields"))["customfields"]
    assert {"contact", "invoice", "bill", "expense"} <= set(everything)
    for entity in ("contact", "invoice", "bill", "expense"):
        definitions = await _definitions(zoho, entity)
        assert {d["data_type"] for d in definitions.values()} == TYPES
        external = definitions["cf_external_id"]
        assert external["is_unique"] is True
        assert {"customfield_id", "label", "index", "is_active", "entity"} <= set(external)
        assert [o["name"] for o in definitions["cf_tier"]["values"]] == ["Gold", "Silver", "Bronze"]
    assert (await zoho.call("GET", "/settings/customfields", params={"entity": "pizza"})).status_code == 400


async def test_seeded_records_carry_every_data_type(zoho: Zoho) -> None:
    for module in ("contacts", "invoices", "bills", "expenses"):
        types = {f["data_type"] for r in zoho.emu.records(zoho.org, module) for f in r["custom_fields"]}
        assert types == TYPES, module


@pytest.mark.parametrize("key", ["customfield_id", "api_name", "label", "index"])
async def test_write_by_any_name(zoho: Zoho, key: str) -> None:
    tier = (await _definitions(zoho, "contact"))["cf_tier"]
    body = {"contact_name": f"Named by {key}", "custom_fields": [{key: tier[key], "value": "Silver"}]}
    contact = (await zoho.ok("POST", "/contacts", json=body))["contact"]
    entry = next(f for f in contact["custom_fields"] if f["api_name"] == "cf_tier")
    assert entry["customfield_id"] == tier["customfield_id"]
    assert (entry["label"], entry["data_type"], entry["value"]) == ("Tier", "dropdown", "Silver")
    assert contact["custom_field_hash"]["cf_tier"] == "Silver"
    assert contact["custom_field_hash"]["cf_tier_unformatted"] == "Silver"


async def test_typed_values_and_formatting(zoho: Zoho) -> None:
    values = {
        "cf_priority": 3,
        "cf_discount_rate": 5026.8,
        "cf_credit_allowance": "1234.5",
        "cf_commission": 12.5,
        "cf_review_date": "2025-01-31",
        "cf_tax_exempt": "true",
        "cf_billing_email": "ap@example.com",
        "cf_portal_url": "https://portal.example.com",
        "cf_hotline": "+1 555 0100",
        "cf_delivery_notes": "Line one\nLine two — ünïcode",
    }
    body = {"contact_name": "Typed Ltd", "custom_fields": [{"api_name": k, "value": v} for k, v in values.items()]}
    contact = (await zoho.ok("POST", "/contacts", json=body))["contact"]
    hash_ = contact["custom_field_hash"]
    assert hash_["cf_priority"] == 3
    assert hash_["cf_discount_rate_unformatted"] == 5026.8
    assert hash_["cf_discount_rate_formatted"] == "5,026.8"
    assert hash_["cf_credit_allowance"] == 1234.5
    assert hash_["cf_credit_allowance_formatted"] == "$1,234.50"
    assert hash_["cf_review_date_formatted"] == "31 Jan 2025"
    assert hash_["cf_tax_exempt"] is True
    assert hash_["cf_delivery_notes"] == values["cf_delivery_notes"]
    assert len(contact["custom_fields"]) == len(values)


@pytest.mark.parametrize(
    ("api_name", "value"),
    [
        ("cf_priority", "many"),
        ("cf_priority", 2.5),
        ("cf_review_date", "31/01/2025"),
        ("cf_tax_exempt", "maybe"),
        ("cf_tier", "Platinum"),
        ("cf_billing_email", "not-an-email"),
        ("cf_portal_url", "ftp:/x"),
    ],
)
async def test_bad_values_name_the_field(zoho: Zoho, api_name: str, value: object) -> None:
    body = {"contact_name": "Bad Value", "custom_fields": [{"api_name": api_name, "value": value}]}
    response = await zoho.call("POST", "/contacts", json=body)
    assert response.status_code == 400
    assert api_name in response.json()["message"]


async def test_unknown_custom_field_is_named_with_the_known_ones(zoho: Zoho) -> None:
    body = {"contact_name": "Unknown CF", "custom_fields": [{"api_name": "cf_colour", "value": "red"}]}
    response = await zoho.call("POST", "/contacts", json=body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert response.json()["code"] != 0
    assert "cf_colour" in message and "cf_external_id" in message


async def test_update_merges_and_blank_clears(zoho: Zoho) -> None:
    body = {
        "contact_name": "Merge",
        "custom_fields": [{"api_name": "cf_tier", "value": "Gold"}, {"api_name": "cf_priority", "value": 1}],
    }
    contact_id = (await zoho.ok("POST", "/contacts", json=body))["contact"]["contact_id"]
    updated = await zoho.ok(
        "PUT", f"/contacts/{contact_id}", json={"custom_fields": [{"api_name": "cf_tier", "value": ""}]}
    )
    assert updated["contact"]["custom_field_hash"] == {
        "cf_priority": 1,
        "cf_priority_unformatted": 1,
        "cf_priority_formatted": "1",
    }


async def test_invoice_custom_fields_endpoints(zoho: Zoho) -> None:
    invoice_id = ids_of(zoho.emu, "invoices")[0]
    definition = (await _definitions(zoho, "invoice"))["cf_account_manager"]
    response = await zoho.call(
        "PUT",
        f"/invoice/{invoice_id}/customfields",
        json=[{"customfield_id": definition["customfield_id"], "value": "Ana"}],
    )
    assert response.json() == {"code": 0, "message": "Custom Fields Updated Successfully"}
    fields = (await zoho.ok("GET", f"/invoices/{invoice_id}/customfields"))["custom_fields"]
    assert {"api_name": "cf_account_manager", "value": "Ana"}.items() <= next(
        f for f in fields if f["api_name"] == "cf_account_manager"
    ).items()


async def test_create_a_definition_then_use_it(zoho: Zoho) -> None:
    created = await zoho.call(
        "POST", "/settings/customfields", json={"entity": "invoice", "label": "Project Code", "data_type": "string"}
    )
    assert created.status_code == 201
    definition = created.json()["customfield"]
    assert definition["api_name"] == "cf_project_code"
    invoice_id = ids_of(zoho.emu, "invoices")[0]
    body = {"custom_fields": [{"label": "Project Code", "value": "P-7"}]}
    invoice = (await zoho.ok("PUT", f"/invoices/{invoice_id}", json=body))["invoice"]
    assert invoice["custom_field_hash"]["cf_project_code"] == "P-7"
    bad = await zoho.call(
        "POST", "/settings/customfields", json={"entity": "invoice", "label": "X", "data_type": "blob"}
    )
    assert "data_type" in bad.json()["message"]


async def test_upsert_by_unique_custom_field(zoho: Zoho) -> None:
    headers = {"X-Unique-Identifier-Key": "cf_external_id", "X-Unique-Identifier-Value": "CRM-1001"}
    missing = await zoho.call("PUT", "/contacts", json={"contact_name": "Upserted"}, headers=headers)
    assert missing.status_code == 404
    created = await zoho.call(
        "PUT", "/contacts", json={"contact_name": "Upserted"}, headers={**headers, "X-Upsert": "true"}
    )
    assert created.status_code == 201
    contact = created.json()["contact"]
    assert contact["custom_field_hash"]["cf_external_id"] == "CRM-1001"
    updated = await zoho.call(
        "PUT", "/contacts", json={"notes": "second write"}, headers={**headers, "X-Upsert": "true"}
    )
    assert updated.status_code == 200
    assert updated.json()["contact"]["contact_id"] == contact["contact_id"]
    assert updated.json()["contact"]["notes"] == "second write"
    duplicate = await zoho.call(
        "POST",
        "/contacts",
        json={"contact_name": "Copy", "custom_fields": [{"api_name": "cf_external_id", "value": "CRM-1001"}]},
    )
    assert duplicate.status_code == 400
    assert "cf_external_id" in duplicate.json()["message"]
    not_unique = await zoho.call(
        "PUT", "/contacts", json={}, headers={"X-Unique-Identifier-Key": "cf_tier", "X-Unique-Identifier-Value": "Gold"}
    )
    assert not_unique.status_code == 400
    assert "cf_tier" in not_unique.json()["message"]


async def test_upsert_invoice_finds_the_seeded_record(zoho: Zoho) -> None:
    invoice = next(r for r in zoho.emu.records(zoho.org, "invoices") if "cf_external_id" in r["custom_field_hash"])
    key = invoice["custom_field_hash"]["cf_external_id"]
    headers = {"X-Unique-Identifier-Key": "cf_external_id", "X-Unique-Identifier-Value": key}
    response = await zoho.call("PUT", "/invoices", json={"reference_number": "UPSERTED"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["invoice"]["invoice_id"] == invoice["invoice_id"]
