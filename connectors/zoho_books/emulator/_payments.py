"""Customer payments (`/customerpayments`): what moves invoices to partially_paid and paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _documented as documented
from . import _fields as f
from ._call import Call, Reply, reply
from ._contacts import refresh_balances
from ._documents import INVOICE, INVOICES, restatus
from ._errors import ZohoError, invalid_field
from ._listing import ListSpec, text_of
from ._numbers import ZERO, out, quantize
from ._resources import Resource, remove
from ._store import Record

MODES = ("check", "cash", "creditcard", "banktransfer", "bankremittance", "autotransaction", "others")
ROW_FIELDS = (
    "payment_id",
    "payment_number",
    "customer_id",
    "customer_name",
    "payment_mode",
    "date",
    "reference_number",
    "amount",
    "bcy_amount",
    "unused_amount",
    "account_id",
    "account_name",
    "description",
    "invoice_numbers",
    "created_time",
    "last_modified_time",
)


def _apply(call: Call, payment: Record, sign: int) -> None:
    """Add (sign 1) or take back (sign -1) a payment's amounts on its invoices."""
    for applied in payment.get("invoices") or []:
        invoice = call.org["invoices"].get(str(applied["invoice_id"]))
        if invoice is None:
            continue
        paid = Decimal(str(invoice.get("payment_made") or 0)) + sign * Decimal(str(applied["amount_applied"]))
        changed = {**invoice, "payment_made": out(paid), "last_modified_time": call.timestamp()}
        if sign > 0:
            changed["last_payment_date"] = payment["date"]
        changed = restatus(INVOICE, call, changed, INVOICE.open_status)
        call.org["invoices"].put(changed)
        refresh_balances(call, str(changed["customer_id"]))
        call.emit("invoice", "updated", changed)


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    if existing is not None:
        raise ZohoError(400, 4, "Payments cannot be edited here; delete the payment and record it again.")
    customer_id = f.identifier(body, "customer_id")
    customer = call.org["contacts"].get(customer_id) if customer_id else None
    if customer is None or customer.get("contact_type") != "customer":
        raise invalid_field("customer_id", "Send the id of an existing customer (GET /contacts?contact_type=customer).")
    precision = call.org.precision
    amount = quantize(f.decimal(body, "amount", ZERO, minimum=Decimal("0.01")), precision)
    if "amount" not in body:
        raise invalid_field("amount", "It is required: the amount received.")
    entries = f.object_list(body, "invoices") or []
    applied: list[Record] = []
    total_applied = ZERO
    for position, entry in enumerate(entries):
        field = f"invoices[{position}]"
        invoice_id = f.identifier(entry, "invoice_id")
        invoice = call.org["invoices"].get(invoice_id) if invoice_id else None
        if invoice is None or str(invoice.get("customer_id")) != customer_id:
            raise invalid_field(f"{field}.invoice_id", f"No invoice {invoice_id!r} belongs to this customer.")
        if invoice.get("status") in ("draft", "void"):
            raise invalid_field(
                f"{field}.invoice_id",
                f"Invoice {invoice['invoice_number']} is {invoice['status']}; mark it as sent first.",
            )
        share = quantize(f.decimal(entry, "amount_applied", ZERO, minimum=ZERO), precision)
        if share > Decimal(str(invoice.get("balance") or 0)):
            raise invalid_field(
                f"{field}.amount_applied",
                f"It exceeds the balance {invoice['balance']} of invoice {invoice['invoice_number']}.",
            )
        total_applied += share
        applied.append(
            {
                "invoice_id": str(invoice["invoice_id"]),
                "invoice_number": invoice["invoice_number"],
                "date": invoice["date"],
                "invoice_amount": invoice["total"],
                "amount_applied": out(share),
                "balance_amount": out(Decimal(str(invoice["balance"])) - share),
            }
        )
    if total_applied > amount:
        raise invalid_field("invoices", f"The amounts applied ({total_applied}) exceed the payment amount ({amount}).")
    account_id = f.identifier(body, "account_id")
    account = call.org["chartofaccounts"].get(account_id) if account_id else None
    if account_id and account is None:
        raise invalid_field("account_id", f"No account has id {account_id}; see GET /chartofaccounts.")
    for entry in applied:
        documented.fill(entry, documented.PAYMENT_INVOICE)
    record: Record = {
        "payment_id": call.new_id(),
        "payment_number": str(call.org.next_number("payment")),
        "customer_id": customer_id,
        "customer_name": customer["contact_name"],
        "payment_mode": f.text(body, "payment_mode", limit=100, default="cash"),
        "date": f.day(body, "date", call.today().isoformat()),
        "reference_number": f.text(body, "reference_number", limit=100),
        "description": f.text(body, "description", limit=2000),
        "amount": out(amount),
        "bcy_amount": out(amount),
        "unused_amount": out(amount - total_applied),
        "bank_charges": out(f.decimal(body, "bank_charges", ZERO, minimum=ZERO)),
        "exchange_rate": 1,
        "currency_code": customer.get("currency_code", ""),
        "account_id": account_id,
        "account_name": account["account_name"] if account else "",
        "invoices": applied,
        "invoice_numbers": ",".join(str(a["invoice_number"]) for a in applied),
        "custom_fields": [],
        "created_time": call.timestamp(),
        "last_modified_time": call.timestamp(),
        "email": customer.get("email", ""),
        "currency_symbol": customer.get("currency_symbol", ""),
    }
    return documented.fill(record, documented.PAYMENT)


def after_write(call: Call, record: Record, before: Record | None) -> None:
    # A delete passes the removed payment as both: take it back. A create passes no `before`.
    _apply(call, record, -1 if before is record else 1)


RESOURCE = Resource(
    collection="customerpayments",
    singular="payment",
    id_field="payment_id",
    label="Payment",
    listing=ListSpec(
        key="customerpayments",
        report_name="Customer Payments",
        sort_columns={
            "date": lambda r: str(r.get("date", "")),
            "created_time": lambda r: str(r.get("created_time", "")),
            "customer_name": lambda r: str(r.get("customer_name", "")).lower(),
            "amount": lambda r: Decimal(str(r.get("amount") or 0)),
        },
        default_sort="created_time",
        text={"reference_number": text_of("reference_number"), "customer_name": text_of("customer_name")},
        exact={"customer_id": lambda r: r.get("customer_id", ""), "payment_mode": lambda r: r.get("payment_mode", "")},
        dates={"date": lambda r: r.get("date", "")},
        search=text_of("reference_number", "customer_name", "payment_number"),
    ),
    build=build,
    created="The payment has been created.",
    updated="The payment has been updated.",
    deleted="The payment has been deleted.",
    after_write=after_write,
)


def invoice_payments(call: Call) -> Reply:
    invoice = INVOICES.find(call)
    rows = [
        {
            "payment_id": p["payment_id"],
            "payment_number": p["payment_number"],
            "invoice_id": invoice["invoice_id"],
            "invoice_payment_id": p["payment_id"],
            "payment_mode": p["payment_mode"],
            "description": p.get("description", ""),
            "date": p["date"],
            "reference_number": p.get("reference_number", ""),
            "exchange_rate": p.get("exchange_rate", 1),
            "amount": applied["amount_applied"],
        }
        for p in call.org["customerpayments"]
        for applied in p.get("invoices") or []
        if str(applied["invoice_id"]) == str(invoice["invoice_id"])
    ]
    return reply(200, "success", payments=rows)


def delete_payment(call: Call) -> Reply:
    remove(RESOURCE, call, RESOURCE.find(call))
    return reply(200, RESOURCE.deleted)
