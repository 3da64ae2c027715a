"""Expenses (`/expenses`): one amount on an expense account, or itemised lines; tax inclusive or not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _documented as documented
from . import _fields as f
from ._accounts import EXPENSE_TYPES, PAID_THROUGH_TYPES, find_typed
from ._arithmetic import TaxPart
from ._call import Call
from ._contacts import currency_of
from ._documents import status_is
from ._errors import invalid_field
from ._listing import ListSpec, text_of
from ._numbers import ZERO, out, quantize
from ._resources import Resource, custom_fields_of
from ._store import Record
from ._taxes import tax_parts

ROW_FIELDS = (
    "expense_id",
    "date",
    "account_id",
    "account_name",
    "paid_through_account_id",
    "paid_through_account_name",
    "description",
    "currency_id",
    "currency_code",
    "bcy_total",
    "bcy_total_without_tax",
    "total",
    "total_without_tax",
    "is_billable",
    "reference_number",
    "customer_id",
    "customer_name",
    "vendor_id",
    "vendor_name",
    "status",
    "is_itemized_expense",
    "custom_fields",
    "created_time",
    "last_modified_time",
    "location_id",
    "expense_receipt_name",
    "mileage_rate",
    "mileage_unit",
    "expense_type",
    "start_reading",
    "end_reading",
)


def _taxes(call: Call, tax_id: str, field: str) -> tuple[list[TaxPart], Record]:
    if not tax_id:
        return [], {}
    tax = call.org["taxes"].get(tax_id)
    if tax is None:
        raise invalid_field(field, f"No tax has id {tax_id}; list them at GET /settings/taxes.")
    return tax_parts(call.org, tax), tax


def _split(amount: Decimal, parts: list[TaxPart], inclusive: bool, precision: int) -> tuple[Decimal, Decimal]:
    """(amount without tax, tax) for an expense amount."""
    rate = sum((p.percentage for p in parts), ZERO) / 100
    if inclusive:
        tax = quantize(amount - amount / (1 + rate), precision)
        return amount - tax, tax
    return amount, quantize(amount * rate, precision)


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    precision = call.org.precision
    inclusive = f.boolean(source, "is_inclusive_tax", False)
    raw_lines = f.object_list(body, "line_items")
    itemized = bool(raw_lines) or (raw_lines is None and bool(old.get("is_itemized_expense")))
    lines: list[Record] = []
    subtotal = tax_total = ZERO
    if itemized:
        for position, line in enumerate(raw_lines if raw_lines else old.get("line_items") or [], start=1):
            field = f"line_items[{position - 1}]"
            account = find_typed(call, f.identifier(line, "account_id"), f"{field}.account_id", EXPENSE_TYPES)
            amount = quantize(f.decimal(line, "amount", ZERO, minimum=ZERO), precision)
            parts, tax = _taxes(call, f.identifier(line, "tax_id"), f"{field}.tax_id")
            net, tax_amount = _split(amount, parts, inclusive, precision)
            subtotal += net
            tax_total += tax_amount
            lines.append(_line(call, line, account, amount, net, tax_amount, tax, position))
        account = find_typed(call, str(lines[0]["account_id"]), "account_id", EXPENSE_TYPES)
        amount = sum((Decimal(str(line["amount"])) for line in lines), ZERO)
    else:
        account_id = f.identifier(source, "account_id")
        if not account_id:
            raise invalid_field(
                "account_id",
                "It is required: the expense account (GET /chartofaccounts?filter_by=AccountType.Expense).",
            )
        account = find_typed(call, account_id, "account_id", EXPENSE_TYPES)
        if source.get("amount") in (None, ""):
            raise invalid_field("amount", "It is required: the amount spent.")
        amount = quantize(f.decimal(source, "amount", ZERO, minimum=ZERO), precision)
        parts, tax = _taxes(call, f.identifier(source, "tax_id"), "tax_id")
        subtotal, tax_total = _split(amount, parts, inclusive, precision)
        lines.append(_line(call, source, account, amount, subtotal, tax_total, tax, 1, old_lines=old.get("line_items")))
    paid_id = f.identifier(source, "paid_through_account_id")
    if not paid_id:
        raise invalid_field("paid_through_account_id", "It is required: the cash, bank or card account that paid.")
    paid_through = find_typed(call, paid_id, "paid_through_account_id", PAID_THROUGH_TYPES)
    currency = currency_of(call, source)
    exchange_rate = f.decimal(source, "exchange_rate", Decimal(1), minimum=Decimal("0.000001"))
    customer_id = f.identifier(source, "customer_id")
    customer = call.org["contacts"].get(customer_id) if customer_id else None
    if customer_id and customer is None and "customer_id" in body:
        raise invalid_field("customer_id", f"No contact has id {customer_id}; see GET /contacts?contact_type=customer.")
    vendor_id = f.identifier(source, "vendor_id")
    vendor = call.org["contacts"].get(vendor_id) if vendor_id else None
    if vendor_id and vendor is None and "vendor_id" in body:
        raise invalid_field("vendor_id", f"No contact has id {vendor_id}; see GET /contacts?contact_type=vendor.")
    billable = f.boolean(source, "is_billable", False)
    if billable and not customer_id:
        raise invalid_field("is_billable", "A billable expense needs a customer_id to bill it to.")
    status = (
        old.get("status")
        if old.get("status") in ("invoiced", "reimbursed")
        else ("unbilled" if billable else "non-billable")
    )
    total = subtotal + tax_total
    first_tax = lines[0] if len(lines) == 1 else {}
    record: Record = {
        "expense_id": str(old.get("expense_id") or call.new_id()),
        "transaction_type": "expense",
        "date": f.day(source, "date", call.today().isoformat()),
        "account_id": str(account["account_id"]),
        "account_name": account["account_name"],
        "paid_through_account_id": str(paid_through["account_id"]),
        "paid_through_account_name": paid_through["account_name"],
        "tax_id": first_tax.get("tax_id", ""),
        "tax_name": first_tax.get("tax_name", ""),
        "tax_percentage": first_tax.get("tax_percentage", ""),
        "tax_amount": out(tax_total),
        "is_inclusive_tax": inclusive,
        "is_itemized_expense": itemized,
        "currency_id": str(currency["currency_id"]),
        "currency_code": currency["currency_code"],
        "exchange_rate": out(exchange_rate),
        "amount": out(amount),
        "sub_total": out(subtotal),
        "total": out(total),
        "total_without_tax": out(subtotal),
        "bcy_total": out(quantize(total * exchange_rate, precision)),
        "bcy_total_without_tax": out(quantize(subtotal * exchange_rate, precision)),
        "reference_number": f.text(source, "reference_number", limit=100),
        "description": f.text(source, "description", limit=100),
        "is_billable": billable,
        "is_personal": f.boolean(source, "is_personal", False),
        "customer_id": customer_id,
        "customer_name": customer["contact_name"] if customer else "",
        "vendor_id": vendor_id,
        "vendor_name": vendor["contact_name"] if vendor else "",
        "status": status,
        "invoice_id": old.get("invoice_id", ""),
        "invoice_number": old.get("invoice_number", ""),
        "project_id": "",
        "project_name": "",
        "mileage_type": "non_mileage",
        "expense_type": "non-mileage",
        "expense_receipt_name": "",
        "line_items": lines,
        "created_time": old.get("created_time") or call.timestamp(),
        "last_modified_time": call.timestamp(),
    }
    record.update(custom_fields_of(call, "expense", existing, body))
    documented.fill_lines(documented.fill(record, documented.EXPENSE), documented.EXPENSE_LINE)
    record["line_item"] = dict(lines[0])  # expenses.yml documents the first line on its own too
    return record


def _line(
    call: Call,
    source: dict[str, Any],
    account: Record,
    amount: Decimal,
    net: Decimal,
    tax_amount: Decimal,
    tax: Record,
    position: int,
    old_lines: list[Record] | None = None,
) -> Record:
    line_id = f.identifier(source, "line_item_id") or (str(old_lines[0]["line_item_id"]) if old_lines else "")
    return {
        "line_item_id": line_id or call.new_id(),
        "account_id": str(account["account_id"]),
        "account_name": account["account_name"],
        "description": f.text(source, "description", limit=100),
        "amount": out(amount),
        "item_total": out(net),
        "tax_id": str(tax.get("tax_id", "")),
        "tax_name": tax.get("tax_name", ""),
        "tax_type": tax.get("tax_type", ""),
        "tax_percentage": tax.get("tax_percentage", ""),
        "tax_amount": out(tax_amount),
        "item_order": position,
    }


def _total(record: Record) -> Decimal:
    value = record.get("total")
    return Decimal(str(value)) if isinstance(value, int | float) else ZERO


_STATUSES = ("unbilled", "invoiced", "reimbursed", "non-billable")

RESOURCE = Resource(
    collection="expenses",
    singular="expense",
    id_field="expense_id",
    label="Expense",
    listing=ListSpec(
        key="expenses",
        report_name="Expenses",
        sort_columns={
            "date": lambda r: str(r.get("date", "")),
            "account_name": lambda r: str(r.get("account_name", "")).lower(),
            "total": _total,
            "bcy_total": lambda r: Decimal(str(r.get("bcy_total") or 0)),
            "reference_number": lambda r: str(r.get("reference_number", "")),
            "customer_name": lambda r: str(r.get("customer_name", "")).lower(),
            "created_time": lambda r: str(r.get("created_time", "")),
            "last_modified_time": lambda r: str(r.get("last_modified_time", "")),
        },
        default_sort="created_time",
        filter_by={
            "Status.All": lambda r: True,
            "Status.Billable": lambda r: bool(r.get("is_billable")),
            "Status.Nonbillable": lambda r: not r.get("is_billable"),
            "Status.Reimbursed": lambda r: r.get("status") == "reimbursed",
            "Status.Invoiced": lambda r: r.get("status") == "invoiced",
            "Status.Unbilled": lambda r: r.get("status") == "unbilled",
        },
        text={
            "description": text_of("description"),
            "reference_number": text_of("reference_number"),
            "account_name": text_of("account_name"),
            "customer_name": text_of("customer_name"),
            "vendor_name": text_of("vendor_name"),
        },
        exact={
            "customer_id": lambda r: r.get("customer_id", ""),
            "vendor_id": lambda r: r.get("vendor_id", ""),
            "paid_through_account_id": lambda r: r.get("paid_through_account_id", ""),
            "account_id": lambda r: r.get("account_id", ""),
        },
        dates={"date": lambda r: r.get("date", "")},
        status={
            **{name: status_is(name) for name in _STATUSES},
            "billable": lambda r: bool(r.get("is_billable")),
        },
        search=text_of("description", "reference_number", "account_name", "customer_name", "vendor_name"),
    ),
    build=build,
    created="The expense has been recorded.",
    updated="The expense has been updated.",
    deleted="The expense has been deleted.",
    entity="expense",
)
