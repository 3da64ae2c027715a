"""Xero's error answers as unified errors, and the unified field a Xero validation message is about.

Xero answers in three shapes:

- a validation failure: with ``summarizeErrors=false``, HTTP 200 and the element carrying ``ValidationErrors``
  (``HasErrors`` / ``HasValidationErrors``, ``StatusAttributeString: ERROR``); otherwise HTTP 400 with
  ``{"ErrorNumber": 10, "Type": "ValidationException", "Elements": [{"ValidationErrors": [...]}]}``. Both become a
  :class:`~unified.errors.RequestValidationError` that names the unified field the first message is about;
- another API exception: ``{"ErrorNumber", "Type", "Message"}`` (a query Xero cannot parse, a record not found);
- an identity refusal: ``{"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}``: a 403 is
  a tenant this login has not connected (or a scope it lacks), named in the message; a 401 a token Xero refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from unified.errors import DownstreamError, ForbiddenError, RequestValidationError, UnifiedError
from unified.toolkit import Call, RateLimitHit, Reply, error_by_status

__all__ = ["PROVIDER", "element_messages", "error_for", "field_for", "kind_of_path"]

PROVIDER = "Xero"
_RECONNECT = "reconnect (`unified connect xero`)"

# first path segment -> what the element is, for field names
_KINDS = {
    "contacts": "contact",
    "invoices": "invoice",
    "banktransactions": "expense",
    "taxrates": "tax_rate",
}
_LIST_KEYS = ("Contacts", "Invoices", "BankTransactions", "TaxRates", "Items", "Accounts")

# (words in Xero's message, unified field): first match wins, so the specific come first
_FIELDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), field)
    for pattern, field in (
        (r"tracking", "line_items.tracking_categories"),
        (r"tax ?type|tax rate", "line_items.tax_rate"),
        (r"account ?code|account ?id|\baccount\b.*\bline", "line_items.ledger_account"),
        (r"item ?code|\bitem\b", "line_items.item"),
        (r"bank ?account", "account"),
        (r"unit ?amount|unit price", "line_items.unit_price"),
        (r"quantity", "line_items.quantity"),
        (r"discount", "line_items.discount_percentage"),
        (r"description", "line_items.description"),
        (r"line ?items?|line ?amount", "line_items"),
        (r"invoice ?number|bill number", "number"),
        (r"due ?date", "due_date"),
        (r"currency ?rate|exchange rate", "currency_rate"),
        (r"currency", "currency"),
        (r"reference", "reference"),
        (r"e-?mail", "emails"),
        (r"phone", "phone_numbers"),
        (r"address", "addresses"),
        (r"tax ?number", "tax_number"),
        (r"account ?number", "display_id"),
        (r"first ?name", "first_name"),
        (r"last ?name", "last_name"),
        (r"report ?tax ?type", "report_tax_type"),
        (r"tax ?components?|\brate\b", "effective_tax_rate"),
        (r"\bcontact\b.*\bname\b|\bname\b", "name"),
        (r"\bcontact\b", "contact"),
        (r"status|paid|payment|approved|authori[sz]ed|voided|deleted", "status"),
        (r"\bdate\b|lock date", "date"),
    )
)

# generic names above -> the resource's own field
_RENAMES: Mapping[str, Mapping[str, str]] = {
    "contact": {"name": "display_name", "contact": "display_name", "status": "status"},
    "invoice": {"contact": "customer.id", "date": "invoice_date", "name": "customer.id"},
    "bill": {"contact": "supplier.id", "date": "bill_date", "number": "bill_number", "name": "supplier.id"},
    "expense": {
        "contact": "supplier.id",
        "date": "transaction_date",
        "name": "supplier.id",
        "line_items.ledger_account": "line_items.account",
    },
    "tax_rate": {"line_items.tax_rate": "name", "contact": "name"},
}


def kind_of_path(path: str, body: Any = None) -> str | None:
    """contact, invoice, bill, expense or tax_rate: what a call's path (and an element's Type) is about."""
    segment = path.strip("/").split("/", 1)[0].lower()
    kind = _KINDS.get(segment)
    if kind == "invoice" and _element_type(body) == "ACCPAY":
        return "bill"
    return kind


def _element_type(body: Any) -> str | None:
    for element in _elements(body):
        kind = element.get("Type")
        if isinstance(kind, str):
            return kind
    return None


def field_for(message: str, kind: str | None) -> str | None:
    """The unified field a Xero validation message is about, as best its words say (None: they do not say)."""
    for pattern, field in _FIELDS:
        if pattern.search(message):
            return _RENAMES.get(kind or "", {}).get(field, field)
    return None


def _elements(body: Any) -> list[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    for key in ("Elements", *_LIST_KEYS):
        value = body.get(key)
        if isinstance(value, list):
            found.extend(item for item in value if isinstance(item, Mapping))
    return found


def _messages(errors: Any) -> list[str]:
    if not isinstance(errors, Sequence) or isinstance(errors, str):
        return []
    return [
        str(e["Message"]).strip()
        for e in errors
        if isinstance(e, Mapping) and isinstance(e.get("Message"), str) and e["Message"].strip()
    ]


def element_messages(body: Any) -> list[str]:
    """Every validation message of the elements in a Xero answer (the 400 form and the per-element form)."""
    messages: list[str] = []
    for element in _elements(body):
        failed = (
            element.get("HasErrors") is True
            or element.get("HasValidationErrors") is True
            or element.get("StatusAttributeString") == "ERROR"
            or bool(element.get("ValidationErrors"))
        )
        if failed:
            messages.extend(_messages(element.get("ValidationErrors")) or ["the element has validation errors"])
    return messages


def _said(body: Any) -> tuple[str | None, str | None]:
    """(code, message) of a Xero error body: its exception type and message, or the identity answer's detail."""
    if not isinstance(body, Mapping):
        return None, None
    code = body.get("Type") or body.get("Title")
    number = body.get("ErrorNumber")
    message = body.get("Message") or body.get("Detail") or body.get("detail") or body.get("title")
    code_text = str(code) if code else (str(number) if number is not None else None)
    return code_text, str(message) if message else None


def error_for(reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
    """The unified error for a Xero answer that is not a success."""
    body = reply.body
    messages = element_messages(body)
    code, said = _said(body)
    if messages and hit is None and reply.status in (200, 400):
        kind = kind_of_path(call.path, body)
        field = field_for(messages[0], kind)
        where = f" ({field})" if field else ""
        return RequestValidationError(
            f"Xero refused {call.where}{where}: {'; '.join(messages)}",
            field=field,
            detail={"request": call.where, "status": reply.status, "messages": messages},
            downstream_errors=[DownstreamError(code or "ValidationException", m, reply.status) for m in messages],
            outcome="failed",
        )
    if reply.status == 403 and hit is None:
        tenant = call.organization or "(none)"
        return ForbiddenError(
            f"Xero refused {call.where} for tenant {tenant} ({said or 'Forbidden'}): this login has not connected "
            "that organisation, or the grant lacks the scope for it. List the tenants it reaches with `unified "
            "organizations` (GET /connections) and use one of their tenantId values, or "
            f"{_RECONNECT} to grant access.",
            detail={"request": call.where, "status": 403, "tenant_id": call.organization},
            downstream_errors=[DownstreamError(code, said or "Forbidden", 403)],
            outcome="failed",
        )
    return error_by_status(PROVIDER, reply, call, hit, message=said, code=code, reconnect_hint=_RECONNECT)
