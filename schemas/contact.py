"""Contact: a customer, a supplier, or both (Apideck's Customer and Supplier in one model)."""

from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from schemas._base import READ_ONLY, Id, OpenEnum, Timestamp, UnifiedModel
from schemas.common import (
    Address,
    BankAccount,
    CurrencyCode,
    CustomField,
    Email,
    LinkedLedgerAccount,
    LinkedParentCustomer,
    LinkedSubsidiary,
    LinkedTaxDetail,
    LinkedTaxRate,
    LinkedTaxStatusDetail,
    PassThrough,
    PhoneNumber,
    Website,
)

__all__ = ["Contact", "ContactStatus"]


class ContactStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"
    GDPR_ERASURE_REQUEST = "gdpr-erasure-request"
    UNKNOWN = "unknown"


class Contact(UnifiedModel):
    """A customer or supplier: every field of Apideck's Customer and Supplier, plus the two role flags."""

    id: Id | None = Field(default=None, description="Unique identifier of the contact.", json_schema_extra=READ_ONLY)
    downstream_id: str | None = Field(
        default=None, description="The provider's own ID of the contact.", json_schema_extra=READ_ONLY
    )
    is_customer: bool = Field(default=False, description="The contact is a customer (sells to).")
    is_supplier: bool = Field(default=False, description="The contact is a supplier (buys from).")
    display_id: str | None = Field(default=None, description="Display ID, e.g. a customer number.")
    display_name: str | None = Field(default=None, description="Display name of the contact.")
    company_name: str | None = Field(default=None, description="The name of the company.")
    company_id: Id | None = Field(default=None, description="The company (books) the contact belongs to.")
    subsidiary: LinkedSubsidiary | None = Field(default=None, description="The subsidiary of the contact.")
    customer_category: str | None = Field(default=None, description="Category or type of the customer.")
    supplier_category: str | None = Field(default=None, description="Category or type of the supplier.")
    title: str | None = Field(default=None, description="Job title of the person.")
    first_name: str | None = Field(default=None, description="First name of the person.")
    middle_name: str | None = Field(default=None, description="Middle name of the person.")
    last_name: str | None = Field(default=None, description="Last name of the person.")
    suffix: str | None = Field(default=None, description="Name suffix, e.g. Jr.")
    individual: bool | None = Field(default=None, description="An individual rather than a business.")
    project: bool | None = Field(default=None, description="The customer is a project.")
    addresses: list[Address] | None = Field(default=None, description="Addresses of the contact.")
    phone_numbers: list[PhoneNumber] | None = Field(default=None, description="Phone numbers of the contact.")
    emails: list[Email] | None = Field(default=None, description="Email addresses of the contact.")
    websites: list[Website] | None = Field(default=None, description="Websites of the contact.")
    bank_accounts: list[BankAccount] | None = Field(default=None, description="Bank accounts of the contact.")
    notes: str | None = Field(default=None, description="Notes about the contact.")
    tax_rate: LinkedTaxRate | None = Field(default=None, description="Default tax rate of the contact.")
    tax_number: str | None = Field(default=None, description="Tax (VAT/GST) registration number.")
    taxable: bool | None = Field(default=None, description="Whether the contact is subject to tax.")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of the contact.")
    account: LinkedLedgerAccount | None = Field(default=None, description="Default ledger account.")
    parent: LinkedParentCustomer | None = Field(default=None, description="The parent customer.")
    status: OpenEnum[ContactStatus] | None = Field(default=None, description="Status of the contact.")
    payment_method: str | None = Field(default=None, description="Default payment method, e.g. cash.")
    terms: str | None = Field(default=None, description="Payment terms, e.g. Net 30 days.")
    terms_id: Id | None = Field(default=None, description="The ID of the payment terms.")
    channel: str | None = Field(default=None, description="Channel documents are sent through, e.g. email.")
    issued_method: str | None = Field(default=None, description="How purchase orders are issued to the supplier.")
    issued_email: str | None = Field(default=None, description="Email that purchase orders are issued from.")
    custom_fields: list[CustomField] | None = Field(default=None, description="Custom field values.")
    custom_mappings: dict[str, Any] | None = Field(
        default=None, description="Values of configured custom mappings.", json_schema_extra=READ_ONLY
    )
    tax_details: list[LinkedTaxDetail] | None = Field(default=None, description="Tax registrations.")
    tax_status_details: list[LinkedTaxStatusDetail] | None = Field(
        default=None, description="Transaction tax status per country."
    )
    updated_by: str | None = Field(
        default=None, description="The user who last updated the contact.", json_schema_extra=READ_ONLY
    )
    created_by: str | None = Field(
        default=None, description="The user who created the contact.", json_schema_extra=READ_ONLY
    )
    updated_at: Timestamp | None = Field(
        default=None, description="When the contact was last updated.", json_schema_extra=READ_ONLY
    )
    created_at: Timestamp | None = Field(
        default=None, description="When the contact was created.", json_schema_extra=READ_ONLY
    )
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")
    pass_through: list[PassThrough] | None = Field(
        default=None, description="Provider-specific data for the write.", json_schema_extra={"writeOnly": True}
    )
    subsidiary_id: Id | None = Field(default=None, description="The subsidiary the supplier belongs to.")
    integration_system_id: Id | None = Field(
        default=None, description="The integration system the supplier belongs to."
    )
    raw: SkipJsonSchema[dict[str, Any] | None] = Field(default=None, exclude=True, repr=False)
