"""Property: the one-pass readers read every value as the wire models do.

Reads take their values straight from Zoho's JSON (the hot path of lists and syncs); writes and the checks
before them use the attrs wire models through the cattrs converter. Both rest on the same parsers, so any
payload, however odd (blanks, numbers where text belongs, objects where numbers belong, unknown keys), must
give the same ids, amounts, dates, lines and custom fields either way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.zoho_books import _mapping as m
from connectors.zoho_books import _wire as w

KEYS = sorted(
    {
        *("contact_id", "contact_name", "company_name", "contact_type", "contact_number", "website", "notes"),
        *("first_name", "last_name", "email", "phone", "mobile", "designation", "is_primary_contact"),
        *("billing_address", "shipping_address", "contact_persons", "address", "city", "zip", "attention"),
        *("custom_fields", "customfield_id", "field_id", "custom_field_id", "api_name", "label", "data_type"),
        *("value", "created_time", "last_modified_time", "currency_code", "status", "is_taxable"),
        *("invoice_id", "invoice_number", "customer_id", "customer_name", "date", "due_date", "reference_number"),
        *("exchange_rate", "is_inclusive_tax", "discount", "discount_type", "line_items", "sub_total"),
        *("tax_total", "total", "balance", "line_item_id", "item_id", "name", "description", "item_order"),
        *("rate", "quantity", "unit", "discount_amount", "item_total", "line_item_taxes", "tax_amount"),
        *("tax_id", "tax_name", "tax_percentage", "account_id", "account_name", "bill_id", "bill_number"),
        *("vendor_id", "vendor_name", "expense_id", "paid_through_account_id", "amount", "line_item"),
        *("tax_type", "country_code", "is_inactive", "taxes"),
    }
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.decimals(),
    st.text(max_size=5),
    st.sampled_from(["", " ", "true", "False", "10%", "1,234.50", "2024-01-31", "2024-01-31T09:30:00+0530"]),
    st.sampled_from(["usd", "customer", "vendor", "entity_level", "inactive", "compound_tax", "NaN", "-0"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=10),
    max_leaves=25,
)
PAYLOADS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=14)
ODD = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def link_id(link: Any) -> Any:
    return None if link is None else link.id


def rate_of(link: Any) -> Decimal | None:
    return None if link is None else link.rate


def custom_fields(entries: list[w.ZohoCustomField] | None) -> list[tuple[Any, Any]] | None:
    if entries is None:
        return None
    return [(e.customfield_id, e.label or e.api_name) for e in entries if e.customfield_id or e.label or e.api_name]


def read_custom_fields(record: Any) -> list[tuple[Any, Any]] | None:
    found = record.custom_fields
    return None if found is None else [(f.id, f.name) for f in found]


@ODD
@given(payload=PAYLOADS)
def test_an_invoice_reads_as_its_wire_model(payload: dict[str, Any]) -> None:
    z = m.structure(payload, w.ZohoInvoice)
    r = m.invoice_from_zoho(payload)
    assert (r.id, r.number, r.reference, r.invoice_date, r.due_date) == (
        z.invoice_id,
        z.invoice_number,
        z.reference_number,
        z.date,
        z.due_date,
    )
    assert (r.sub_total, r.total_tax, r.total, r.balance, r.currency_rate) == (
        z.sub_total,
        z.tax_total,
        z.total,
        z.balance,
        z.exchange_rate,
    )
    assert (r.tax_inclusive, r.created_at, r.updated_at, link_id(r.customer)) == (
        z.is_inclusive_tax,
        z.created_time,
        z.last_modified_time,
        z.customer_id,
    )
    assert read_custom_fields(r) == custom_fields(z.custom_fields)
    if z.line_items is None:
        assert r.line_items is None
        return
    assert r.line_items is not None and len(r.line_items) == len(z.line_items)
    for line, wire in zip(r.line_items, z.line_items, strict=True):
        assert (line.id, line.line_number, line.description, line.quantity, line.unit_price) == (
            wire.line_item_id,
            wire.item_order,
            wire.description,
            wire.quantity,
            wire.rate,
        )
        assert (line.total_amount, link_id(line.item), link_id(line.ledger_account)) == (
            wire.item_total,
            wire.item_id,
            wire.account_id,
        )
        assert (link_id(line.tax_rate), rate_of(line.tax_rate)) == (wire.tax_id, wire.tax_percentage)
        taxes = [t.tax_amount for t in wire.line_item_taxes or [] if t.tax_amount is not None]
        assert line.tax_amount == (sum(taxes, Decimal(0)) if taxes else None)
        assert line.tax_inclusive == z.is_inclusive_tax


@ODD
@given(payload=PAYLOADS)
def test_a_bill_reads_as_its_wire_model(payload: dict[str, Any]) -> None:
    z = m.structure(payload, w.ZohoBill)
    r = m.bill_from_zoho(payload)
    assert (r.id, r.bill_number, r.bill_date, r.total, r.balance, link_id(r.supplier)) == (
        z.bill_id,
        z.bill_number,
        z.date,
        z.total,
        z.balance,
        z.vendor_id,
    )
    assert read_custom_fields(r) == custom_fields(z.custom_fields)
    lines = [(x.id, x.quantity, x.unit_price, link_id(x.customer)) for x in r.line_items or []]
    assert lines == [(x.line_item_id, x.quantity, x.rate, x.customer_id) for x in z.line_items or []]


@ODD
@given(payload=PAYLOADS)
def test_a_contact_reads_as_its_wire_model(payload: dict[str, Any]) -> None:
    z = m.structure(payload, w.ZohoContact)
    r = m.contact_from_zoho(payload)
    assert (r.id, r.display_name, r.company_name, r.display_id, r.notes, r.taxable) == (
        z.contact_id,
        z.contact_name,
        z.company_name,
        z.contact_number,
        z.notes,
        z.is_taxable,
    )
    assert (r.is_customer, r.is_supplier) == (z.contact_type == "customer", z.contact_type == "vendor")
    persons = z.contact_persons or []
    primary = next((p for p in persons if p.is_primary_contact), persons[0] if persons else None)
    first_name = primary.first_name if primary is not None else z.first_name
    email = primary.email if primary is not None else z.email
    assert (r.first_name, r.emails[0].email if r.emails else None) == (first_name, email or None)
    assert read_custom_fields(r) == custom_fields(z.custom_fields)
    billing = z.billing_address
    city = next((a.city for a in r.addresses or [] if a.type == "billing"), None)
    assert city == (billing.city if billing is not None else None)


@ODD
@given(payload=PAYLOADS)
def test_an_expense_reads_as_its_wire_model(payload: dict[str, Any]) -> None:
    z = m.structure(payload, w.ZohoExpense)
    r = m.expense_from_zoho(payload)
    assert (r.id, r.total_amount, r.sub_total, r.memo, link_id(r.account)) == (
        z.expense_id,
        z.total,
        z.sub_total,
        z.description,
        z.paid_through_account_id,
    )
    wire_lines = z.line_items or ([z.line_item] if z.line_item is not None else None)
    if wire_lines is None and z.amount is not None:
        wire_lines = [w.ZohoExpenseLine(account_id=z.account_id, amount=z.amount)]
    read = None if r.line_items is None else [(x.total_amount, link_id(x.account)) for x in r.line_items]
    assert read == (None if wire_lines is None else [(x.amount, x.account_id) for x in wire_lines])


@ODD
@given(payload=PAYLOADS)
def test_a_tax_rate_reads_as_its_wire_model(payload: dict[str, Any]) -> None:
    z = m.structure(payload, w.ZohoTax)
    r = m.tax_rate_from_zoho(payload)
    assert (r.id, r.name, r.effective_tax_rate, r.type, r.country) == (
        z.tax_id,
        z.tax_name,
        z.tax_percentage,
        z.tax_type,
        z.country_code,
    )
    components = None if r.components is None else [(c.id, c.rate) for c in r.components]
    assert components == ([(t.tax_id, t.tax_percentage) for t in z.taxes] if z.taxes else None)
