"""Invoices (ACCREC sales invoices and ACCPAY bills, one collection) and credit notes.

Statuses and what Xero allows (its documents: invoice status codes; deleting and voiding invoices):
DRAFT and SUBMITTED may be edited, moved between each other, AUTHORISED or DELETED. AUTHORISED may be
edited while nothing is paid or credited, and VOIDED while nothing is; it cannot go back or be DELETED.
PAID comes only from payments (and goes back to AUTHORISED when they are deleted). PAID, VOIDED and DELETED
documents cannot be changed ("Invoice not of valid status for modification").
"""

from __future__ import annotations

from decimal import Decimal

from . import _contacts, _lines
from . import _fields as f
from ._batch import Writer
from ._call import Call
from ._errors import ElementError
from ._store import Tenant
from ._wire import Record, date_string, money, ms_date

INVOICE_TYPES = ("ACCREC", "ACCPAY")
CREDIT_TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
EDITABLE = ("DRAFT", "SUBMITTED")
FINAL = ("PAID", "VOIDED", "DELETED")
NOT_MODIFIABLE = "Invoice not of valid status for modification"
CONTACT_SUMMARY = (
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "Addresses",
    "Phones",
    "UpdatedDateUTC",
    "ContactGroups",
    "IsSupplier",
    "IsCustomer",
    "DefaultCurrency",
    "ContactPersons",
    "HasValidationErrors",
)
LIST_DROPS = ("LineItems",)
SUMMARY_DROPS = ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments", "Allocations")
INVOICE_FIELDS = (
    "Type",
    "Contact",
    "LineItems",
    "Date",
    "DueDate",
    "LineAmountTypes",
    "InvoiceNumber",
    "Reference",
    "BrandingThemeID",
    "Url",
    "CurrencyCode",
    "CurrencyRate",
    "Status",
    "SentToContact",
    "ExpectedPaymentDate",
    "PlannedPaymentDate",
    "SubTotal",
    "TotalTax",
    "Total",
    "TotalDiscount",
    "InvoiceID",
    "HasAttachments",
    "IsDiscounted",
    "Payments",
    "Prepayments",
    "Overpayments",
    "AmountDue",
    "AmountPaid",
    "FullyPaidOnDate",
    "AmountCredited",
    "UpdatedDateUTC",
    "CreditNotes",
    "HasErrors",
)
CREDIT_NOTE_FIELDS = (
    "Type",
    "Contact",
    "Date",
    "DueDate",
    "Status",
    "LineAmountTypes",
    "LineItems",
    "SubTotal",
    "TotalTax",
    "Total",
    "UpdatedDateUTC",
    "CurrencyCode",
    "FullyPaidOnDate",
    "CreditNoteID",
    "CreditNoteNumber",
    "Reference",
    "SentToContact",
    "CurrencyRate",
    "RemainingCredit",
    "Allocations",
    "AppliedAmount",
    "Payments",
    "BrandingThemeID",
    "HasAttachments",
    "HasErrors",
)

_CONTACT_REF = f.Obj({"ContactID": f.GUID, "Name": f.TEXT, "ContactNumber": f.TEXT})
_COMMON: dict[str, f.Spec] = {
    "Contact": _CONTACT_REF,
    "LineItems": f.Many(_lines.LINE),
    "Date": f.DATE,
    "DueDate": f.DATE,
    "LineAmountTypes": _lines.AMOUNT_TYPES,
    "Reference": f.TEXT,
    "BrandingThemeID": f.GUID,
    "Url": f.TEXT,
    "CurrencyCode": f.TEXT,
    "CurrencyRate": f.NUMBER,
    "Status": f.OneOf(*STATUSES),
    "SentToContact": f.BOOL,
}
INVOICE_SPEC = f.Obj(
    {
        **_COMMON,
        "Type": f.OneOf(
            *INVOICE_TYPES, *CREDIT_TYPES, "APOVERPAYMENT", "APPREPAYMENT", "AROVERPAYMENT", "ARPREPAYMENT"
        ),
        "InvoiceID": f.GUID,
        "InvoiceNumber": f.TEXT,
        "ExpectedPaymentDate": f.DATE,
        "PlannedPaymentDate": f.DATE,
    }
)
CREDIT_NOTE_SPEC = f.Obj(
    {**_COMMON, "Type": f.OneOf(*CREDIT_TYPES), "CreditNoteID": f.GUID, "CreditNoteNumber": f.TEXT}
)


class Kind:
    """What differs between invoices and credit notes."""

    def __init__(self, collection: str, id_field: str, number_field: str, types: tuple[str, ...], prefix: str) -> None:
        self.collection = collection
        self.id_field = id_field
        self.number_field = number_field
        self.types = types
        self.prefix = prefix  # numbering of sales documents, e.g. INV-0001

    @property
    def credit(self) -> bool:
        return self.collection == "CreditNotes"

    @property
    def category(self) -> str:
        return "CREDITNOTE" if self.credit else "INVOICE"


INVOICES = Kind("Invoices", "InvoiceID", "InvoiceNumber", INVOICE_TYPES, "INV-")
CREDIT_NOTES = Kind("CreditNotes", "CreditNoteID", "CreditNoteNumber", CREDIT_TYPES, "CN-")


def currency_rate(tenant: Tenant, code: str) -> Decimal:
    """Units of `code` per unit of the base currency (Xero's CurrencyRate), from the tenant's rate table."""
    if code == tenant.base_currency:
        return Decimal("1.0000000000")
    return Decimal(str(tenant.rates.get(code, "1.0000000000")))


def _number_taken(call: Call, kind: Kind, doc_type: str, number: str, other_than: str | None) -> bool:
    wanted = number.strip().lower()
    for record in call.tenant[kind.collection]:
        if record.get("Type") != doc_type or record.get("Status") == "DELETED":
            continue
        if str(record.get(kind.id_field)) == other_than:
            continue
        if str(record.get(kind.number_field, "")).strip().lower() == wanted:
            return True
    return False


def _next_number(call: Call, kind: Kind) -> str:
    while True:
        candidate = f"{kind.prefix}{call.tenant.next_number(kind.collection):04d}"
        if not _number_taken(call, kind, kind.types[0], candidate, None):
            return candidate


def _transition(current: str, requested: str, record: Record, kind: Kind) -> str | None:
    """The error for moving current -> requested, or None when Xero allows it."""
    noun = "credit note" if kind.credit else "invoice"
    if requested == current:
        return None
    if current in FINAL:
        return NOT_MODIFIABLE
    if requested == "PAID":
        return f"The {noun} status cannot be set to PAID: it becomes PAID when payments cover it."
    if current in EDITABLE:
        if requested == "VOIDED":
            return f"{NOT_MODIFIABLE}: only AUTHORISED {noun}s can be voided; delete a {current} one instead."
        return None
    # AUTHORISED
    if requested in EDITABLE:
        return f"{NOT_MODIFIABLE}: an AUTHORISED {noun} cannot go back to {requested}."
    if requested == "DELETED":
        return f"{NOT_MODIFIABLE}: only DRAFT and SUBMITTED {noun}s can be deleted; void an AUTHORISED one instead."
    if requested == "VOIDED" and _allocated(record) > 0:
        return "This document cannot be voided as it has a payment or credit note allocated to it."
    return None


def _allocated(record: Record) -> Decimal:
    paid = Decimal(str(record.get("AmountPaid") or 0))
    credited = Decimal(str(record.get("AmountCredited") or 0))
    if "RemainingCredit" in record:  # a credit note: what has been used of it
        credited = Decimal(str(record.get("Total") or 0)) - Decimal(str(record.get("RemainingCredit") or 0))
    return paid + credited


def settle(record: Record) -> None:
    """AmountDue / RemainingCredit and PAID from the document's totals and what was paid or allocated."""
    total = Decimal(str(record.get("Total") or 0))
    paid = Decimal(str(record.get("AmountPaid") or 0))
    if "RemainingCredit" in record:
        applied = Decimal(str(record.get("AppliedAmount") or 0))
        remaining = (
            money(total - applied - paid) if record.get("Status") not in ("VOIDED", "DELETED") else Decimal("0.00")
        )
        record["RemainingCredit"] = remaining
        return
    credited = Decimal(str(record.get("AmountCredited") or 0))
    due = money(total - paid - credited)
    record["AmountDue"] = due if record.get("Status") not in ("VOIDED", "DELETED") else Decimal("0.00")


def apply(call: Call, kind: Kind, record: Record, element: Record, creating: bool) -> None:
    """Copy element onto record with Xero's rules; raise ElementError with every problem found."""
    errors: list[str] = []
    tenant = call.tenant
    current = str(record.get("Status") or "DRAFT")
    sent_type = (f.text(element, "Type") or "").upper()
    if creating:
        if not sent_type:
            errors.append(f"{'Credit Note' if kind.credit else 'Invoice'} Type must be specified.")
        elif sent_type not in kind.types:
            errors.append(f"Type {sent_type} cannot be used here: use one of {', '.join(kind.types)}.")
        else:
            record["Type"] = sent_type
    elif sent_type and sent_type != record.get("Type"):
        errors.append("The document Type cannot be changed.")
    doc_type = str(record.get("Type") or (kind.types[0]))
    sales = doc_type in ("ACCREC", "ACCRECCREDIT")
    requested = (f.text(element, "Status") or "").upper() or (current if not creating else "DRAFT")
    if creating and requested in FINAL:
        errors.append(f"A new document cannot be created with a status of {requested}.")
    elif not creating:
        problem = _transition(current, requested, record, kind)
        if problem:
            raise ElementError(problem)
        naming = {kind.id_field.lower(), kind.number_field.lower(), "status"}
        if current in FINAL and any(str(key).lower() not in naming for key in element):
            raise ElementError(NOT_MODIFIABLE)
    approved = requested in ("SUBMITTED", "AUTHORISED")
    changes_content = any(
        f.has(element, key)
        for key in ("LineItems", "Contact", "LineAmountTypes", "CurrencyCode", "Date", "CurrencyRate")
    )
    if not creating and current == "AUTHORISED" and changes_content and _allocated(record) > 0:
        raise ElementError("This document cannot be edited as it has a payment or credit note allocated to it.")
    if f.has(element, "Contact") or creating:
        try:
            contact = _contacts.reference(call, f.get(element, "Contact"))
            if contact.get("ContactStatus") == "ARCHIVED":
                errors.append(f"The contact {contact.get('Name')} is archived and cannot be used on a document.")
            else:
                record["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
        except ElementError as exc:
            errors.extend(exc.messages)
    today = call.now.date()
    for key in ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
        if f.has(element, key):
            day = f.day(element, key)
            if day is None:
                record.pop(key, None)
                record.pop(f"{key}String", None)
            else:
                record[key] = ms_date(day)
                record[f"{key}String"] = date_string(day)
    if "Date" not in record:
        record["Date"] = ms_date(today)
        record["DateString"] = date_string(today)
    if approved and "DueDate" not in record and not kind.credit:
        errors.append("Due Date is required for an approved invoice: send DueDate.")
    number = f.text(element, kind.number_field)
    if number is not None:
        number = number.strip()
        if len(number) > 255:
            errors.append(f"{kind.number_field} must not be more than 255 characters long.")
        elif number and sales and _number_taken(call, kind, doc_type, number, record.get(kind.id_field)):
            errors.append(f"{'Credit Note' if kind.credit else 'Invoice'} # must be unique.")
        else:
            record[kind.number_field] = number
    if creating and sales and not record.get(kind.number_field):
        record[kind.number_field] = _next_number(call, kind)
    for key, limit in (("Reference", 255), ("Url", 2000)):
        if f.has(element, key):
            value = f.text(element, key) or ""
            if len(value) > limit:
                errors.append(f"{key} must not be more than {limit} characters long.")
            record[key] = value
    if f.has(element, "BrandingThemeID"):
        record["BrandingThemeID"] = f.guid(element, "BrandingThemeID")
    if f.has(element, "SentToContact"):
        record["SentToContact"] = bool(f.flag(element, "SentToContact"))
    code = (f.text(element, "CurrencyCode") or "").upper()
    if code:
        if tenant["Currencies"].get(code) is None:
            errors.append(f"The currency {code} is not enabled for this organisation.")
        else:
            record["CurrencyCode"] = code
            record["CurrencyRate"] = currency_rate(tenant, code)
    record.setdefault("CurrencyCode", tenant.base_currency)
    record.setdefault("CurrencyRate", currency_rate(tenant, str(record["CurrencyCode"])))
    rate = f.number(element, "CurrencyRate")
    if rate is not None and rate > 0 and record["CurrencyCode"] != tenant.base_currency:
        record["CurrencyRate"] = rate.quantize(Decimal("1.0000000000"))
    previous_kind = record.get("LineAmountTypes")
    amount_kind = _lines.amount_type(f.text(element, "LineAmountTypes"), str(previous_kind or "Exclusive"))
    record["LineAmountTypes"] = amount_kind
    if f.has(element, "LineItems") or creating or amount_kind != previous_kind:
        if f.has(element, "LineItems"):
            sent_lines = f.objects(element, "LineItems")
        else:  # the stored lines again, their tax computed afresh
            sent_lines = [{k: v for k, v in line.items() if k != "TaxAmount"} for line in record.get("LineItems") or []]
        if approved and not sent_lines:
            errors.append("At least one line item is required for an approved document.")
        try:
            computed = _lines.compute(
                call, sent_lines, record.get("LineItems") or [], amount_kind, sales=sales, approved=approved
            )
            record["LineItems"] = computed.lines
            record["SubTotal"] = computed.totals.sub_total
            record["TotalTax"] = computed.totals.total_tax
            record["Total"] = computed.totals.total
            record["IsDiscounted"] = computed.discounted
            if computed.discounted:
                record["TotalDiscount"] = computed.totals.total_discount
            else:
                record.pop("TotalDiscount", None)
        except ElementError as exc:
            errors.extend(exc.messages)
    elif approved and not kind.credit:
        problems = [n for n, line in enumerate(record.get("LineItems") or [], 1) if not line.get("AccountCode")]
        if problems:
            errors.append(f"Line item {problems[0]}: an account code must be specified on an approved document.")
    if errors:
        raise ElementError(*errors)
    if requested != current or creating:
        record["Status"] = requested
    settle(record)


def _blank(call: Call, kind: Kind) -> Record:
    record: Record = {kind.id_field: call.new_id(), "Status": "DRAFT", "HasAttachments": False, "HasErrors": False}
    if kind.credit:
        record.update(
            {"RemainingCredit": Decimal("0.00"), "AppliedAmount": Decimal("0.00"), "Allocations": [], "Payments": []}
        )
    else:
        record.update(
            {
                "AmountDue": Decimal("0.00"),
                "AmountPaid": Decimal("0.00"),
                "AmountCredited": Decimal("0.00"),
                "SentToContact": False,
                "IsDiscounted": False,
                "Prepayments": [],
                "Overpayments": [],
            }
        )
    return record


def create(call: Call, kind: Kind, element: Record) -> Record:
    record = _blank(call, kind)
    apply(call, kind, record, element, creating=True)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant[kind.collection].put(record)
    if record.get("Status") != "DELETED":
        _contacts.mark_role(call, str(record["Contact"]["ContactID"]), str(record["Type"]))
    _announce(call, kind, record, "CREATE")
    return record


def update(call: Call, kind: Kind, existing: Record, element: Record) -> Record:
    record = {**existing}
    apply(call, kind, record, element, creating=False)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant[kind.collection].put(record)
    _announce(call, kind, record, "UPDATE")
    return record


def _announce(call: Call, kind: Kind, record: Record, event_type: str) -> None:
    data = {"Type": record.get("Type"), "Status": record.get("Status")} if kind.credit else None
    call.event(kind.category, event_type, kind.collection, str(record[kind.id_field]), data)


def locate(call: Call, kind: Kind, element: Record) -> Record | None:
    collection = call.tenant[kind.collection]
    record_id = f.guid(element, kind.id_field)
    if record_id:
        found = collection.get(record_id)
        if found is None:
            raise ElementError(f"The {kind.collection[:-1]} with ID {record_id} could not be found.")
        return found
    number = (f.text(element, kind.number_field) or "").strip()
    if number:
        for record in collection:
            if str(record.get(kind.number_field, "")).lower() == number.lower() and record.get("Status") != "DELETED":
                return record
    return None


def find(tenant: Tenant, kind: Kind, key: str) -> Record | None:
    """GET /Invoices/{InvoiceID or InvoiceNumber}."""
    collection = tenant[kind.collection]
    found = collection.get(key)
    if found is not None:
        return found
    return collection.find(kind.number_field, key)


def contact_summary(call: Call, stored: Record | None) -> Record:
    base = dict(stored or {})
    contact = call.tenant["Contacts"].get(base.get("ContactID", "")) if base.get("ContactID") else None
    if contact is not None:
        base.update({k: contact[k] for k in CONTACT_SUMMARY if k in contact})
    return base


def payments_of(call: Call, kind: Kind, record: Record) -> list[Record]:
    record_id = str(record[kind.id_field]).lower()
    link = "CreditNote" if kind.credit else "Invoice"
    result = []
    for payment in call.tenant["Payments"]:
        if payment.get("Status") == "DELETED":
            continue
        if str((payment.get(link) or {}).get(kind.id_field, "")).lower() != record_id:
            continue
        result.append(
            {
                "PaymentID": payment["PaymentID"],
                "Date": payment.get("Date"),
                "Amount": payment.get("Amount"),
                "Reference": payment.get("Reference", ""),
                "CurrencyRate": payment.get("CurrencyRate"),
                "HasAccount": False,
                "HasValidationErrors": False,
            }
        )
    return result


def render(call: Call, kind: Kind, record: Record, *, lines: bool = True, summary: bool = False) -> Record:
    rendered = {k: v for k, v in record.items() if not k.startswith("_")}
    if summary:
        for key in SUMMARY_DROPS:
            rendered.pop(key, None)
        contact = rendered.get("Contact") or {}
        rendered["Contact"] = {k: contact[k] for k in ("ContactID", "Name") if k in contact}
        return rendered
    rendered["Contact"] = contact_summary(call, rendered.get("Contact"))
    rendered["Payments"] = payments_of(call, kind, record) or list(record.get("Payments") or [])
    if not lines:
        rendered.pop("LineItems", None)
    return rendered


def writer(kind: Kind) -> Writer:
    return Writer(
        key=kind.collection,
        spec=CREDIT_NOTE_SPEC if kind.credit else INVOICE_SPEC,
        error_flag="HasErrors",
        create=lambda call, element: create(call, kind, element),
        update=lambda call, existing, element: update(call, kind, existing, element),
        locate=lambda call, element: locate(call, kind, element),
        render=lambda call, record: render(call, kind, record),
    )


INVOICE_WRITER = writer(INVOICES)
CREDIT_NOTE_WRITER = writer(CREDIT_NOTES)
