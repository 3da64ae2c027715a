"""Zoho Books payloads as attrs classes: the fields the connector maps, in Zoho's own names.

These are typed views of Zoho's JSON, not of the unified models. Every field is optional because Zoho leaves
fields out (list rows are summaries) or sends ``""`` for unset values; the converter in ``_mapping`` turns
blanks into ``None``. Fields a class does not declare are ignored here and kept in the raw payload.
Attribute names equal Zoho's keys except where the converter declares a rename (``_mapping.RENAMES``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

__all__ = [
    "ZohoAddress",
    "ZohoBill",
    "ZohoBillLine",
    "ZohoContact",
    "ZohoContactPerson",
    "ZohoCustomField",
    "ZohoDocumentTax",
    "ZohoExpense",
    "ZohoExpenseLine",
    "ZohoInvoice",
    "ZohoInvoiceLine",
    "ZohoLineTax",
    "ZohoTax",
]


@attrs.define
class ZohoCustomField:
    """One entry of a record's ``custom_fields``; writes send only ``customfield_id`` and ``value``."""

    customfield_id: str | None = None
    api_name: str | None = None
    label: str | None = None
    data_type: str | None = None
    index: int | None = None
    value: object = None


@attrs.define
class ZohoAddress:
    address_id: str | None = None
    attention: str | None = None
    address: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    state_code: str | None = None
    zip_code: str | None = None  # Zoho's "zip"
    country: str | None = None
    country_code: str | None = None
    county: str | None = None
    phone: str | None = None
    fax: str | None = None


@attrs.define
class ZohoContactPerson:
    contact_person_id: str | None = None
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    designation: str | None = None
    department: str | None = None
    is_primary_contact: bool | None = None


@attrs.define
class ZohoContact:
    contact_id: str | None = None
    contact_name: str | None = None
    company_name: str | None = None
    contact_type: str | None = None
    customer_sub_type: str | None = None
    contact_number: str | None = None
    status: str | None = None
    website: str | None = None
    notes: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    payment_terms: int | None = None
    payment_terms_label: str | None = None
    is_taxable: bool | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    vat_reg_no: str | None = None
    gst_no: str | None = None
    tax_reg_no: str | None = None
    # list rows carry the primary contact person's details at the top level
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    billing_address: ZohoAddress | None = None
    shipping_address: ZohoAddress | None = None
    contact_persons: list[ZohoContactPerson] | None = None
    custom_fields: list[ZohoCustomField] | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@attrs.define
class ZohoLineTax:
    """One tax of a line (``line_item_taxes``): a tax group shows one entry per member tax."""

    tax_id: str | None = None
    tax_name: str | None = None
    tax_amount: Decimal | None = None
    tax_percentage: Decimal | None = None


@attrs.define
class ZohoDocumentTax:
    """One row of a document's ``taxes`` summary."""

    tax_id: str | None = None
    tax_name: str | None = None
    tax_amount: Decimal | None = None


@attrs.define
class ZohoInvoiceLine:
    line_item_id: str | None = None
    item_id: str | None = None
    name: str | None = None
    description: str | None = None
    item_order: int | None = None
    rate: Decimal | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    discount_amount: Decimal | None = None
    discount: object = None  # an amount, or a percentage string such as "10%"
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    item_total: Decimal | None = None
    line_item_taxes: list[ZohoLineTax] | None = None
    account_id: str | None = None
    account_name: str | None = None
    location_id: str | None = None


@attrs.define
class ZohoInvoice:
    invoice_id: str | None = None
    invoice_number: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    status: str | None = None
    reference_number: str | None = None
    payment_terms: int | None = None
    payment_terms_label: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    is_inclusive_tax: bool | None = None
    discount: object = None
    discount_type: str | None = None
    is_discount_before_tax: bool | None = None
    line_items: list[ZohoInvoiceLine] | None = None
    sub_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    taxes: list[ZohoDocumentTax] | None = None
    notes: str | None = None
    terms: str | None = None
    template_id: str | None = None
    location_id: str | None = None
    is_emailed: bool | None = None
    billing_address: ZohoAddress | None = None
    shipping_address: ZohoAddress | None = None
    custom_fields: list[ZohoCustomField] | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@attrs.define
class ZohoBillLine:
    line_item_id: str | None = None
    item_id: str | None = None
    name: str | None = None
    description: str | None = None
    item_order: int | None = None
    account_id: str | None = None
    account_name: str | None = None
    rate: Decimal | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    item_total: Decimal | None = None
    line_item_taxes: list[ZohoLineTax] | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    location_id: str | None = None


@attrs.define
class ZohoBill:
    bill_id: str | None = None
    bill_number: str | None = None
    vendor_id: str | None = None
    vendor_name: str | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    status: str | None = None
    reference_number: str | None = None
    payment_terms: int | None = None
    payment_terms_label: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    is_inclusive_tax: bool | None = None
    line_items: list[ZohoBillLine] | None = None
    sub_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    taxes: list[ZohoDocumentTax] | None = None
    notes: str | None = None
    location_id: str | None = None
    custom_fields: list[ZohoCustomField] | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@attrs.define
class ZohoExpenseLine:
    line_item_id: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    description: str | None = None
    amount: Decimal | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    tax_amount: Decimal | None = None
    item_total: Decimal | None = None
    item_order: int | None = None
    location_id: str | None = None


@attrs.define
class ZohoExpense:
    expense_id: str | None = None
    date: dt.date | None = None
    account_id: str | None = None
    account_name: str | None = None
    paid_through_account_id: str | None = None
    paid_through_account_name: str | None = None
    amount: Decimal | None = None
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    tax_amount: Decimal | None = None
    is_inclusive_tax: bool | None = None
    sub_total: Decimal | None = None
    total: Decimal | None = None
    vendor_id: str | None = None
    vendor_name: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    reference_number: str | None = None
    description: str | None = None
    currency_id: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    status: str | None = None
    location_id: str | None = None
    line_items: list[ZohoExpenseLine] | None = None
    line_item: ZohoExpenseLine | None = None  # Zoho's documented GET shape of a one-line expense
    custom_fields: list[ZohoCustomField] | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None


@attrs.define
class ZohoTax:
    tax_id: str | None = None
    tax_name: str | None = None
    tax_percentage: Decimal | None = None
    tax_type: str | None = None
    tax_specific_type: str | None = None
    tax_authority_name: str | None = None
    country_code: str | None = None
    tax_account_id: str | None = None
    purchase_tax_account_id: str | None = None
    status: str | None = None
    is_inactive: bool | None = None
    #: the member taxes of a tax group
    taxes: list[ZohoTax] | None = None
    created_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None
