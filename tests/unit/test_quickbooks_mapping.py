"""QuickBooks payloads <-> unified models: contacts, documents, lines, tax codes, tracking, custom fields, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from connectors.quickbooks._contacts import (
    CUSTOMER,
    VENDOR,
    contact_from_qbo,
    contact_to_qbo,
    parse_contact_id,
    validate_contact,
)
from connectors.quickbooks._convert import structure
from connectors.quickbooks._documents import (
    Links,
    MissingLink,
    bill_to_qbo,
    expense_from_qbo,
    expense_to_qbo,
    invoice_from_qbo,
    invoice_to_qbo,
)
from connectors.quickbooks._lists import custom_field_definitions
from connectors.quickbooks._query import Select, equals, since
from connectors.quickbooks._tax import TaxTable, tax_rate_from_qbo
from connectors.quickbooks._wire import QboListEntry, QboRef, QboTaxCode, QboTaxRate
from schemas import Bill, Contact, Expense, Invoice, LinkedTaxRate
from unified.errors import RequestValidationError


def _rate(id: str, name: str, value: str) -> QboTaxRate:
    return QboTaxRate(Id=id, Name=name, RateValue=Decimal(value), Active=True)


def _code(id: str, name: str, sales: list[str], purchase: list[str]) -> QboTaxCode:
    def rates(ids: list[str]) -> dict[str, Any]:
        return {"TaxRateDetail": [{"TaxRateRef": {"value": i}} for i in ids]}

    return structure(
        {
            "Id": id,
            "Name": name,
            "Active": True,
            "SalesTaxRateList": rates(sales),
            "PurchaseTaxRateList": rates(purchase),
        },
        QboTaxCode,
    )


TAXES = TaxTable(
    rates={
        r.Id or "": r
        for r in (_rate("1", "GST (Sales)", "5"), _rate("3", "PST (Sales)", "7"), _rate("5", "GST (Purchase)", "5"))
    },
    codes={
        c.Id or "": c
        for c in (
            _code("2", "GST", ["1"], ["5"]),
            _code("4", "GST/PST", ["1", "3"], ["5"]),
            _code("6", "Exempt", [], []),
        )
    },
)


def _entries(*pairs: tuple[str, str]) -> dict[str, QboListEntry]:
    return {id: QboListEntry(Id=id, Name=name, FullyQualifiedName=name, Active=True) for id, name in pairs}


LINKS = Links(
    items=_entries(("1", "Services"), ("7", "Widget")),
    accounts=_entries(("1", "Chequing"), ("10", "Cost of Goods Sold")),
    classes=_entries(("1", "Retail"), ("2", "Fruit:Apple")),
    departments=_entries(("2", "East"), ("3", "West")),
    taxes=TAXES,
    custom_fields={"Crew #": "1"},
    line_codes=True,
)

# -- contacts ------------------------------------------------------------------------------------------------


def test_a_customer_reads_with_its_entity_in_the_id_and_quickbooks_slots_as_types() -> None:
    payload = {
        "Id": "58",
        "SyncToken": "2",
        "DisplayName": "Acme",
        "GivenName": "Ann",
        "PrimaryEmailAddr": {"Address": "ann@acme.test"},
        "PrimaryPhone": {"FreeFormNumber": "555-1"},
        "Mobile": {"FreeFormNumber": "555-2"},
        "BillAddr": {"Line1": "1 Main St", "City": "Toronto", "CountrySubDivisionCode": "ON", "PostalCode": "M5H"},
        "ShipAddr": {"Line1": "2 Dock Rd"},
        "Active": True,
        "Taxable": True,
        "MetaData": {"CreateTime": "2024-01-02T03:04:05-08:00", "LastUpdatedTime": "2024-01-03T03:04:05-08:00"},
    }
    contact = contact_from_qbo(payload, CUSTOMER, raw=True)
    assert (contact.id, contact.downstream_id, contact.is_customer, contact.is_supplier) == (
        "customer-58",
        "58",
        True,
        False,
    )
    assert [(p.number, p.type) for p in contact.phone_numbers or []] == [("555-1", "primary"), ("555-2", "mobile")]
    assert [(a.type, a.line1, a.state) for a in contact.addresses or []] == [
        ("billing", "1 Main St", "ON"),
        ("shipping", "2 Dock Rd", None),
    ]
    assert contact.row_version == "2" and contact.status == "active" and contact.taxable is True
    assert contact.updated_at == dt.datetime(2024, 1, 3, 11, 4, 5, tzinfo=dt.UTC)
    assert contact.raw == payload


def test_contact_ids_name_their_entity_and_bare_ids_take_the_expected_one() -> None:
    assert parse_contact_id("vendor-12") == (VENDOR, "12")
    assert parse_contact_id("12", CUSTOMER) == (CUSTOMER, "12")
    assert parse_contact_id("12") == (None, "12")
    assert parse_contact_id("vendor-12", CUSTOMER) is None
    assert parse_contact_id("customer-x") is None and parse_contact_id("acme") is None


def test_a_sparse_contact_body_holds_only_what_the_record_sets() -> None:
    record = Contact.model_validate(
        {"display_name": "Acme", "notes": None, "phone_numbers": [{"number": "1", "type": "fax"}, {"number": "2"}]}
    )
    body = contact_to_qbo(record, {"display_name", "notes", "phone_numbers"}, CUSTOMER, create=False)
    assert body == {
        "DisplayName": "Acme",
        "Fax": {"FreeFormNumber": "1"},
        "PrimaryPhone": {"FreeFormNumber": "2"},
        "Notes": "",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"display_name": "x", "is_customer": True, "is_supplier": True}, "is_supplier"),
        ({"display_name": "x"}, "is_customer"),
        ({"display_name": "x" * 501, "is_customer": True}, "display_name"),
        ({"display_name": "x", "is_customer": True, "emails": [{"email": "a@x.io"}, {"email": "b@x.io"}]}, "emails"),
        (
            {"display_name": "x", "is_customer": True, "addresses": [{"line1": "a", "phone_number": "1"}]},
            "addresses[0].phone_number",
        ),
        ({"display_name": "x", "is_customer": True, "addresses": [{"line1": "a"}, {"line1": "b"}]}, "addresses[1]"),
        (
            {
                "display_name": "x",
                "is_customer": True,
                "phone_numbers": [{"number": "1"}, {"number": "2"}, {"number": "3"}],
            },
            "phone_numbers[2]",
        ),
    ],
)
def test_what_quickbooks_cannot_keep_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    record = Contact.model_validate(data)
    with pytest.raises(RequestValidationError) as refused:
        validate_contact(record, set(record.model_fields_set), CUSTOMER, create=True)
    assert refused.value.field == field


def test_a_contact_keeps_its_entity_and_currency_after_the_create() -> None:
    role = Contact(is_supplier=True)
    with pytest.raises(RequestValidationError, match="cannot turn it into a Vendor"):
        validate_contact(role, {"is_supplier"}, CUSTOMER, create=False)
    with pytest.raises(RequestValidationError) as currency:
        validate_contact(Contact(currency="EUR"), {"currency"}, CUSTOMER, create=False)
    assert currency.value.field == "currency"
    with pytest.raises(RequestValidationError) as taxable:
        validate_contact(Contact(taxable=True), {"taxable"}, VENDOR, create=False)
    assert taxable.value.field == "taxable"


# -- documents -----------------------------------------------------------------------------------------------

INVOICE = {
    "Id": "130",
    "SyncToken": "1",
    "DocNumber": "1037",
    "TxnDate": "2024-09-19",
    "CustomerRef": {"value": "7", "name": "Costa"},
    "GlobalTaxCalculation": "TaxInclusive",
    "ClassRef": {"value": "2", "name": "Fruit:Apple"},
    "DepartmentRef": {"value": "3", "name": "West"},
    "CustomField": [{"DefinitionId": "1", "Name": "Crew #", "Type": "StringType", "StringValue": "102"}],
    "Line": [
        {
            "Id": "1",
            "LineNum": 1,
            "Amount": 28.57,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": {"value": "1", "name": "Services"},
                "Qty": 3,
                "UnitPrice": 10,
                "TaxCodeRef": {"value": "2"},
                "TaxInclusiveAmt": 30.0,
            },
        },
        {"Id": "2", "Amount": 0, "DetailType": "DescriptionOnly", "Description": "note", "DescriptionLineDetail": {}},
        {"Amount": 28.57, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    ],
    "TxnTaxDetail": {"TotalTax": 1.43, "TaxLine": [{"Amount": 1.43, "DetailType": "TaxLineDetail"}]},
    "TotalAmt": 30.0,
    "Balance": 10.0,
}


def _decimals(value: Any) -> Any:
    """What the HTTP layer gives: JSON numbers parsed to Decimal."""
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def test_an_inclusive_invoice_reads_quickbooks_amounts_to_the_cent() -> None:
    invoice = invoice_from_qbo(_decimals(INVOICE), TAXES)
    assert (invoice.total, invoice.sub_total, invoice.total_tax, invoice.balance) == (
        Decimal("30.0"),
        Decimal("28.57"),
        Decimal("1.43"),
        Decimal("10.0"),
    )
    assert invoice.tax_inclusive is True and invoice.status == "partially_paid"
    assert invoice.customer is not None and invoice.customer.id == "customer-7"
    sale, note = invoice.line_items or []
    assert (sale.quantity, sale.unit_price, sale.total_amount) == (Decimal(3), Decimal(10), Decimal("30.0"))
    assert sale.tax_rate == LinkedTaxRate(id="1", code="2", name="GST (Sales)", rate=Decimal(5))
    assert (note.type, note.description) == ("info", "note")
    assert [(t.id, t.name, t.parent_name) for t in invoice.tracking_categories or []] == [
        ("class-2", "Apple", "Fruit"),
        ("department-3", "West", None),
    ]
    assert invoice.department_id == "3"
    assert [(f.id, f.name, f.value) for f in invoice.custom_fields or []] == [("1", "Crew #", "102")]


def test_a_group_tax_code_reads_as_its_code_and_summed_rate() -> None:
    assert TAXES.linked(QboRef(value="4"), "sales") == {"code": "4", "name": "GST/PST", "rate": Decimal(12)}
    assert TAXES.linked(QboRef(value="6"), "purchase") == {"code": "6", "name": "Exempt", "rate": Decimal(0)}
    assert TAXES.linked(QboRef(value="NON", name="NON"), "sales") == {"code": "NON", "name": "NON"}


def _invoice(**extra: Any) -> Invoice:
    data = {
        "customer": {"id": "customer-7"},
        "tax_inclusive": False,
        "line_items": [{"item": {"id": "1"}, "quantity": "3", "unit_price": "19.99", "tax_rate": {"id": "1"}}],
        **extra,
    }
    return Invoice.model_validate(data)


def test_an_invoice_body_resolves_its_links() -> None:
    record = _invoice(
        tracking_categories=[{"id": "class-1"}, {"id": "department-2"}],
        custom_fields=[{"name": "Crew #", "value": "A-7"}],
        reference="PO 7",
    )
    body = invoice_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    line = body["Line"][0]
    assert line["Amount"] == 59.97 and line["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "2"}
    assert body["GlobalTaxCalculation"] == "TaxExcluded" and body["CustomerRef"] == {"value": "7"}
    assert body["ClassRef"] == {"value": "1"} and body["DepartmentRef"] == {"value": "2"}
    assert body["CustomField"] == [{"DefinitionId": "1", "Name": "Crew #", "Type": "StringType", "StringValue": "A-7"}]
    assert body["PrivateNote"] == "PO 7"


@pytest.mark.parametrize(
    ("change", "field", "missing"),
    [
        ({"line_items": [{"quantity": "1", "unit_price": "1", "tax_rate": {"id": "1"}}]}, "line_items[0].item", False),
        (
            {"line_items": [{"item": {"id": "99"}, "total_amount": "1", "tax_rate": {"id": "1"}}]},
            "line_items[0].item.id",
            True,
        ),
        (
            {"line_items": [{"item": {"id": "1"}, "total_amount": "1", "tax_rate": {"id": "1", "rate": "7"}}]},
            "line_items[0].tax_rate.rate",
            False,
        ),
        (
            {"line_items": [{"item": {"id": "1"}, "total_amount": "1", "tax_rate": {"id": "3"}}]},
            "line_items[0].tax_rate.id",
            False,
        ),
        (
            {
                "line_items": [
                    {"item": {"id": "1"}, "total_amount": "1", "tax_rate": {"id": "1"}},
                    {"item": {"id": "1"}, "total_amount": "1"},
                ]
            },
            "line_items[1].tax_rate",
            False,
        ),
        (
            {
                "line_items": [
                    {"item": {"id": "1"}, "total_amount": "1", "tax_rate": {"id": "1"}, "tax_inclusive": True}
                ]
            },
            "tax_inclusive",
            False,
        ),
        ({"tracking_categories": [{"id": "class-9"}]}, "tracking_categories[0].id", True),
        ({"custom_fields": [{"name": "Nope", "value": "x"}]}, "custom_fields[0].name", False),
        ({"custom_fields": [{"id": "1", "value": Decimal(3)}]}, "custom_fields[0].value", False),
    ],
)
def test_invoice_writes_are_refused_before_the_call(change: dict[str, Any], field: str, missing: bool) -> None:
    record = _invoice(**change)
    with pytest.raises(RequestValidationError) as refused:
        invoice_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert refused.value.field == field
    assert isinstance(refused.value, MissingLink) == missing


def test_a_document_without_taxed_lines_is_not_applicable() -> None:
    record = _invoice(line_items=[{"item": {"id": "1"}, "total_amount": "5"}])
    body = invoice_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert body["GlobalTaxCalculation"] == "NotApplicable"


def test_bill_lines_post_to_an_account_or_buy_an_item() -> None:
    record = Bill.model_validate(
        {
            "supplier": {"id": "vendor-3"},
            "line_items": [
                {"ledger_account": {"id": "10"}, "total_amount": "12.34", "tax_rate": {"code": "GST"}},
                {"item": {"id": "7"}, "quantity": "2", "unit_price": "1.005", "tax_rate": {"id": "5"}},
            ],
        }
    )
    body = bill_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    account, item = body["Line"]
    assert account["DetailType"] == "AccountBasedExpenseLineDetail" and account["Amount"] == 12.34
    assert account["AccountBasedExpenseLineDetail"] == {"AccountRef": {"value": "10"}, "TaxCodeRef": {"value": "2"}}
    assert item["DetailType"] == "ItemBasedExpenseLineDetail" and item["Amount"] == 2.01  # half up, to the cent
    assert body["VendorRef"] == {"value": "3"}
    quantities = Bill.model_validate({"line_items": [{"ledger_account": {"id": "10"}, "quantity": 2, "unit_price": 3}]})
    with pytest.raises(RequestValidationError, match="only an amount"):
        bill_to_qbo(quantities, {"line_items"}, LINKS, create=False)


def test_an_expense_is_a_purchase_paid_from_an_account() -> None:
    record = Expense.model_validate(
        {
            "transaction_date": "2024-02-03T23:30:00-05:00",
            "account": {"id": "1"},
            "supplier": {"id": "vendor-2"},
            "reference": "R-1",
            "memo": "lunch",
            "department": {"id": "3"},
            "line_items": [{"account": {"id": "10"}, "total_amount": "11", "tax_rate": {"id": "5"}}],
        }
    )
    body = expense_to_qbo(record, set(record.model_fields_set), LINKS, create=True)
    assert body["TxnDate"] == "2024-02-03" and body["PaymentType"] == "Cash"
    assert body["EntityRef"] == {"value": "2", "type": "Vendor"} and body["DocNumber"] == "R-1"
    assert body["PrivateNote"] == "lunch" and body["DepartmentRef"] == {"value": "3"}
    payload = {**body, "Id": "9", "EntityRef": {"value": "2", "name": "V", "type": "Vendor"}, "TotalAmt": 11}
    read = expense_from_qbo(_decimals(payload), TAXES)
    assert read.supplier is not None and read.supplier.id == "vendor-2"
    assert read.transaction_date == dt.datetime(2024, 2, 3, tzinfo=dt.UTC)
    assert read.line_items is not None and read.line_items[0].tax_rate == LinkedTaxRate(
        id="5", code="2", name="GST (Purchase)", rate=Decimal(5)
    )


def test_tax_rates_read_from_quickbooks_tax_rates() -> None:
    rate = tax_rate_from_qbo({"Id": "3", "Name": "PST", "RateValue": Decimal("7"), "Active": False, "SyncToken": "0"})
    assert (rate.id, rate.name, rate.effective_tax_rate, rate.status) == ("3", "PST", Decimal(7), "inactive")


# -- the query language and preferences ----------------------------------------------------------------------


def test_query_text_quotes_values_and_compiles_updated_since() -> None:
    where = [equals("DisplayName", "O'Brien \\ Sons"), since(dt.datetime(2024, 5, 1, 12, 0, 0, 999, tzinfo=dt.UTC))]
    text = Select("Customer", where, start=1001, size=500).text()
    assert text == (
        "select * from Customer where DisplayName = 'O\\'Brien \\\\ Sons' and Metadata.LastUpdatedTime >= "
        "'2024-05-01T12:00:00+00:00' orderby Id startposition 1001 maxresults 500"
    )


def test_sales_form_custom_fields_come_from_preferences() -> None:
    prefs = {
        "SalesFormsPrefs": {
            "CustomField": [
                {
                    "CustomField": [
                        {"Name": "SalesFormsPrefs.UseSalesCustom1", "BooleanValue": True},
                        {"Name": "SalesFormsPrefs.UseSalesCustom2", "BooleanValue": False},
                    ]
                },
                {
                    "CustomField": [
                        {"Name": "SalesFormsPrefs.SalesCustomName1", "StringValue": "Crew #"},
                        {"Name": "SalesFormsPrefs.SalesCustomName2", "StringValue": "Off"},
                    ]
                },
            ]
        }
    }
    assert custom_field_definitions(prefs) == {"Crew #": "1"}
    assert custom_field_definitions(None) == {}
