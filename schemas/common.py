"""The small pieces the resources share: addresses, contact details, linked references, custom fields."""

import re
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from schemas._base import READ_ONLY, Id, Money, OpenEnum, Rate, Timestamp, UnifiedModel

__all__ = [
    "Address",
    "AddressType",
    "BankAccount",
    "BankAccountType",
    "Currency",
    "CurrencyCode",
    "CustomField",
    "CustomFieldValue",
    "Email",
    "EmailType",
    "LineItemType",
    "LinkedAttachment",
    "LinkedCustomer",
    "LinkedDepartment",
    "LinkedFinancialAccount",
    "LinkedFinancialAccountType",
    "LinkedInvoiceItem",
    "LinkedLedgerAccount",
    "LinkedLocation",
    "LinkedParentCustomer",
    "LinkedPurchaseOrder",
    "LinkedSubsidiary",
    "LinkedSupplier",
    "LinkedTaxDetail",
    "LinkedTaxRate",
    "LinkedTaxStatusDetail",
    "LinkedTrackingCategory",
    "LinkedWorktag",
    "PassThrough",
    "PassThroughPath",
    "PaymentAllocation",
    "PhoneNumber",
    "PhoneNumberType",
    "RebillStatus",
    "Rebilling",
    "Website",
    "WebsiteType",
]


class Currency(StrEnum):
    """ISO 4217 currency codes Apideck lists (plus its UNKNOWN_CURRENCY, BTC and ETH)."""

    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
    AED = "AED"
    AFN = "AFN"
    ALL = "ALL"
    AMD = "AMD"
    ANG = "ANG"
    AOA = "AOA"
    ARS = "ARS"
    AUD = "AUD"
    AWG = "AWG"
    AZN = "AZN"
    BAM = "BAM"
    BBD = "BBD"
    BDT = "BDT"
    BGN = "BGN"
    BHD = "BHD"
    BIF = "BIF"
    BMD = "BMD"
    BND = "BND"
    BOB = "BOB"
    BOV = "BOV"
    BRL = "BRL"
    BSD = "BSD"
    BTN = "BTN"
    BWP = "BWP"
    BYR = "BYR"
    BZD = "BZD"
    CAD = "CAD"
    CDF = "CDF"
    CHE = "CHE"
    CHF = "CHF"
    CHW = "CHW"
    CLF = "CLF"
    CLP = "CLP"
    CNY = "CNY"
    COP = "COP"
    COU = "COU"
    CRC = "CRC"
    CUC = "CUC"
    CUP = "CUP"
    CVE = "CVE"
    CZK = "CZK"
    DJF = "DJF"
    DKK = "DKK"
    DOP = "DOP"
    DZD = "DZD"
    EGP = "EGP"
    ERN = "ERN"
    ETB = "ETB"
    EUR = "EUR"
    FJD = "FJD"
    FKP = "FKP"
    GBP = "GBP"
    GEL = "GEL"
    GHS = "GHS"
    GIP = "GIP"
    GMD = "GMD"
    GNF = "GNF"
    GTQ = "GTQ"
    GYD = "GYD"
    HKD = "HKD"
    HNL = "HNL"
    HRK = "HRK"
    HTG = "HTG"
    HUF = "HUF"
    IDR = "IDR"
    ILS = "ILS"
    INR = "INR"
    IQD = "IQD"
    IRR = "IRR"
    ISK = "ISK"
    JMD = "JMD"
    JOD = "JOD"
    JPY = "JPY"
    KES = "KES"
    KGS = "KGS"
    KHR = "KHR"
    KMF = "KMF"
    KPW = "KPW"
    KRW = "KRW"
    KWD = "KWD"
    KYD = "KYD"
    KZT = "KZT"
    LAK = "LAK"
    LBP = "LBP"
    LKR = "LKR"
    LRD = "LRD"
    LSL = "LSL"
    LTL = "LTL"
    LVL = "LVL"
    LYD = "LYD"
    MAD = "MAD"
    MDL = "MDL"
    MGA = "MGA"
    MKD = "MKD"
    MMK = "MMK"
    MNT = "MNT"
    MOP = "MOP"
    MRO = "MRO"
    MUR = "MUR"
    MVR = "MVR"
    MWK = "MWK"
    MXN = "MXN"
    MXV = "MXV"
    MYR = "MYR"
    MZN = "MZN"
    NAD = "NAD"
    NGN = "NGN"
    NIO = "NIO"
    NOK = "NOK"
    NPR = "NPR"
    NZD = "NZD"
    OMR = "OMR"
    PAB = "PAB"
    PEN = "PEN"
    PGK = "PGK"
    PHP = "PHP"
    PKR = "PKR"
    PLN = "PLN"
    PYG = "PYG"
    QAR = "QAR"
    RON = "RON"
    RSD = "RSD"
    RUB = "RUB"
    RWF = "RWF"
    SAR = "SAR"
    SBD = "SBD"
    SCR = "SCR"
    SDG = "SDG"
    SEK = "SEK"
    SGD = "SGD"
    SHP = "SHP"
    SLL = "SLL"
    SOS = "SOS"
    SRD = "SRD"
    SSP = "SSP"
    STD = "STD"
    SVC = "SVC"
    SYP = "SYP"
    SZL = "SZL"
    THB = "THB"
    TJS = "TJS"
    TMT = "TMT"
    TND = "TND"
    TOP = "TOP"
    TRC = "TRC"
    TRY = "TRY"
    TTD = "TTD"
    TWD = "TWD"
    TZS = "TZS"
    UAH = "UAH"
    UGX = "UGX"
    USD = "USD"
    USN = "USN"
    USS = "USS"
    UYI = "UYI"
    UYU = "UYU"
    UZS = "UZS"
    VEF = "VEF"
    VND = "VND"
    VUV = "VUV"
    WST = "WST"
    XAF = "XAF"
    XAG = "XAG"
    XAU = "XAU"
    XBA = "XBA"
    XBB = "XBB"
    XBC = "XBC"
    XBD = "XBD"
    XCD = "XCD"
    XDR = "XDR"
    XOF = "XOF"
    XPD = "XPD"
    XPF = "XPF"
    XPT = "XPT"
    XTS = "XTS"
    XXX = "XXX"
    YER = "YER"
    ZAR = "ZAR"
    ZMK = "ZMK"
    ZMW = "ZMW"
    BTC = "BTC"
    ETH = "ETH"


_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


def _currency_code(value: object) -> object:
    if value is None or isinstance(value, Currency):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "currency_code",
            "Expected an ISO 4217 currency code as a string such as 'USD', got {value}",
            {"value": value},
        )
    code = value.strip().upper()
    if code in Currency.__members__:
        return Currency(code)
    if not _CURRENCY_PATTERN.match(code):
        raise PydanticCustomError(
            "currency_code",
            "Expected an ISO 4217 currency code of three letters such as 'USD' or 'EUR', got '{value}'",
            {"value": value},
        )
    return code


# Open enum of ISO 4217 codes: a code Apideck lists becomes a `Currency`, any other three letters stay a str.
CurrencyCode = Annotated[
    Currency | Annotated[str, StringConstraints(pattern=_CURRENCY_PATTERN.pattern)],
    Field(union_mode="left_to_right"),
    BeforeValidator(_currency_code),
]


def _custom_number_to_json(value: Decimal) -> int | float | str:
    # JSON has no decimal type, and a custom field value that is a string must stay a string: numbers go
    # out as JSON numbers whose text is exactly the value (ints, or floats whose shortest repr is exact).
    # A value with more digits than a float carries goes out as its digits in a string.
    if value == value.to_integral_value() and value.adjusted() < 64:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


CustomFieldNumber = Annotated[Money, PlainSerializer(_custom_number_to_json, when_used="json")]

if TYPE_CHECKING:
    CustomFieldValue = bool | str | Decimal | list["CustomFieldValue"] | dict[str, "CustomFieldValue"] | None
else:
    # Strict bool and str first, so "10" stays a string and 1 does not become True; numbers are Decimal.
    CustomFieldValue = TypeAliasType(
        "CustomFieldValue",
        Annotated[
            StrictBool
            | StrictStr
            | CustomFieldNumber
            | list["CustomFieldValue"]
            | dict[str, "CustomFieldValue"]
            | None,
            Field(union_mode="left_to_right"),
        ],
    )


class AddressType(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    HOME = "home"
    OFFICE = "office"
    SHIPPING = "shipping"
    BILLING = "billing"
    WORK = "work"
    OTHER = "other"


class EmailType(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    WORK = "work"
    PERSONAL = "personal"
    BILLING = "billing"
    OTHER = "other"


class PhoneNumberType(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    HOME = "home"
    WORK = "work"
    OFFICE = "office"
    MOBILE = "mobile"
    ASSISTANT = "assistant"
    FAX = "fax"
    DIRECT_DIAL_IN = "direct-dial-in"
    PERSONAL = "personal"
    BILLING = "billing"
    OTHER = "other"


class WebsiteType(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    WORK = "work"
    PERSONAL = "personal"
    OTHER = "other"


class BankAccountType(StrEnum):
    BANK_ACCOUNT = "bank_account"
    CREDIT_CARD = "credit_card"
    OTHER = "other"


class LinkedFinancialAccountType(StrEnum):
    LEDGER_ACCOUNT = "ledger_account"
    BANK_ACCOUNT = "bank_account"
    EMPLOYEE = "employee"


class LineItemType(StrEnum):
    """Type of a bill or expense line."""

    EXPENSE_ITEM = "expense_item"
    EXPENSE_ACCOUNT = "expense_account"
    OTHER = "other"


class RebillStatus(StrEnum):
    PENDING = "pending"
    BILLED = "billed"
    VOIDED = "voided"
    OTHER = "other"


class Address(UnifiedModel):
    """A postal address, structured or as one string."""

    id: Id | None = Field(default=None, description="Unique identifier for the address.")
    type: OpenEnum[AddressType] | None = Field(default=None, description="The type of address.")
    string: str | None = Field(
        default=None, description="The whole address as one string, for APIs without structured data."
    )
    name: str | None = Field(default=None, description="The name of the address.")
    line1: str | None = Field(default=None, description="Line 1: number, street, suite, apartment.")
    line2: str | None = Field(default=None, description="Line 2 of the address.")
    line3: str | None = Field(default=None, description="Line 3 of the address.")
    line4: str | None = Field(default=None, description="Line 4 of the address.")
    line5: str | None = Field(default=None, description="Line 5 of the address.")
    street_number: str | None = Field(default=None, description="Street number.")
    city: str | None = Field(default=None, description="Name of the city.")
    state: str | None = Field(default=None, description="Name of the state.")
    postal_code: str | None = Field(default=None, description="Zip code or equivalent.")
    country: str | None = Field(default=None, description="Country code, ISO 3166-1 alpha-2.")
    latitude: str | None = Field(default=None, description="Latitude of the address.")
    longitude: str | None = Field(default=None, description="Longitude of the address.")
    county: str | None = Field(default=None, description="A sublocality such as a county.")
    contact_name: str | None = Field(default=None, description="Name of the contact person at the address.")
    salutation: str | None = Field(default=None, description="Salutation of the contact person.")
    phone_number: str | None = Field(default=None, description="Phone number of the address.")
    fax: str | None = Field(default=None, description="Fax number of the address.")
    email: str | None = Field(default=None, description="Email address of the address.")
    website: str | None = Field(default=None, description="Website of the address.")
    notes: str | None = Field(default=None, description="Additional notes, e.g. delivery instructions.")
    row_version: str | None = Field(default=None, description="Version used to detect conflicting updates.")


class Email(UnifiedModel):
    """An email address of a contact."""

    id: Id | None = Field(default=None, description="Unique identifier for the email address.")
    email: str | None = Field(min_length=1, description="The email address.")
    type: OpenEnum[EmailType] | None = Field(default=None, description="Email type.")


class PhoneNumber(UnifiedModel):
    """A phone number of a contact."""

    id: Id | None = Field(default=None, description="Unique identifier of the phone number.")
    country_code: str | None = Field(default=None, description="Country code of the number, e.g. 1.")
    area_code: str | None = Field(default=None, description="Area code of the number, e.g. 323.")
    number: str = Field(min_length=1, description="The phone number.")
    extension: str | None = Field(default=None, description="Extension of the phone number.")
    type: OpenEnum[PhoneNumberType] | None = Field(default=None, description="The type of phone number.")


class Website(UnifiedModel):
    """A website of a contact."""

    id: Id | None = Field(default=None, description="Unique identifier for the website.")
    url: str = Field(min_length=1, description="The website URL.")
    type: OpenEnum[WebsiteType] | None = Field(default=None, description="The type of website.")


class BankAccount(UnifiedModel):
    """A bank account: of a contact, or the one a document is paid into."""

    bank_name: str | None = Field(default=None, description="Name of the bank or financial institution.")
    account_number: str | None = Field(default=None, description="The bank account number.")
    account_name: str | None = Field(default=None, description="The name of the bank account.")
    account_type: OpenEnum[BankAccountType] | None = Field(default=None, description="Type of bank account.")
    iban: str | None = Field(default=None, description="International Bank Account Number.")
    bic: str | None = Field(default=None, description="Bank Identifier Code / SWIFT code.")
    routing_number: str | None = Field(default=None, description="Bank routing number (US).")
    bsb_number: str | None = Field(default=None, description="Bank State Branch number (AU/NZ).")
    branch_identifier: str | None = Field(default=None, description="Bank branch identifier.")
    bank_code: str | None = Field(default=None, description="Bank code assigned by the central bank.")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 currency of the account.")
    country: str | None = Field(
        default=None, min_length=2, max_length=2, description="Country code, ISO 3166-1 alpha-2."
    )


class CustomField(UnifiedModel):
    """A custom field value, named by the provider's field id or by its name."""

    id: Id | None = Field(default=None, description="Unique identifier of the custom field.")
    name: str | None = Field(default=None, description="Name of the custom field.")
    description: str | None = Field(default=None, description="More information about the custom field.")
    value: CustomFieldValue = Field(
        default=None,
        description="The value: text, number (Decimal), boolean, object, or a list of these.",
    )

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.id is None and self.name is None:
            raise PydanticCustomError(
                "custom_field_unnamed", "A custom field needs an 'id' or a 'name' to say which field it is"
            )
        return self


class LinkedTaxRate(UnifiedModel):
    """The tax rate applied to a line or a contact."""

    id: Id | None = Field(default=None, description="The ID of the tax rate.")
    code: str | None = Field(default=None, description="Tax rate code.")
    name: str | None = Field(default=None, description="Name of the tax rate.", json_schema_extra=READ_ONLY)
    rate: Rate | None = Field(default=None, description="Rate of the tax rate, in percent.")


class LinkedCustomer(UnifiedModel):
    """The customer a document is linked to."""

    id: Id | None = Field(default=None, description="The ID of the customer.")
    display_id: str | None = Field(
        default=None, description="The display ID of the customer.", json_schema_extra=READ_ONLY
    )
    display_name: str | None = Field(default=None, description="The display name of the customer.")
    name: str | None = Field(default=None, description="The name of the customer. Deprecated: use display_name.")
    company_name: str | None = Field(
        default=None, description="The company name of the customer.", json_schema_extra=READ_ONLY
    )
    email: str | None = Field(default=None, description="The email address of the customer.")


class LinkedSupplier(UnifiedModel):
    """The supplier a document is linked to."""

    id: Id | None = Field(default=None, description="The ID of the supplier.")
    display_id: str | None = Field(
        default=None, description="The display ID of the supplier.", json_schema_extra=READ_ONLY
    )
    display_name: str | None = Field(default=None, description="The display name of the supplier.")
    company_name: str | None = Field(
        default=None, description="The company name of the supplier.", json_schema_extra=READ_ONLY
    )
    address: Address | None = Field(default=None, description="The address of the supplier.")


class LinkedParentCustomer(UnifiedModel):
    """The parent customer a customer belongs to."""

    id: Id = Field(description="The ID of the parent customer.")
    name: str | None = Field(default=None, description="The name of the parent customer.")


class LinkedLedgerAccount(UnifiedModel):
    """A ledger (general ledger / chart of accounts) account."""

    id: Id | None = Field(default=None, description="The unique identifier for the account.")
    name: str | None = Field(default=None, description="The name of the account.")
    nominal_code: str | None = Field(default=None, description="The nominal code of the account.")
    code: str | None = Field(default=None, description="The code assigned to the account.")
    parent_id: Id | None = Field(default=None, description="The ID of the parent account.")
    display_id: str | None = Field(default=None, description="The display ID of the account.")


class LinkedFinancialAccount(UnifiedModel):
    """An account reference: a ledger account, a bank account or an employee payable account."""

    id: Id | None = Field(default=None, description="The ID of the account; its kind is given by `type`.")
    type: OpenEnum[LinkedFinancialAccountType] | None = Field(
        default=None, description="Kind of account: ledger_account, bank_account or employee."
    )
    code: str | None = Field(default=None, description="The account code.")
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    account_number: str | None = Field(default=None, description="The bank account number.")
    name: str | None = Field(default=None, description="The name of the account.", json_schema_extra=READ_ONLY)
    downstream_id: str | None = Field(
        default=None, description="The provider's ID of the account.", json_schema_extra=READ_ONLY
    )


class LinkedTrackingCategory(UnifiedModel):
    """A tracking category (class, department, project...) a document or line is tagged with."""

    id: Id | None = Field(default=None, description="The unique identifier for the tracking category.")
    code: str | None = Field(default=None, description="The code of the tracking category.")
    name: str | None = Field(default=None, description="The name of the tracking category.")
    parent_id: Id | None = Field(default=None, description="The ID of the parent tracking category.")
    parent_name: str | None = Field(default=None, description="The name of the parent tracking category.")


class LinkedInvoiceItem(UnifiedModel):
    """The product or service item a line refers to."""

    id: Id | None = Field(default=None, description="ID of the item.")
    code: str | None = Field(default=None, description="User defined item code.")
    name: str | None = Field(default=None, description="User defined item name.")


class LinkedSubsidiary(UnifiedModel):
    """The subsidiary a record belongs to."""

    id: Id | None = Field(default=None, description="The ID of the subsidiary.")
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    name: str | None = Field(default=None, description="The name of the subsidiary.")


class LinkedDepartment(UnifiedModel):
    """The department a record belongs to."""

    id: Id | None = Field(default=None, description="The ID of the department.")
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    name: str | None = Field(default=None, description="The name of the department.")
    downstream_id: str | None = Field(
        default=None, description="The provider's ID of the department.", json_schema_extra=READ_ONLY
    )


class LinkedLocation(UnifiedModel):
    """The location a record belongs to."""

    id: Id | None = Field(default=None, description="The unique identifier for the location.")
    display_id: str | None = Field(default=None, description="Id to be displayed.")
    name: str | None = Field(default=None, description="The name of the location.")
    downstream_id: str | None = Field(
        default=None, description="The provider's ID of the location.", json_schema_extra=READ_ONLY
    )


class LinkedWorktag(UnifiedModel):
    """A worktag of a line (Workday)."""

    id: Id | None = Field(default=None, description="The unique identifier for the worktag.")
    value: str | None = Field(default=None, description="The value of the worktag.")


class LinkedPurchaseOrder(UnifiedModel):
    """The purchase order (and line) a bill line is matched to."""

    id: Id | None = Field(default=None, description="The unique identifier for the purchase order.")
    line_id: Id | None = Field(default=None, description="The unique identifier for the purchase order line.")
    line_number: str | None = Field(default=None, description="The line number of the purchase order line.")


class LinkedTaxDetail(UnifiedModel):
    """A tax registration of a supplier."""

    type: str | None = Field(default=None, description="The type of tax.")
    number: str | None = Field(default=None, description="The tax number.")
    is_transaction_tax: bool | None = Field(default=None, description="Whether the tax is a transaction tax.")
    is_primary_tax: bool | None = Field(default=None, description="Whether the tax is a primary tax.")


class LinkedTaxStatusDetail(UnifiedModel):
    """The transaction tax status of a supplier in one country."""

    country: str | None = Field(default=None, description="The country of the tax status.")
    transaction_tax_status: str | None = Field(default=None, description="The transaction tax status.")


class LinkedAttachment(UnifiedModel):
    """A file attached to a document."""

    name: str | None = Field(default=None, description="The name of the file.")
    mime_type: str | None = Field(default=None, description="The MIME type of the file.")
    is_compressed: bool | None = Field(default=None, description="Whether the file is compressed.")
    encoding: str | None = Field(default=None, description="The encoding of the content, e.g. base64.")
    content: str | None = Field(default=None, description="The content of the file.")
    notes: str | None = Field(default=None, description="Notes about the file.")


class PaymentAllocation(UnifiedModel):
    """A payment applied to an invoice or a bill."""

    id: Id | None = Field(default=None, description="ID of the payment.")
    allocated_amount: Money | None = Field(default=None, description="Amount of the payment allocated.")
    date: Timestamp | None = Field(default=None, description="Date of the payment.")


class Rebilling(UnifiedModel):
    """Rebilling metadata of a line: whether and where it was billed on to a customer."""

    rebillable: bool | None = Field(default=None, description="Whether the line can be rebilled.")
    rebill_status: OpenEnum[RebillStatus] | None = Field(default=None, description="Status of the rebilling.")
    linked_transaction_id: Id | None = Field(
        default=None, description="The ID of the transaction the line was rebilled to."
    )
    linked_transaction_line_id: Id | None = Field(
        default=None, description="The ID of the line in the rebilled transaction."
    )


class PassThroughPath(UnifiedModel):
    """One change to the provider payload: set `value` at the JSONPath `path`."""

    path: str = Field(description="JSONPath of the place to set, e.g. $.nested.property.")
    value: Any = Field(description="The value to set; any JSON value.")


class PassThrough(UnifiedModel):
    """Provider-specific data to merge into the request body of a create or update."""

    service_id: str = Field(description="The provider (service) this applies to, e.g. zoho-books.")
    operation_id: str | None = Field(default=None, description="The downstream operation it applies to.")
    extend_object: dict[str, Any] | None = Field(default=None, description="Properties to add to the body.")
    extend_paths: list[PassThroughPath] | None = Field(
        default=None, description="Structured changes to the body, by JSONPath."
    )
