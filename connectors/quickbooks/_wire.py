"""QuickBooks payloads as attrs classes: the fields the connector maps, named as QuickBooks names them.

These are typed views of QuickBooks' JSON (the element names of Intuit's XSDs: ``Finance.xsd``,
``IntuitNamesTypes.xsd``, ``IntuitBaseTypes.xsd``), not of the unified models. Attribute names are QuickBooks'
keys, so the converter (``_convert``) needs no renames. Every field is optional: QuickBooks leaves out what is
unset. Fields a class does not declare are ignored here and kept in the raw payload.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

__all__ = [
    "QboAccountLine",
    "QboAddress",
    "QboBill",
    "QboCustomField",
    "QboDescriptionLine",
    "QboDiscountLine",
    "QboEmail",
    "QboInvoice",
    "QboItemExpenseLine",
    "QboLine",
    "QboListEntry",
    "QboMetaData",
    "QboName",
    "QboPhone",
    "QboPurchase",
    "QboRef",
    "QboSalesLine",
    "QboTaxCode",
    "QboTaxLine",
    "QboTaxLineDetail",
    "QboTaxRate",
    "QboTaxRateDetail",
    "QboTaxRateList",
    "QboTxnTaxDetail",
    "QboWeb",
]


@attrs.define
class QboRef:
    """A ReferenceType: ``{"value": id, "name": ...}`` (``type`` on an EntityRef)."""

    value: str | None = None
    name: str | None = None
    type: str | None = None


@attrs.define
class QboMetaData:
    CreateTime: dt.datetime | None = None
    LastUpdatedTime: dt.datetime | None = None


@attrs.define
class QboAddress:
    """A PhysicalAddress."""

    Id: str | None = None
    Line1: str | None = None
    Line2: str | None = None
    Line3: str | None = None
    Line4: str | None = None
    Line5: str | None = None
    City: str | None = None
    CountrySubDivisionCode: str | None = None
    PostalCode: str | None = None
    Country: str | None = None
    County: str | None = None
    Lat: str | None = None
    Long: str | None = None
    Note: str | None = None


@attrs.define
class QboEmail:
    Address: str | None = None


@attrs.define
class QboPhone:
    FreeFormNumber: str | None = None


@attrs.define
class QboWeb:
    URI: str | None = None


@attrs.define
class QboCustomField:
    DefinitionId: str | None = None
    Name: str | None = None
    Type: str | None = None
    StringValue: str | None = None
    NumberValue: Decimal | None = None
    BooleanValue: bool | None = None
    DateValue: dt.date | None = None


@attrs.define
class QboName:
    """A Customer or a Vendor (both NameBase): what the connector maps of either."""

    Id: str | None = None
    SyncToken: str | None = None
    MetaData: QboMetaData | None = None
    DisplayName: str | None = None
    CompanyName: str | None = None
    Title: str | None = None
    GivenName: str | None = None
    MiddleName: str | None = None
    FamilyName: str | None = None
    Suffix: str | None = None
    PrimaryEmailAddr: QboEmail | None = None
    PrimaryPhone: QboPhone | None = None
    AlternatePhone: QboPhone | None = None
    Mobile: QboPhone | None = None
    Fax: QboPhone | None = None
    WebAddr: QboWeb | None = None
    BillAddr: QboAddress | None = None
    ShipAddr: QboAddress | None = None
    Notes: str | None = None
    Active: bool | None = None
    AcctNum: str | None = None
    CurrencyRef: QboRef | None = None
    ParentRef: QboRef | None = None
    Taxable: bool | None = None
    PrimaryTaxIdentifier: str | None = None
    TaxIdentifier: str | None = None
    Balance: Decimal | None = None
    CustomField: list[QboCustomField] | None = None
    sparse: bool | None = None


@attrs.define
class QboSalesLine:
    """SalesItemLineDetail."""

    ItemRef: QboRef | None = None
    ClassRef: QboRef | None = None
    UnitPrice: Decimal | None = None
    Qty: Decimal | None = None
    TaxCodeRef: QboRef | None = None
    ItemAccountRef: QboRef | None = None
    ServiceDate: dt.date | None = None
    TaxInclusiveAmt: Decimal | None = None
    DiscountAmt: Decimal | None = None
    DiscountRate: Decimal | None = None


@attrs.define
class QboItemExpenseLine:
    """ItemBasedExpenseLineDetail."""

    ItemRef: QboRef | None = None
    ClassRef: QboRef | None = None
    UnitPrice: Decimal | None = None
    Qty: Decimal | None = None
    TaxCodeRef: QboRef | None = None
    CustomerRef: QboRef | None = None
    BillableStatus: str | None = None
    TaxInclusiveAmt: Decimal | None = None


@attrs.define
class QboAccountLine:
    """AccountBasedExpenseLineDetail."""

    AccountRef: QboRef | None = None
    ClassRef: QboRef | None = None
    TaxCodeRef: QboRef | None = None
    CustomerRef: QboRef | None = None
    BillableStatus: str | None = None
    TaxAmount: Decimal | None = None
    TaxInclusiveAmt: Decimal | None = None


@attrs.define
class QboDescriptionLine:
    """DescriptionLineDetail (a ``DescriptionOnly`` line)."""

    ServiceDate: dt.date | None = None
    TaxCodeRef: QboRef | None = None


@attrs.define
class QboDiscountLine:
    """DiscountLineDetail."""

    PercentBased: bool | None = None
    DiscountPercent: Decimal | None = None
    DiscountAccountRef: QboRef | None = None
    ClassRef: QboRef | None = None
    TaxCodeRef: QboRef | None = None


@attrs.define
class QboLine:
    Id: str | None = None
    LineNum: int | None = None
    Description: str | None = None
    Amount: Decimal | None = None
    DetailType: str | None = None
    SalesItemLineDetail: QboSalesLine | None = None
    ItemBasedExpenseLineDetail: QboItemExpenseLine | None = None
    AccountBasedExpenseLineDetail: QboAccountLine | None = None
    DescriptionLineDetail: QboDescriptionLine | None = None
    DiscountLineDetail: QboDiscountLine | None = None
    CustomField: list[QboCustomField] | None = None


@attrs.define
class QboTaxLineDetail:
    TaxRateRef: QboRef | None = None
    PercentBased: bool | None = None
    TaxPercent: Decimal | None = None
    NetAmountTaxable: Decimal | None = None


@attrs.define
class QboTaxLine:
    Amount: Decimal | None = None
    DetailType: str | None = None
    TaxLineDetail: QboTaxLineDetail | None = None


@attrs.define
class QboTxnTaxDetail:
    TxnTaxCodeRef: QboRef | None = None
    TotalTax: Decimal | None = None
    TaxLine: list[QboTaxLine] | None = None


@attrs.define
class QboInvoice:
    Id: str | None = None
    SyncToken: str | None = None
    MetaData: QboMetaData | None = None
    DocNumber: str | None = None
    TxnDate: dt.date | None = None
    DueDate: dt.date | None = None
    CustomerRef: QboRef | None = None
    CustomerMemo: QboRef | None = None
    PrivateNote: str | None = None
    CurrencyRef: QboRef | None = None
    ExchangeRate: Decimal | None = None
    GlobalTaxCalculation: str | None = None
    Line: list[QboLine] | None = None
    TxnTaxDetail: QboTxnTaxDetail | None = None
    TotalAmt: Decimal | None = None
    Balance: Decimal | None = None
    Deposit: Decimal | None = None
    BillAddr: QboAddress | None = None
    ShipAddr: QboAddress | None = None
    ClassRef: QboRef | None = None
    DepartmentRef: QboRef | None = None
    SalesTermRef: QboRef | None = None
    EmailStatus: str | None = None
    CustomField: list[QboCustomField] | None = None
    sparse: bool | None = None


@attrs.define
class QboBill:
    Id: str | None = None
    SyncToken: str | None = None
    MetaData: QboMetaData | None = None
    DocNumber: str | None = None
    TxnDate: dt.date | None = None
    DueDate: dt.date | None = None
    VendorRef: QboRef | None = None
    PrivateNote: str | None = None
    CurrencyRef: QboRef | None = None
    ExchangeRate: Decimal | None = None
    GlobalTaxCalculation: str | None = None
    Line: list[QboLine] | None = None
    TxnTaxDetail: QboTxnTaxDetail | None = None
    TotalAmt: Decimal | None = None
    Balance: Decimal | None = None
    DepartmentRef: QboRef | None = None
    SalesTermRef: QboRef | None = None
    APAccountRef: QboRef | None = None
    CustomField: list[QboCustomField] | None = None
    sparse: bool | None = None


@attrs.define
class QboPurchase:
    """An expense: money paid from a bank or credit card account (``PaymentType`` Cash, Check or CreditCard)."""

    Id: str | None = None
    SyncToken: str | None = None
    MetaData: QboMetaData | None = None
    DocNumber: str | None = None
    TxnDate: dt.date | None = None
    AccountRef: QboRef | None = None
    PaymentType: str | None = None
    EntityRef: QboRef | None = None
    Credit: bool | None = None
    PrivateNote: str | None = None
    CurrencyRef: QboRef | None = None
    ExchangeRate: Decimal | None = None
    GlobalTaxCalculation: str | None = None
    Line: list[QboLine] | None = None
    TxnTaxDetail: QboTxnTaxDetail | None = None
    TotalAmt: Decimal | None = None
    DepartmentRef: QboRef | None = None
    CustomField: list[QboCustomField] | None = None
    sparse: bool | None = None


@attrs.define
class QboTaxRate:
    Id: str | None = None
    SyncToken: str | None = None
    MetaData: QboMetaData | None = None
    Name: str | None = None
    Description: str | None = None
    Active: bool | None = None
    RateValue: Decimal | None = None
    AgencyRef: QboRef | None = None
    OriginalTaxRate: QboRef | None = None
    SpecialTaxType: str | None = None


@attrs.define
class QboTaxRateDetail:
    TaxRateRef: QboRef | None = None
    TaxTypeApplicable: str | None = None
    TaxOrder: int | None = None


@attrs.define
class QboTaxRateList:
    TaxRateDetail: list[QboTaxRateDetail] | None = None


@attrs.define
class QboTaxCode:
    Id: str | None = None
    Name: str | None = None
    Description: str | None = None
    Active: bool | None = None
    Taxable: bool | None = None
    TaxGroup: bool | None = None
    SalesTaxRateList: QboTaxRateList | None = None
    PurchaseTaxRateList: QboTaxRateList | None = None


@attrs.define
class QboListEntry:
    """An Item, Account, Class or Department: what a line links to."""

    Id: str | None = None
    Name: str | None = None
    FullyQualifiedName: str | None = None
    Active: bool | None = None
    Type: str | None = None
    AccountType: str | None = None
    AcctNum: str | None = None
    Sku: str | None = None
    ParentRef: QboRef | None = None
