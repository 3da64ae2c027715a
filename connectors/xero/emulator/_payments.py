"""Payments against AUTHORISED invoices (and refunds against credit notes); a payment is deleted by setting its
Status to DELETED, which reopens the document it paid."""

from __future__ import annotations

from decimal import Decimal

from . import _documents as d
from . import _fields as f
from . import _settings
from ._batch import Writer, envelope
from ._call import Call, Reply
from ._errors import ElementError, single_validation
from ._wire import Record, date_string, money, ms_date

FIELDS = (
    "Invoice",
    "CreditNote",
    "Account",
    "Code",
    "Date",
    "CurrencyRate",
    "Amount",
    "BankAmount",
    "Reference",
    "IsReconciled",
    "Status",
    "PaymentType",
    "UpdatedDateUTC",
    "PaymentID",
    "HasAccount",
    "HasValidationErrors",
)
_REF = f.Obj({"InvoiceID": f.GUID, "InvoiceNumber": f.TEXT, "CreditNoteID": f.GUID, "CreditNoteNumber": f.TEXT})
SPEC = f.Obj(
    {
        "Invoice": _REF,
        "CreditNote": _REF,
        "Account": f.Obj({"AccountID": f.GUID, "Code": f.TEXT}),
        "Date": f.DATE,
        "Amount": f.NUMBER,
        "CurrencyRate": f.NUMBER,
        "Reference": f.TEXT,
        "IsReconciled": f.BOOL,
        "InvoiceNumber": f.TEXT,
        "CreditNoteNumber": f.TEXT,
    }
)
PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def _document(call: Call, element: Record) -> tuple[d.Kind, Record]:
    for kind, link in ((d.INVOICES, "Invoice"), (d.CREDIT_NOTES, "CreditNote")):
        sent = f.obj(element, link) or {}
        record_id = f.guid(sent, kind.id_field)
        number = f.text(sent, kind.number_field) or f.text(element, kind.number_field)
        if record_id:
            found = call.tenant[kind.collection].get(record_id)
            if found is None:
                raise ElementError(f"The {link} with ID {record_id} could not be found.")
            return kind, found
        if number:
            found = d.find(call.tenant, kind, number)
            if found is None:
                raise ElementError(f"The {link} number {number} could not be found.")
            return kind, found
    raise ElementError("You must specify either an Invoice or a CreditNote to apply the payment to.")


def outstanding(record: Record) -> Decimal:
    return Decimal(str(record.get("RemainingCredit" if "RemainingCredit" in record else "AmountDue") or 0))


def create(call: Call, element: Record) -> Record:
    errors: list[str] = []
    kind, document = _document(call, element)
    if document.get("Status") != "AUTHORISED":
        errors.append("Payments can only be made against AUTHORISED documents.")
    sent_account = f.obj(element, "Account") or {}
    account = _settings.account_by(
        call.tenant,
        code=f.text(sent_account, "Code") or f.text(element, "Code"),
        account_id=f.guid(sent_account, "AccountID"),
    )
    if account is None:
        errors.append("An Account (AccountID or Code) must be given for the payment.")
    elif account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        errors.append("Account type is invalid for making a payment to/from")
    amount = f.number(element, "Amount")
    if amount is None or amount <= 0:
        errors.append("Payment amount must be greater than zero.")
    elif money(amount) > outstanding(document):
        errors.append("Payment amount exceeds the amount outstanding on this document")
    day = f.day(element, "Date") or call.now.date()
    if errors:
        raise ElementError(*errors)
    assert account is not None and amount is not None
    amount = money(amount)
    rate = f.number(element, "CurrencyRate") or Decimal(str(document.get("CurrencyRate") or 1))
    link = "CreditNote" if kind.credit else "Invoice"
    record: Record = {
        "PaymentID": call.new_id(),
        "Date": ms_date(day),
        "BankAmount": amount,
        "Amount": amount,
        "Reference": f.text(element, "Reference") or "",
        "CurrencyRate": rate,
        "PaymentType": PAYMENT_TYPES.get(str(document.get("Type")), "ACCRECPAYMENT"),
        "Status": "AUTHORISED",
        "UpdatedDateUTC": call.stamp,
        "HasAccount": True,
        "IsReconciled": bool(f.flag(element, "IsReconciled")),
        "Account": {"AccountID": account["AccountID"], "Code": account.get("Code", ""), "Name": account.get("Name")},
        link: _link(call, kind, document),
        "HasValidationErrors": False,
    }
    call.tenant["Payments"].put(record)
    _move(call, kind, document, amount, day)
    return record


def _link(call: Call, kind: d.Kind, document: Record) -> Record:
    contact = document.get("Contact") or {}
    return {
        "Type": document.get("Type"),
        kind.id_field: document[kind.id_field],
        kind.number_field: document.get(kind.number_field, ""),
        "Contact": {"ContactID": contact.get("ContactID"), "Name": contact.get("Name", "")},
        "CurrencyCode": document.get("CurrencyCode"),
    }


def _move(call: Call, kind: d.Kind, document: Record, amount: Decimal, day: object) -> None:
    """Apply a payment (amount > 0) or take one back (amount < 0), with PAID following the balance."""
    record = {**document}
    record["AmountPaid"] = money(Decimal(str(record.get("AmountPaid") or 0)) + amount)
    d.settle(record)
    if outstanding(record) == 0 and amount > 0:
        record["Status"] = "PAID"
        record["FullyPaidOnDate"] = ms_date(day)  # type: ignore[arg-type]
    elif record.get("Status") == "PAID" and outstanding(record) > 0:
        record["Status"] = "AUTHORISED"
        record.pop("FullyPaidOnDate", None)
    if kind.credit:
        record["RemainingCredit"] = outstanding(record)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant[kind.collection].put(record)
    call.event(kind.category, "UPDATE", kind.collection, str(record[kind.id_field]))


def delete(call: Call, payment: Record) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    inner = f.objects(body, "Payments")
    status = (f.text(inner[0] if inner else body, "Status") or "").upper()
    if status != "DELETED":
        raise single_validation("A payment can only be changed to a Status of DELETED.")
    if payment.get("Status") == "DELETED":
        raise single_validation("This payment has already been deleted.")
    if payment.get("IsReconciled"):
        raise single_validation("This payment has been reconciled and cannot be deleted.")
    for kind, link in ((d.INVOICES, "Invoice"), (d.CREDIT_NOTES, "CreditNote")):
        linked = payment.get(link)
        if isinstance(linked, dict) and linked.get(kind.id_field):
            document = call.tenant[kind.collection].get(linked[kind.id_field])
            if document is not None:
                _move(call, kind, document, -Decimal(str(payment.get("Amount") or 0)), None)
    record = {**payment, "Status": "DELETED", "UpdatedDateUTC": call.stamp}
    call.tenant["Payments"].put(record)
    return Reply(200, envelope(call, "Payments", [record]))


def _no_update(call: Call, existing: Record, element: Record) -> Record:
    raise ElementError("Payments cannot be changed: delete the payment and make a new one.")


WRITER = Writer(
    key="Payments",
    spec=SPEC,
    error_flag="HasValidationErrors",
    create=create,
    update=_no_update,
    locate=lambda call, element: None,
    render=lambda call, record: record,
)

__all__ = ["WRITER", "date_string"]
