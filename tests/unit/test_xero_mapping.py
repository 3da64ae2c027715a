"""The Xero mapping, both ways, on payloads shaped as Xero's OpenAPI document describes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from connectors.xero import _mapping as mapping
from connectors.xero._convert import format_msdate, parse_date, parse_datetime, structure
from connectors.xero._errors import field_for
from connectors.xero._refs import Books
from connectors.xero._wire import XeroAccount, XeroItem, XeroTaxRate, XeroTrackingCategory
from connectors.xero.capabilities import SPECS
from schemas import (
    Bill,
    BillLineItem,
    Contact,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedSupplier,
    LinkedTaxRate,
    LinkedTrackingCategory,
    PassThrough,
    TaxRate,
)
from unified.errors import RequestValidationError

CONTACT = "3ff6d40c-af9a-40a3-89ce-3c1556a25591"
BANK = "13918178-849a-4823-9a31-57b7eac713d7"
SALES = "efa1a4ed-7d4b-4a3b-9c9b-7a5d4a0e2b11"
REGION = "351953c4-8127-4009-88c3-f9cd8c9cbe9f"
NORTH = "ce205173-7387-4651-9726-2cf4c5405ba2"
SOUTH = "6e1d0a1f-3c3e-4f0e-8d8c-c0b6b0f1a2a3"
ITEM = "19b79d12-0ae1-496e-9649-cbd04b15c7c5"


def _tax(code: str, rate: str, name: str, *, revenue: bool = True, expenses: bool = True) -> XeroTaxRate:
    return XeroTaxRate(
        Name=name,
        TaxType=code,
        Status="ACTIVE",
        EffectiveRate=Decimal(rate),
        CanApplyToRevenue=revenue,
        CanApplyToExpenses=expenses,
    )


TAXES = {
    "OUTPUT": _tax("OUTPUT", "15.0000", "GST on Income", expenses=False),
    "INPUT": _tax("INPUT", "15.0000", "GST on Expenses", revenue=False),
    "NONE": _tax("NONE", "0.0000", "No GST"),
    "EXEMPTOUTPUT": _tax("EXEMPTOUTPUT", "0.0000", "Exempt sales", expenses=False),
}
BOOKS = Books(
    taxes=TAXES,
    accounts=(
        XeroAccount(AccountID=SALES, Code="200", Name="Sales", Type="REVENUE", Status="ACTIVE"),
        XeroAccount(AccountID="a1", Code="400", Name="Advertising", Type="EXPENSE", Status="ACTIVE"),
        XeroAccount(AccountID=BANK, Code="090", Name="Business Bank Account", Type="BANK", Status="ACTIVE"),
    ),
    items=(XeroItem(ItemID=ITEM, Code="GB1-White", Name="Golf balls - white"),),
    tracking=(
        structure(
            {
                "TrackingCategoryID": REGION,
                "Name": "Region",
                "Status": "ACTIVE",
                "Options": [
                    {"TrackingOptionID": NORTH, "Name": "North", "Status": "ACTIVE"},
                    {"TrackingOptionID": SOUTH, "Name": "South", "Status": "ACTIVE"},
                ],
            },
            XeroTrackingCategory,
        ),
    ),
)


def _line(**extra: Any) -> InvoiceLineItem:
    fields: dict[str, Any] = {"description": "Golf balls", "quantity": Decimal(2), "unit_price": Decimal("20.00")}
    return InvoiceLineItem(**(fields | extra))


def _invoice(**extra: Any) -> Invoice:
    return Invoice(customer=LinkedCustomer(id=CONTACT), **({"line_items": [_line()]} | extra))


def _write(record: Invoice | Bill) -> dict[str, Any]:
    fields = set(record.model_fields_set)
    mapping.validate_write("invoices", record, fields, create=True)
    return mapping.invoice_to_xero(record, fields, BOOKS, create=True)


# -- dates ---------------------------------------------------------------------------------------------------


def test_ms_json_dates_read_as_aware_datetimes_and_dates() -> None:
    stamp = parse_datetime("/Date(1550793549320+0000)/")
    assert stamp == dt.datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=dt.UTC)
    assert parse_datetime("/Date(1550793549320+0530)/") == stamp  # the offset only says where it is shown
    assert parse_datetime("/Date(-86400000)/") == dt.datetime(1969, 12, 31, tzinfo=dt.UTC)
    assert parse_datetime("2019-03-11T10:20:30") == dt.datetime(2019, 3, 11, 10, 20, 30, tzinfo=dt.UTC)
    assert parse_date("/Date(1518652800000+0000)/") == dt.date(2018, 2, 15)
    assert parse_date("2018-02-15T00:00:00") == dt.date(2018, 2, 15)
    assert parse_datetime("not a date") is None and parse_date(42) is None
    assert format_msdate(stamp) == "/Date(1550793549320+0000)/"


# -- contacts ------------------------------------------------------------------------------------------------


def test_a_contact_reads_with_xero_s_types_in_order_and_its_empty_entries_skipped() -> None:
    payload = {
        "ContactID": CONTACT,
        "ContactStatus": "ACTIVE",
        "Name": "ABC Limited",
        "FirstName": "Andrea",
        "LastName": "Dutchess",
        "EmailAddress": "a.dutchess@abclimited.com",
        "AccountNumber": "CUST-1",
        "Website": "https://abc.example",
        "Addresses": [
            {"AddressType": "STREET", "AddressLine1": "1 Shed Road", "City": "Wellington", "Country": "NZ"},
            {"AddressType": "POBOX", "AddressLine1": "P O Box 123", "City": "Wellington", "PostalCode": "6011"},
        ],
        "Phones": [
            {"PhoneType": "MOBILE", "PhoneNumber": "1234567", "PhoneAreaCode": "21", "PhoneCountryCode": "64"},
            {"PhoneType": "DDI", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
            {"PhoneType": "DEFAULT", "PhoneNumber": "1111111", "PhoneAreaCode": "04", "PhoneCountryCode": ""},
        ],
        "IsSupplier": False,
        "IsCustomer": True,
        "DefaultCurrency": "NZD",
        "UpdatedDateUTC": "/Date(1551399321043+0000)/",
    }
    contact = mapping.contact_from_xero(payload, raw=True)
    assert contact.is_customer and not contact.is_supplier
    assert [(a.type, a.line1) for a in contact.addresses or []] == [
        ("billing", "P O Box 123"),
        ("shipping", "1 Shed Road"),
    ]
    assert [(p.type, p.number, p.area_code) for p in contact.phone_numbers or []] == [
        ("primary", "1111111", "04"),
        ("mobile", "1234567", "21"),
    ]
    assert contact.emails and contact.emails[0].email == "a.dutchess@abclimited.com"
    assert contact.display_id == "CUST-1" and contact.currency == "NZD" and contact.status == "active"
    assert contact.websites and contact.websites[0].url == "https://abc.example"
    assert contact.updated_at == dt.datetime(2019, 3, 1, 0, 15, 21, 43000, tzinfo=dt.UTC)
    assert contact.raw == payload


def test_a_contact_writes_every_address_and_phone_type_so_the_old_ones_are_replaced() -> None:
    record = Contact(
        display_name="ABC Limited",
        addresses=[{"type": "billing", "line1": "P O Box 123", "city": "Wellington", "contact_name": "Andrea"}],
        phone_numbers=[{"number": "1111111"}, {"number": "1234567", "type": "mobile", "country_code": "64"}],
        emails=[{"email": "a@abc.example", "type": "work"}],
    )
    fields = set(record.model_fields_set)
    mapping.validate_write("contacts", record, fields, create=True)
    body = mapping.contact_to_xero(record, fields, create=True)
    assert body["Name"] == "ABC Limited" and body["EmailAddress"] == "a@abc.example"
    addresses = {a["AddressType"]: a for a in body["Addresses"]}
    assert addresses["POBOX"]["AddressLine1"] == "P O Box 123" and addresses["POBOX"]["AttentionTo"] == "Andrea"
    assert addresses["STREET"]["AddressLine1"] == ""
    phones = {p["PhoneType"]: p for p in body["Phones"]}
    assert set(phones) == {"DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"}
    assert phones["DEFAULT"]["PhoneNumber"] == "1111111" and phones["MOBILE"]["PhoneCountryCode"] == "64"
    assert phones["FAX"]["PhoneNumber"] == ""
    assert "IsCustomer" not in body and "IsSupplier" not in body


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (Contact(display_name="x", is_customer=True), "is_customer"),
        (Contact(display_name="x", is_supplier=True), "is_supplier"),
        (Contact(display_name="x", company_name="X Ltd"), "company_name"),
        (Contact(display_name="x", websites=[{"url": "https://x.example"}]), "websites"),
        (Contact(display_name="x", notes="hello"), "notes"),
        (Contact(display_name="x", emails=[{"email": "a@b.co"}, {"email": "c@d.co"}]), "emails"),
        (Contact(display_name="x", addresses=[{"type": "primary", "line1": "1 Road"}]), "addresses[0].type"),
        (Contact(display_name="x", addresses=[{"type": "billing", "phone_number": "1"}]), "addresses[0].phone_number"),
        (
            Contact(display_name="x", phone_numbers=[{"number": "1"}, {"number": "2", "type": "primary"}]),
            "phone_numbers[1].type",
        ),
        (Contact(display_name="x", phone_numbers=[{"number": "1", "type": "work"}]), "phone_numbers[0].type"),
        (Contact(display_name="x" * 256), "display_name"),
        (Contact(first_name="No name"), "display_name"),
    ],
)
def test_a_contact_xero_cannot_keep_is_refused_naming_the_field(record: Contact, field: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        mapping.check_roles(record)
        spec = SPECS["contacts"]
        fields = mapping.check_fields(record, spec.writable, spec.read_only())
        mapping.validate_write("contacts", record, fields, create=True)
    assert info.value.field == field


# -- invoices and bills --------------------------------------------------------------------------------------


def test_an_invoice_reads_totals_lines_and_links_as_xero_gives_them() -> None:
    payload = {
        "Type": "ACCREC",
        "InvoiceID": "243216c5-369e-4056-ac67-05388f86dc81",
        "InvoiceNumber": "OIT00546",
        "Reference": "Ref 1",
        "Contact": {"ContactID": CONTACT, "Name": "ABC Limited"},
        "Date": "/Date(1518652800000+0000)/",
        "DueDate": "/Date(1519862400000+0000)/",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "LineItemID": "81ce9d9c-0ab5-4a87-b0c8-a9a6a3d3cb51",
                "Description": "Golf balls",
                "Quantity": Decimal("2.0000"),
                "UnitAmount": Decimal("20.00"),
                "ItemCode": "GB1-White",
                "Item": {"ItemID": ITEM, "Name": "Golf balls - white", "Code": "GB1-White"},
                "AccountCode": "200",
                "AccountID": SALES,
                "TaxType": "OUTPUT",
                "TaxAmount": Decimal("6.00"),
                "LineAmount": Decimal("40.00"),
                "Tracking": [
                    {"TrackingCategoryID": REGION, "TrackingOptionID": NORTH, "Name": "Region", "Option": "North"}
                ],
            }
        ],
        "SubTotal": Decimal("40.00"),
        "TotalTax": Decimal("6.00"),
        "Total": Decimal("46.00"),
        "AmountDue": Decimal("26.00"),
        "AmountPaid": Decimal("20.00"),
        "CurrencyCode": "NZD",
        "Payments": [{"PaymentID": "p1", "Amount": Decimal("20.00"), "Date": "/Date(1518652800000+0000)/"}],
        "UpdatedDateUTC": "/Date(1518685950940+0000)/",
    }
    invoice = mapping.invoice_from_xero(payload, taxes=TAXES)
    assert invoice.status == "partially_paid" and invoice.tax_inclusive is False
    assert (invoice.sub_total, invoice.total_tax, invoice.total, invoice.balance) == (
        Decimal("40.00"),
        Decimal("6.00"),
        Decimal("46.00"),
        Decimal("26.00"),
    )
    assert invoice.invoice_date == dt.date(2018, 2, 15) and invoice.due_date == dt.date(2018, 3, 1)
    (line,) = invoice.line_items or []
    assert line.tax_rate is not None and (line.tax_rate.id, line.tax_rate.rate, line.tax_rate.name) == (
        "OUTPUT",
        Decimal("15.0000"),
        "GST on Income",
    )
    assert line.ledger_account is not None and (line.ledger_account.id, line.ledger_account.code) == (SALES, "200")
    assert line.item is not None and (line.item.id, line.item.code) == (ITEM, "GB1-White")
    assert [(t.id, t.name, t.parent_id, t.parent_name) for t in line.tracking_categories or []] == [
        (NORTH, "North", REGION, "Region")
    ]
    assert line.tax_amount == Decimal("6.00") and line.total_amount == Decimal("40.00") and line.tax_inclusive is False
    assert invoice.payment_allocations and invoice.payment_allocations[0].allocated_amount == Decimal("20.00")


def test_no_tax_reads_as_not_inclusive_and_a_bill_is_an_accpay_invoice() -> None:
    bill = mapping.bill_from_xero(
        {"Type": "ACCPAY", "InvoiceID": "b1", "InvoiceNumber": "SUP-9", "LineAmountTypes": "NoTax", "Status": "PAID"}
    )
    assert bill.tax_inclusive is False and bill.bill_number == "SUP-9" and bill.status == "paid"
    assert mapping.is_deleted("invoice", {"Status": "VOIDED"}) and mapping.is_deleted(
        "contact", {"ContactStatus": "ARCHIVED"}
    )
    assert not mapping.is_deleted("invoice", {"Status": "PAID"})


def test_an_invoice_writes_xero_s_codes_for_every_link() -> None:
    record = _invoice(
        number="INV-1",
        invoice_date=dt.date(2024, 5, 1),
        due_date=dt.date(2024, 5, 31),
        tax_inclusive=True,
        status="authorised",
        line_items=[
            _line(
                tax_rate=LinkedTaxRate(id="OUTPUT"),
                ledger_account=LinkedLedgerAccount(id=SALES),
                item=LinkedInvoiceItem(id=ITEM),
                tracking_categories=[LinkedTrackingCategory(name="South", parent_name="Region")],
                discount_percentage=Decimal("10"),
            ),
            _line(tax_rate=LinkedTaxRate(rate=Decimal("0"), code="EXEMPTOUTPUT")),
        ],
    )
    body = _write(record)
    assert body["Type"] == "ACCREC" and body["Contact"] == {"ContactID": CONTACT}
    assert body["LineAmountTypes"] == "Inclusive" and body["Status"] == "AUTHORISED"
    assert body["Date"] == "2024-05-01" and body["DueDate"] == "2024-05-31"
    first, second = body["LineItems"]
    assert (first["TaxType"], first["AccountCode"], first["ItemCode"], first["DiscountRate"]) == (
        "OUTPUT",
        "200",
        "GB1-White",
        10,
    )
    assert first["Tracking"] == [
        {"TrackingCategoryID": REGION, "TrackingOptionID": SOUTH, "Name": "Region", "Option": "South"}
    ]
    assert first["Quantity"] == 2 and first["UnitAmount"] == 20
    assert second["TaxType"] == "EXEMPTOUTPUT"


def test_a_tax_rate_given_by_its_rate_resolves_when_one_rate_of_that_kind_has_it() -> None:
    bill = Bill(
        supplier=LinkedSupplier(id=CONTACT),
        line_items=[BillLineItem(description="x", unit_price=Decimal(1), tax_rate=LinkedTaxRate(rate=Decimal(15)))],
    )
    assert _write(bill)["LineItems"][0]["TaxType"] == "INPUT"  # OUTPUT is 15% too, but not for expenses
    zero = _invoice(line_items=[_line(tax_rate=LinkedTaxRate(rate=Decimal(0)))])
    with pytest.raises(RequestValidationError, match="2 tax rates") as info:
        _write(zero)
    assert info.value.field == "line_items[0].tax_rate.id"


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (_line(tax_rate=LinkedTaxRate(id="NOPE")), "line_items[0].tax_rate.id", "OUTPUT (GST on Income)"),
        (_line(tax_rate=LinkedTaxRate(id="INPUT")), "line_items[0].tax_rate.id", "revenue"),
        (_line(tax_rate=LinkedTaxRate(id="OUTPUT", rate=Decimal(20))), "line_items[0].tax_rate.rate", "15"),
        (_line(ledger_account=LinkedLedgerAccount(code="999")), "line_items[0].ledger_account.code", "200 (Sales)"),
        (_line(item=LinkedInvoiceItem(code="NOPE")), "line_items[0].item.code", "GB1-White"),
        (
            _line(tracking_categories=[LinkedTrackingCategory(name="East")]),
            "line_items[0].tracking_categories[0].name",
            "North",
        ),
        (
            _line(tracking_categories=[LinkedTrackingCategory(id=NORTH), LinkedTrackingCategory(id=SOUTH)]),
            "line_items[0].tracking_categories[1]",
            "one option per",
        ),
        (
            _line(tracking_categories=[LinkedTrackingCategory(id=NORTH)] * 3),
            "line_items[0].tracking_categories",
            "at most 2",
        ),
        (_line(unit_price=Decimal("1.23456")), "line_items[0].unit_price", "4 decimal places"),
        (_line(service_date=dt.date(2024, 1, 1)), "line_items[0].service_date", "no place"),
        (InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(1)), "line_items[0].description", "description"),
    ],
)
def test_a_line_link_xero_does_not_know_is_refused_before_the_call(
    line: InvoiceLineItem, field: str, words: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        _write(_invoice(line_items=[line]))
    assert info.value.field == field and words in info.value.message


def test_lines_that_disagree_on_tax_inclusion_are_refused() -> None:
    record = _invoice(line_items=[_line(tax_inclusive=True), _line(tax_inclusive=False)])
    with pytest.raises(RequestValidationError, match="LineAmountTypes") as info:
        _write(record)
    assert info.value.field == "line_items[1].tax_inclusive"


def test_a_bill_takes_no_reference_or_discount_and_a_document_takes_no_void_status() -> None:
    spec_writable = {"bill_number", "supplier", "line_items"}
    bill = Bill(supplier=LinkedSupplier(id=CONTACT), reference="R", line_items=[BillLineItem(description="x")])
    with pytest.raises(RequestValidationError) as info:
        mapping.check_fields(bill, spec_writable, {"id"})
    assert info.value.field == "reference"
    discounted = BillLineItem(description="x", unit_price=Decimal(1), discount_percentage=Decimal(5))
    with pytest.raises(RequestValidationError) as info:
        _write(Bill(supplier=LinkedSupplier(id=CONTACT), line_items=[discounted]))
    assert info.value.field == "line_items[0].discount_percentage"
    with pytest.raises(RequestValidationError, match="delete") as info:
        _write(_invoice(status="void"))
    assert info.value.field == "status"


def test_pass_through_reaches_the_element() -> None:
    record = _invoice(
        pass_through=[
            PassThrough(service_id="xero", extend_object={"LineAmountTypes": "NoTax"}),
            PassThrough(service_id="quickbooks", extend_object={"Ignored": True}),
        ]
    )
    body = _write(record)
    assert body["LineAmountTypes"] == "NoTax" and "Ignored" not in body
    paths = _invoice(
        pass_through=[
            PassThrough(
                service_id="Xero",
                extend_paths=[
                    {"path": "$.LineItems[0].TaxAmount", "value": 1.5},
                    {"path": "$['BrandingThemeID']", "value": "theme-1"},
                ],
            )
        ]
    )
    extended = _write(paths)
    assert extended["LineItems"][0]["TaxAmount"] == 1.5 and extended["BrandingThemeID"] == "theme-1"
    broken = _invoice(pass_through=[PassThrough(service_id="xero", extend_paths=[{"path": "Reference", "value": 1}])])
    with pytest.raises(RequestValidationError) as info:
        _write(broken)
    assert info.value.field == "pass_through"


# -- expenses and tax rates ----------------------------------------------------------------------------------


def test_an_expense_is_a_spend_money_transaction_from_a_bank_account() -> None:
    record = Expense(
        transaction_date=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        account=LinkedFinancialAccount(code="090"),
        supplier=LinkedSupplier(id=CONTACT),
        reference="Taxi",
        line_items=[
            ExpenseLineItem(description="Ride", total_amount=Decimal("23.50"), account=LinkedLedgerAccount(code="400"))
        ],
    )
    fields = set(record.model_fields_set)
    mapping.validate_write("expenses", record, fields, create=True)
    body = mapping.bank_transaction_to_xero(record, fields, BOOKS, create=True)
    assert body["Type"] == "SPEND" and body["Date"] == "2024-05-01"  # the date where it happened
    assert body["BankAccount"] == {"AccountID": BANK, "Code": "090"}
    assert body["LineItems"] == [
        {"Description": "Ride", "Quantity": 1, "UnitAmount": 23.5, "AccountCode": "400", "LineAmount": 23.5}
    ]
    not_a_bank = record.model_copy(update={"account": LinkedFinancialAccount(code="200")})
    with pytest.raises(RequestValidationError, match="bank account") as info:
        mapping.bank_transaction_to_xero(not_a_bank, fields, BOOKS, create=True)
    assert info.value.field == "account.code"


def test_an_expense_reads_dated_at_midnight_utc_and_posted() -> None:
    expense = mapping.expense_from_xero(
        {
            "Type": "SPEND",
            "BankTransactionID": "t1",
            "Status": "AUTHORISED",
            "Date": "/Date(1714521600000+0000)/",
            "BankAccount": {"AccountID": BANK, "Code": "090", "Name": "Business Bank Account"},
            "Total": Decimal("23.50"),
        }
    )
    assert expense.transaction_date == dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    assert expense.status == "posted" and expense.total_amount == Decimal("23.50")
    assert expense.account is not None and expense.account.type == "bank_account"


def test_a_tax_rate_writes_one_component_and_an_update_names_its_tax_type() -> None:
    record = TaxRate(name="City Tax", effective_tax_rate=Decimal("2.25"))
    mapping.validate_write("tax_rates", record, set(record.model_fields_set), create=True)
    created = mapping.tax_rate_to_xero(record, set(record.model_fields_set), None)
    assert created == {"Name": "City Tax", "TaxComponents": [{"Name": "City Tax", "Rate": 2.25, "IsCompound": False}]}
    current = structure(
        {"TaxType": "TAX002", "Name": "City Tax", "TaxComponents": [{"Name": "City", "Rate": 2.25}]}, XeroTaxRate
    )
    renamed = mapping.tax_rate_to_xero(TaxRate(name="Town Tax"), {"name"}, current)
    assert renamed == {"Name": "Town Tax", "TaxType": "TAX002", "TaxComponents": [{"Name": "City", "Rate": 2.25}]}
    with pytest.raises(RequestValidationError) as info:
        bad = TaxRate(name="x", effective_tax_rate=Decimal(5), components=[{"name": "a", "rate": Decimal(4)}])
        mapping.validate_write("tax_rates", bad, set(bad.model_fields_set), create=True)
    assert info.value.field == "effective_tax_rate"


def test_a_tax_rate_reads_its_tax_type_as_id_and_code() -> None:
    rate = mapping.tax_rate_from_xero(
        {
            "Name": "GST + Regional",
            "TaxType": "TAX003",
            "Status": "ACTIVE",
            "ReportTaxType": "OUTPUT",
            "EffectiveRate": Decimal("15.4738"),
            "DisplayTaxRate": Decimal("15.3000"),
            "TaxComponents": [
                {"Name": "GST", "Rate": Decimal("15.0"), "IsCompound": False},
                {"Name": "Regional", "Rate": Decimal("0.3"), "IsCompound": True},
            ],
        }
    )
    assert (rate.id, rate.code, rate.status, rate.report_tax_type) == ("TAX003", "TAX003", "active", "OUTPUT")
    assert rate.effective_tax_rate == Decimal("15.4738") and rate.total_tax_rate == Decimal("15.3")
    assert rate.components and rate.components[1].compound is True


# -- error messages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kind", "field"),
    [
        ("Email address must be valid.", "contact", "emails"),
        ("The contact name ABC is already assigned to another contact.", "contact", "display_name"),
        ("Account code '999' is not a valid code for this document.", "invoice", "line_items.ledger_account"),
        ("Account code '999' is not a valid code for this document.", "expense", "line_items.account"),
        (
            "The TaxType code 'XYZ' does not exist or cannot be used for this type of transaction.",
            "bill",
            "line_items.tax_rate",
        ),
        ("A Contact must be specified for this type of transaction", "bill", "supplier.id"),
        ("Invoice number must be unique.", "bill", "bill_number"),
        ("Due Date is required for an approved invoice", "invoice", "due_date"),
        ("Something Xero says without naming anything", "invoice", None),
    ],
)
def test_xero_s_validation_messages_name_the_unified_field(message: str, kind: str, field: str | None) -> None:
    assert field_for(message, kind) == field
