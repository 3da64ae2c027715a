"""Invoice (a sales document sent to a customer) and its lines."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from schemas._base import READ_ONLY, Id, Money, OpenEnum, Quantity, Rate, Timestamp, UnifiedModel
from schemas.common import (
    Address,
    BankAccount,
    CurrencyCode,
    CustomField,
    LinkedCustomer,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedSubsidiary,
    LinkedTaxRate,
    LinkedTrackingCategory,
    LinkedWorktag,
    PassThrough,
    PaymentAllocation,
)

__all__ = ["Invoice", "InvoiceLineItem", "InvoiceLineItemType", "InvoiceStatus", "InvoiceType"]


class InvoiceType(StrEnum):
    STANDARD = "standard"
    CREDIT = "credit"
    SERVICE = "service"
    PRODUCT = "product"
    SUPPLIER = "supplier"
    OTHER = "other"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    UNPAID = "unpaid"
    VOID = "void"
    CREDIT = "credit"
    DELETED = "deleted"
    POSTED = "posted"


class InvoiceLineItemType(StrEnum):
    SALES_ITEM = "sales_item"
    DISCOUNT = "discount"
    INFO = "info"
    SUB_TOTAL = "sub_total"
    SERVICE = "service"
    OTHER = "other"


class InvoiceLineItem(UnifiedModel):
    """One line of an invoice: an item or service, its quantity, price and tax."""

    id: Id | None = Field(default=None, description="Unique identifier of the line; give it to update a line.")
    row_id: Id | None = Field(default=None, description="Row ID.")
    code: str | None = Field(default=None, description="User defined item code.")
    line_number: int | None = Field(default=None, description="Line number within the document.")
    description: str | None = Field(default=None, description="Description of the line.")
    type: OpenEnum[InvoiceLineItemType] | None = Field(default=None, description="Item type.")
    tax_amount: Money | None = Field(default=None, description="Tax amount of the line.")
    total_amount: Money | None = Field(default=None, description="Total amount of the line.")
    quantity: Quantity | None = Field(default=None, description="Quantity.")
    unit_price: Money | None = Field(default=None, description="Price of one unit.")
    unit_of_measure: str | None = Field(default=None, description="Unit the item is sold in, e.g. kg, hour.")
    discount_percentage: Rate | None = Field(default=None, description="Discount on the line, in percent.")
    discount_amount: Money | None = Field(default=None, description="Discount on the line, as an amount.")
    service_date: dt.date | None = Field(default=None, description="Date the service was provided.")
    category_id: Id | None = Field(default=None, description="ID of the category of the line.")
    location_id: Id | None = Field(default=None, description="The ID of the location.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    subsidiary_id: Id | None = Field(default=None, description="The ID of the subsidiary.")
    shipping_id: Id | None = Field(default=None, description="ID of the shipping of the line.")
    memo: str | None = Field(default=None, description="Memo.")
    prepaid: bool | None = Field(default=None, description="Whether the line is prepaid.")
    item: LinkedInvoiceItem | None = Field(default=None, description="The item sold on this line.")
    tax_applicable_on: str | None = Field(default=None, description="What the tax applies to.")
    tax_recoverability: str | None = Field(default=None, description="Tax recoverability.")
    tax_method: str | None = Field(default=None, description="Method of tax calculation.")
    worktags: list[LinkedWorktag] | None = Field(default=None, description="Worktags of the line (Workday).")
    tax_rate: LinkedTaxRate | None = Field(default=None, description="Tax rate applied to the line.")
    tax_inclusive: bool | None = Field(
        default=None,
        description=(
            "Whether unit_price includes the line's tax. Not in Apideck's model: providers that keep one flag per "
            "document refuse lines that disagree with each other or with the document's tax_inclusive."
        ),
    )
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the line."
    )
    ledger_account: LinkedLedgerAccount | None = Field(default=None, description="Income account of the line.")
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    updated_by: str | None = Field(
        default=None, description="The user who last updated the line.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the line.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the line was created.", json_schema_extra=READ_ONLY
    )
    updated_at: Timestamp | None = Field(
        default=None, description="When the line was last updated.", json_schema_extra=READ_ONLY
    )


class Invoice(UnifiedModel):
    """A sales invoice: every field of Apideck's Invoice."""

    id: Id | None = Field(default=None, description="Unique identifier of the invoice.", json_schema_extra=READ_ONLY)
    downstream_id: str | None = Field(
        default=None, description="The provider's own ID of the invoice.", json_schema_extra=READ_ONLY
    )
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    type: OpenEnum[InvoiceType] | None = Field(default=None, description="Invoice type.")
    number: str | None = Field(default=None, description="Invoice number.")
    customer: LinkedCustomer | None = Field(default=None, description="The customer invoiced.")
    company_id: Id | None = Field(default=None, description="The company (books) the invoice belongs to.")
    subsidiary: LinkedSubsidiary | None = Field(default=None, description="The subsidiary of the invoice.")
    location_id: Id | None = Field(default=None, description="The ID of the location.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    invoice_date: dt.date | None = Field(default=None, description="Date the invoice was issued.")
    due_date: dt.date | None = Field(default=None, description="Date payment is due.")
    terms: str | None = Field(default=None, description="Payment terms, e.g. Net 30 days.")
    terms_id: Id | None = Field(default=None, description="The ID of the payment terms.")
    po_number: str | None = Field(default=None, description="The buyer's purchase order number.")
    reference: str | None = Field(default=None, description="Reference of the invoice.")
    status: OpenEnum[InvoiceStatus] | None = Field(default=None, description="Invoice status.")
    invoice_sent: bool | None = Field(default=None, description="The invoice was sent to the customer.")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of the invoice.")
    currency_rate: Rate | None = Field(default=None, description="Exchange rate at the time of the invoice.")
    tax_inclusive: bool | None = Field(default=None, description="Line amounts include tax.")
    sub_total: Money | None = Field(default=None, description="Sub-total, normally before tax.")
    total_tax: Money | None = Field(default=None, description="Total tax of the invoice.")
    tax_code: str | None = Field(default=None, description="Tax code used when lines carry no tax.")
    discount_percentage: Rate | None = Field(default=None, description="Discount on the invoice, in percent.")
    discount_amount: Money | None = Field(default=None, description="Discount on the invoice, as an amount.")
    total: Money | None = Field(default=None, description="Total amount of the invoice, including tax.")
    balance: Money | None = Field(default=None, description="Amount still due.")
    deposit: Money | None = Field(default=None, description="Amount of deposit made to the invoice.")
    customer_memo: str | None = Field(default=None, description="Note to the customer.")
    tracking_category: LinkedTrackingCategory | None = Field(
        default=None, description="Tracking category. Deprecated: use tracking_categories."
    )
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the invoice."
    )
    line_items: list[InvoiceLineItem] | None = Field(default=None, description="Lines of the invoice.")
    billing_address: Address | None = Field(default=None, description="Billing address.")
    shipping_address: Address | None = Field(default=None, description="Shipping address.")
    template_id: Id | None = Field(default=None, description="Invoice template.")
    source_document_url: str | None = Field(default=None, description="URL of the source document.")
    payment_allocations: list[PaymentAllocation] | None = Field(
        default=None, description="Payments made on the invoice."
    )
    payment_method: str | None = Field(default=None, description="Payment method, e.g. cash.")
    channel: str | None = Field(default=None, description="Channel the invoice is sent through, e.g. email.")
    language: str | None = Field(default=None, description="Language code, ISO 639-1.")
    accounting_by_row: bool | None = Field(default=None, description="A ledger transaction per row.")
    bank_account: BankAccount | None = Field(default=None, description="Bank account to pay into.")
    ledger_account: LinkedLedgerAccount | None = Field(default=None, description="Receivables account.")
    custom_mappings: dict[str, Any] | None = Field(
        default=None, description="Values of configured custom mappings.", json_schema_extra=READ_ONLY
    )
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    updated_by: str | None = Field(
        default=None, description="The user who last updated the invoice.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the invoice.", json_schema_extra=READ_ONLY
    )
    updated_at: Timestamp | None = Field(
        default=None, description="When the invoice was last updated.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the invoice was created.", json_schema_extra=READ_ONLY
    )
    pass_through: list[PassThrough] | None = Field(
        default=None, description="Provider-specific data for the write.", json_schema_extra={"writeOnly": True}
    )
    raw: SkipJsonSchema[dict[str, Any] | None] = Field(default=None, exclude=True, repr=False)
