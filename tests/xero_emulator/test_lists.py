"""Listing as Xero documents it: paging, If-Modified-Since, where/order and the id and status filters."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from connectors.xero.emulator import XeroEmulator
from connectors.xero.emulator._wire import parse_moment

from .conftest import Xero

pytestmark = pytest.mark.anyio


def _when(value: str) -> datetime:
    moment = parse_moment(value)
    assert moment is not None
    return moment


async def test_pages_of_up_to_page_size_with_a_pagination_block(emu: XeroEmulator, xero: Xero) -> None:
    total = len(emu.records("Invoices"))
    seen: list[str] = []
    page = 1
    while True:
        body = await xero.ok("GET", "/Invoices", params={"page": page, "pageSize": 40})
        assert body["pagination"] == {
            "page": page,
            "pageSize": 40,
            "pageCount": math.ceil(total / 40),
            "itemCount": total,
        }
        rows = body["Invoices"]
        assert all("LineItems" in row for row in rows)  # paged invoices carry their lines
        seen += [row["InvoiceID"] for row in rows]
        if len(rows) < 40:
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    stamps = [_when(r["UpdatedDateUTC"]) for r in (await xero.ok("GET", "/Invoices"))["Invoices"]]
    assert stamps == sorted(stamps)  # oldest change first unless told


async def test_default_and_capped_page_sizes(emu: XeroEmulator, xero: Xero) -> None:
    body = await xero.ok("GET", "/Invoices", params={"page": 1})
    assert body["pagination"]["pageSize"] == 100 and len(body["Invoices"]) == 100
    capped = await xero.ok("GET", "/Invoices", params={"page": 1, "pageSize": 5000})
    assert capped["pagination"]["pageSize"] == 1000
    beyond = await xero.ok("GET", "/Invoices", params={"page": 99})
    assert beyond["Invoices"] == []


async def test_without_page_every_record_and_no_line_items(emu: XeroEmulator, xero: Xero) -> None:
    body = await xero.ok("GET", "/Invoices")
    assert "pagination" not in body
    assert len(body["Invoices"]) == len(emu.records("Invoices"))
    assert all("LineItems" not in row for row in body["Invoices"])
    one = body["Invoices"][0]["InvoiceID"]
    detail = await xero.ok("GET", f"/Invoices/{one}")
    assert detail["Invoices"][0]["LineItems"]


async def test_envelope_and_dates_as_xero_writes_them(xero: Xero) -> None:
    body = await xero.ok("GET", "/Invoices", params={"page": 1, "pageSize": 1})
    assert set(body) >= {"Id", "Status", "ProviderName", "DateTimeUTC", "Invoices"}
    row = body["Invoices"][0]
    assert row["Date"].startswith("/Date(") and row["Date"].endswith("+0000)/")
    assert row["DateString"].endswith("T00:00:00")
    assert row["UpdatedDateUTC"].startswith("/Date(")


@pytest.mark.parametrize("form", ["rfc1123", "iso", "iso-naive"])
async def test_if_modified_since_keeps_later_changes(emu: XeroEmulator, xero: Xero, form: str) -> None:
    stamps = sorted(_when(r["UpdatedDateUTC"]) for r in emu.records("Invoices"))
    since = stamps[len(stamps) // 2].replace(microsecond=0)
    header = {
        "rfc1123": format_datetime(since, usegmt=True),
        "iso": since.isoformat(),
        "iso-naive": since.replace(tzinfo=None).isoformat(),
    }[form]
    body = await xero.ok("GET", "/Invoices", headers={"If-Modified-Since": header})
    expected = sum(1 for s in stamps if s > since)
    assert len(body["Invoices"]) == expected
    assert all(_when(r["UpdatedDateUTC"]) > since for r in body["Invoices"])


async def test_an_unreadable_if_modified_since_is_ignored(emu: XeroEmulator, xero: Xero) -> None:
    body = await xero.ok("GET", "/Invoices", headers={"If-Modified-Since": "yesterday-ish"})
    assert len(body["Invoices"]) == len(emu.records("Invoices"))


async def test_where_clauses_clients_use(emu: XeroEmulator, xero: Xero) -> None:
    records = emu.records("Invoices")
    authorised_sales = [r for r in records if r["Type"] == "ACCREC" and r["Status"] == "AUTHORISED"]
    body = await xero.ok("GET", "/Invoices", params={"where": 'Type=="ACCREC" AND Status=="AUTHORISED"'})
    assert {r["InvoiceID"] for r in body["Invoices"]} == {r["InvoiceID"] for r in authorised_sales}
    contact = authorised_sales[0]["Contact"]["ContactID"]
    by_contact = await xero.ok("GET", "/Invoices", params={"where": f'Contact.ContactID==guid("{contact.upper()}")'})
    assert by_contact["Invoices"] and all(r["Contact"]["ContactID"] == contact for r in by_contact["Invoices"])
    cutoff = datetime(2024, 7, 1, tzinfo=UTC)
    dated = await xero.ok("GET", "/Invoices", params={"where": "Date>=DateTime(2024,07,01)"})
    assert len(dated["Invoices"]) == sum(1 for r in records if _when(r["Date"]) >= cutoff)
    either = await xero.ok("GET", "/Invoices", params={"where": 'Status=="DRAFT" OR Status=="VOIDED"'})
    assert {r["Status"] for r in either["Invoices"]} == {"DRAFT", "VOIDED"}
    amounts = await xero.ok("GET", "/Invoices", params={"where": 'AmountDue > 500 && Type == "ACCPAY"'})
    assert all(r["AmountDue"] > 500 and r["Type"] == "ACCPAY" for r in amounts["Invoices"])
    named = await xero.ok("GET", "/Contacts", params={"where": 'Name.ToLower().Contains("café")'})
    assert named["Contacts"] and all("café" in c["Name"].lower() for c in named["Contacts"])


async def test_unreadable_where_and_order_are_query_parse_exceptions(xero: Xero) -> None:
    for params in ({"where": 'Nonsense=="x"'}, {"where": 'Status=="DRAFT" AND'}, {"order": "Nothing DESC"}):
        response = await xero.call("GET", "/Invoices", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["Type"] == "QueryParseException" and body["ErrorNumber"] == 16
        assert body["Message"]


async def test_order_by_fields_both_ways(xero: Xero) -> None:
    down = await xero.ok("GET", "/Invoices", params={"order": "Total DESC"})
    totals = [r["Total"] for r in down["Invoices"]]
    assert totals == sorted(totals, reverse=True)
    names = await xero.ok("GET", "/Contacts", params={"order": "Name ASC"})
    listed = [c["Name"].lower() for c in names["Contacts"]]
    assert listed == sorted(listed)


async def test_ids_statuses_contact_ids_and_numbers(emu: XeroEmulator, xero: Xero) -> None:
    records = [r for r in emu.records("Invoices") if r["Type"] == "ACCREC"]
    ids = [r["InvoiceID"] for r in records[:3]]
    body = await xero.ok("GET", "/Invoices", params={"IDs": ",".join(ids)})
    assert sorted(r["InvoiceID"] for r in body["Invoices"]) == sorted(ids)
    numbers = [r["InvoiceNumber"] for r in records[3:5]]
    by_number = await xero.ok("GET", "/Invoices", params={"InvoiceNumbers": ",".join(numbers)})
    assert sorted(r["InvoiceNumber"] for r in by_number["Invoices"]) == sorted(numbers)
    statuses = await xero.ok("GET", "/Invoices", params={"Statuses": "PAID,VOIDED"})
    assert {r["Status"] for r in statuses["Invoices"]} == {"PAID", "VOIDED"}
    contact = records[0]["Contact"]["ContactID"]
    by_contact = await xero.ok("GET", "/Invoices", params={"ContactIDs": contact})
    assert by_contact["Invoices"] and {r["Contact"]["ContactID"] for r in by_contact["Invoices"]} == {contact}
    number = records[0]["InvoiceNumber"]
    assert (await xero.ok("GET", f"/Invoices/{number}"))["Invoices"][0]["InvoiceID"] == records[0]["InvoiceID"]


async def test_archived_contacts_only_when_asked(emu: XeroEmulator, xero: Xero) -> None:
    archived = {c["ContactID"] for c in emu.records("Contacts") if c["ContactStatus"] == "ARCHIVED"}
    assert archived
    default = await xero.ok("GET", "/Contacts")
    assert not archived & {c["ContactID"] for c in default["Contacts"]}
    everything = await xero.ok("GET", "/Contacts", params={"includeArchived": "true"})
    assert archived <= {c["ContactID"] for c in everything["Contacts"]}
    one = next(iter(archived))
    assert (await xero.ok("GET", f"/Contacts/{one}"))["Contacts"][0]["ContactStatus"] == "ARCHIVED"


async def test_summary_only_leaves_out_the_heavy_parts(xero: Xero) -> None:
    body = await xero.ok("GET", "/Invoices", params={"page": 1, "summaryOnly": "true"})
    row = body["Invoices"][0]
    assert "LineItems" not in row and "Payments" not in row
    assert set(row["Contact"]) <= {"ContactID", "Name"}
    contacts = await xero.ok("GET", "/Contacts", params={"page": 1, "summaryOnly": "true"})
    assert "Addresses" not in contacts["Contacts"][0]


async def test_paths_in_lower_case_and_search_terms(emu: XeroEmulator, xero: Xero) -> None:
    lower = await xero.call("GET", "/invoices", params={"page": 1, "pageSize": 2})
    assert lower.status_code == 200 and len(lower.json()["Invoices"]) == 2
    number = next(r["InvoiceNumber"] for r in emu.records("Invoices") if r["Type"] == "ACCREC")
    found = await xero.ok("GET", "/Invoices", params={"searchTerm": number.lower()})
    assert number in {r["InvoiceNumber"] for r in found["Invoices"]}


async def test_settings_collections(emu: XeroEmulator, xero: Xero) -> None:
    rates = (await xero.ok("GET", "/TaxRates"))["TaxRates"]
    by_type = {r["TaxType"]: r for r in rates}
    assert {r["EffectiveRate"] for r in rates} >= {0, 15, 20}
    compound = [r for r in rates if any(c["IsCompound"] for c in r["TaxComponents"])]
    assert compound and compound[0]["EffectiveRate"] > sum(c["Rate"] for c in compound[0]["TaxComponents"])
    assert (await xero.ok("GET", "/TaxRates/OUTPUT2"))["TaxRates"][0] == by_type["OUTPUT2"]
    tracking = (await xero.ok("GET", "/TrackingCategories"))["TrackingCategories"]
    assert [c["Name"] for c in tracking] == ["Region", "Department"]  # the archived one stays out
    assert (
        len((await xero.ok("GET", "/TrackingCategories", params={"includeArchived": "true"}))["TrackingCategories"])
        == 3
    )
    accounts = (await xero.ok("GET", "/Accounts", params={"where": 'Type=="BANK"'}))["Accounts"]
    assert accounts and all(a["Type"] == "BANK" for a in accounts)
    assert (await xero.ok("GET", "/Items"))["Items"]
    currencies = (await xero.ok("GET", "/Currencies"))["Currencies"]
    assert emu.tenant().base_currency in {c["Code"] for c in currencies} and len(currencies) > 2
    for key in ("ManualJournals", "Overpayments", "Users"):
        assert (await xero.ok("GET", f"/{key}"))[key] == []
    assert (await xero.ok("GET", "/Organisations"))["Organisations"][0]["OrganisationID"] == emu.tenant_id
