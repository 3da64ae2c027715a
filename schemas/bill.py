"""Bill (a purchase invoice received from a supplier) and its lines."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from schemas._base import READ_ONLY, Id, Money, OpenEnum, Quantity, Rate, Timestamp, UnifiedModel
from schemas.common import (
    BankAccount,
    CurrencyCode,
    CustomField,
    LineItemType,
    LinkedAttachment,
    LinkedCustomer,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedPurchaseOrder,
    LinkedSubsidiary,
    LinkedSupplier,
    LinkedTaxRate,
    LinkedTrackingCategory,
    LinkedWorktag,
    PassThrough,
    PaymentAllocation,
    Rebilling,
)

__all__ = ["AmortizationType", "Bill", "BillLineItem", "BillStatus"]


class BillStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    CREDIT = "credit"
    DELETED = "deleted"
    POSTED = "posted"


class AmortizationType(StrEnum):
    MANUAL = "manual"
    RECEIPT = "receipt"
    SCHEDULE = "schedule"
    OTHER = "other"


class BillLineItem(UnifiedModel):
    """One line of a bill: an item or expense account, its quantity, price and tax."""

    id: Id | None = Field(default=None, description="Unique identifier of the line; give it to update a line.")
    row_id: Id | None = Field(default=None, description="Row ID.")
    code: str | None = Field(default=None, description="User defined item code.")
    line_number: int | None = Field(default=None, description="Line number within the document.")
    description: str | None = Field(default=None, description="Description of the line.")
    type: OpenEnum[LineItemType] | None = Field(default=None, description="Line type.")
    tax_amount: Money | None = Field(default=None, description="Tax amount of the line.")
    total_amount: Money | None = Field(default=None, description="Total amount of the line.")
    quantity: Quantity | None = Field(default=None, description="Quantity.")
    unit_price: Money | None = Field(default=None, description="Price of one unit.")
    unit_of_measure: str | None = Field(default=None, description="Unit the item is bought in, e.g. kg, hour.")
    discount_percentage: Rate | None = Field(default=None, description="Discount on the line, in percent.")
    discount_amount: Money | None = Field(default=None, description="Discount on the line, as an amount.")
    location_id: Id | None = Field(default=None, description="The ID of the location.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    subsidiary_id: Id | None = Field(default=None, description="The ID of the subsidiary.")
    category_id: Id | None = Field(default=None, description="ID of the category of the line.")
    shipping_id: Id | None = Field(default=None, description="ID of the shipping of the line.")
    memo: str | None = Field(default=None, description="Memo.")
    prepaid: bool | None = Field(default=None, description="Whether the line is prepaid.")
    tax_applicable_on: str | None = Field(default=None, description="What the tax applies to.")
    tax_recoverability: str | None = Field(default=None, description="Tax recoverability.")
    tax_method: str | None = Field(default=None, description="Method of tax calculation.")
    retention_amount: Money | None = Field(default=None, description="Retention amount.")
    payment_amount: Money | None = Field(default=None, description="Payment amount.")
    item: LinkedInvoiceItem | None = Field(default=None, description="The item bought on this line.")
    tax_rate: LinkedTaxRate | None = Field(default=None, description="Tax rate applied to the line.")
    tax_inclusive: bool | None = Field(
        default=None,
        description=(
            "Whether unit_price includes the line's tax. Not in Apideck's model: providers that keep one flag per "
            "document refuse lines that disagree with each other or with the document's tax_inclusive."
        ),
    )
    ledger_account: LinkedLedgerAccount | None = Field(default=None, description="Expense account of the line.")
    purchase_order: LinkedPurchaseOrder | None = Field(default=None, description="Purchase order matched.")
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the line."
    )
    customer: LinkedCustomer | None = Field(default=None, description="Customer the line is billable to.")
    rebilling: Rebilling | None = Field(default=None, description="Rebilling of the line to a customer.")
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
    worktags: list[LinkedWorktag] | None = Field(default=None, description="Worktags of the line (Workday).")


class Bill(UnifiedModel):
    """A bill from a supplier: every field of Apideck's Bill."""

    id: Id | None = Field(default=None, description="Unique identifier of the bill.", json_schema_extra=READ_ONLY)
    downstream_id: str | None = Field(
        default=None, description="The provider's own ID of the bill.", json_schema_extra=READ_ONLY
    )
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    bill_number: str | None = Field(default=None, description="The supplier's bill number.")
    supplier: LinkedSupplier | None = Field(default=None, description="The supplier who sent the bill.")
    company_id: Id | None = Field(default=None, description="The company (books) the bill belongs to.")
    subsidiary: LinkedSubsidiary | None = Field(default=None, description="The subsidiary of the bill.")
    location_id: Id | None = Field(default=None, description="The ID of the location.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of the bill.")
    currency_rate: Rate | None = Field(default=None, description="Exchange rate at the time of the bill.")
    tax_inclusive: bool | None = Field(default=None, description="Line amounts include tax.")
    bill_date: dt.date | None = Field(default=None, description="Date the bill was issued.")
    due_date: dt.date | None = Field(default=None, description="Date payment is due.")
    paid_date: dt.date | None = Field(default=None, description="Date the bill was paid.")
    po_number: str | None = Field(default=None, description="Purchase order number.")
    reference: str | None = Field(default=None, description="Reference of the bill.")
    line_items: list[BillLineItem] | None = Field(default=None, description="Lines of the bill.")
    terms: str | None = Field(default=None, description="Payment terms, e.g. Net 30 days.")
    terms_id: Id | None = Field(default=None, description="The ID of the payment terms.")
    balance: Money | None = Field(default=None, description="Amount still due.")
    deposit: Money | None = Field(default=None, description="Amount of deposit made to the bill.")
    sub_total: Money | None = Field(default=None, description="Sub-total, normally before tax.")
    total_tax: Money | None = Field(default=None, description="Total tax of the bill.")
    total: Money | None = Field(default=None, description="Total amount of the bill, including tax.")
    tax_code: str | None = Field(default=None, description="Tax code used when lines carry no tax.")
    notes: str | None = Field(default=None, description="Notes about the bill.")
    status: OpenEnum[BillStatus] | None = Field(default=None, description="Bill status.")
    ledger_account: LinkedLedgerAccount | None = Field(default=None, description="Payables account.")
    payment_method: str | None = Field(default=None, description="Payment method, e.g. cash.")
    channel: str | None = Field(default=None, description="Channel the bill came through, e.g. email.")
    language: str | None = Field(default=None, description="Language code, ISO 639-1.")
    accounting_by_row: bool | None = Field(default=None, description="A ledger transaction per row.")
    bank_account: BankAccount | None = Field(default=None, description="Supplier bank account to pay into.")
    discount_percentage: Rate | None = Field(default=None, description="Discount on the bill, in percent.")
    template_id: Id | None = Field(default=None, description="Bill template.")
    approved_by: str | None = Field(default=None, description="The user who approved the bill.")
    amortization_type: OpenEnum[AmortizationType] | None = Field(default=None, description="Amortization type.")
    tax_method: str | None = Field(default=None, description="Method of tax calculation.")
    document_received: bool | None = Field(default=None, description="Whether the document was received.")
    source_document_url: str | None = Field(default=None, description="URL of the source document.")
    payment_allocations: list[PaymentAllocation] | None = Field(default=None, description="Payments made on the bill.")
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the bill."
    )
    updated_by: str | None = Field(
        default=None, description="The user who last updated the bill.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the bill.", json_schema_extra=READ_ONLY
    )
    updated_at: Timestamp | None = Field(
        default=None, description="When the bill was last updated.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the bill was created.", json_schema_extra=READ_ONLY
    )
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    custom_mappings: dict[str, Any] | None = Field(
        default=None, description="Values of configured custom mappings.", json_schema_extra=READ_ONLY
    )
    pass_through: list[PassThrough] | None = Field(
        default=None, description="Provider-specific data for the write.", json_schema_extra={"writeOnly": True}
    )
    accounting_period: str | None = Field(default=None, description="Accounting period, e.g. 01-24.")
    attachments: list[LinkedAttachment] | None = Field(default=None, description="Files attached to the bill.")
    raw: SkipJsonSchema[dict[str, Any] | None] = Field(default=None, exclude=True, repr=False)
