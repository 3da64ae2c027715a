"""Xero Accounting API payloads as attrs classes: the fields the connector maps, in Xero's own names.

Attribute names are Xero's element names (``ContactID``, ``LineAmountTypes``...), so each class reads like the
schema of the same name in Xero's OpenAPI document (``xero_accounting.yaml``, version 16.1.0). Every field is
optional: list rows and element answers leave fields out, and Xero sends ``""`` for unset text, which the
converter in ``_mapping`` turns into ``None``. Fields a class does not declare are ignored here and kept in the
raw payload.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

__all__ = [
    "XeroAccount",
    "XeroAddress",
    "XeroBankTransaction",
    "XeroContact",
    "XeroInvoice",
    "XeroItem",
    "XeroLineItem",
    "XeroLineItemItem",
    "XeroPayment",
    "XeroPhone",
    "XeroTaxComponent",
    "XeroTaxRate",
    "XeroTracking",
    "XeroTrackingCategory",
    "XeroTrackingOption",
    "XeroValidationError",
]


@attrs.define
class XeroValidationError:
    Message: str | None = None


@attrs.define
class XeroAddress:
    #: POBOX (the postal address) or STREET
    AddressType: str | None = None
    AddressLine1: str | None = None
    AddressLine2: str | None = None
    AddressLine3: str | None = None
    AddressLine4: str | None = None
    City: str | None = None
    Region: str | None = None
    PostalCode: str | None = None
    Country: str | None = None
    AttentionTo: str | None = None


@attrs.define
class XeroPhone:
    #: DEFAULT, DDI, MOBILE, FAX or OFFICE
    PhoneType: str | None = None
    PhoneNumber: str | None = None
    PhoneAreaCode: str | None = None
    PhoneCountryCode: str | None = None


@attrs.define
class XeroContact:
    ContactID: str | None = None
    ContactNumber: str | None = None
    AccountNumber: str | None = None
    ContactStatus: str | None = None
    Name: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    EmailAddress: str | None = None
    TaxNumber: str | None = None
    DefaultCurrency: str | None = None
    Addresses: list[XeroAddress] | None = None
    Phones: list[XeroPhone] | None = None
    IsSupplier: bool | None = None
    IsCustomer: bool | None = None
    Website: str | None = None
    UpdatedDateUTC: dt.datetime | None = None
    HasValidationErrors: bool | None = None
    ValidationErrors: list[XeroValidationError] | None = None
    StatusAttributeString: str | None = None


@attrs.define
class XeroTracking:
    """A tracking option on a line (``LineItemTracking``): ``Name`` is the category, ``Option`` its option."""

    TrackingCategoryID: str | None = None
    TrackingOptionID: str | None = None
    Name: str | None = None
    Option: str | None = None


@attrs.define
class XeroLineItemItem:
    ItemID: str | None = None
    Code: str | None = None
    Name: str | None = None


@attrs.define
class XeroLineItem:
    LineItemID: str | None = None
    Description: str | None = None
    Quantity: Decimal | None = None
    UnitAmount: Decimal | None = None
    ItemCode: str | None = None
    Item: XeroLineItemItem | None = None
    AccountCode: str | None = None
    AccountID: str | None = None
    TaxType: str | None = None
    TaxAmount: Decimal | None = None
    LineAmount: Decimal | None = None
    Tracking: list[XeroTracking] | None = None
    DiscountRate: Decimal | None = None
    DiscountAmount: Decimal | None = None


@attrs.define
class XeroPayment:
    PaymentID: str | None = None
    Amount: Decimal | None = None
    Date: dt.datetime | None = None


@attrs.define
class XeroInvoice:
    #: ACCREC (a sales invoice) or ACCPAY (a bill), among others
    Type: str | None = None
    InvoiceID: str | None = None
    InvoiceNumber: str | None = None
    Reference: str | None = None
    Contact: XeroContact | None = None
    Date: dt.date | None = None
    DueDate: dt.date | None = None
    #: Exclusive, Inclusive or NoTax
    LineAmountTypes: str | None = None
    Status: str | None = None
    CurrencyCode: str | None = None
    CurrencyRate: Decimal | None = None
    LineItems: list[XeroLineItem] | None = None
    SubTotal: Decimal | None = None
    TotalTax: Decimal | None = None
    Total: Decimal | None = None
    AmountDue: Decimal | None = None
    AmountPaid: Decimal | None = None
    SentToContact: bool | None = None
    Url: str | None = None
    FullyPaidOnDate: dt.date | None = None
    UpdatedDateUTC: dt.datetime | None = None
    Payments: list[XeroPayment] | None = None
    HasErrors: bool | None = None
    ValidationErrors: list[XeroValidationError] | None = None
    StatusAttributeString: str | None = None


@attrs.define
class XeroAccount:
    AccountID: str | None = None
    Code: str | None = None
    Name: str | None = None
    Type: str | None = None
    Status: str | None = None
    TaxType: str | None = None
    Class: str | None = None
    CurrencyCode: str | None = None


@attrs.define
class XeroBankTransaction:
    #: SPEND (an expense) or RECEIVE, among others
    Type: str | None = None
    BankTransactionID: str | None = None
    Contact: XeroContact | None = None
    BankAccount: XeroAccount | None = None
    Date: dt.date | None = None
    Reference: str | None = None
    CurrencyCode: str | None = None
    CurrencyRate: Decimal | None = None
    Status: str | None = None
    LineAmountTypes: str | None = None
    LineItems: list[XeroLineItem] | None = None
    SubTotal: Decimal | None = None
    TotalTax: Decimal | None = None
    Total: Decimal | None = None
    IsReconciled: bool | None = None
    Url: str | None = None
    UpdatedDateUTC: dt.datetime | None = None
    ValidationErrors: list[XeroValidationError] | None = None
    StatusAttributeString: str | None = None


@attrs.define
class XeroTaxComponent:
    Name: str | None = None
    Rate: Decimal | None = None
    IsCompound: bool | None = None
    IsNonRecoverable: bool | None = None


@attrs.define
class XeroTaxRate:
    Name: str | None = None
    #: the code lines name it by (OUTPUT, INPUT, NONE, TAX001...): the tax rate's id
    TaxType: str | None = None
    TaxComponents: list[XeroTaxComponent] | None = None
    Status: str | None = None
    ReportTaxType: str | None = None
    DisplayTaxRate: Decimal | None = None
    EffectiveRate: Decimal | None = None
    CanApplyToRevenue: bool | None = None
    CanApplyToExpenses: bool | None = None
    ValidationErrors: list[XeroValidationError] | None = None
    StatusAttributeString: str | None = None


@attrs.define
class XeroItem:
    ItemID: str | None = None
    Code: str | None = None
    Name: str | None = None
    IsSold: bool | None = None
    IsPurchased: bool | None = None


@attrs.define
class XeroTrackingOption:
    TrackingOptionID: str | None = None
    Name: str | None = None
    Status: str | None = None


@attrs.define
class XeroTrackingCategory:
    TrackingCategoryID: str | None = None
    Name: str | None = None
    Status: str | None = None
    Options: list[XeroTrackingOption] | None = None
