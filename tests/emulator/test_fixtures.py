"""Fixture loading (DESIGN section 3): captured Zoho records are served as given, filling in only what is missing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from connectors.zoho_books.emulator import FixtureError, ZohoBooksEmulator

from .conftest import SAMPLES, Zoho, asgi_client

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Zoho's sample payloads are not at {SAMPLES}"),
]


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return data


def _fixture() -> dict[str, Any]:
    return {
        "organizations": [
            _sample("organization_get.json")["organization"],
            {"organization_id": "20000001", "name": "Second"},
        ],
        "contacts": [
            _sample("contact_get.json")["contact"],
            {"contact_name": "No Id Yet", "organization_id": "20000001"},
        ],
        "invoices": [_sample("invoice_get.json")["invoice"]],
        "bills": [_sample("bill_get.json")["bill"]],
        "expenses": [_sample("expense_get.json")["expense"]],
        "taxes": _sample("tax_list.json")["taxes"],
        "customfields": [
            {
                "customfield_id": "46000000012845",
                "entity": "invoice",
                "label": "Priority",
                "api_name": "cf_priority",
                "data_type": "string",
                "index": 1,
                "is_active": True,
            },
        ],
    }


@pytest.fixture
async def replay(tmp_path: Path) -> AsyncIterator[Zoho]:
    path = tmp_path / "captured.json"
    path.write_text(json.dumps(_fixture()), encoding="utf-8")
    emu = ZohoBooksEmulator(fixture=path)
    async with asgi_client(emu) as http:
        yield Zoho(emu, http)


async def test_records_are_served_as_given(replay: Zoho) -> None:
    assert replay.org == "10229182"
    for module, key, sample in (
        ("invoices", "invoice", "invoice_get.json"),
        ("bills", "bill", "bill_get.json"),
        ("contacts", "contact", "contact_get.json"),
    ):
        given = _sample(sample)[key]
        served = await replay.ok("GET", f"/{module}/{given[key + '_id']}")
        assert served[key] == given
    expense = _sample("expense_get.json")["expense"]
    served_expense = (await replay.ok("GET", f"/expenses/{expense['expense_id']}"))["expense"]
    assert served_expense.pop("created_time")  # the one field the sample lacks is filled in
    assert served_expense == expense


async def test_lists_and_organizations_come_from_the_fixture(replay: Zoho) -> None:
    invoices = (await replay.ok("GET", "/invoices"))["invoices"]
    assert [i["invoice_number"] for i in invoices] == ["INV-00003"]
    assert "line_items" not in invoices[0]
    taxes = (await replay.ok("GET", "/settings/taxes"))["taxes"]
    assert [t["tax_name"] for t in taxes] == ["Sales Group"]  # the fixture's taxes replace generated ones
    token = await replay.token()
    orgs = (
        await replay.http.get("/books/v3/organizations", headers={"Authorization": f"Zoho-oauthtoken {token}"})
    ).json()
    assert [o["organization_id"] for o in orgs["organizations"]] == ["10229182", "20000001"]
    assert orgs["organizations"][0]["name"] == "Zillium Inc"


async def test_missing_ids_are_filled_and_records_go_to_their_organization(replay: Zoho) -> None:
    second = (await replay.ok("GET", "/contacts", org="20000001"))["contacts"]
    assert [c["contact_name"] for c in second] == ["No Id Yet"]
    assert second[0]["contact_id"].isdigit()
    first = (await replay.ok("GET", "/contacts"))["contacts"]
    assert [c["contact_name"] for c in first] == ["Bowman and Co"]


async def test_fixture_records_can_be_written(replay: Zoho) -> None:
    invoice_id = _sample("invoice_get.json")["invoice"]["invoice_id"]
    updated = (await replay.ok("PUT", f"/invoices/{invoice_id}", json={"reference_number": "REPLAYED"}))["invoice"]
    assert updated["reference_number"] == "REPLAYED"
    assert updated["line_items"][0]["tax_percentage"] == 12.5  # kept from the line: its tax is not in the fixture
    assert updated["custom_field_hash"]["cf_priority"] == "Normal"
    contact = (await replay.ok("POST", "/contacts", json={"contact_name": "New Next To Replayed"}))["contact"]
    assert contact["currency_code"] == "USD"


def test_bad_fixtures_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="unknown fixture key"):
        ZohoBooksEmulator(fixture={"contactz": []})
    with pytest.raises(FixtureError, match="list of JSON objects"):
        ZohoBooksEmulator(fixture={"contacts": {"a": 1}})
    with pytest.raises(FixtureError, match="organization_id 999"):
        ZohoBooksEmulator(fixture={"contacts": [{"contact_name": "x", "organization_id": "999"}]})
    with pytest.raises(FixtureError, match="does not exist"):
        ZohoBooksEmulator(fixture=tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="not valid JSON"):
        ZohoBooksEmulator(fixture=broken)


async def test_definitions_are_learned_from_records_when_the_fixture_has_none() -> None:
    contact = {
        "contact_id": "7000000000000000001",
        "contact_name": "Learned",
        "custom_fields": [
            {
                "customfield_id": "555",
                "api_name": "cf_region",
                "label": "Region",
                "data_type": "string",
                "value": "North",
            }
        ],
    }
    emu = ZohoBooksEmulator(fixture={"contacts": [contact]})
    async with asgi_client(emu) as http:
        zoho = Zoho(emu, http)
        fields = (await zoho.ok("GET", "/settings/customfields", params={"entity": "contact"}))["customfields"][
            "contact"
        ]
        assert [f["api_name"] for f in fields] == ["cf_region"]
        updated = await zoho.ok(
            "PUT",
            "/contacts/7000000000000000001",
            json={"custom_fields": [{"api_name": "cf_region", "value": "South"}]},
        )
        assert updated["contact"]["custom_field_hash"]["cf_region"] == "South"
