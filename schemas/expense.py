"""Expense (money spent straight from an account, without a bill) and its lines."""

from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from schemas._base import READ_ONLY, Id, Money, OpenEnum, Quantity, Rate, Timestamp, UnifiedModel
from schemas.common import (
    CurrencyCode,
    CustomField,
    LineItemType,
    LinkedCustomer,
    LinkedDepartment,
    LinkedFinancialAccount,
    LinkedInvoiceItem,
    LinkedLedgerAccount,
    LinkedLocation,
    LinkedSupplier,
    LinkedTaxRate,
    LinkedTrackingCategory,
    PassThrough,
    Rebilling,
)

__all__ = ["Expense", "ExpenseLineItem", "ExpensePaymentType", "ExpenseStatus", "ExpenseType"]


class ExpensePaymentType(StrEnum):
    CASH = "cash"
    CHECK = "check"
    CREDIT_CARD = "credit_card"
    OTHER = "other"


class ExpenseType(StrEnum):
    EXPENSE = "expense"
    REFUND = "refund"


class ExpenseStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    VOIDED = "voided"


class ExpenseLineItem(UnifiedModel):
    """One line of an expense: the account charged, the amount and its tax."""

    id: Id | None = Field(default=None, description="Unique identifier of the line; give it to update a line.")
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the line."
    )
    account_id: Id | None = Field(default=None, description="Ledger account ID. Deprecated: use account.")
    account: LinkedLedgerAccount | None = Field(default=None, description="Expense account of the line.")
    customer_id: Id | None = Field(default=None, description="Customer ID. Deprecated: use customer.")
    customer: LinkedCustomer | None = Field(default=None, description="Customer the line is billable to.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    department: LinkedDepartment | None = Field(default=None, description="The department of the line.")
    location_id: Id | None = Field(default=None, description="The ID of the location.")
    location: LinkedLocation | None = Field(default=None, description="The location of the line.")
    tax_rate: LinkedTaxRate | None = Field(default=None, description="Tax rate applied to the line.")
    tax_inclusive: bool | None = Field(
        default=None,
        description=(
            "Whether unit_price includes the line's tax. Not in Apideck's model: providers that keep one flag per "
            "document refuse lines that disagree with each other or with the document's tax_inclusive."
        ),
    )
    description: str | None = Field(default=None, description="Description of the line.")
    type: OpenEnum[LineItemType] | None = Field(default=None, description="Line type.")
    total_amount: Money | None = Field(default=None, description="Total amount of the line.")
    tax_amount: Money | None = Field(default=None, description="Tax amount of the line.")
    quantity: Quantity | None = Field(default=None, description="Quantity.")
    unit_price: Money | None = Field(default=None, description="Price of one unit.")
    item: LinkedInvoiceItem | None = Field(default=None, description="The item bought on this line.")
    line_number: int | None = Field(default=None, description="Line number within the document.")
    rebilling: Rebilling | None = Field(default=None, description="Rebilling of the line to a customer.")


class Expense(UnifiedModel):
    """An expense: every field of Apideck's Expense."""

    id: Id | None = Field(default=None, description="Unique identifier of the expense.", json_schema_extra=READ_ONLY)
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    number: str | None = Field(default=None, description="Number of the expense.")
    transaction_date: Timestamp | None = Field(default=None, description="Date and time of the transaction.")
    account_id: Id | None = Field(default=None, description="ID of the account paid from. Deprecated: use account.")
    account: LinkedFinancialAccount | None = Field(default=None, description="The account paid from.")
    supplier_id: Id | None = Field(default=None, description="Supplier ID. Deprecated: use supplier.")
    supplier: LinkedSupplier | None = Field(default=None, description="The supplier paid.")
    company_id: Id | None = Field(default=None, description="The company (books) the expense belongs to.")
    location: LinkedLocation | None = Field(default=None, description="The location of the expense.")
    department_id: Id | None = Field(default=None, description="The ID of the department.")
    department: LinkedDepartment | None = Field(default=None, description="The department of the expense.")
    payment_type: OpenEnum[ExpensePaymentType] | None = Field(default=None, description="How it was paid.")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of the expense.")
    currency_rate: Rate | None = Field(default=None, description="Exchange rate at the time of the expense.")
    type: OpenEnum[ExpenseType] | None = Field(default=None, description="Expense or refund.")
    memo: str | None = Field(default=None, description="Memo of the expense.")
    tax_rate: LinkedTaxRate | None = Field(default=None, description="Tax rate of the expense.")
    tax_inclusive: bool | None = Field(default=None, description="Line amounts include tax.")
    sub_total: Money | None = Field(default=None, description="Sub-total, normally before tax.")
    total_tax: Money | None = Field(default=None, description="Total tax of the expense.")
    total_amount: Money | None = Field(default=None, description="Total amount of the expense.")
    tracking_categories: list[LinkedTrackingCategory] | None = Field(
        default=None, description="Tracking categories of the expense."
    )
    line_items: list[ExpenseLineItem] | None = Field(
        default=None, description="Lines of the expense; a write needs at least one."
    )
    reference: str | None = Field(default=None, description="Reference of the expense.")
    source_document_url: str | None = Field(default=None, description="URL of the source document.")
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    custom_mappings: dict[str, Any] | None = Field(
        default=None, description="Values of configured custom mappings.", json_schema_extra=READ_ONLY
    )
    status: OpenEnum[ExpenseStatus] | None = Field(default=None, description="Expense status.")
    updated_at: Timestamp | None = Field(
        default=None, description="When the expense was last updated.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the expense was created.", json_schema_extra=READ_ONLY
    )
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    updated_by: str | None = Field(
        default=None, description="The user who last updated the expense.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the expense.", json_schema_extra=READ_ONLY
    )
    pass_through: list[PassThrough] | None = Field(
        default=None, description="Provider-specific data for the write.", json_schema_extra={"writeOnly": True}
    )
    raw: SkipJsonSchema[dict[str, Any] | None] = Field(default=None, exclude=True, repr=False)
