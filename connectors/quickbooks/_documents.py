"""Invoices, Bills and Purchases (expenses) <-> unified documents, lines and tax.

Documents. Invoice: ``DocNumber`` <-> ``number``, ``CustomerRef`` <-> ``customer`` (``customer-<id>``), ``TxnDate``/
``DueDate`` <-> ``invoice_date``/``due_date``, ``PrivateNote`` <-> ``reference``, ``CustomerMemo`` <->
``customer_memo``, ``BillAddr``/``ShipAddr`` <-> ``billing_address``/``shipping_address``, ``Balance`` -> ``balance``
and ``status`` (paid when nothing is due, partially_paid, else unpaid), ``Deposit`` -> ``deposit``. Bill:
``DocNumber`` <-> ``bill_number``, ``VendorRef`` <-> ``supplier`` (``vendor-<id>``), ``TxnDate``/``DueDate`` <->
``bill_date``/``due_date``, ``PrivateNote`` <-> ``notes``, status authorised/partially_paid/paid. Purchase:
``TxnDate`` <-> ``transaction_date`` (a date: written as the date in the datetime's own zone, read back at
midnight UTC), ``AccountRef`` <-> ``account`` (the bank or credit card paid from), ``PaymentType`` <->
``payment_type`` (Cash unless told), ``EntityRef`` of type Vendor <-> ``supplier``, ``DocNumber`` <-> ``reference``
(QuickBooks' "Ref no."), ``PrivateNote`` <-> ``memo``, ``Credit`` -> ``type`` (refund). All three: ``CurrencyRef``/
``ExchangeRate`` <-> ``currency``/``currency_rate``, ``TotalAmt`` -> ``total``/``total_amount``,
``TxnTaxDetail.TotalTax`` -> ``total_tax``, the SubTotal line (else the sum of the lines' ``Amount``) ->
``sub_total``, ``DepartmentRef`` <-> ``department_id`` (expenses: ``department``), ``SyncToken`` <->
``row_version``, ``MetaData`` -> ``created_at``/``updated_at``. Amounts are QuickBooks' own, as Decimals.

Tax. ``GlobalTaxCalculation`` TaxInclusive <-> ``tax_inclusive`` True, TaxExcluded <-> False (NotApplicable reads
as False); one flag per document, so lines whose ``tax_inclusive`` disagree with it or each other are refused. A
line's ``unit_price`` and ``total_amount`` are in the document's convention: tax included when it is inclusive
(QuickBooks then keeps the net amount in ``Amount`` and the gross in ``TaxInclusiveAmt``). ``TxnTaxDetail.
TxnTaxCodeRef`` <-> ``tax_code``. Line tax codes: see ``_tax``.

Lines. Invoice lines are SalesItemLineDetail (``item`` required: QuickBooks sells items; ``quantity``,
``unit_price``, ``service_date``, ``ledger_account`` <-> ``ItemAccountRef``) or DescriptionOnly (``type`` info);
discount lines read as ``type`` discount. Bill and expense lines are ItemBasedExpenseLineDetail (``type``
expense_item, an ``item`` with ``quantity`` and ``unit_price``) or AccountBasedExpenseLineDetail (``type``
expense_account: ``ledger_account``, or ``account`` on expenses, with ``total_amount`` only: QuickBooks keeps no
quantity there); ``customer`` <-> the line's billable ``CustomerRef``. Every line: ``Id`` <-> ``id`` (give it to
keep a line on update), ``LineNum`` -> ``line_number``, ``Description`` <-> ``description``.

Tracking: classes and departments. A tracking category id names its list: ``class-<id>`` or
``department-<id>`` (a bare id is looked up in both). Lines carry a class (``ClassRef``); invoices a class and a
department, bills and expenses a department (``DepartmentRef``). ``name`` is the entry's last name segment,
``parent_name`` the ones before it.

Custom fields: invoices carry QuickBooks' sales-form custom fields (``CustomField``: ``DefinitionId`` <-> ``id``,
``Name`` <-> ``name``, text values); other documents read theirs but cannot write them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from connectors.quickbooks._contacts import (
    CUSTOMER,
    VENDOR,
    address_from_qbo,
    address_to_qbo,
    contact_id,
    parse_contact_id,
)
from connectors.quickbooks._convert import structure, unstructure
from connectors.quickbooks._read import custom_fields_from_qbo, meta_times, model
from connectors.quickbooks._tax import Purpose, TaxTable
from connectors.quickbooks._wire import (
    QboAccountLine,
    QboBill,
    QboCustomField,
    QboDescriptionLine,
    QboInvoice,
    QboItemExpenseLine,
    QboLine,
    QboListEntry,
    QboPurchase,
    QboRef,
    QboSalesLine,
    QboTxnTaxDetail,
)
from schemas import (
    Bill,
    BillLineItem,
    Expense,
    ExpenseLineItem,
    Invoice,
    InvoiceLineItem,
    LinkedTrackingCategory,
)
from unified.errors import RequestValidationError

__all__ = [
    "Links",
    "bill_from_qbo",
    "bill_to_qbo",
    "expense_from_qbo",
    "expense_to_qbo",
    "invoice_from_qbo",
    "invoice_to_qbo",
    "lists_needed",
    "tracking_id",
]

Document = Invoice | Bill | Expense
AnyLine = InvoiceLineItem | BillLineItem | ExpenseLineItem
ListName = Literal["Item", "Account", "Class", "Department"]

CENT = Decimal("0.01")
DOC_NUMBER_LIMIT = 21
NOTE_LIMIT = 4000
MEMO_LIMIT = 1000
DESCRIPTION_LIMIT = 4000
PAYMENT_TYPES: Mapping[str, str] = {"cash": "Cash", "check": "Check", "credit_card": "CreditCard"}
_PAYMENT_TYPES_BACK = {v: k for k, v in PAYMENT_TYPES.items()}
_TRACKING = {"class": "Class", "department": "Department"}


# -- reads ---------------------------------------------------------------------------------------------------


def tax_inclusive_of(calculation: str | None) -> bool | None:
    if calculation is None:
        return None
    return calculation == "TaxInclusive"


def tracking_id(list_name: str, qbo_id: str) -> str:
    return f"{list_name.lower()}-{qbo_id}"


def _tracking(ref: QboRef | None, list_name: str) -> dict[str, Any] | None:
    if ref is None or not ref.value:
        return None
    *parents, leaf = (ref.name or "").split(":")
    return {
        "id": tracking_id(list_name, ref.value),
        "name": leaf or None,
        "parent_name": ":".join(parents) or None,
    }


def _ref(ref: QboRef | None, **names: str) -> dict[str, Any] | None:
    if ref is None or not ref.value:
        return None
    return {"id": ref.value, **{key: ref.name for key in names.values()}}


def _line_total(line: QboLine, detail_inclusive: Decimal | None, inclusive: bool | None) -> Decimal | None:
    if inclusive and detail_inclusive is not None:
        return detail_inclusive
    return line.Amount


def _sales_line(line: QboLine, taxes: TaxTable, inclusive: bool | None) -> dict[str, Any] | None:
    common = {"id": line.Id, "line_number": line.LineNum, "description": line.Description}
    detail = line.SalesItemLineDetail
    if line.DetailType == "SalesItemLineDetail" and detail is not None:
        return {
            **common,
            "type": "sales_item",
            "quantity": detail.Qty,
            "unit_price": detail.UnitPrice,
            "total_amount": _line_total(line, detail.TaxInclusiveAmt, inclusive),
            "service_date": detail.ServiceDate,
            "item": _ref(detail.ItemRef, name="name"),
            "ledger_account": _ref(detail.ItemAccountRef, name="name"),
            "tax_rate": taxes.linked(detail.TaxCodeRef, "sales"),
            "tax_inclusive": inclusive,
            "tracking_categories": [t] if (t := _tracking(detail.ClassRef, "class")) else None,
        }
    if line.DetailType in ("DescriptionOnly", "DescriptionLineDetail"):
        described = line.DescriptionLineDetail
        return {**common, "type": "info", "service_date": described.ServiceDate if described else None}
    if line.DetailType == "DiscountLineDetail":
        discount = line.DiscountLineDetail
        percent = discount.DiscountPercent if discount is not None and discount.PercentBased else None
        return {**common, "type": "discount", "total_amount": line.Amount, "discount_percentage": percent}
    if line.DetailType == "SubTotalLineDetail":
        return None
    return {**common, "type": "other", "total_amount": line.Amount}


def _expense_line(line: QboLine, taxes: TaxTable, inclusive: bool | None, account_key: str) -> dict[str, Any]:
    common = {"id": line.Id, "line_number": line.LineNum, "description": line.Description}
    item = line.ItemBasedExpenseLineDetail
    account = line.AccountBasedExpenseLineDetail
    if line.DetailType == "ItemBasedExpenseLineDetail" and item is not None:
        return {
            **common,
            "type": "expense_item",
            "item": _ref(item.ItemRef, name="name"),
            "quantity": item.Qty,
            "unit_price": item.UnitPrice,
            "total_amount": _line_total(line, item.TaxInclusiveAmt, inclusive),
            "tax_rate": taxes.linked(item.TaxCodeRef, "purchase"),
            "tax_inclusive": inclusive,
            "customer": _customer(item.CustomerRef),
            "tracking_categories": [t] if (t := _tracking(item.ClassRef, "class")) else None,
        }
    if line.DetailType == "AccountBasedExpenseLineDetail" and account is not None:
        return {
            **common,
            "type": "expense_account",
            account_key: _ref(account.AccountRef, name="name"),
            "total_amount": _line_total(line, account.TaxInclusiveAmt, inclusive),
            "tax_rate": taxes.linked(account.TaxCodeRef, "purchase"),
            "tax_inclusive": inclusive,
            "customer": _customer(account.CustomerRef),
            "tracking_categories": [t] if (t := _tracking(account.ClassRef, "class")) else None,
        }
    return {**common, "type": "other", "total_amount": line.Amount}


def _customer(ref: QboRef | None) -> dict[str, Any] | None:
    if ref is None or not ref.value:
        return None
    return {"id": contact_id(CUSTOMER, ref.value), "display_name": ref.name}


def _sub_total(lines: Sequence[QboLine] | None) -> Decimal | None:
    lines = lines or []
    for line in lines:
        if line.DetailType == "SubTotalLineDetail" and line.Amount is not None:
            return line.Amount
    amounts = [
        line.Amount
        for line in lines
        if line.Amount is not None
        and line.DetailType not in ("SubTotalLineDetail", "DescriptionOnly", "DiscountLineDetail")
    ]
    return sum(amounts, Decimal(0)) if amounts else None


def _tax_fields(detail: QboTxnTaxDetail | None) -> dict[str, Any]:
    if detail is None:
        return {}
    code = detail.TxnTaxCodeRef
    return {"total_tax": detail.TotalTax, "tax_code": code.value if code is not None else None}


def _due_status(balance: Decimal | None, total: Decimal | None, open_status: str) -> str | None:
    if balance is None:
        return None
    if balance <= 0:
        return "paid"
    if total is not None and balance < total:
        return "partially_paid"
    return open_status


def _document_tracking(class_ref: QboRef | None, department: QboRef | None) -> list[dict[str, Any]] | None:
    found = [t for t in (_tracking(class_ref, "class"), _tracking(department, "department")) if t is not None]
    return found or None


def invoice_from_qbo(payload: Mapping[str, Any], taxes: TaxTable, *, raw: bool = False) -> Invoice:
    q = structure(payload, QboInvoice)
    created_at, updated_at = meta_times(q.MetaData)
    inclusive = tax_inclusive_of(q.GlobalTaxCalculation)
    lines = [line for line in (_sales_line(line, taxes, inclusive) for line in q.Line or []) if line is not None]
    data: dict[str, Any] = {
        "id": q.Id,
        "downstream_id": q.Id,
        "number": q.DocNumber,
        "customer": _customer(q.CustomerRef),
        "invoice_date": q.TxnDate,
        "due_date": q.DueDate,
        "terms": q.SalesTermRef.name if q.SalesTermRef is not None else None,
        "terms_id": q.SalesTermRef.value if q.SalesTermRef is not None else None,
        "reference": q.PrivateNote,
        "customer_memo": q.CustomerMemo.value if q.CustomerMemo is not None else None,
        "currency": q.CurrencyRef.value if q.CurrencyRef is not None else None,
        "currency_rate": q.ExchangeRate,
        "tax_inclusive": inclusive,
        "sub_total": _sub_total(q.Line),
        **_tax_fields(q.TxnTaxDetail),
        "total": q.TotalAmt,
        "balance": q.Balance,
        "deposit": q.Deposit,
        "status": _due_status(q.Balance, q.TotalAmt, "unpaid"),
        "invoice_sent": q.EmailStatus == "EmailSent" if q.EmailStatus else None,
        "line_items": lines,
        "billing_address": address_from_qbo(q.BillAddr, "billing"),
        "shipping_address": address_from_qbo(q.ShipAddr, "shipping"),
        "department_id": q.DepartmentRef.value if q.DepartmentRef is not None else None,
        "tracking_categories": _document_tracking(q.ClassRef, q.DepartmentRef),
        "custom_fields": custom_fields_from_qbo(q.CustomField),
        "row_version": q.SyncToken,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return model(Invoice, data, payload, raw)


def bill_from_qbo(payload: Mapping[str, Any], taxes: TaxTable, *, raw: bool = False) -> Bill:
    q = structure(payload, QboBill)
    created_at, updated_at = meta_times(q.MetaData)
    inclusive = tax_inclusive_of(q.GlobalTaxCalculation)
    vendor = q.VendorRef
    data: dict[str, Any] = {
        "id": q.Id,
        "downstream_id": q.Id,
        "bill_number": q.DocNumber,
        "supplier": {"id": contact_id(VENDOR, vendor.value), "display_name": vendor.name}
        if vendor is not None and vendor.value
        else None,
        "bill_date": q.TxnDate,
        "due_date": q.DueDate,
        "terms": q.SalesTermRef.name if q.SalesTermRef is not None else None,
        "terms_id": q.SalesTermRef.value if q.SalesTermRef is not None else None,
        "notes": q.PrivateNote,
        "currency": q.CurrencyRef.value if q.CurrencyRef is not None else None,
        "currency_rate": q.ExchangeRate,
        "tax_inclusive": inclusive,
        "sub_total": _sub_total(q.Line),
        **_tax_fields(q.TxnTaxDetail),
        "total": q.TotalAmt,
        "balance": q.Balance,
        "status": _due_status(q.Balance, q.TotalAmt, "authorised"),
        "line_items": [_expense_line(line, taxes, inclusive, "ledger_account") for line in q.Line or []],
        "ledger_account": _ref(q.APAccountRef, name="name"),
        "department_id": q.DepartmentRef.value if q.DepartmentRef is not None else None,
        "tracking_categories": _document_tracking(None, q.DepartmentRef),
        "custom_fields": custom_fields_from_qbo(q.CustomField),
        "row_version": q.SyncToken,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return model(Bill, data, payload, raw)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day is not None else None


def expense_from_qbo(payload: Mapping[str, Any], taxes: TaxTable, *, raw: bool = False) -> Expense:
    q = structure(payload, QboPurchase)
    created_at, updated_at = meta_times(q.MetaData)
    inclusive = tax_inclusive_of(q.GlobalTaxCalculation)
    entity = q.EntityRef
    supplier = None
    if entity is not None and entity.value and (entity.type or "Vendor") == "Vendor":
        supplier = {"id": contact_id(VENDOR, entity.value), "display_name": entity.name}
    department = q.DepartmentRef
    data: dict[str, Any] = {
        "id": q.Id,
        "reference": q.DocNumber,
        "transaction_date": _midnight(q.TxnDate),
        "account": _ref(q.AccountRef, name="name"),
        "payment_type": _PAYMENT_TYPES_BACK.get(q.PaymentType or "", q.PaymentType),
        "supplier": supplier,
        "memo": q.PrivateNote,
        "type": "refund" if q.Credit else "expense",
        "currency": q.CurrencyRef.value if q.CurrencyRef is not None else None,
        "currency_rate": q.ExchangeRate,
        "tax_inclusive": inclusive,
        "sub_total": _sub_total(q.Line),
        "total_tax": q.TxnTaxDetail.TotalTax if q.TxnTaxDetail is not None else None,
        "total_amount": q.TotalAmt,
        "line_items": [_expense_line(line, taxes, inclusive, "account") for line in q.Line or []],
        "department": {"id": department.value, "name": department.name}
        if department is not None and department.value
        else None,
        "department_id": department.value if department is not None else None,
        "tracking_categories": _document_tracking(None, department),
        "custom_fields": custom_fields_from_qbo(q.CustomField),
        "status": "posted",
        "row_version": q.SyncToken,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return model(Expense, data, payload, raw)


# -- writes --------------------------------------------------------------------------------------------------


@dataclass
class Links:
    """The company's lists a write's links are checked against (None: not loaded, nothing of it linked)."""

    items: Mapping[str, QboListEntry] | None = None
    accounts: Mapping[str, QboListEntry] | None = None
    classes: Mapping[str, QboListEntry] | None = None
    departments: Mapping[str, QboListEntry] | None = None
    taxes: TaxTable = field(default_factory=TaxTable.empty)
    #: sales-form custom field definitions: name -> DefinitionId
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    #: the company's tax model wants a tax code on every line (non-US)
    line_codes: bool = False


class MissingLink(RequestValidationError):
    """A link to an entry the loaded list lacks: the list may be stale (looked up once more before refusing)."""

    def __init__(self, message: str, *, field: str, list_name: str) -> None:
        super().__init__(message, field=field)
        self.list_name = list_name


def lists_needed(record: Document, fields: AbstractSet[str]) -> set[str]:
    """Which of the company's lists the write links to: Item, Account, Class, Department, TaxCode, CustomField."""
    needed: set[str] = set()
    if "line_items" in fields:
        needed.add("TaxMode")
        for line in record.line_items or []:
            if line.item is not None:
                needed.add("Item")
            if getattr(line, "ledger_account", None) is not None or getattr(line, "account", None) is not None:
                needed.add("Account")
            if line.tax_rate is not None:
                needed.add("TaxCode")
            if line.tracking_categories:
                needed.add("Class")
    if isinstance(record, Expense) and "account" in fields and record.account is not None:
        needed.add("Account")
    if "tracking_categories" in fields and record.tracking_categories:
        needed |= {"Class", "Department"}
    if "department_id" in fields or (isinstance(record, Expense) and "department" in fields):
        needed.add("Department")
    if "custom_fields" in fields and record.custom_fields:
        needed.add("CustomField")
    return needed


def _refuse(message: str, field: str) -> RequestValidationError:
    return RequestValidationError(message, field=field)


def _known(entries: Mapping[str, QboListEntry]) -> str:
    listed = [f"{e.Id} {e.FullyQualifiedName or e.Name}" for e in entries.values() if e.Active is not False]
    more = f" and {len(listed) - 12} more" if len(listed) > 12 else ""
    return "; ".join(listed[:12]) + more if listed else "none"


def _entry(
    entries: Mapping[str, QboListEntry] | None,
    list_name: str,
    where: str,
    *,
    id: str | None,
    names: Sequence[str | None] = (),
    numbers: Sequence[str | None] = (),
) -> QboRef:
    """The reference to an active entry of a list, by id, else by account number, else by name."""
    if entries is None:  # not checked (cannot happen for a link: the connector loads what lists_needed names)
        return QboRef(value=id)
    found: QboListEntry | None = None
    if id:
        found = entries.get(id)
    else:
        for number in (n for n in numbers if n):
            found = next((e for e in entries.values() if e.AcctNum == number), None)
            if found:
                break
        for name in (n for n in names if n and found is None):
            matches = [
                e
                for e in entries.values()
                if name.lower() in ((e.Name or "").lower(), (e.FullyQualifiedName or "").lower())
            ]
            found = matches[0] if len(matches) == 1 else None
    if found is None or found.Active is False:
        said = f"id {id!r}" if id else f"{next((n for n in (*numbers, *names) if n), None)!r}"
        if not id and not any((*numbers, *names)):
            raise _refuse(f"{where} needs an id: an active QuickBooks {list_name.lower()}.", f"{where}.id")
        raise MissingLink(
            f"{where} ({said}) is not an active QuickBooks {list_name.lower()}; QuickBooks refuses links to what "
            f"does not exist (create it first). Known: {_known(entries)}.",
            field=f"{where}.id",
            list_name=list_name,
        )
    return QboRef(value=found.Id)


def _class_ref(categories: Sequence[LinkedTrackingCategory] | None, links: Links, where: str) -> QboRef | None:
    if not categories:
        return None
    refs = [_tracking_ref(c, links, f"{where}[{i}]", allowed=("class",)) for i, c in enumerate(categories)]
    if len(refs) > 1:
        raise _refuse(f"{where}: a QuickBooks line carries one class; {len(refs)} were given.", where)
    return refs[0][1]


def _tracking_ref(
    category: LinkedTrackingCategory, links: Links, where: str, *, allowed: Sequence[str]
) -> tuple[str, QboRef]:
    """(list, reference) of a tracking category: ``class-<id>``, ``department-<id>``, a bare id, or a name."""
    raw_id = category.id or ""
    kind, _, bare = raw_id.partition("-")
    kinds: list[str]
    if bare and kind in _TRACKING:
        kinds, qbo_id = [kind], bare
    else:
        kinds, qbo_id = list(allowed), raw_id
    kinds = [k for k in kinds if k in allowed]
    if not kinds:
        raise _refuse(
            f"{where} is a {kind}: QuickBooks takes {' or '.join(allowed)} here "
            "(lines carry classes; departments belong to the whole document).",
            f"{where}.id",
        )
    tables = {"class": links.classes, "department": links.departments}
    found: list[tuple[str, QboRef]] = []
    last_error: MissingLink | None = None
    for candidate in kinds:
        try:
            ref = _entry(tables[candidate], _TRACKING[candidate], where, id=qbo_id or None, names=[category.name])
        except MissingLink as exc:
            last_error = exc
            continue
        found.append((candidate, ref))
    if len(found) > 1:
        raise _refuse(
            f"{where}: {qbo_id or category.name!r} is both a class and a department; say which with the id "
            f"class-{found[0][1].value} or department-{found[1][1].value}.",
            f"{where}.id",
        )
    if not found:
        assert last_error is not None
        raise last_error
    return found[0]


def _document_inclusive(record: Document, fields: AbstractSet[str]) -> bool | None:
    """The document's one tax flag: its own, or the lines' (which must agree)."""
    flags = {line.tax_inclusive for line in record.line_items or [] if line.tax_inclusive is not None}
    own = record.tax_inclusive if "tax_inclusive" in fields else None
    if own is not None:
        flags.add(own)
    if len(flags) > 1:
        raise _refuse(
            "QuickBooks keeps one tax setting per document (GlobalTaxCalculation): tax_inclusive must be the "
            "same on the document and every line.",
            "tax_inclusive",
        )
    return next(iter(flags), None)


def _amount(line: AnyLine, where: str) -> Decimal | None:
    quantity, price, total = line.quantity, line.unit_price, line.total_amount
    if quantity is not None and price is not None:
        product = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
        if total is not None and total != product:
            raise _refuse(
                f"{where}.total_amount {total} is not quantity x unit_price ({product} to the cent): leave it out, "
                "QuickBooks computes it.",
                f"{where}.total_amount",
            )
        return product
    return total


def _text(value: str | None, limit: int, where: str) -> str | None:
    if value is not None and len(value) > limit:
        raise _refuse(f"{where} is {len(value)} characters; QuickBooks takes at most {limit}.", where)
    return value


def _common_line(line: AnyLine, i: int) -> QboLine:
    where = f"line_items[{i}]"
    unsupported = [
        name
        for name in ("discount_percentage", "discount_amount", "unit_of_measure", "code")
        if getattr(line, name, None) is not None
    ]
    if unsupported:
        raise _refuse(
            f"{where}.{unsupported[0]}: QuickBooks has no such line field here; leave it out (a discount is a line "
            "of its own in QuickBooks).",
            f"{where}.{unsupported[0]}",
        )
    return QboLine(Id=line.id, Description=_text(line.description, DESCRIPTION_LIMIT, f"{where}.description"))


def _tax_code(line: AnyLine, links: Links, purpose: Purpose, where: str) -> QboRef | None:
    if line.tax_rate is None:
        return None
    return QboRef(value=links.taxes.code_for(line.tax_rate, purpose, f"{where}.tax_rate"))


def _sales_line_to_qbo(line: InvoiceLineItem, i: int, links: Links) -> QboLine:
    where = f"line_items[{i}]"
    out = _common_line(line, i)
    if line.type == "info":
        if line.item is not None or line.unit_price is not None or line.quantity is not None:
            raise _refuse(f"{where}: an info line is text only; leave out item, quantity and price.", where)
        out.DetailType = "DescriptionOnly"
        out.DescriptionLineDetail = QboDescriptionLine(ServiceDate=line.service_date)
        return out
    if line.type not in (None, "sales_item", "service", "other"):
        raise _refuse(
            f"{where}.type {line.type!r}: QuickBooks invoice lines written here are sales_item or info lines.",
            f"{where}.type",
        )
    if line.item is None:
        raise _refuse(
            f"{where}.item: QuickBooks invoice lines sell an item; give item.id (an Item of the company).",
            f"{where}.item",
        )
    item = _entry(links.items, "Item", f"{where}.item", id=line.item.id, names=[line.item.name], numbers=[])
    account = None
    if line.ledger_account is not None:
        a = line.ledger_account
        account = _entry(
            links.accounts,
            "Account",
            f"{where}.ledger_account",
            id=a.id,
            names=[a.name],
            numbers=[a.code, a.nominal_code],
        )
    out.DetailType = "SalesItemLineDetail"
    out.Amount = _amount(line, where)
    out.SalesItemLineDetail = QboSalesLine(
        ItemRef=item,
        ItemAccountRef=account,
        Qty=line.quantity,
        UnitPrice=line.unit_price,
        ServiceDate=line.service_date,
        TaxCodeRef=_tax_code(line, links, "sales", where),
        ClassRef=_class_ref(line.tracking_categories, links, f"{where}.tracking_categories"),
    )
    return out


def _expense_line_to_qbo(line: BillLineItem | ExpenseLineItem, i: int, links: Links) -> QboLine:
    where = f"line_items[{i}]"
    out = _common_line(line, i)
    ledger = line.ledger_account if isinstance(line, BillLineItem) else line.account
    account_field = "ledger_account" if isinstance(line, BillLineItem) else "account"
    if isinstance(line, ExpenseLineItem) and ledger is None and line.account_id:
        ledger_id: str | None = line.account_id
    else:
        ledger_id = ledger.id if ledger is not None else None
    kind = line.type or ("expense_item" if line.item is not None else "expense_account")
    customer = None
    if line.customer is not None:
        parsed = parse_contact_id(line.customer.id or "", CUSTOMER)
        if parsed is None:
            raise _refuse(
                f"{where}.customer.id {line.customer.id!r} is not a customer (customer-<id>).", f"{where}.customer"
            )
        customer = QboRef(value=parsed[1])
    classes = _class_ref(line.tracking_categories, links, f"{where}.tracking_categories")
    tax = _tax_code(line, links, "purchase", where)
    if kind == "expense_item":
        if line.item is None:
            raise _refuse(f"{where}.item: an expense_item line needs an item (give item.id).", f"{where}.item")
        if ledger is not None:
            raise _refuse(
                f"{where}.{account_field}: an item line posts to its item's expense account; leave it out, or make "
                "the line an expense_account line without an item.",
                f"{where}.{account_field}",
            )
        out.DetailType = "ItemBasedExpenseLineDetail"
        out.Amount = _amount(line, where)
        out.ItemBasedExpenseLineDetail = QboItemExpenseLine(
            ItemRef=_entry(links.items, "Item", f"{where}.item", id=line.item.id, names=[line.item.name]),
            Qty=line.quantity,
            UnitPrice=line.unit_price,
            TaxCodeRef=tax,
            ClassRef=classes,
            CustomerRef=customer,
        )
        return out
    if kind != "expense_account":
        raise _refuse(f"{where}.type must be expense_item or expense_account; got {kind!r}.", f"{where}.type")
    if line.item is not None:
        raise _refuse(f"{where}: an expense_account line has no item; make it an expense_item line.", f"{where}.item")
    if ledger is None and ledger_id is None:
        raise _refuse(
            f"{where}.{account_field}: a QuickBooks account line needs the account it posts to (give "
            f"{account_field}.id), or an item.",
            f"{where}.{account_field}",
        )
    if line.quantity is not None or line.unit_price is not None:
        raise _refuse(
            f"{where}: QuickBooks keeps only an amount on an account line, no quantity or unit price: give "
            "total_amount (or an item, for quantities).",
            f"{where}.quantity",
        )
    if line.total_amount is None:
        raise _refuse(f"{where}.total_amount: an account line needs its amount.", f"{where}.total_amount")
    names = [ledger.name] if ledger is not None else []
    numbers = [ledger.code, ledger.nominal_code] if ledger is not None else []
    out.DetailType = "AccountBasedExpenseLineDetail"
    out.Amount = line.total_amount
    out.AccountBasedExpenseLineDetail = QboAccountLine(
        AccountRef=_entry(
            links.accounts, "Account", f"{where}.{account_field}", id=ledger_id, names=names, numbers=numbers
        ),
        TaxCodeRef=tax,
        ClassRef=classes,
        CustomerRef=customer,
    )
    return out


def _department(record: Document, fields: AbstractSet[str], links: Links) -> tuple[QboRef | None, QboRef | None]:
    """(ClassRef, DepartmentRef) of the document, from department_id / department and tracking_categories."""
    department: QboRef | None = None
    if isinstance(record, Expense) and "department" in fields and record.department is not None:
        d = record.department
        department = _entry(links.departments, "Department", "department", id=d.id, names=[d.name])
    if "department_id" in fields and record.department_id:
        by_id = _entry(links.departments, "Department", "department_id", id=record.department_id)
        if department is not None and department.value != by_id.value:
            raise _refuse("department and department_id name different departments: give one.", "department_id")
        department = by_id
    class_ref: QboRef | None = None
    if "tracking_categories" in fields and record.tracking_categories:
        allowed = ("class", "department") if isinstance(record, Invoice) else ("department",)
        for i, category in enumerate(record.tracking_categories):
            kind, ref = _tracking_ref(category, links, f"tracking_categories[{i}]", allowed=allowed)
            if kind == "class":
                if class_ref is not None:
                    raise _refuse("tracking_categories: a QuickBooks invoice carries one class.", "tracking_categories")
                class_ref = ref
            else:
                if department is not None and department.value != ref.value:
                    raise _refuse(
                        "tracking_categories name a department other than department_id; a QuickBooks document "
                        "has one.",
                        "tracking_categories",
                    )
                department = ref
    return class_ref, department


def _currency(record: Document, fields: AbstractSet[str]) -> tuple[QboRef | None, Decimal | None]:
    currency = QboRef(value=str(record.currency)) if "currency" in fields and record.currency else None
    rate = record.currency_rate if "currency_rate" in fields else None
    return currency, rate


def _global_tax(record: Document, fields: AbstractSet[str], links: Links) -> str | None:
    inclusive = _document_inclusive(record, fields)
    if "line_items" in fields and links.line_codes:
        lines: Sequence[AnyLine] = record.line_items or []
        untaxed = [i for i, line in enumerate(lines) if line.tax_rate is None]
        if untaxed and len(untaxed) == len(lines):
            if inclusive:
                raise _refuse(
                    "tax_inclusive is true but no line has a tax_rate: give the lines their tax rates, or set "
                    "tax_inclusive to false for a document without tax.",
                    "tax_inclusive",
                )
            return "NotApplicable"  # no line is taxed: QuickBooks' way to say so
        if untaxed:
            i = untaxed[0]
            raise _refuse(
                f"line_items[{i}] has no tax_rate, but this company's QuickBooks taxes every line of a taxed "
                "document: give it one (an exempt or zero-rated code when it bears no tax).",
                f"line_items[{i}].tax_rate",
            )
    if inclusive is None or not ({"tax_inclusive", "line_items"} & fields):
        return None
    return "TaxInclusive" if inclusive else "TaxExcluded"


def _custom_fields(record: Document, fields: AbstractSet[str], links: Links) -> list[QboCustomField] | None:
    if "custom_fields" not in fields or record.custom_fields is None:
        return None
    if not isinstance(record, Invoice):
        raise _refuse(
            "QuickBooks' API writes custom fields on sales forms (invoices) only; leave custom_fields out here.",
            "custom_fields",
        )
    out = []
    names = {name.lower(): definition for name, definition in links.custom_fields.items()}
    for i, entry in enumerate(record.custom_fields):
        where = f"custom_fields[{i}]"
        definition = entry.id or (names.get(entry.name.lower()) if entry.name else None)
        if not definition:
            known = ", ".join(f"{name} (id {d})" for name, d in links.custom_fields.items()) or "none defined"
            raise _refuse(
                f"{where}: QuickBooks names a custom field by its DefinitionId; {entry.name!r} is not a sales form "
                f"custom field of this company ({known}): give its id.",
                f"{where}.name",
            )
        if entry.value is not None and not isinstance(entry.value, str):
            raise _refuse(
                f"{where}.value: QuickBooks' sales form custom fields hold text; give a string.", f"{where}.value"
            )
        if isinstance(entry.value, str) and len(entry.value) > 31:
            raise _refuse(f"{where}.value: QuickBooks takes at most 31 characters in a custom field.", f"{where}.value")
        out.append(
            QboCustomField(DefinitionId=definition, Name=entry.name, Type="StringType", StringValue=entry.value or "")
        )
    return out


def _check_lines(record: Document, fields: AbstractSet[str], create: bool) -> None:
    if create and not record.line_items:
        raise _refuse("A QuickBooks document needs at least one line: give line_items.", "line_items")
    if "line_items" in fields and record.line_items is not None and not record.line_items:
        raise _refuse("QuickBooks cannot keep a document without lines: give at least one.", "line_items")


def _doc_number(value: str | None, where: str) -> str | None:
    return _text(value, DOC_NUMBER_LIMIT, where)


def invoice_to_qbo(record: Invoice, fields: AbstractSet[str], links: Links, *, create: bool) -> dict[str, Any]:
    _check_lines(record, fields, create)
    if create and record.customer is None:
        raise _refuse("A QuickBooks invoice needs a customer: give customer.id.", "customer")
    q = QboInvoice()
    if "customer" in fields and record.customer is not None:
        parsed = parse_contact_id(record.customer.id or "", CUSTOMER)
        if parsed is None:
            raise _refuse(
                f"customer.id {record.customer.id!r} is not a QuickBooks customer (customer-<id>).", "customer.id"
            )
        q.CustomerRef = QboRef(value=parsed[1])
    if "number" in fields:
        q.DocNumber = _doc_number(record.number, "number")
    if "invoice_date" in fields:
        q.TxnDate = record.invoice_date
    if "due_date" in fields:
        q.DueDate = record.due_date
    if "reference" in fields:
        q.PrivateNote = _text(record.reference, NOTE_LIMIT, "reference")
    if "customer_memo" in fields:
        q.CustomerMemo = QboRef(value=_text(record.customer_memo, MEMO_LIMIT, "customer_memo") or "")
    if "billing_address" in fields and record.billing_address is not None:
        q.BillAddr = address_to_qbo(record.billing_address)
    if "shipping_address" in fields and record.shipping_address is not None:
        q.ShipAddr = address_to_qbo(record.shipping_address)
    q.CurrencyRef, q.ExchangeRate = _currency(record, fields)
    q.GlobalTaxCalculation = _global_tax(record, fields, links)
    if "line_items" in fields:
        q.Line = [_sales_line_to_qbo(line, i, links) for i, line in enumerate(record.line_items or [])]
    q.ClassRef, q.DepartmentRef = _department(record, fields, links)
    if "tax_code" in fields and record.tax_code:
        q.TxnTaxDetail = QboTxnTaxDetail(TxnTaxCodeRef=QboRef(value=record.tax_code))
    q.CustomField = _custom_fields(record, fields, links)
    return unstructure(q)


def bill_to_qbo(record: Bill, fields: AbstractSet[str], links: Links, *, create: bool) -> dict[str, Any]:
    _check_lines(record, fields, create)
    if create and record.supplier is None:
        raise _refuse("A QuickBooks bill needs a supplier (a Vendor): give supplier.id.", "supplier")
    q = QboBill()
    if "supplier" in fields and record.supplier is not None:
        parsed = parse_contact_id(record.supplier.id or "", VENDOR)
        if parsed is None:
            raise _refuse(
                f"supplier.id {record.supplier.id!r} is not a QuickBooks vendor (vendor-<id>).", "supplier.id"
            )
        q.VendorRef = QboRef(value=parsed[1])
    if "bill_number" in fields:
        q.DocNumber = _doc_number(record.bill_number, "bill_number")
    if "bill_date" in fields:
        q.TxnDate = record.bill_date
    if "due_date" in fields:
        q.DueDate = record.due_date
    if "notes" in fields:
        q.PrivateNote = _text(record.notes, NOTE_LIMIT, "notes")
    q.CurrencyRef, q.ExchangeRate = _currency(record, fields)
    q.GlobalTaxCalculation = _global_tax(record, fields, links)
    if "line_items" in fields:
        q.Line = [_expense_line_to_qbo(line, i, links) for i, line in enumerate(record.line_items or [])]
    _, q.DepartmentRef = _department(record, fields, links)
    q.CustomField = _custom_fields(record, fields, links)
    return unstructure(q)


def expense_to_qbo(record: Expense, fields: AbstractSet[str], links: Links, *, create: bool) -> dict[str, Any]:
    _check_lines(record, fields, create)
    account = record.account
    if create and account is None and not record.account_id:
        raise _refuse("A QuickBooks expense is paid from a bank or credit card account: give account.id.", "account")
    q = QboPurchase()
    if ("account" in fields and account is not None) or ("account_id" in fields and record.account_id):
        q.AccountRef = _entry(
            links.accounts,
            "Account",
            "account",
            id=account.id if account is not None else record.account_id,
            names=[account.name] if account is not None else [],
        )
    if "payment_type" in fields and record.payment_type is not None:
        kind = PAYMENT_TYPES.get(str(record.payment_type))
        if kind is None:
            raise _refuse(
                f"payment_type {record.payment_type!r}: QuickBooks takes {', '.join(PAYMENT_TYPES)}.", "payment_type"
            )
        q.PaymentType = kind
    elif create:
        q.PaymentType = "Cash"
    supplier = record.supplier
    if ("supplier" in fields and supplier is not None) or ("supplier_id" in fields and record.supplier_id):
        raw_id = supplier.id if supplier is not None else record.supplier_id
        parsed = parse_contact_id(raw_id or "", VENDOR)
        if parsed is None:
            raise _refuse(f"supplier.id {raw_id!r} is not a QuickBooks vendor (vendor-<id>).", "supplier.id")
        q.EntityRef = QboRef(value=parsed[1], type="Vendor")
    if "reference" in fields:
        q.DocNumber = _doc_number(record.reference, "reference")
    if "transaction_date" in fields and record.transaction_date is not None:
        q.TxnDate = record.transaction_date.date()
    if "memo" in fields:
        q.PrivateNote = _text(record.memo, NOTE_LIMIT, "memo")
    q.CurrencyRef, q.ExchangeRate = _currency(record, fields)
    q.GlobalTaxCalculation = _global_tax(record, fields, links)
    if "line_items" in fields:
        q.Line = [_expense_line_to_qbo(line, i, links) for i, line in enumerate(record.line_items or [])]
    _, q.DepartmentRef = _department(record, fields, links)
    q.CustomField = _custom_fields(record, fields, links)
    return unstructure(q)
