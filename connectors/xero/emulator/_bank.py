"""Bank transactions: spend money (SPEND, what expenses are) and receive money (RECEIVE) on a BANK account.

Status AUTHORISED on creation; a transaction is deleted by updating its Status to DELETED, refused once it is
reconciled.
"""

from __future__ import annotations

from . import _contacts, _lines, _settings
from . import _fields as f
from ._batch import Writer
from ._call import Call
from ._documents import contact_summary, currency_rate
from ._errors import ElementError
from ._wire import Record, date_string, ms_date

TYPES = ("RECEIVE", "SPEND")
ALL_TYPES = (
    "RECEIVE",
    "RECEIVE-OVERPAYMENT",
    "RECEIVE-PREPAYMENT",
    "SPEND",
    "SPEND-OVERPAYMENT",
    "SPEND-PREPAYMENT",
    "RECEIVE-TRANSFER",
    "SPEND-TRANSFER",
)
FIELDS = (
    "Type",
    "Contact",
    "LineItems",
    "BankAccount",
    "IsReconciled",
    "Date",
    "Reference",
    "CurrencyCode",
    "CurrencyRate",
    "Url",
    "Status",
    "LineAmountTypes",
    "SubTotal",
    "TotalTax",
    "Total",
    "BankTransactionID",
    "PrepaymentID",
    "OverpaymentID",
    "UpdatedDateUTC",
    "HasAttachments",
)
SPEC = f.Obj(
    {
        "Type": f.OneOf(*ALL_TYPES),
        "Contact": f.Obj({"ContactID": f.GUID, "Name": f.TEXT, "ContactNumber": f.TEXT}),
        "LineItems": f.Many(_lines.LINE),
        "BankAccount": f.Obj({"AccountID": f.GUID, "Code": f.TEXT}),
        "IsReconciled": f.BOOL,
        "Date": f.DATE,
        "Reference": f.TEXT,
        "CurrencyCode": f.TEXT,
        "CurrencyRate": f.NUMBER,
        "Url": f.TEXT,
        "Status": f.OneOf("AUTHORISED", "DELETED", "VOIDED"),
        "LineAmountTypes": _lines.AMOUNT_TYPES,
        "BankTransactionID": f.GUID,
    }
)


def _apply(call: Call, record: Record, element: Record, creating: bool) -> None:
    errors: list[str] = []
    tenant = call.tenant
    status = (f.text(element, "Status") or "").upper()
    if not creating:
        if record.get("Status") == "DELETED":
            raise ElementError("This bank transaction has been deleted and cannot be changed.")
        if status == "DELETED":
            if record.get("IsReconciled"):
                raise ElementError("This Bank Transaction cannot be deleted as it has been reconciled.")
            record["Status"] = "DELETED"
            return
    if status and status != "AUTHORISED":
        errors.append(f"A bank transaction cannot be {'created' if creating else 'changed'} with a status of {status}.")
    kind = (f.text(element, "Type") or "").upper()
    if creating:
        if not kind:
            errors.append("The bank transaction Type must be specified: SPEND or RECEIVE.")
        elif kind not in TYPES:
            errors.append(f"Bank transactions of type {kind} are not supported here: use SPEND or RECEIVE.")
        else:
            record["Type"] = kind
    elif kind and kind != record.get("Type"):
        errors.append("The bank transaction Type cannot be changed.")
    if creating or f.has(element, "Contact"):
        try:
            contact = _contacts.reference(call, f.get(element, "Contact"))
            record["Contact"] = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
        except ElementError as exc:
            errors.extend(exc.messages)
    if creating or f.has(element, "BankAccount"):
        sent = f.obj(element, "BankAccount") or {}
        account = _settings.account_by(tenant, code=f.text(sent, "Code"), account_id=f.guid(sent, "AccountID"))
        if account is None:
            errors.append("A BankAccount (AccountID or Code of a BANK account) must be specified.")
        elif account.get("Type") != "BANK":
            errors.append(f"Account {account.get('Code') or account['AccountID']} is not a bank account.")
        else:
            record["BankAccount"] = {
                "AccountID": account["AccountID"],
                "Code": account.get("Code", ""),
                "Name": account.get("Name", ""),
            }
            record.setdefault("CurrencyCode", account.get("CurrencyCode") or tenant.base_currency)
    if f.has(element, "Date") or creating:
        day = f.day(element, "Date") or call.now.date()
        record["Date"] = ms_date(day)
        record["DateString"] = date_string(day)
    for key in ("Reference", "Url"):
        if f.has(element, key):
            record[key] = f.text(element, key, 255 if key == "Reference" else 2000) or ""
    if f.has(element, "IsReconciled"):
        record["IsReconciled"] = bool(f.flag(element, "IsReconciled"))
    code = (f.text(element, "CurrencyCode") or "").upper()
    if code:
        if tenant["Currencies"].get(code) is None:
            errors.append(f"The currency {code} is not enabled for this organisation.")
        else:
            record["CurrencyCode"] = code
    record.setdefault("CurrencyCode", tenant.base_currency)
    record["CurrencyRate"] = f.number(element, "CurrencyRate") or currency_rate(tenant, str(record["CurrencyCode"]))
    previous_kind = record.get("LineAmountTypes")
    amount_kind = _lines.amount_type(f.text(element, "LineAmountTypes"), str(previous_kind or "Exclusive"))
    record["LineAmountTypes"] = amount_kind
    if creating or f.has(element, "LineItems") or amount_kind != previous_kind:
        if f.has(element, "LineItems"):
            sent_lines = f.objects(element, "LineItems")
        else:
            sent_lines = [{k: v for k, v in line.items() if k != "TaxAmount"} for line in record.get("LineItems") or []]
        if not sent_lines:
            errors.append("At least one line item is required.")
        try:
            computed = _lines.compute(
                call,
                sent_lines,
                record.get("LineItems") or [],
                amount_kind,
                sales=record.get("Type") == "RECEIVE",
                approved=True,
            )
            record["LineItems"] = computed.lines
            record["SubTotal"] = computed.totals.sub_total
            record["TotalTax"] = computed.totals.total_tax
            record["Total"] = computed.totals.total
        except ElementError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ElementError(*errors)


def create(call: Call, element: Record) -> Record:
    record: Record = {
        "BankTransactionID": call.new_id(),
        "Status": "AUTHORISED",
        "IsReconciled": False,
        "Reference": "",
        "HasAttachments": False,
    }
    _apply(call, record, element, creating=True)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["BankTransactions"].put(record)
    return record


def update(call: Call, existing: Record, element: Record) -> Record:
    record = {**existing}
    _apply(call, record, element, creating=False)
    record["UpdatedDateUTC"] = call.stamp
    call.tenant["BankTransactions"].put(record)
    return record


def locate(call: Call, element: Record) -> Record | None:
    record_id = f.guid(element, "BankTransactionID")
    if not record_id:
        return None
    found = call.tenant["BankTransactions"].get(record_id)
    if found is None:
        raise ElementError(f"The BankTransaction with ID {record_id} could not be found.")
    return found


def render(call: Call, record: Record, *, lines: bool = True) -> Record:
    rendered = {**record, "Contact": contact_summary(call, record.get("Contact"))}
    if not lines:
        rendered.pop("LineItems", None)
    return rendered


WRITER = Writer(
    "BankTransactions",
    SPEC,
    "HasValidationErrors",
    create,
    update,
    locate,
    render,
    required=(("Type", "SPEND"), ("LineItems", []), ("BankAccount", {})),
)
