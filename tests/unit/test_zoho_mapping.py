"""The Zoho Books mapping, without a server: Zoho's documented payloads to unified models and back."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.zoho_books import _mapping as m
from connectors.zoho_books import _wire as w
from schemas import (
    Address,
    Bill,
    BillLineItem,
    Contact,
    Email,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    LinkedSupplier,
    LinkedTaxRate,
    PassThrough,
    PhoneNumber,
    TaxRate,
    Website,
)
from unified.errors import ConnectorExecutionError, RequestValidationError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "zoho"
NO_CONTEXT = m.WriteContext()


def sample(name: str, key: str) -> dict[str, Any]:
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    found = body[key]
    return dict(found[0] if isinstance(found, list) else found)


TAXES = {
    "1001": w.ZohoTax(tax_id="1001", tax_name="VAT", tax_percentage=Decimal("12.5")),
    "1002": w.ZohoTax(tax_id="1002", tax_name="Reduced", tax_percentage=Decimal("5")),
    "1003": w.ZohoTax(tax_id="1003", tax_name="Other five", tax_percentage=Decimal("5")),
}


# -- reads -----------------------------------------------------------------------------------------------------


def test_a_documented_contact_maps_to_a_unified_customer() -> None:
    contact = m.contact_from_zoho(sample("contact_get", "contact"))
    assert contact.id == "460000000026049"  # a JSON number in the docs, a string here
    assert (contact.is_customer, contact.is_supplier) == (True, False)
    assert contact.display_name == "Bowman and Co"
    assert contact.display_id == "CNT-001234"
    assert (contact.first_name, contact.last_name, contact.title) == ("Will", "Smith", "Sales Executive")
    assert contact.emails == [Email(email="willsmith@bowmanfurniture.com", type="primary")]
    assert contact.phone_numbers == [
        PhoneNumber(number="+1-925-921-9201", type="work"),
        PhoneNumber(number="+1-4054439562", type="mobile"),
    ]
    assert [a.type for a in contact.addresses or []] == ["billing", "shipping"]
    billing = (contact.addresses or [])[0]
    assert (billing.line1, billing.line2, billing.postal_code, billing.contact_name) == (
        "4900 Hopyard Rd",
        "Suite 310",
        "94588",  # a JSON number in the docs
        "Mr.John",
    )
    assert contact.tax_rate == LinkedTaxRate(id="11149000000061058", name="CGST", rate=Decimal(12))
    assert contact.currency == "USD"
    assert contact.custom_fields is not None and contact.custom_fields[0].name == "VAT ID"
    assert contact.updated_at == dt.datetime(2013, 10, 7, 18, 24, 51, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))


def test_a_list_row_carries_the_primary_person_at_the_top_level() -> None:
    row = sample("contact_list", "contacts")
    contact = m.contact_from_zoho(row)
    assert contact.first_name == row["first_name"]
    assert contact.emails and contact.emails[0].email == row["email"]
    assert contact.addresses is None  # a detail field


def test_a_vendor_is_a_supplier_and_individual_is_read_from_the_sub_type() -> None:
    vendor = m.contact_from_zoho({"contact_id": "1", "contact_name": "V", "contact_type": "vendor"})
    assert (vendor.is_customer, vendor.is_supplier, vendor.individual) == (False, True, None)
    person = m.contact_from_zoho({"contact_id": "2", "contact_name": "P", "customer_sub_type": "individual"})
    assert person.individual is True


def test_a_documented_invoice_keeps_each_lines_tax_and_decimal_amounts() -> None:
    invoice = m.invoice_from_zoho(sample("invoice_get", "invoice"))
    assert invoice.number == "INV-00003"
    assert invoice.customer == LinkedCustomer(id="982000000567001", display_name="Bowman & Co")
    assert invoice.invoice_date == dt.date(2013, 11, 17)
    assert invoice.reference is None  # Zoho's " " is unset
    assert invoice.status == "draft"
    assert invoice.tax_inclusive is False
    assert invoice.total_tax == Decimal("22.6") and isinstance(invoice.total_tax, Decimal)
    assert invoice.balance == Decimal("40.6")
    line = (invoice.line_items or [])[0]
    assert line.tax_rate == LinkedTaxRate(id="982000000557028", name="VAT", rate=Decimal("12.5"))
    assert (line.unit_price, line.quantity, line.total_amount) == (Decimal(120), Decimal(1), Decimal(120))
    assert line.item is not None and line.item.name == "Hard Drive"
    assert invoice.custom_fields is not None and invoice.custom_fields[0].id == "46000000012845"


@pytest.mark.parametrize(
    ("zoho", "unified"),
    [("sent", "unpaid"), ("overdue", "unpaid"), ("partially_paid", "partially_paid"), ("void", "void"), ("x", "x")],
)
def test_invoice_statuses_become_unified_ones_and_unknown_ones_pass_through(zoho: str, unified: str) -> None:
    assert m.invoice_from_zoho({"invoice_id": "1", "status": zoho}).status == unified


def test_line_tax_amount_is_the_sum_of_the_lines_taxes() -> None:
    payload = {
        "invoice_id": "1",
        "line_items": [
            {
                "line_item_id": "2",
                "rate": 100,
                "quantity": 1,
                "tax_id": "9",
                "tax_percentage": 10,
                "line_item_taxes": [{"tax_id": "7", "tax_amount": 8.25}, {"tax_id": "8", "tax_amount": 1.75}],
            }
        ],
    }
    line = (m.invoice_from_zoho(payload).line_items or [])[0]
    assert line.tax_amount == Decimal("10.00")


def test_a_documented_bill_maps_its_vendor_lines_and_accounts() -> None:
    bill = m.bill_from_zoho(sample("bill_get", "bill"))
    assert bill.supplier is not None and bill.supplier.id == "460000000038029"
    assert bill.status == "authorised"  # Zoho's "open"
    line = (bill.line_items or [])[0]
    assert line.ledger_account == LinkedLedgerAccount(id="460000000000403", name="Other Expenses")
    assert line.unit_of_measure == "kgs"


def test_a_one_line_expense_in_zohos_documented_shape_reads_as_one_line() -> None:
    expense = m.expense_from_zoho(sample("expense_get", "expense"))
    assert expense.transaction_date == dt.datetime(2013, 11, 18, tzinfo=dt.UTC)
    assert expense.status == "posted"
    assert expense.memo == "Marketing"
    [line] = expense.line_items or []
    assert line.account is not None and line.account.id == "982000000561057"
    assert line.total_amount == Decimal("112.5")
    assert line.tax_rate is not None and line.tax_rate.rate == Decimal("10.5")


def test_an_expense_list_row_has_no_lines_until_the_detail_is_read() -> None:
    assert m.expense_from_zoho(sample("expense_list", "expenses")).line_items is None


def test_taxes_map_to_tax_rates() -> None:
    rate = m.tax_rate_from_zoho(sample("tax_get", "tax"))  # Zoho's docs wrap this one in a list
    assert (rate.id, rate.name, rate.effective_tax_rate, rate.status) == (
        "982000000566009",
        "Sales Group",
        Decimal("10.5"),
        "active",
    )
    assert m.tax_rate_from_zoho({"tax_id": "1", "tax_name": "Old", "is_inactive": True}).status == "inactive"


def test_a_tax_group_lists_its_member_taxes_as_components() -> None:
    group = {
        "tax_id": "9",
        "tax_name": "Sales + City",
        "tax_percentage": 10.25,
        "tax_type": "tax_group",
        "taxes": [
            {"tax_id": "1", "tax_name": "Sales", "tax_percentage": 8.25, "tax_type": "tax"},
            {"tax_id": "2", "tax_name": "City", "tax_percentage": 2, "tax_type": "compound_tax"},
        ],
    }
    rate = m.tax_rate_from_zoho(group)
    assert rate.type == "tax_group" and rate.effective_tax_rate == Decimal("10.25")
    assert [(c.id, c.rate, c.compound) for c in rate.components or []] == [
        ("1", Decimal("8.25"), False),
        ("2", Decimal(2), True),
    ]


def test_raw_keeps_the_payload_with_the_fields_the_model_has_no_place_for() -> None:
    payload = {**sample("invoice_get", "invoice"), "brand_new_zoho_field": {"nested": [1, 2]}}
    invoice = m.invoice_from_zoho(payload, raw=True)
    assert invoice.raw == payload
    assert m.invoice_from_zoho(payload).raw is None


def test_reads_are_tolerant_of_blanks_and_wrong_shapes() -> None:
    payload = {
        "contact_id": 12345678901234567890,  # beyond 2**64, still exact
        "contact_name": "Tolerant",
        "contact_persons": "not a list",
        "billing_address": "",
        "shipping_address": {"address": " ", "city": ""},
        "currency_code": "not a code",
        "tax_percentage": "twelve",
        "created_time": "yesterday",
        "last_modified_time": "2024-02-30T10:00:00+0000",
        "custom_fields": [None, 3, {"customfield_id": "5", "value": " "}],
        "website": True,
    }
    contact = m.contact_from_zoho(payload)
    assert contact.id == "12345678901234567890"
    assert contact.addresses is None
    assert contact.currency is None and contact.created_at is None and contact.updated_at is None
    assert contact.websites is None
    assert contact.custom_fields and contact.custom_fields[0].value is None


def test_a_payload_that_is_not_an_object_is_a_provider_error() -> None:
    with pytest.raises(ConnectorExecutionError):
        m.contact_from_zoho(["not", "an", "object"])  # type: ignore[arg-type]


def test_custom_field_values_are_typed_by_data_type() -> None:
    entries = [
        {"customfield_id": "1", "label": "Priority", "data_type": "number", "value": 3},
        {"customfield_id": "2", "label": "Rate", "data_type": "decimal", "value": 5026.8},
        {"customfield_id": "3", "label": "Exempt", "data_type": "check_box", "value": "true"},
        {"customfield_id": "4", "label": "Code", "data_type": "string", "value": "10"},
        {"customfield_id": "5", "api_name": "cf_when", "data_type": "date", "value": "2024-01-31"},
    ]
    invoice = m.invoice_from_zoho({"invoice_id": "1", "custom_fields": entries})
    values = {f.name: f.value for f in invoice.custom_fields or []}
    assert values == {
        "Priority": Decimal(3),
        "Rate": Decimal("5026.8"),
        "Exempt": True,
        "Code": "10",
        "cf_when": "2024-01-31",
    }


# -- the converter -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-11-18T02:02:51-0800", dt.datetime(2013, 11, 18, 2, 2, 51, tzinfo=dt.timezone(dt.timedelta(hours=-8)))),
        ("2024-01-31T09:30:00+05:30", dt.datetime(2024, 1, 31, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))),
        ("2024-01-31T09:30:00Z", dt.datetime(2024, 1, 31, 9, 30, tzinfo=dt.UTC)),
        ("2024-01-31T09:30:00", None),  # no zone: not a Zoho timestamp
        ("", None),
    ],
)
def test_zoho_timestamps_become_aware_datetimes(text: str, expected: dt.datetime | None) -> None:
    assert m.parse_timestamp(text) == expected


def test_timestamps_go_out_in_zohos_format() -> None:
    when = dt.datetime(2024, 1, 31, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert m.format_timestamp(when) == "2024-01-31T09:30:00+0530"


@pytest.mark.parametrize(
    ("value", "out"),
    [
        (Decimal("12"), 12),
        (Decimal("12.50"), 12.5),
        (Decimal("0.1"), 0.1),
        (Decimal("12345678901234567.891"), "12345678901234567.891"),
    ],
)
def test_decimals_go_out_as_exact_json_values(value: Decimal, out: object) -> None:
    assert m.decimal_out(value) == out and type(m.decimal_out(value)) is type(out)


def test_renames_are_declared_and_applied_both_ways() -> None:
    assert m.RENAMES[w.ZohoAddress] == {"zip_code": "zip"}
    address = m.structure({"zip": 94588, "city": "Pleasanton"}, w.ZohoAddress)
    assert address.zip_code == "94588"
    assert m.unstructure(address) == {"zip": "94588", "city": "Pleasanton"}


# -- checks before any call ---------------------------------------------------------------------------------------


def _refused(resource: str, record: Any, *, create: bool = True, fields: set[str] | None = None) -> str:
    with pytest.raises(RequestValidationError) as info:
        m.validate_write(resource, record, fields if fields is not None else record.model_fields_set, create=create)
    return str(info.value)


def test_a_contact_name_over_200_characters_is_refused() -> None:
    assert "200" in _refused("contacts", Contact(display_name="x" * 201, is_customer=True))
    m.validate_write("contacts", Contact(display_name="x" * 200), {"display_name"}, create=True)


def test_a_contact_with_both_roles_is_refused_saying_why() -> None:
    message = _refused("contacts", Contact(display_name="Both", is_customer=True, is_supplier=True))
    assert "customer or a vendor" in message


def test_a_contact_needs_a_name_on_create() -> None:
    assert "display_name" in _refused("contacts", Contact(company_name="Only a company"))


def test_an_invoice_without_a_customer_is_refused() -> None:
    record = Invoice(line_items=[InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(1))])
    assert "customer" in _refused("invoices", record)
    # an update need not repeat the customer
    m.validate_write("invoices", Invoice(reference="R"), {"reference"}, create=False)


def test_lines_that_disagree_on_tax_inclusiveness_are_refused() -> None:
    def invoice(*flags: bool | None, document: bool | None = None) -> Invoice:
        lines = [InvoiceLineItem(quantity=Decimal(1), unit_price=Decimal(1), tax_inclusive=f) for f in flags]
        return Invoice(customer=LinkedCustomer(id="1"), tax_inclusive=document, line_items=lines)

    message = _refused("invoices", invoice(True, None, False))
    assert "line_items[0] is tax-inclusive but line_items[2] is not" in message
    assert "document's tax_inclusive is False" in _refused("invoices", invoice(True, document=False))
    expense = Expense(
        account=LinkedFinancialAccount(id="9"),
        line_items=[
            ExpenseLineItem(account_id="1", total_amount=Decimal(1), tax_inclusive=False),
            ExpenseLineItem(account_id="1", total_amount=Decimal(2), tax_inclusive=True),
        ],
    )
    assert "one is_inclusive_tax" in _refused("expenses", expense)
    # lines that agree set the document's flag; unset lines follow the document
    agreed = invoice(True, True)
    assert m.document_tax_inclusive(agreed, agreed.model_fields_set) is True
    assert m.document_tax_inclusive(invoice(None, document=False), {"line_items", "tax_inclusive"}) is False
    body, _ = m.invoice_to_zoho(agreed, agreed.model_fields_set, NO_CONTEXT, create=True)
    assert body["is_inclusive_tax"] is True


def test_document_lines_need_a_price_and_bill_lines_an_account() -> None:
    assert "unit_price" in _refused(
        "invoices", Invoice(customer=LinkedCustomer(id="1"), line_items=[InvoiceLineItem(quantity=Decimal(1))])
    )
    bill = Bill(
        supplier=LinkedSupplier(id="1"),
        bill_number="B-1",
        line_items=[BillLineItem(unit_price=Decimal(1), quantity=Decimal(1))],
    )
    assert "ledger_account" in _refused("bills", bill)
    assert "bill_number" in _refused("bills", Bill(supplier=LinkedSupplier(id="1")))


def test_an_expense_needs_the_account_it_was_paid_from_and_lines_with_accounts() -> None:
    line = ExpenseLineItem(total_amount=Decimal(5), account=LinkedLedgerAccount(id="7"))
    assert "paid" in _refused("expenses", Expense(line_items=[line]))
    no_account = ExpenseLineItem(total_amount=Decimal(5))
    paid = LinkedFinancialAccount(id="3")
    assert "account.id" in _refused("expenses", Expense(account=paid, line_items=[no_account]))


def test_a_discount_is_a_percentage_or_an_amount_not_both() -> None:
    record = Invoice(customer=LinkedCustomer(id="1"), discount_percentage=Decimal(5), discount_amount=Decimal(1))
    assert "both" in _refused("invoices", record, fields={"customer", "discount_percentage", "discount_amount"})


# -- writes --------------------------------------------------------------------------------------------------------


def test_a_contact_write_puts_person_fields_on_the_primary_contact_person() -> None:
    record = Contact(
        display_name="Acme",
        company_name="Acme Ltd",
        is_supplier=True,
        first_name="Ada",
        last_name="Lovelace",
        title="Buyer",
        emails=[Email(email="ada@acme.example", type="work"), Email(email="second@acme.example")],
        phone_numbers=[PhoneNumber(number="555-1", type="mobile"), PhoneNumber(number="555-2", type="primary")],
        addresses=[Address(type="shipping", city="Leeds"), Address(type="primary", line1="1 Main St", postal_code="1")],
        websites=[Website(url="https://acme.example")],
    )
    body = m.contact_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=True)
    assert body["contact_name"] == "Acme" and body["company_name"] == "Acme Ltd"
    assert body["contact_type"] == "vendor"
    assert body["website"] == "https://acme.example"
    [person] = body["contact_persons"]
    assert person == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@acme.example",
        "phone": "555-2",
        "mobile": "555-1",
        "designation": "Buyer",
        "is_primary_contact": True,
    }
    assert body["billing_address"]["address"] == "1 Main St" and body["billing_address"]["zip"] == "1"
    assert body["shipping_address"]["city"] == "Leeds" and body["shipping_address"]["address"] == ""


def test_an_update_sends_only_what_the_record_sets_and_clears_with_none() -> None:
    record = Contact.model_validate({"notes": None, "company_name": "New Co"})
    body = m.contact_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=False)
    assert body == {"company_name": "New Co", "notes": ""}


def test_an_update_of_a_person_field_keeps_the_other_persons_and_the_primarys_id() -> None:
    current = w.ZohoContact(
        contact_persons=[
            w.ZohoContactPerson(contact_person_id="11", first_name="Other", is_primary_contact=False),
            w.ZohoContactPerson(contact_person_id="12", first_name="Old", email="old@x.io", is_primary_contact=True),
        ]
    )
    record = Contact.model_validate({"first_name": "New"})
    context = m.WriteContext(current_contact=current)
    body = m.contact_to_zoho(record, record.model_fields_set, context, create=False)
    assert body["contact_persons"] == [
        {"contact_person_id": "11", "first_name": "Other", "is_primary_contact": False},
        {"contact_person_id": "12", "first_name": "New", "email": "old@x.io", "is_primary_contact": True},
    ]


def test_an_invoice_write_maps_lines_and_turns_auto_numbering_off_for_its_own_number() -> None:
    record = Invoice(
        customer=LinkedCustomer(id="5"),
        number="MY-1",
        invoice_date=dt.date(2024, 3, 1),
        tax_inclusive=True,
        line_items=[
            InvoiceLineItem(
                description="Work",
                quantity=Decimal("1.5"),
                unit_price=Decimal("99.99"),
                discount_percentage=Decimal(10),
                tax_rate=LinkedTaxRate(id="1001", rate=Decimal("12.5")),
            ),
            InvoiceLineItem(unit_price=Decimal(3), tax_rate=LinkedTaxRate(rate=Decimal("12.5"))),
        ],
    )
    body, params = m.invoice_to_zoho(record, record.model_fields_set, m.WriteContext(taxes=TAXES), create=True)
    assert params == {"ignore_auto_number_generation": "true"}
    assert body["customer_id"] == "5" and body["invoice_number"] == "MY-1" and body["date"] == "2024-03-01"
    assert body["is_inclusive_tax"] is True
    first, second = body["line_items"]
    assert first == {
        "description": "Work",
        "rate": 99.99,
        "quantity": 1.5,
        "discount": "10%",
        "tax_id": "1001",
    }
    assert second["tax_id"] == "1001"  # found by its rate


def test_a_line_whose_rate_disagrees_with_its_tax_is_refused() -> None:
    line = InvoiceLineItem(unit_price=Decimal(1), tax_rate=LinkedTaxRate(id="1001", rate=Decimal(10)))
    record = Invoice(customer=LinkedCustomer(id="5"), line_items=[line])
    with pytest.raises(RequestValidationError) as info:
        m.invoice_to_zoho(record, record.model_fields_set, m.WriteContext(taxes=TAXES), create=True)
    assert "12.5" in str(info.value) and info.value.field == "line_items[0].tax_rate.rate"


@pytest.mark.parametrize("rate", [Decimal(5), Decimal(7)])
def test_a_rate_that_names_no_single_tax_is_refused_listing_the_taxes(rate: Decimal) -> None:
    line = BillLineItem(unit_price=Decimal(1), tax_rate=LinkedTaxRate(rate=rate))
    record = Bill(line_items=[line])
    with pytest.raises(RequestValidationError) as info:
        m.bill_to_zoho(record, {"line_items"}, m.WriteContext(taxes=TAXES), create=False)
    assert "VAT 12.5% (id 1001)" in str(info.value)


def test_an_expense_is_written_itemised_with_its_date_in_its_own_zone() -> None:
    record = Expense(
        transaction_date=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        account=LinkedFinancialAccount(id="300"),
        supplier=LinkedSupplier(id="400"),
        memo="Taxi",
        line_items=[
            ExpenseLineItem(account=LinkedLedgerAccount(id="700"), total_amount=Decimal("10.10")),
            ExpenseLineItem(account=LinkedLedgerAccount(id="701"), total_amount=Decimal("5.05")),
        ],
    )
    body = m.expense_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=True)
    assert body["date"] == "2024-05-01"
    assert body["paid_through_account_id"] == "300" and body["vendor_id"] == "400"
    assert body["description"] == "Taxi"
    assert body["account_id"] == "700" and body["amount"] == 15.15
    assert [line["amount"] for line in body["line_items"]] == [10.1, 5.05]


def test_a_tax_rate_write() -> None:
    record = TaxRate(name="GST", effective_tax_rate=Decimal("7.5"))
    body = m.tax_rate_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=True)
    assert body == {"tax_name": "GST", "tax_percentage": 7.5, "tax_type": "tax"}


def test_pass_through_extends_the_body_for_this_service_only() -> None:
    record = Contact(
        display_name="Acme",
        pass_through=[
            PassThrough(service_id="zoho-books", extend_object={"language_code": "de"}),
            PassThrough(
                service_id="zoho-books",
                extend_paths=[
                    {"path": "$.billing_address.state_code", "value": "CA"},
                    {"path": "$.tags[1].tag_id", "value": "9"},
                ],
            ),
            PassThrough(service_id="quickbooks", extend_object={"ignored": True}),
        ],
    )
    body = m.contact_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=True)
    assert body["language_code"] == "de"
    assert body["billing_address"] == {"state_code": "CA"}
    assert body["tags"] == [None, {"tag_id": "9"}]
    assert "ignored" not in body


def test_a_pass_through_path_that_is_not_jsonpath_is_refused() -> None:
    record = Contact(
        display_name="A",
        pass_through=[PassThrough(service_id="zoho-books", extend_paths=[{"path": "notes", "value": 1}])],
    )
    with pytest.raises(RequestValidationError):
        m.contact_to_zoho(record, record.model_fields_set, NO_CONTEXT, create=True)


def test_a_currency_is_written_by_the_organizations_currency_id() -> None:
    record = Contact(display_name="A", currency="EUR")
    context = m.WriteContext(currencies={"USD": "1", "EUR": "2"})
    assert m.contact_to_zoho(record, record.model_fields_set, context, create=True)["currency_id"] == "2"
    with pytest.raises(RequestValidationError) as info:
        m.contact_to_zoho(Contact(display_name="B", currency="JPY"), {"currency"}, context, create=True)
    assert "EUR, USD" in str(info.value)
