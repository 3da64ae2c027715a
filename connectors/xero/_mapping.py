"""Xero payloads <-> unified models: the readers, the writers, and the checks a write passes before any call.

The rules:

- Contacts. ``Name`` <-> ``display_name`` (at most 255 characters; Xero keeps one name, so ``company_name`` has
  no place); ``AccountNumber`` <-> ``display_id``; ``FirstName``/``LastName``; ``EmailAddress`` <-> the one entry
  of ``emails`` (read back typed ``primary``); ``TaxNumber`` <-> ``tax_number``; ``DefaultCurrency`` <->
  ``currency``. Addresses by Xero's two types: ``POBOX`` (the postal address invoices go to) <-> ``billing``,
  ``STREET`` <-> ``shipping``; lines 1-4, ``City``, ``Region`` (state), ``PostalCode``, ``Country``,
  ``AttentionTo`` (contact_name). Phones by Xero's five types: ``DEFAULT`` <-> ``primary`` (also for a number
  without a type), ``DDI`` <-> ``direct-dial-in``, ``MOBILE``, ``FAX``, ``OFFICE``; country and area codes kept.
  Reads list addresses and phones in that type order and skip the empty ones Xero always returns.
  ``IsCustomer``/``IsSupplier`` are Xero's, set from the documents a contact has: read only, and a write that sets
  either to True is refused. ``Website`` is read only in Xero's API. ``ContactStatus`` ARCHIVED is a deletion.
- Invoices and bills are Xero invoices of ``Type`` ACCREC and ACCPAY. ``InvoiceNumber`` <-> ``number`` /
  ``bill_number``; ``Date``/``DueDate`` <-> the document and due dates; ``Reference`` <-> ``reference``
  (sales invoices only: Xero keeps no reference on bills); ``Url`` <-> ``source_document_url``; ``AmountDue`` ->
  ``balance``; ``Payments`` -> ``payment_allocations``; ``FullyPaidOnDate`` -> a bill's ``paid_date``. Statuses:
  DRAFT, SUBMITTED, AUTHORISED (``partially_paid`` once a payment is on it), PAID; VOIDED and DELETED are
  deletions. A write may set ``status`` to draft, submitted or authorised (deleting and voiding is ``delete``).
- Tax. ``LineAmountTypes`` Inclusive <-> ``tax_inclusive=True``, Exclusive <-> ``False`` (NoTax reads as False;
  write it with pass_through ``{"LineAmountTypes": "NoTax"}``); one flag per document, so lines that disagree
  are refused. A line's ``TaxType`` is its ``tax_rate``: ``id`` and ``code`` are the TaxType, ``name`` and
  ``rate`` (the EffectiveRate) come from ``/TaxRates``. Written by id, or by rate when one rate of the
  organisation has it. ``TaxAmount`` -> the line's ``tax_amount``, ``LineAmount`` -> its ``total_amount``;
  ``SubTotal``, ``TotalTax``, ``Total`` are Xero's own Decimal totals, to the cent.
- Lines. ``Description``, ``Quantity`` (up to 4 decimal places), ``UnitAmount`` (up to 4, read and written with
  ``unitdp=4``), ``AccountCode`` <-> ``ledger_account`` (``code``; ``id`` is the AccountID), ``ItemCode`` <->
  ``item`` (``code``; ``id`` the ItemID), ``DiscountRate``/``DiscountAmount`` (sales invoices only),
  ``Tracking`` <-> ``tracking_categories``: each entry is the option (``id`` TrackingOptionID, ``name``) under
  its category (``parent_id`` TrackingCategoryID, ``parent_name``). Links resolve in ``_refs`` before the call.
- Expenses are spend-money bank transactions (``Type`` SPEND): ``BankAccount`` <-> ``account`` (the bank
  account paid from), ``Contact`` <-> ``supplier``, ``Date`` <-> ``transaction_date`` (a date: written as the
  date in the datetime's own zone, read back at midnight UTC), ``Reference``, ``Total`` -> ``total_amount``;
  lines as above with ``LineAmount`` <-> the line's ``total_amount``. AUTHORISED is ``posted``; DELETED and
  VOIDED are deletions.
- Tax rates: ``TaxType`` is the id (and ``code``), ``Name``, ``EffectiveRate`` <-> ``effective_tax_rate``,
  ``TaxComponents`` <-> ``components``, ``ReportTaxType``; Status DELETED is a deletion.

Every field a write sets that Xero has no place for is refused with its name, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from connectors.xero import _wire as w
from connectors.xero._convert import structure, unstructure
from connectors.xero._refs import Books, Usage, resolve_account, resolve_item, resolve_tax_type, resolve_tracking
from schemas import (
    Address,
    Bill,
    BillLineItem,
    Contact,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedFinancialAccount,
    LinkedLedgerAccount,
    PhoneNumber,
    TaxRate,
)
from unified.errors import RequestValidationError
from unified.toolkit import apply_pass_through, one_tax_inclusive_flag, read_model

__all__ = [
    "ADDRESS_TYPES",
    "DELETED",
    "LINE_FIELDS",
    "NAME_LIMIT",
    "PHONE_TYPES",
    "READERS",
    "WRITABLE_STATUSES",
    "bank_transaction_to_xero",
    "bill_from_xero",
    "check_fields",
    "contact_from_xero",
    "contact_to_xero",
    "expense_from_xero",
    "invoice_from_xero",
    "invoice_to_xero",
    "is_deleted",
    "line_links",
    "tax_rate_from_xero",
    "tax_rate_to_xero",
    "validate_write",
]

M = TypeVar("M", bound=BaseModel)
Taxes = Mapping[str, w.XeroTaxRate]

SERVICE_IDS = frozenset({"xero"})
NAME_LIMIT = 255
SHORT_LIMIT = 50
#: Xero keeps unit amounts and quantities to 4 decimal places (unit amounts with unitdp=4), amounts to 2
UNIT_PLACES = 4
AMOUNT_PLACES = 2

#: unified address type <-> Xero AddressType, in the order reads list them
ADDRESS_TYPES: Mapping[str, str] = {"billing": "POBOX", "shipping": "STREET"}
#: unified phone type <-> Xero PhoneType, in the order reads list them
PHONE_TYPES: Mapping[str, str] = {
    "primary": "DEFAULT",
    "direct-dial-in": "DDI",
    "mobile": "MOBILE",
    "fax": "FAX",
    "office": "OFFICE",
}
_ADDRESS_FIELDS = frozenset(
    {"type", "line1", "line2", "line3", "line4", "city", "state", "postal_code", "country", "contact_name"}
)
_PHONE_FIELDS = frozenset({"type", "number", "area_code", "country_code"})

#: the statuses that make a record a deletion, by Xero element
DELETED: Mapping[str, frozenset[str]] = {
    "contact": frozenset({"ARCHIVED"}),
    "invoice": frozenset({"DELETED", "VOIDED"}),
    "banktransaction": frozenset({"DELETED", "VOIDED"}),
    "taxrate": frozenset({"DELETED"}),
}
INVOICE_STATUSES: Mapping[str, str] = {
    "DRAFT": "draft",
    "SUBMITTED": "submitted",
    "AUTHORISED": "authorised",
    "PAID": "paid",
    "VOIDED": "void",
    "DELETED": "deleted",
}
WRITABLE_STATUSES: Mapping[str, str] = {"draft": "DRAFT", "submitted": "SUBMITTED", "authorised": "AUTHORISED"}
_CONTACT_STATUSES = {"ACTIVE": "active", "ARCHIVED": "archived", "GDPRREQUEST": "gdpr-erasure-request"}
_TAX_STATUSES = {"ACTIVE": "active", "ARCHIVED": "archived", "DELETED": "deleted", "PENDING": "pending"}
_EXPENSE_STATUSES = {"AUTHORISED": "posted", "VOIDED": "voided", "DELETED": "voided"}

#: the line fields a write of each kind of line may set (others are refused; ids and computed ones ignored)
LINE_FIELDS: Mapping[type[BaseModel], frozenset[str]] = {
    InvoiceLineItem: frozenset(
        {
            "description",
            "quantity",
            "unit_price",
            "item",
            "ledger_account",
            "tax_rate",
            "tax_inclusive",
            "discount_percentage",
            "discount_amount",
            "tracking_categories",
            "total_amount",
        }
    ),
    BillLineItem: frozenset(
        {
            "description",
            "quantity",
            "unit_price",
            "item",
            "ledger_account",
            "tax_rate",
            "tax_inclusive",
            "tracking_categories",
            "total_amount",
        }
    ),
    ExpenseLineItem: frozenset(
        {
            "description",
            "quantity",
            "unit_price",
            "item",
            "account",
            "account_id",
            "tax_rate",
            "tax_inclusive",
            "tracking_categories",
            "total_amount",
        }
    ),
}
_LINE_IGNORED = frozenset({"id", "line_number", "tax_amount", "type", "row_id"})

# Why a field has no place, for the messages that refuse it.
_NO_PLACE: Mapping[str, str] = {
    "company_name": "Xero keeps one name for a contact (Name): put the company's name in display_name",
    "websites": "Xero's Website is read only through its API: set it in Xero",
    "notes": "Xero's API keeps no notes on this record",
    "customer_memo": "Xero's API keeps no memo on invoices",
    "memo": "Xero's bank transactions keep no memo: use reference",
    "custom_fields": "Xero's accounting API has no custom fields",
}


def _refuse(message: str, field: str) -> RequestValidationError:
    return RequestValidationError(message, field=field)


# -- reads: Xero -> unified ----------------------------------------------------------------------------------


def is_deleted(element: str, payload: Mapping[str, Any]) -> bool:
    """Whether a payload is of a record Xero deleted, voided or archived (a deletion to the unified API)."""
    key = "ContactStatus" if element == "contact" else "Status"
    return str(payload.get(key) or "") in DELETED[element]


def _model(cls: type[M], data: Mapping[str, Any], payload: Mapping[str, Any], raw: bool) -> M:
    return read_model(cls, data, payload, raw=raw, provider="Xero")


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day is not None else None


def _currency(code: str | None) -> str | None:
    return code.upper() if code is not None and len(code) == 3 and code.isalpha() else None


def _addresses(addresses: Sequence[w.XeroAddress] | None) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = []
    for unified_type, xero_type in ADDRESS_TYPES.items():
        for a in addresses or []:
            if a.AddressType != xero_type:
                continue
            content = {
                "line1": a.AddressLine1,
                "line2": a.AddressLine2,
                "line3": a.AddressLine3,
                "line4": a.AddressLine4,
                "city": a.City,
                "state": a.Region,
                "postal_code": a.PostalCode,
                "country": a.Country,
                "contact_name": a.AttentionTo,
            }
            if any(v is not None for v in content.values()):
                found.append({"type": unified_type, **content})
            break
    return found or None


def _phones(phones: Sequence[w.XeroPhone] | None) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = []
    for unified_type, xero_type in PHONE_TYPES.items():
        for p in phones or []:
            if p.PhoneType == xero_type and p.PhoneNumber:
                found.append(
                    {
                        "number": p.PhoneNumber,
                        "area_code": p.PhoneAreaCode,
                        "country_code": p.PhoneCountryCode,
                        "type": unified_type,
                    }
                )
                break
    return found or None


def contact_from_xero(payload: Mapping[str, Any], *, raw: bool = False, taxes: Taxes | None = None) -> Contact:
    x = structure(payload, w.XeroContact)
    data = {
        "id": x.ContactID,
        "is_customer": bool(x.IsCustomer),
        "is_supplier": bool(x.IsSupplier),
        "display_id": x.AccountNumber,
        "display_name": x.Name,
        "first_name": x.FirstName,
        "last_name": x.LastName,
        "emails": [{"email": x.EmailAddress, "type": "primary"}] if x.EmailAddress else None,
        "phone_numbers": _phones(x.Phones),
        "addresses": _addresses(x.Addresses),
        "websites": [{"url": x.Website}] if x.Website else None,
        "tax_number": x.TaxNumber,
        "currency": _currency(x.DefaultCurrency),
        "status": _CONTACT_STATUSES.get(x.ContactStatus, x.ContactStatus) if x.ContactStatus else None,
        "updated_at": x.UpdatedDateUTC,
    }
    return _model(Contact, data, payload, raw)


def _tax_link(code: str | None, taxes: Taxes | None) -> dict[str, Any] | None:
    if code is None:
        return None
    tax = (taxes or {}).get(code)
    return {
        "id": code,
        "code": code,
        "name": tax.Name if tax else None,
        "rate": tax.EffectiveRate if tax else None,
    }


def _tracking(entries: Sequence[w.XeroTracking] | None) -> list[dict[str, Any]] | None:
    found = [
        {"id": t.TrackingOptionID, "name": t.Option, "parent_id": t.TrackingCategoryID, "parent_name": t.Name}
        for t in entries or []
        if t.Option or t.TrackingOptionID
    ]
    return found or None


def _line(line: w.XeroLineItem, taxes: Taxes | None, inclusive: bool | None, account_key: str) -> dict[str, Any]:
    item = line.Item
    return {
        "id": line.LineItemID,
        "description": line.Description,
        "quantity": line.Quantity,
        "unit_price": line.UnitAmount,
        "item": {
            "id": item.ItemID if item else None,
            "code": line.ItemCode or (item.Code if item else None),
            "name": item.Name if item else None,
        },
        account_key: {"id": line.AccountID, "code": line.AccountCode},
        "tax_rate": _tax_link(line.TaxType, taxes),
        "tax_amount": line.TaxAmount,
        "total_amount": line.LineAmount,
        "discount_percentage": line.DiscountRate or None,
        "discount_amount": line.DiscountAmount or None,
        "tracking_categories": _tracking(line.Tracking),
        "tax_inclusive": inclusive,
    }


def _inclusive(line_amount_types: str | None) -> bool | None:
    if line_amount_types is None:
        return None
    return line_amount_types.strip().lower() == "inclusive"


def _status(x: w.XeroInvoice) -> str | None:
    if x.Status is None:
        return None
    if x.Status == "AUTHORISED" and x.AmountPaid and x.AmountPaid > 0:
        return "partially_paid"
    return INVOICE_STATUSES.get(x.Status, x.Status.lower())


def _payments(payments: Sequence[w.XeroPayment] | None) -> list[dict[str, Any]] | None:
    found = [{"id": p.PaymentID, "allocated_amount": p.Amount, "date": p.Date} for p in payments or []]
    return found or None


def _lines(x: w.XeroInvoice | w.XeroBankTransaction, taxes: Taxes | None, key: str) -> list[dict[str, Any]] | None:
    if x.LineItems is None:
        return None
    inclusive = _inclusive(x.LineAmountTypes)
    return [_line(line, taxes, inclusive, key) for line in x.LineItems]


def invoice_from_xero(payload: Mapping[str, Any], *, raw: bool = False, taxes: Taxes | None = None) -> Invoice:
    x = structure(payload, w.XeroInvoice)
    contact = x.Contact
    data = {
        "id": x.InvoiceID,
        "number": x.InvoiceNumber,
        "customer": {"id": contact.ContactID, "display_name": contact.Name} if contact else None,
        "invoice_date": x.Date,
        "due_date": x.DueDate,
        "status": _status(x),
        "reference": x.Reference,
        "currency": _currency(x.CurrencyCode),
        "currency_rate": x.CurrencyRate,
        "tax_inclusive": _inclusive(x.LineAmountTypes),
        "sub_total": x.SubTotal,
        "total_tax": x.TotalTax,
        "total": x.Total,
        "balance": x.AmountDue,
        "invoice_sent": x.SentToContact,
        "source_document_url": x.Url,
        "line_items": _lines(x, taxes, "ledger_account"),
        "payment_allocations": _payments(x.Payments),
        "updated_at": x.UpdatedDateUTC,
    }
    return _model(Invoice, data, payload, raw)


def bill_from_xero(payload: Mapping[str, Any], *, raw: bool = False, taxes: Taxes | None = None) -> Bill:
    x = structure(payload, w.XeroInvoice)
    contact = x.Contact
    data = {
        "id": x.InvoiceID,
        "bill_number": x.InvoiceNumber,
        "supplier": {"id": contact.ContactID, "display_name": contact.Name} if contact else None,
        "bill_date": x.Date,
        "due_date": x.DueDate,
        "paid_date": x.FullyPaidOnDate,
        "status": _status(x),
        "currency": _currency(x.CurrencyCode),
        "currency_rate": x.CurrencyRate,
        "tax_inclusive": _inclusive(x.LineAmountTypes),
        "sub_total": x.SubTotal,
        "total_tax": x.TotalTax,
        "total": x.Total,
        "balance": x.AmountDue,
        "source_document_url": x.Url,
        "line_items": _lines(x, taxes, "ledger_account"),
        "payment_allocations": _payments(x.Payments),
        "updated_at": x.UpdatedDateUTC,
    }
    return _model(Bill, data, payload, raw)


def expense_from_xero(payload: Mapping[str, Any], *, raw: bool = False, taxes: Taxes | None = None) -> Expense:
    x = structure(payload, w.XeroBankTransaction)
    contact, bank = x.Contact, x.BankAccount
    data = {
        "id": x.BankTransactionID,
        "transaction_date": _midnight(x.Date),
        "account": {"id": bank.AccountID, "code": bank.Code, "name": bank.Name, "type": "bank_account"}
        if bank and (bank.AccountID or bank.Code)
        else None,
        "supplier": {"id": contact.ContactID, "display_name": contact.Name} if contact else None,
        "reference": x.Reference,
        "currency": _currency(x.CurrencyCode),
        "currency_rate": x.CurrencyRate,
        "tax_inclusive": _inclusive(x.LineAmountTypes),
        "sub_total": x.SubTotal,
        "total_tax": x.TotalTax,
        "total_amount": x.Total,
        "type": "expense" if x.Type == "SPEND" else None,
        "status": _EXPENSE_STATUSES.get(x.Status, x.Status.lower()) if x.Status else None,
        "source_document_url": x.Url,
        "line_items": _lines(x, taxes, "account"),
        "updated_at": x.UpdatedDateUTC,
    }
    return _model(Expense, data, payload, raw)


def tax_rate_from_xero(payload: Mapping[str, Any], *, raw: bool = False, taxes: Taxes | None = None) -> TaxRate:
    x = structure(payload, w.XeroTaxRate)
    rates = [c.Rate for c in x.TaxComponents or [] if c.Rate is not None]
    data = {
        "id": x.TaxType,
        "code": x.TaxType,
        "name": x.Name,
        "effective_tax_rate": x.EffectiveRate,
        "total_tax_rate": sum(rates, Decimal(0)) if rates else x.DisplayTaxRate,
        "report_tax_type": x.ReportTaxType,
        "status": _TAX_STATUSES.get(x.Status, x.Status.lower()) if x.Status else None,
        "components": [{"name": c.Name, "rate": c.Rate, "compound": c.IsCompound} for c in x.TaxComponents or []]
        or None,
    }
    return _model(TaxRate, data, payload, raw)


READERS: Mapping[str, Callable[..., BaseModel]] = {
    "contacts": contact_from_xero,
    "customers": contact_from_xero,
    "suppliers": contact_from_xero,
    "invoices": invoice_from_xero,
    "bills": bill_from_xero,
    "expenses": expense_from_xero,
    "tax_rates": tax_rate_from_xero,
}


# -- checks before any call ----------------------------------------------------------------------------------


def _is_empty(value: object) -> bool:
    return value is None or value == [] or value == {}


def check_fields(record: BaseModel, writable: AbstractSet[str], ignored: AbstractSet[str], where: str = "") -> set[str]:
    """The fields a write sends; a set field Xero has no place for is refused (ids and computed ones are ignored)."""
    fields = set(record.model_fields_set) - set(ignored)
    for name in sorted(fields - set(writable)):
        if name == "pass_through":
            continue
        if _is_empty(getattr(record, name)):
            fields.discard(name)
            continue
        why = _NO_PLACE.get(name, f"Xero has no place for {name} on this record")
        raise _refuse(f"{where}{name} cannot be written: {why}. Leave it out.", f"{where}{name}")
    return fields


def _places(value: Decimal | None, places: int, field: str) -> None:
    if value is not None and value.as_tuple().exponent < -places:  # type: ignore[operator]
        raise _refuse(
            f"{field} is {value}: Xero keeps {places} decimal places here, so it would not read back as sent. "
            f"Round it to {places} places.",
            field,
        )


def _length(value: str | None, limit: int, field: str, what: str) -> None:
    if value is not None and len(value) > limit:
        raise _refuse(f"{field} is {len(value)} characters; Xero allows at most {limit} for {what}.", field)


def validate_write(resource: str, record: BaseModel, fields: AbstractSet[str], *, create: bool) -> None:
    """Refuse what Xero would refuse or lose, before any request."""
    if isinstance(record, Contact):
        _validate_contact(record, fields, create=create)
    elif isinstance(record, Invoice | Bill):
        _validate_document(record, fields, create=create)
    elif isinstance(record, Expense):
        _validate_expense(record, fields, create=create)
    elif isinstance(record, TaxRate):
        _validate_tax_rate(record, fields, create=create)


def check_roles(record: Contact) -> None:
    """Xero decides a contact's roles from its documents: a write may not claim one."""
    for flag, kind in (("is_customer", "sales invoice (ACCREC)"), ("is_supplier", "bill (ACCPAY)")):
        if flag in record.model_fields_set and getattr(record, flag):
            raise _refuse(
                f"{flag} cannot be written: Xero sets IsCustomer and IsSupplier itself, once the contact has a "
                f"{kind}. Leave {flag} out, and create the contact through contacts (then raise a document for it).",
                flag,
            )


def _validate_contact(record: Contact, fields: AbstractSet[str], *, create: bool) -> None:
    check_roles(record)
    name = record.display_name
    if (create or "display_name" in fields) and (name is None or not name.strip()):
        raise _refuse("A Xero contact needs a display_name (Xero's Name, unique in the organisation).", "display_name")
    _length(name, NAME_LIMIT, "display_name", "a contact's Name")
    _length(record.first_name, NAME_LIMIT, "first_name", "FirstName")
    _length(record.last_name, NAME_LIMIT, "last_name", "LastName")
    _length(record.display_id, SHORT_LIMIT, "display_id", "AccountNumber")
    _length(record.tax_number, SHORT_LIMIT, "tax_number", "TaxNumber")
    emails = record.emails or []
    if "emails" in fields and len(emails) > 1:
        raise _refuse(
            f"emails has {len(emails)} addresses; a Xero contact keeps one (EmailAddress). Send one.", "emails"
        )
    for index, email in enumerate(emails):
        _length(email.email, NAME_LIMIT, f"emails[{index}].email", "EmailAddress")
    if "addresses" in fields:
        _validate_addresses(record.addresses or [])
    if "phone_numbers" in fields:
        _validate_phones(record.phone_numbers or [])


def _validate_addresses(addresses: Sequence[Address]) -> None:
    seen: set[str] = set()
    for index, address in enumerate(addresses):
        where = f"addresses[{index}]"
        kind = str(address.type.value if hasattr(address.type, "value") else address.type) if address.type else ""
        if kind not in ADDRESS_TYPES:
            raise _refuse(
                f"{where}.type is {kind or 'not set'}; Xero keeps a postal address (type billing, Xero's POBOX) and "
                "a street address (type shipping, Xero's STREET). Give one of those types.",
                f"{where}.type",
            )
        if kind in seen:
            raise _refuse(f"{where} is a second {kind} address; Xero keeps one of each type.", f"{where}.type")
        seen.add(kind)
        check_fields(address, _ADDRESS_FIELDS, {"id", "row_version"}, f"{where}.")
        for name, limit in (("line1", 500), ("line2", 500), ("line3", 500), ("line4", 500), ("postal_code", 50)):
            _length(getattr(address, name), limit, f"{where}.{name}", "this address line")
        _length(address.country, SHORT_LIMIT, f"{where}.country", "Country")


def _phone_type(phone: PhoneNumber) -> str:
    kind = phone.type
    return str(kind.value if hasattr(kind, "value") else kind) if kind else "primary"


def _validate_phones(phones: Sequence[PhoneNumber]) -> None:
    seen: set[str] = set()
    for index, phone in enumerate(phones):
        where = f"phone_numbers[{index}]"
        kind = _phone_type(phone)
        if kind not in PHONE_TYPES:
            raise _refuse(
                f"{where}.type is {kind}; Xero's phone types are {', '.join(PHONE_TYPES)} (DEFAULT, DDI, MOBILE, "
                "FAX, OFFICE). Give one of those.",
                f"{where}.type",
            )
        if kind in seen:
            raise _refuse(f"{where} is a second {kind} number; Xero keeps one number of each type.", f"{where}.type")
        seen.add(kind)
        check_fields(phone, _PHONE_FIELDS, {"id"}, f"{where}.")
        _length(phone.number, SHORT_LIMIT, f"{where}.number", "PhoneNumber")
        _length(phone.area_code, 10, f"{where}.area_code", "PhoneAreaCode")
        _length(phone.country_code, 20, f"{where}.country_code", "PhoneCountryCode")


def document_tax_inclusive(record: Invoice | Bill | Expense, fields: AbstractSet[str]) -> bool | None:
    """The document's one LineAmountTypes flag: its own ``tax_inclusive``, or the one its lines agree on."""
    document = record.tax_inclusive if "tax_inclusive" in fields else None
    lines: Sequence[InvoiceLineItem | BillLineItem | ExpenseLineItem] = (
        record.line_items if "line_items" in fields and record.line_items else []
    )
    return one_tax_inclusive_flag(document, lines, rule="Xero applies one LineAmountTypes to the whole document")


def _validate_lines(lines: Sequence[InvoiceLineItem | BillLineItem | ExpenseLineItem]) -> None:
    if not lines:
        raise _refuse("A Xero document needs at least one line item.", "line_items")
    for index, line in enumerate(lines):
        where = f"line_items[{index}]."
        check_fields(line, LINE_FIELDS[type(line)], _LINE_IGNORED, where)
        has_item = line.item is not None and bool(line.item.id or line.item.code or line.item.name)
        if not (line.description and line.description.strip()) and not has_item:
            raise _refuse(
                f"{where}description is needed (at least one character), unless the line names an item.",
                f"{where}description",
            )
        if line.unit_price is None and line.total_amount is None and not has_item:
            raise _refuse(f"{where}unit_price is needed (or total_amount, or an item).", f"{where}unit_price")
        _places(line.quantity, UNIT_PLACES, f"{where}quantity")
        _places(line.unit_price, UNIT_PLACES, f"{where}unit_price")
        _places(line.total_amount, AMOUNT_PLACES, f"{where}total_amount")
        if isinstance(line, InvoiceLineItem):
            if line.discount_percentage is not None and line.discount_amount is not None:
                raise _refuse(
                    f"{where}discount_percentage and discount_amount are both set; a Xero line takes one of them.",
                    f"{where}discount_percentage",
                )
            if line.discount_percentage is not None and not Decimal(0) <= line.discount_percentage <= Decimal(100):
                raise _refuse(f"{where}discount_percentage must be from 0 to 100.", f"{where}discount_percentage")


def _validate_document(record: Invoice | Bill, fields: AbstractSet[str], *, create: bool) -> None:
    is_bill = isinstance(record, Bill)
    party = record.supplier if isinstance(record, Bill) else record.customer
    party_field = "supplier" if is_bill else "customer"
    if (create or party_field in fields) and (party is None or not party.id):
        raise _refuse(
            f"A{' bill' if is_bill else 'n invoice'} needs its {party_field}: set {party_field}.id to a Xero "
            "ContactID (list contacts with client.contacts.list()).",
            f"{party_field}.id",
        )
    status = record.status
    if "status" in fields and status is not None and str(getattr(status, "value", status)) not in WRITABLE_STATUSES:
        raise _refuse(
            f"status {getattr(status, 'value', status)!r} cannot be written; a write may set draft, submitted or "
            "authorised. To delete or void, use delete().",
            "status",
        )
    if create and "status" in fields and str(getattr(status, "value", status)) == "authorised" and not record.due_date:
        raise _refuse("An authorised document needs its due_date (Xero requires DueDate once approved).", "due_date")
    number = record.bill_number if isinstance(record, Bill) else record.number
    _length(number, NAME_LIMIT, "bill_number" if is_bill else "number", "InvoiceNumber")
    if record.currency_rate is not None and record.currency_rate <= 0:
        raise _refuse("currency_rate must be above 0 (units of the currency per base currency).", "currency_rate")
    if create or "line_items" in fields:
        _validate_lines(record.line_items or [])
    document_tax_inclusive(record, fields)


def _validate_expense(record: Expense, fields: AbstractSet[str], *, create: bool) -> None:
    account = record.account
    if create and not ((account is not None and (account.id or account.code)) or record.account_id):
        raise _refuse(
            "An expense needs the bank account it was paid from: set account.id (an AccountID) or account.code "
            "of a Xero bank account.",
            "account.id",
        )
    supplier = (record.supplier.id if record.supplier else None) or record.supplier_id
    if create and not supplier:
        raise _refuse(
            "A Xero spend-money transaction needs its contact: set supplier.id to the ContactID paid.", "supplier.id"
        )
    if record.currency_rate is not None and record.currency_rate <= 0:
        raise _refuse("currency_rate must be above 0.", "currency_rate")
    if create or "line_items" in fields:
        lines = record.line_items or []
        _validate_lines(lines)
        for index, line in enumerate(lines):
            link = line.account
            if not ((link is not None and (link.id or link.code)) or line.account_id) and line.item is None:
                raise _refuse(
                    f"line_items[{index}].account is needed: the expense account (id or code) the line is booked to.",
                    f"line_items[{index}].account.code",
                )
    document_tax_inclusive(record, fields)


def _validate_tax_rate(record: TaxRate, fields: AbstractSet[str], *, create: bool) -> None:
    if (create or "name" in fields) and not (record.name and record.name.strip()):
        raise _refuse("A tax rate needs a name (Xero's Name).", "name")
    if create and record.effective_tax_rate is None and not record.components:
        raise _refuse(
            "A tax rate needs its rate: set effective_tax_rate (in percent) or components.", "effective_tax_rate"
        )
    rates = [(f"components[{i}].rate", c.rate) for i, c in enumerate(record.components or [])]
    for field, rate in [("effective_tax_rate", record.effective_tax_rate), *rates]:
        if rate is not None and not Decimal(0) <= rate <= Decimal(100):
            raise _refuse(f"{field} must be from 0 to 100 percent; got {rate}.", field)
        _places(rate, 4, field)
    components = record.components or []
    if components and record.effective_tax_rate is not None and not any(c.compound for c in components):
        total = sum((c.rate or Decimal(0) for c in components), Decimal(0))
        if total != record.effective_tax_rate:
            raise _refuse(
                f"effective_tax_rate is {record.effective_tax_rate}% but the components add up to {total}%; send "
                "one of them, or make them agree.",
                "effective_tax_rate",
            )


# -- writes: unified -> wire -> JSON -------------------------------------------------------------------------


def _text(record: BaseModel, name: str, fields: AbstractSet[str]) -> str | None:
    """The field's text to send: None when not set, "" when set to None (Xero's way to clear it)."""
    if name not in fields:
        return None
    value = getattr(record, name)
    return "" if value is None else str(value)


def _address_to_xero(kind: str, address: Address | None) -> w.XeroAddress:
    # every element is sent, "" for unset, so the address replaces the old one instead of merging into it
    a = address or Address()
    return w.XeroAddress(
        AddressType=ADDRESS_TYPES[kind],
        AddressLine1=a.line1 or "",
        AddressLine2=a.line2 or "",
        AddressLine3=a.line3 or "",
        AddressLine4=a.line4 or "",
        City=a.city or "",
        Region=a.state or "",
        PostalCode=a.postal_code or "",
        Country=a.country or "",
        AttentionTo=a.contact_name or "",
    )


def contact_to_xero(record: Contact, fields: AbstractSet[str], *, create: bool) -> dict[str, Any]:
    x = w.XeroContact(
        Name=record.display_name if "display_name" in fields else None,
        AccountNumber=_text(record, "display_id", fields),
        FirstName=_text(record, "first_name", fields),
        LastName=_text(record, "last_name", fields),
        TaxNumber=_text(record, "tax_number", fields),
        DefaultCurrency=str(record.currency) if "currency" in fields and record.currency else None,
    )
    if "emails" in fields:
        x.EmailAddress = next((e.email for e in record.emails or [] if e.email), "")
    if "addresses" in fields:
        by_type = {str(getattr(a.type, "value", a.type)): a for a in record.addresses or []}
        x.Addresses = [_address_to_xero(kind, by_type.get(kind)) for kind in ADDRESS_TYPES]
    if "phone_numbers" in fields:
        by_kind = {_phone_type(p): p for p in record.phone_numbers or []}
        x.Phones = [
            w.XeroPhone(
                PhoneType=xero_type,
                PhoneNumber=phone.number if phone else "",
                PhoneAreaCode=(phone.area_code or "") if phone else "",
                PhoneCountryCode=(phone.country_code or "") if phone else "",
            )
            for kind, xero_type in PHONE_TYPES.items()
            for phone in [by_kind.get(kind)]
        ]
    return apply_pass_through(unstructure(x), record, service_ids=SERVICE_IDS)


def line_links(record: BaseModel) -> tuple[bool, bool, bool, bool]:
    """Which tables the record's lines need: (taxes, accounts, items, tracking)."""
    lines = getattr(record, "line_items", None) or []
    taxes = any(getattr(line, "tax_rate", None) is not None for line in lines)
    accounts = any(
        getattr(line, "ledger_account", None) is not None or getattr(line, "account", None) is not None
        for line in lines
    ) or isinstance(record, Expense)
    items = any(getattr(line, "item", None) is not None for line in lines)
    tracking = any(getattr(line, "tracking_categories", None) for line in lines)
    return taxes, accounts, items, tracking


def _line_to_xero(
    line: InvoiceLineItem | BillLineItem | ExpenseLineItem, index: int, books: Books, usage: Usage
) -> w.XeroLineItem:
    where = f"line_items[{index}]."
    x = w.XeroLineItem(
        LineItemID=line.id,
        Description=line.description,
        Quantity=line.quantity,
        UnitAmount=line.unit_price,
    )
    if line.unit_price is None and line.total_amount is not None:
        # an amount alone: one unit of it; with a quantity, Xero works the unit amount out of the line amount
        x.LineAmount = line.total_amount
        if line.quantity is None or line.quantity == 1:
            x.Quantity, x.UnitAmount = Decimal(1), line.total_amount
    if line.item is not None:
        x.ItemCode = resolve_item(line.item, books.items, where).Code
    if isinstance(line, ExpenseLineItem):
        link = line.account
        if link is None and line.account_id:
            link = LinkedLedgerAccount(id=line.account_id)
        if link is not None:
            x.AccountCode = resolve_account(link, books.accounts, f"{where}account.", bank=False).Code
    elif line.ledger_account is not None:
        x.AccountCode = resolve_account(line.ledger_account, books.accounts, f"{where}ledger_account.", bank=False).Code
    if line.tax_rate is not None:
        x.TaxType = resolve_tax_type(line.tax_rate, books.taxes, where, usage)
    if line.tracking_categories is not None:
        x.Tracking = resolve_tracking(line.tracking_categories, books.tracking, where)
    if isinstance(line, InvoiceLineItem):
        x.DiscountRate = line.discount_percentage
        x.DiscountAmount = line.discount_amount
    return x


def _line_amount_types(record: Invoice | Bill | Expense, fields: AbstractSet[str]) -> str | None:
    inclusive = document_tax_inclusive(record, fields)
    if inclusive is None:
        return None
    return "Inclusive" if inclusive else "Exclusive"


def invoice_to_xero(record: Invoice | Bill, fields: AbstractSet[str], books: Books, *, create: bool) -> dict[str, Any]:
    """An invoice (ACCREC) or bill (ACCPAY) element; ``fields`` are those the record sets."""
    is_bill = isinstance(record, Bill)
    party = record.supplier if isinstance(record, Bill) else record.customer
    number = record.bill_number if isinstance(record, Bill) else record.number
    number_field = "bill_number" if is_bill else "number"
    date = record.bill_date if isinstance(record, Bill) else record.invoice_date
    date_field = "bill_date" if is_bill else "invoice_date"
    x = w.XeroInvoice(
        Type="ACCPAY" if is_bill else "ACCREC",
        Contact=w.XeroContact(ContactID=party.id) if party is not None and party.id else None,
        InvoiceNumber=number if number_field in fields else None,
        Date=date if date_field in fields else None,
        DueDate=record.due_date if "due_date" in fields else None,
        LineAmountTypes=_line_amount_types(record, fields),
        CurrencyCode=str(record.currency) if "currency" in fields and record.currency else None,
        CurrencyRate=record.currency_rate if "currency_rate" in fields else None,
        Url=_text(record, "source_document_url", fields),
    )
    if isinstance(record, Invoice):
        x.Reference = _text(record, "reference", fields)
    if "status" in fields and record.status is not None:
        x.Status = WRITABLE_STATUSES[str(getattr(record.status, "value", record.status))]
    if "line_items" in fields and record.line_items is not None:
        usage: Usage = "expenses" if is_bill else "revenue"
        lines: Sequence[InvoiceLineItem | BillLineItem] = record.line_items
        x.LineItems = [_line_to_xero(line, i, books, usage) for i, line in enumerate(lines)]
    return apply_pass_through(unstructure(x), record, service_ids=SERVICE_IDS)


def bank_transaction_to_xero(
    record: Expense, fields: AbstractSet[str], books: Books, *, create: bool
) -> dict[str, Any]:
    """A spend-money bank transaction element for an expense."""
    x = w.XeroBankTransaction(
        Type="SPEND" if create else None,
        Reference=_text(record, "reference", fields),
        LineAmountTypes=_line_amount_types(record, fields),
        CurrencyCode=str(record.currency) if "currency" in fields and record.currency else None,
        CurrencyRate=record.currency_rate if "currency_rate" in fields else None,
        Url=_text(record, "source_document_url", fields),
    )
    if "transaction_date" in fields and record.transaction_date is not None:
        x.Date = record.transaction_date.date()
    if fields & {"account", "account_id"}:
        link = record.account
        if link is None and record.account_id:
            link = LinkedFinancialAccount(id=record.account_id)
        if link is not None:
            bank = resolve_account(link, books.accounts, "account.", bank=True)
            x.BankAccount = w.XeroAccount(AccountID=bank.AccountID, Code=bank.Code)
    if fields & {"supplier", "supplier_id"}:
        supplier = (record.supplier.id if record.supplier else None) or record.supplier_id
        if supplier:
            x.Contact = w.XeroContact(ContactID=supplier)
    if "line_items" in fields and record.line_items is not None:
        x.LineItems = [_line_to_xero(line, i, books, "expenses") for i, line in enumerate(record.line_items)]
    return apply_pass_through(unstructure(x), record, service_ids=SERVICE_IDS)


def tax_rate_to_xero(record: TaxRate, fields: AbstractSet[str], current: w.XeroTaxRate | None) -> dict[str, Any]:
    """A tax rate element; an update names the rate by its TaxType and resends what it does not change."""
    components: list[w.XeroTaxComponent] | None = None
    if "components" in fields and record.components:
        components = [
            w.XeroTaxComponent(Name=c.name or record.name or "Tax", Rate=c.rate, IsCompound=c.compound)
            for c in record.components
        ]
    elif "effective_tax_rate" in fields and record.effective_tax_rate is not None:
        name = record.name or (current.Name if current else None) or "Tax"
        components = [w.XeroTaxComponent(Name=name, Rate=record.effective_tax_rate, IsCompound=False)]
    elif current is not None:
        components = current.TaxComponents
    x = w.XeroTaxRate(
        TaxType=current.TaxType if current else None,
        Name=record.name if "name" in fields else (current.Name if current else None),
        TaxComponents=components,
        ReportTaxType=record.report_tax_type
        if "report_tax_type" in fields
        else (current.ReportTaxType if current else None),
    )
    return apply_pass_through(unstructure(x), record, service_ids=SERVICE_IDS)
