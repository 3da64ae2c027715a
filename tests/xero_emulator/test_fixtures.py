"""Fixture files: Xero records as its GET answers them, served as given, only what is missing filled in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator
from unified.emulator import FixtureError

from .conftest import Xero

pytestmark = pytest.mark.anyio
TENANT = "5b1a2c3d-0000-4000-8000-00000000abcd"
CONTACT = "6c2b3d4e-0000-4000-8000-00000000cdef"
INVOICE = "7d3c4e5f-0000-4000-8000-0000000000aa"
FIXTURE: dict[str, Any] = {
    "tenants": [{"tenantId": TENANT, "tenantName": "Captured Org", "BaseCurrency": "GBP", "CountryCode": "GB"}],
    "Contacts": [
        {"ContactID": CONTACT, "Name": "Captured Customer", "EmailAddress": "c@example.com", "XeroNetworkKey": "kept"}
    ],
    "Invoices": [
        {
            "InvoiceID": INVOICE,
            "Type": "ACCREC",
            "InvoiceNumber": "INV-9001",
            "Contact": {"ContactID": CONTACT, "Name": "Captured Customer"},
            "Date": "/Date(1718668800000+0000)/",
            "Status": "AUTHORISED",
            "LineItems": [{"Description": "Consulting", "Quantity": 2, "UnitAmount": 150, "TaxType": "OUTPUT2"}],
            "SomethingNew": {"kept": True},
        },
        {"Type": "ACCPAY", "Contact": {"ContactID": CONTACT}, "Total": 99.5, "SubTotal": 99.5, "TotalTax": 0},
    ],
    "TaxRates": [
        {"Name": "Standard", "TaxType": "OUTPUT2", "EffectiveRate": 20, "Status": "ACTIVE", "TaxComponents": []}
    ],
}


@pytest.fixture
def captured() -> XeroEmulator:
    return XeroEmulator(fixture=FIXTURE).wait_ready()


async def test_records_are_served_as_given(captured: XeroEmulator) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=captured.app), base_url="http://x.test") as http:
        xero = Xero(captured, http)
        assert captured.tenant_ids == [TENANT]
        organisation = (await xero.ok("GET", "/Organisation"))["Organisations"][0]
        assert organisation["Name"] == "Captured Org" and organisation["BaseCurrency"] == "GBP"
        detail = (await xero.ok("GET", f"/Invoices/{INVOICE}"))["Invoices"][0]
        assert detail["SomethingNew"] == {"kept": True} and detail["Date"] == "/Date(1718668800000+0000)/"
        assert detail["SubTotal"] == 300 and detail["TotalTax"] == 60 and detail["Total"] == 360  # filled in
        assert detail["AmountDue"] == 360 and detail["CurrencyCode"] == "GBP"
        bills = (await xero.ok("GET", "/Invoices", params={"where": 'Type=="ACCPAY"'}))["Invoices"]
        assert len(bills) == 1 and bills[0]["InvoiceID"] and bills[0]["Total"] == 99.5
        contact = (await xero.ok("GET", f"/Contacts/{CONTACT}"))["Contacts"][0]
        assert contact["XeroNetworkKey"] == "kept"
        assert contact["IsCustomer"] is True and contact["IsSupplier"] is True  # from the documents
        rates = (await xero.ok("GET", "/TaxRates"))["TaxRates"]
        assert [r["Name"] for r in rates] == ["Standard"]  # given settings replace the generated ones
        assert (await xero.ok("GET", "/Accounts"))["Accounts"]  # settings not given are generated


def test_a_fixture_file_and_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "xero.json"
    path.write_text(json.dumps(FIXTURE), encoding="utf-8")
    assert XeroEmulator(fixture=path).wait_ready().tenant_ids == [TENANT]
    with pytest.raises(FixtureError, match="unknown fixture key"):
        XeroEmulator(fixture={"Invoicez": []})
    with pytest.raises(FixtureError, match="list of JSON objects"):
        XeroEmulator(fixture={"Contacts": {"Name": "x"}})
    with pytest.raises(FixtureError, match="does not exist"):
        XeroEmulator(fixture=tmp_path / "missing.json")
    with pytest.raises(FixtureError, match="TaxType"):
        XeroEmulator(fixture={"TaxRates": [{"Name": "no type"}]})


def test_seeded_data_is_deterministic() -> None:
    one = XeroEmulator(seed=3, contacts=10, invoices=15, bills=5, expenses=5).wait_ready()
    two = XeroEmulator(seed=3, contacts=10, invoices=15, bills=5, expenses=5).wait_ready()
    assert one.records("Invoices") == two.records("Invoices")
    assert (one.client_id, one.refresh_token, one.tenant_ids) == (two.client_id, two.refresh_token, two.tenant_ids)
    other = XeroEmulator(seed=4, contacts=10, invoices=15, bills=5, expenses=5).wait_ready()
    assert other.tenant_ids != one.tenant_ids


def test_seeded_data_has_the_variety_clients_meet() -> None:
    emu = XeroEmulator(contacts=60, invoices=200, bills=60, expenses=40).wait_ready()
    invoices = emu.records("Invoices")
    assert {r["Type"] for r in invoices} == {"ACCREC", "ACCPAY"}
    assert {r["LineAmountTypes"] for r in invoices} == {"Exclusive", "Inclusive", "NoTax"}
    assert {"DRAFT", "AUTHORISED", "PAID", "VOIDED", "DELETED"} <= {r["Status"] for r in invoices}
    assert len({r["CurrencyCode"] for r in invoices}) > 1
    assert any(line.get("Tracking") for r in invoices for line in r["LineItems"])
    assert any(c["ContactStatus"] == "ARCHIVED" for c in emu.records("Contacts"))
    assert any(not c["Name"].isascii() for c in emu.records("Contacts"))
    assert emu.records("Payments") and emu.records("CreditNotes")
    assert {r["Type"] for r in emu.records("BankTransactions")} == {"SPEND"}
    assert len(emu.tenant_ids) == 2 and emu.seeded_counts()["invoices"] == 200
    with pytest.raises(ValueError, match="contacts"):
        XeroEmulator(contacts=-1)
