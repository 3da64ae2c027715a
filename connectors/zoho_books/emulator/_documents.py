"""Invoices and bills: lines, taxes and totals (see _arithmetic), numbering, statuses and status actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from . import _documented as documented
from . import _fields as f
from ._accounts import EXPENSE_TYPES, find_typed
from ._arithmetic import LineInput, TaxPart, compute, parse_discount
from ._call import Call, Reply, reply
from ._contacts import refresh_balances
from ._errors import ZohoError, invalid_field
from ._listing import ListSpec, text_of
from ._numbers import ZERO, optional_decimal, out, quantize, to_decimal
from ._resources import Resource, custom_fields_of, status_action
from ._store import Record
from ._taxes import tax_parts


@dataclass(frozen=True)
class Kind:
    module: str
    singular: str
    label: str
    party: str  # customer | vendor
    number_field: str
    open_status: str  # what an issued, unpaid document is called: sent | open

    @property
    def party_id(self) -> str:
        return f"{self.party}_id"

    @property
    def party_name(self) -> str:
        return f"{self.party}_name"


INVOICE = Kind("invoices", "invoice", "Invoice", "customer", "invoice_number", "sent")
BILL = Kind("bills", "bill", "Bill", "vendor", "bill_number", "open")

INVOICE_ROW = (
    "invoice_id",
    "customer_name",
    "customer_id",
    "status",
    "invoice_number",
    "reference_number",
    "date",
    "due_date",
    "due_days",
    "currency_id",
    "currency_code",
    "exchange_rate",
    "is_inclusive_tax",
    "total",
    "balance",
    "payment_made",
    "write_off_amount",
    "shipping_charge",
    "adjustment",
    "is_emailed",
    "is_viewed_by_client",
    "has_attachment",
    "reminders_sent",
    "last_reminder_sent_date",
    "payment_expected_date",
    "last_payment_date",
    "salesperson_id",
    "salesperson_name",
    "custom_fields",
    "created_time",
    "last_modified_time",
    "ach_payment_initiated",
    "schedule_time",
    "client_viewed_time",
    "documents",
    "location_id",
    "location_name",
    "tags",
)
BILL_ROW = (
    "bill_id",
    "vendor_id",
    "vendor_name",
    "status",
    "bill_number",
    "reference_number",
    "date",
    "due_date",
    "due_days",
    "currency_id",
    "currency_code",
    "price_precision",
    "exchange_rate",
    "is_inclusive_tax",
    "total",
    "balance",
    "payment_made",
    "has_attachment",
    "custom_fields",
    "created_time",
    "last_modified_time",
    "location_id",
)


def _amount(record: Record, key: str) -> Decimal:
    value = record.get(key)
    return Decimal(str(value)) if isinstance(value, int | float) and not isinstance(value, bool) else ZERO


def derive_status(kind: Kind, base: str, total: Decimal, balance: Decimal, paid: Decimal, due: str, today: date) -> str:
    """The status Zoho shows for an issued document, from its money and due date."""
    if base in ("draft", "void"):
        return base
    if balance <= 0 and (total > 0 or paid > 0):
        return "paid"
    if paid > 0:
        return "partially_paid"
    if due and due < today.isoformat():
        return "overdue"
    return kind.open_status


def due_days(status: str, due: str, today: date) -> str:
    if status in ("paid", "void", "draft") or not due:
        return ""
    days = (date.fromisoformat(due) - today).days
    if days > 0:
        return f"Due in {days} day(s)"
    if days == 0:
        return "Due Today"
    return f"Overdue by {-days} day(s)"


def _line_taxes(call: Call, line: dict[str, Any], strict: bool, item: Record) -> tuple[list[TaxPart], Record]:
    tax_id = f.identifier(line, "tax_id") if "tax_id" in line else str(item.get("tax_id", "") or "")
    if not tax_id:
        return [], {}
    tax = call.org["taxes"].get(tax_id)
    if tax is not None:
        return tax_parts(call.org, tax), tax
    if strict or line.get("tax_percentage") in (None, ""):
        raise invalid_field("line_items.tax_id", f"No tax has id {tax_id}; list them at GET /settings/taxes.")
    # A served fixture line may reference a tax the fixture lacks: keep its own percentage.
    kept = {
        "tax_id": tax_id,
        "tax_name": line.get("tax_name", ""),
        "tax_percentage": line["tax_percentage"],
        "tax_type": line.get("tax_type", "tax"),
    }
    return [TaxPart(tax_id, str(kept["tax_name"]), to_decimal(kept["tax_percentage"], "tax_percentage"), False)], kept


def _lines(
    call: Call, kind: Kind, raw: list[dict[str, Any]], old: list[Record], strict: bool
) -> tuple[list[Record], list[LineInput]]:
    if not raw:
        raise invalid_field("line_items", "Send at least one line item with a rate (or an item_id).")
    known = {str(line.get("line_item_id")): line for line in old}
    bases: list[Record] = []
    inputs: list[LineInput] = []
    for position, line in enumerate(raw, start=1):
        field = f"line_items[{position - 1}]"
        item: Record = {}
        item_id = f.identifier(line, "item_id")
        if item_id:
            item = call.org["items"].get(item_id) or {}
            if not item and strict:
                raise invalid_field(f"{field}.item_id", f"No item has id {item_id}; see GET /items.")
        rate_default = item.get("purchase_rate" if kind is BILL else "rate")
        if line.get("rate") in (None, "") and rate_default in (None, ""):
            raise invalid_field(f"{field}.rate", "Send the line's rate (or an item_id whose rate applies).")
        rate = optional_decimal(line.get("rate"), f"{field}.rate", optional_decimal(rate_default, "rate"))
        quantity = optional_decimal(line.get("quantity"), f"{field}.quantity", Decimal(1))
        if quantity <= 0 or abs(rate) > Decimal("1e12") or quantity > Decimal("1e9"):
            raise invalid_field(f"{field}.quantity", "Send a quantity above 0 and a rate below 10^12.")
        raw_discount = line.get("discount")
        if raw_discount in (None, "", 0) and line.get("discount_amount") not in (None, ""):
            raw_discount = line.get("discount_amount")
        discount = parse_discount(raw_discount, f"{field}.discount")
        parts, tax = _line_taxes(call, line, strict, item)
        account_field = "purchase_account_id" if kind is BILL else "account_id"
        account_id = f.identifier(line, "account_id") or str(item.get(account_field, "") or "")
        account = call.org["chartofaccounts"].get(account_id) if account_id else None
        if kind is BILL:
            if not account_id:
                raise invalid_field(
                    f"{field}.account_id", "Each bill line needs an expense account_id (GET /chartofaccounts)."
                )
            if strict or account is not None:
                account = find_typed(call, account_id, f"{field}.account_id", (*EXPENSE_TYPES, "stock"))
        account_name = str(account["account_name"]) if account is not None else ""
        line_id = f.identifier(line, "line_item_id")
        base: Record = {
            "line_item_id": line_id if line_id in known else call.new_id(),
            "item_id": item_id,
            "name": f.text(line, "name", limit=100, default=str(item.get("name", ""))),
            "description": f.text(line, "description", limit=2000, default=str(item.get("description", ""))),
            "item_order": position,
            "rate": out(rate),
            "quantity": out(quantity),
            "unit": f.text(line, "unit", limit=50, default=str(item.get("unit", ""))),
            "discount": out(discount) if isinstance(discount, Decimal) else discount,
            "tax_id": str(tax.get("tax_id", "")),
            "tax_name": tax.get("tax_name", ""),
            "tax_type": tax.get("tax_type", ""),
            "tax_percentage": tax.get("tax_percentage", ""),
            "account_id": account_id,
            "account_name": account_name,
            "product_type": f.text(line, "product_type", limit=20, default=str(item.get("product_type", "goods"))),
            "hsn_or_sac": f.text(line, "hsn_or_sac", limit=50),
            "line_item_category": "line_item",
            "tags": [],
            "item_custom_fields": [],
        }
        bases.append(base)
        inputs.append(LineInput(rate, quantity, discount, parts))
    return bases, inputs


def _party(call: Call, kind: Kind, source: dict[str, Any], strict: bool) -> Record:
    party_id = f.identifier(source, kind.party_id)
    if not party_id:
        raise invalid_field(kind.party_id, f"It is required: the {kind.party}'s contact_id.")
    contact = call.org["contacts"].get(party_id)
    if contact is None:
        if strict:
            raise invalid_field(
                kind.party_id, f"No contact has id {party_id}; see GET /contacts?contact_type={kind.party}."
            )
        return {"contact_id": party_id, "contact_name": source.get(kind.party_name, "")}
    if strict and contact.get("contact_type") != kind.party:
        raise invalid_field(
            kind.party_id,
            f"Contact {party_id} is a {contact.get('contact_type')}; a {kind.singular} needs a {kind.party}.",
        )
    return contact


def _number(call: Call, kind: Kind, source: dict[str, Any], existing: Record | None, body: dict[str, Any]) -> str:
    if kind is INVOICE:
        custom = call.query.get("ignore_auto_number_generation", "").lower() == "true"
        if existing and "invoice_number" not in body:
            return str(existing.get("invoice_number", ""))
        if custom or existing:
            return f.text(source, "invoice_number", limit=100, required=True)
        if body.get("invoice_number"):
            raise invalid_field(
                "invoice_number",
                "Invoice numbers are generated; to set your own, add ?ignore_auto_number_generation=true.",
            )
        return f"INV-{call.org.next_number('invoice'):06d}"
    return f.text(source, "bill_number", limit=100, required=True)


def _check_number_free(call: Call, kind: Kind, record: Record, existing: Record | None) -> None:
    number = record[kind.number_field]
    for other in () if call.seeding else call.org[kind.module]:
        if other is existing or other.get(kind.number_field) != number:
            continue
        if kind is BILL and str(other.get("vendor_id")) != str(record.get("vendor_id")):
            continue
        raise ZohoError(400, 4, f'{kind.label} number "{number}" already exists. Use another {kind.number_field}.')


def build(kind: Kind) -> Callable[[Call, Record | None, dict[str, Any]], Record]:
    def build_document(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
        old = existing or {}
        source = {**old, **body}
        strict_party = existing is None or kind.party_id in body
        contact = _party(call, kind, source, strict_party)
        currency_id = f.identifier(source, "currency_id") or str(contact.get("currency_id", ""))
        currency = call.org["currencies"].get(currency_id) if currency_id else None
        if currency is None and "currency_id" in body:
            raise invalid_field("currency_id", f"No currency has id {currency_id}; see GET /settings/currencies.")
        if currency is None:
            currency = next((c for c in call.org["currencies"] if c.get("is_base_currency")), {})
        precision = int(currency.get("price_precision", call.org.precision))
        default_rate = (
            Decimal(1)
            if currency.get("is_base_currency")
            else optional_decimal(currency.get("exchange_rate"), "exchange_rate", Decimal(1))
        )
        exchange_rate = f.decimal(source, "exchange_rate", default_rate, minimum=Decimal("0.000001"))
        strict_lines = existing is None or "line_items" in body
        bases, inputs = _lines(
            call, kind, f.object_list(source, "line_items") or [], old.get("line_items") or [], strict_lines
        )
        inclusive = f.boolean(source, "is_inclusive_tax", False)
        entity_discount = parse_discount(source.get("discount") if kind is INVOICE else 0, "discount")
        before_tax = f.boolean(source, "is_discount_before_tax", True)
        shipping = f.decimal(source, "shipping_charge", ZERO, minimum=ZERO) if kind is INVOICE else ZERO
        adjustment = f.decimal(source, "adjustment", ZERO)
        result = compute(
            inputs,
            precision=precision,
            inclusive=inclusive,
            entity_discount=entity_discount,
            discount_before_tax=before_tax,
            shipping_charge=quantize(shipping, precision),
            adjustment=quantize(adjustment, precision),
        )
        for base, line in zip(bases, result.lines, strict=True):
            base["discount_amount"] = out(line.discount_amount)
            base["bcy_rate"] = out(quantize(Decimal(str(base["rate"])) * exchange_rate, precision))
            base["item_total"] = out(line.item_total)
            base["item_total_inclusive_of_tax"] = out(line.item_total_inclusive_of_tax)
            base["line_item_taxes"] = [
                {
                    "tax_id": part.tax_id,
                    "tax_name": part.tax_name,
                    "tax_amount": out(amount),
                    "tax_percentage": out(part.percentage),
                    "tax_specific_type": part.specific_type,
                }
                for part, amount in line.tax_amounts
            ]
        paid = _amount(old, "payment_made")
        credits = _amount(old, "credits_applied" if kind is INVOICE else "vendor_credits_applied")
        written_off = _amount(old, "write_off_amount")
        withheld = _amount(old, "tax_amount_withheld")
        balance = result.total - paid - credits - written_off - withheld
        if balance < 0:
            applied = paid + credits + written_off
            raise ZohoError(
                400,
                4,
                f"The {kind.singular} total ({result.total}) cannot be less than the payments and credits "
                f"applied ({applied}).",
            )
        terms = f.integer(source, "payment_terms", int(contact.get("payment_terms") or 0), maximum=10000)
        doc_date = f.day(source, "date", call.today().isoformat())
        default_due = (date.fromisoformat(doc_date) + timedelta(days=terms)).isoformat()
        due = f.day(
            body,
            "due_date",
            default_due
            if ("date" in body or "payment_terms" in body or not old)
            else str(old.get("due_date") or default_due),
        )
        if due < doc_date:
            raise invalid_field("due_date", f"It cannot be before the {kind.singular} date {doc_date}.")
        if existing is None:
            base_status = (
                "draft" if kind is INVOICE and call.query.get("send", "").lower() != "true" else kind.open_status
            )
        else:
            base_status = (
                "draft" if old.get("status") == "draft" else "void" if old.get("status") == "void" else kind.open_status
            )
        status = derive_status(
            kind,
            base_status,
            result.total,
            balance if base_status != "void" else ZERO,
            paid + credits,
            due,
            call.today(),
        )

        def bcy(value: Decimal) -> int | float:
            return out(quantize(value * exchange_rate, precision))

        record: Record = {
            f"{kind.singular}_id": str(old.get(f"{kind.singular}_id") or call.new_id()),
            kind.number_field: "",
            "date": doc_date,
            "due_date": due,
            "due_days": due_days(status, due, call.today()),
            "status": status,
            kind.party_id: str(contact["contact_id"]),
            kind.party_name: str(contact.get("contact_name", "")),
            "currency_id": str(currency.get("currency_id", "")),
            "currency_code": currency.get("currency_code", ""),
            "currency_symbol": currency.get("currency_symbol", ""),
            "exchange_rate": out(exchange_rate),
            "reference_number": f.text(source, "reference_number", limit=100),
            "payment_terms": terms,
            "payment_terms_label": "Due on Receipt" if terms == 0 else f"Net {terms}",
            "is_inclusive_tax": inclusive,
            "line_items": bases,
            "sub_total": out(result.sub_total),
            "sub_total_inclusive_of_tax": out(result.sub_total_inclusive_of_tax),
            "tax_total": out(result.tax_total),
            "taxes": [
                {"tax_id": part.tax_id, "tax_name": part.tax_name, "tax_amount": out(amount)}
                for part, amount in result.taxes
            ],
            "discount_total": out(result.discount_total),
            "adjustment": out(quantize(adjustment, precision)),
            "adjustment_description": f.text(source, "adjustment_description", limit=100),
            "total": out(result.total),
            "payment_made": out(paid),
            "balance": out(balance if status != "void" else ZERO),
            "bcy_sub_total": bcy(result.sub_total),
            "bcy_tax_total": bcy(result.tax_total),
            "bcy_total": bcy(result.total),
            "price_precision": precision,
            "billing_address": _address_copy(contact.get("billing_address")),
            "notes": f.text(source, "notes", limit=5000),
            "terms": f.text(source, "terms", limit=10000),
            "has_attachment": False,
            "custom_fields": [],
            "custom_field_hash": {},
            "created_time": old.get("created_time") or call.timestamp(),
            "last_modified_time": call.timestamp(),
        }
        if kind is INVOICE:
            record.update(
                {
                    "discount": out(entity_discount) if isinstance(entity_discount, Decimal) else entity_discount,
                    "discount_type": f.choice(
                        source,
                        "discount_type",
                        ("entity_level", "item_level"),
                        "entity_level" if result.discount_amount else "item_level",
                    ),
                    "is_discount_before_tax": before_tax,
                    "discount_amount": out(result.discount_amount),
                    "shipping_charge": out(quantize(shipping, precision)),
                    "credits_applied": out(credits),
                    "write_off_amount": out(written_off),
                    "tax_amount_withheld": out(withheld),
                    "bcy_discount_total": bcy(result.discount_total),
                    "bcy_shipping_charge": bcy(shipping),
                    "shipping_address": _address_copy(contact.get("shipping_address")),
                    "salesperson_id": "",
                    "salesperson_name": f.text(source, "salesperson_name", limit=200),
                    "is_emailed": bool(old.get("is_emailed", False)),
                    "is_viewed_by_client": False,
                    "reminders_sent": 0,
                    "last_reminder_sent_date": "",
                    "payment_expected_date": "",
                    "last_payment_date": old.get("last_payment_date", ""),
                    "payment_reminder_enabled": True,
                    "allow_partial_payments": f.boolean(source, "allow_partial_payments", True),
                    "recurring_invoice_id": "",
                    "template_id": "",
                    "template_name": "Standard Template",
                    "invoice_url": "",
                }
            )
        else:
            record.update(
                {
                    "vendor_credits_applied": out(credits),
                    "is_item_level_tax_calc": False,
                    "payments": old.get("payments", []),
                }
            )
        record[kind.number_field] = _number(call, kind, source, existing, body)
        _check_number_free(call, kind, record, existing)
        record.update(custom_fields_of(call, kind.singular, existing, body))
        if kind is INVOICE:
            documented.fill_lines(documented.fill(record, documented.INVOICE), documented.INVOICE_LINE)
        else:
            record["due_in_days"] = max(0, (date.fromisoformat(due) - call.today()).days)
            documented.fill_lines(documented.fill(record, documented.BILL), documented.BILL_LINE)
        return record

    return build_document


def _address_copy(value: object) -> Record:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k != "address_id"}


def after_write(kind: Kind) -> Callable[[Call, Record, Record | None], None]:
    def refresh(call: Call, record: Record, before: Record | None) -> None:
        for source in (record, before or {}):
            if source.get(kind.party_id):
                refresh_balances(call, str(source[kind.party_id]))

    return refresh


def before_delete(kind: Kind) -> Callable[[Call, Record], None]:
    def check(call: Call, record: Record) -> None:
        if _amount(record, "payment_made") > 0:
            raise ZohoError(
                400, 4, f"The {kind.singular} has payments recorded and cannot be deleted; delete the payments first."
            )

    return check


def _number_key(field: str) -> Callable[[Record], Any]:
    return lambda r: str(r.get(field, ""))


def status_is(name: str) -> Callable[[Record], bool]:
    return lambda record: record.get("status") == name


def _unpaid(r: Record) -> bool:
    return r.get("status") in ("sent", "open", "overdue", "partially_paid", "viewed")


def _statuses(kind: Kind) -> dict[str, Callable[[Record], bool]]:
    names = ("draft", kind.open_status, "overdue", "paid", "void", "partially_paid")
    tests: dict[str, Callable[[Record], bool]] = {name: status_is(name) for name in names}
    tests["unpaid"] = _unpaid
    if kind is INVOICE:
        tests["viewed"] = lambda r: bool(r.get("is_viewed_by_client"))
    return tests


def _listing(kind: Kind) -> ListSpec:
    statuses = _statuses(kind)
    filter_by: dict[str, Callable[[Record], bool]] = {"Status.All": lambda r: True}
    for name, test in statuses.items():
        filter_by["Status." + "".join(part.capitalize() for part in name.split("_"))] = test
    filter_by["Status.OverDue"] = statuses["overdue"]
    sort_columns: dict[str, Callable[[Record], Any]] = {
        kind.party_name: lambda r: str(r.get(kind.party_name, "")).lower(),
        kind.number_field: _number_key(kind.number_field),
        "date": _number_key("date"),
        "due_date": _number_key("due_date"),
        "total": lambda r: _amount(r, "total"),
        "balance": lambda r: _amount(r, "balance"),
        "created_time": _number_key("created_time"),
        "last_modified_time": _number_key("last_modified_time"),
    }
    return ListSpec(
        key=kind.module,
        report_name=kind.label + "s",
        sort_columns=sort_columns,
        default_sort="created_time",
        filter_by=filter_by,
        text={
            kind.number_field: text_of(kind.number_field),
            "reference_number": text_of("reference_number"),
            kind.party_name: text_of(kind.party_name),
            "item_name": lambda r: " ".join(str(line.get("name", "")) for line in r.get("line_items") or []),
            "notes": text_of("notes"),
        },
        exact={
            kind.party_id: lambda r: r.get(kind.party_id, ""),
            "item_id": lambda r: " ".join(str(line.get("item_id", "")) for line in r.get("line_items") or []),
            "total": lambda r: r.get("total", ""),
            "balance": lambda r: r.get("balance", ""),
        },
        dates={
            "date": lambda r: r.get("date", ""),
            "due_date": lambda r: r.get("due_date", ""),
            "created_date": lambda r: str(r.get("created_time", ""))[:10],
        },
        status=statuses,
        search=text_of(kind.number_field, "reference_number", kind.party_name),
    )


INVOICES = Resource(
    collection="invoices",
    singular="invoice",
    id_field="invoice_id",
    label="Invoice",
    listing=_listing(INVOICE),
    build=build(INVOICE),
    created="The invoice has been created.",
    updated="Invoice information has been updated.",
    deleted="The invoice has been deleted.",
    entity="invoice",
    before_delete=before_delete(INVOICE),
    after_write=after_write(INVOICE),
)

BILLS = Resource(
    collection="bills",
    singular="bill",
    id_field="bill_id",
    label="Bill",
    listing=_listing(BILL),
    build=build(BILL),
    created="The bill has been created.",
    updated="Bill information has been updated.",
    deleted="The bill has been deleted.",
    entity="bill",
    before_delete=before_delete(BILL),
    after_write=after_write(BILL),
)


def restatus(kind: Kind, call: Call, record: Record, base: str) -> Record:
    total = _amount(record, "total")
    paid = _amount(record, "payment_made") + _amount(
        record, "credits_applied" if kind is INVOICE else "vendor_credits_applied"
    )
    written_off = _amount(record, "write_off_amount")
    balance = ZERO if base == "void" else total - paid - written_off
    status = derive_status(kind, base, total, balance, paid, str(record.get("due_date", "")), call.today())
    return {
        **record,
        "status": status,
        "balance": out(balance),
        "due_days": due_days(status, str(record.get("due_date", "")), call.today()),
    }


def mark_status(kind: Kind, target: str) -> Callable[[Call], Reply]:
    resource = INVOICES if kind is INVOICE else BILLS

    def handler(call: Call) -> Reply:
        record = resource.find(call)
        if target == "void" and _amount(record, "payment_made") > 0:
            raise ZohoError(400, 4, f"The {kind.singular} has payments recorded; delete them before voiding it.")
        if target == "draft" and _amount(record, "payment_made") > 0:
            raise ZohoError(400, 4, f"The {kind.singular} has payments recorded and cannot go back to draft.")
        if target == kind.open_status and record.get("status") == "void" and kind is INVOICE:
            raise ZohoError(400, 4, "A void invoice cannot be marked as sent; mark it as draft first.")
        base = kind.open_status if target == "open" else target
        message = {
            "sent": "Invoice status has been changed to Sent.",
            "void": f"{kind.label} status has been changed to Void.",
            "draft": "Status of invoice changed from void to draft.",
            "open": "The bill has been marked as open.",
        }[target]
        return status_action(resource, call, lambda r: restatus(kind, call, r, base), message)

    return handler


def write_off(cancel: bool) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        record = INVOICES.find(call)
        if record.get("status") in ("draft", "void"):
            raise ZohoError(400, 4, "Only sent invoices can be written off.")

        def change(r: Record) -> Record:
            if cancel:
                restored = {**r, "write_off_amount": 0}
                return restatus(INVOICE, call, restored, INVOICE.open_status)
            written = {**r, "write_off_amount": out(_amount(r, "write_off_amount") + _amount(r, "balance"))}
            return restatus(INVOICE, call, written, INVOICE.open_status)

        message = (
            "The write off done for this invoice has been cancelled." if cancel else "Invoice has been written off."
        )
        return status_action(INVOICES, call, change, message)

    return handler


def custom_fields_get(call: Call) -> Reply:
    record = INVOICES.find(call)
    return reply(200, "success", custom_fields=record.get("custom_fields", []))
