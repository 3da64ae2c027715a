"""QuickBooks' ``Fault`` envelopes as unified errors.

QuickBooks answers a refusal with ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": ...},
"time": ...}`` (some gateways spell the keys in lower case). By code: 5010 (Stale Object Error: the SyncToken sent
is not the current one) is a :class:`ConflictError`, never retried; 610 (Object Not Found, also "made inactive")
an :class:`EntityNotFoundError`; 3001 ThrottleExceeded and HTTP 429 a rate-limit refusal; 100 and 3200
(AuthenticationFailed) a token QuickBooks refused; 120 and 3100 (AuthorizationFailed) a :class:`ForbiddenError`;
6240 (duplicate name) and 6140/6210 (duplicate document number) and every other ``ValidationFault`` a
:class:`RequestValidationError` naming the unified field behind the element QuickBooks names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from unified.errors import (
    ConflictError,
    DownstreamError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)
from unified.toolkit import Call, RateLimitHit, Reply, error_by_status

__all__ = ["AUTH_CODES", "PROVIDER", "Fault", "error_for", "fault_of"]

PROVIDER = "QuickBooks Online"
RECONNECT = "reconnect (`unified connect quickbooks`)"
AUTH_CODES = frozenset({"100", "3200", "003200"})
_FORBIDDEN_CODES = frozenset({"120", "3100", "003100"})
_STALE = "5010"
_NOT_FOUND = "610"
THROTTLED = "3001"

#: QuickBooks element -> the unified field it holds, for messages that name what to fix
ELEMENTS: Mapping[str, str] = {
    "DisplayName": "display_name",
    "CompanyName": "company_name",
    "GivenName": "first_name",
    "FamilyName": "last_name",
    "MiddleName": "middle_name",
    "Title": "title",
    "Suffix": "suffix",
    "PrimaryEmailAddr": "emails",
    "PrimaryPhone": "phone_numbers",
    "Mobile": "phone_numbers",
    "WebAddr": "websites",
    "BillAddr": "addresses",
    "ShipAddr": "addresses",
    "Notes": "notes",
    "AcctNum": "display_id",
    "CurrencyRef": "currency",
    "ExchangeRate": "currency_rate",
    "CustomerRef": "customer",
    "VendorRef": "supplier",
    "EntityRef": "supplier",
    "DocNumber": "number",
    "TxnDate": "date",
    "DueDate": "due_date",
    "Line": "line_items",
    "ItemRef": "line_items.item",
    "AccountRef": "line_items.ledger_account",
    "TaxCodeRef": "line_items.tax_rate",
    "ClassRef": "tracking_categories",
    "DepartmentRef": "department_id",
    "SyncToken": "row_version",
    "GlobalTaxCalculation": "tax_inclusive",
    "PaymentType": "payment_type",
}


@dataclass(frozen=True)
class Fault:
    """The first error of a Fault, and the fault's type."""

    code: str | None
    message: str
    detail: str
    element: str | None
    type: str | None

    @property
    def said(self) -> str:
        text = self.message
        if self.detail and self.detail != self.message:
            text = f"{text}: {self.detail}"
        return text


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    """A key in QuickBooks' spelling or in lower case."""
    if key in mapping:
        return mapping[key]
    return mapping.get(key.lower())


def fault_of(body: Any) -> Fault | None:
    """The Fault in an answer's body, if it has one."""
    if not isinstance(body, Mapping):
        return None
    fault = _get(body, "Fault")
    if not isinstance(fault, Mapping):
        return None
    errors = _get(fault, "Error")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
    code = first.get("code", first.get("Code"))
    element = _get(first, "element") if "element" in first else first.get("Element")
    return Fault(
        code=str(code).strip() if code not in (None, "") else None,
        message=str(_get(first, "Message") or "").strip() or "QuickBooks refused the request",
        detail=str(_get(first, "Detail") or "").strip(),
        element=str(element) if element else None,
        type=str(_get(fault, "type") or "") or None,
    )


def unified_field(element: str | None) -> str | None:
    if not element:
        return None
    return ELEMENTS.get(element.split(".")[-1], element)


def error_for(reply: Reply, call: Call, hit: RateLimitHit | None) -> UnifiedError:
    """The unified error for an answer QuickBooks did not succeed with."""
    fault = fault_of(reply.body)
    status = reply.status
    if fault is None or hit is not None or status >= 500:
        said = fault.said if fault is not None else None
        code = fault.code if fault is not None else None
        return error_by_status(PROVIDER, reply, call, hit, message=said, code=code, reconnect_hint=RECONNECT)
    where = call.where
    common: dict[str, Any] = {
        "detail": {"request": where, "status": status, "code": fault.code, "element": fault.element},
        "downstream_errors": [DownstreamError(fault.code, fault.said, status)],
        "outcome": "failed",
    }
    if fault.code == _STALE:
        return ConflictError(
            f"QuickBooks refused {where}: the record changed since the row_version sent was read (Stale Object "
            f"Error 5010). Read the record again and apply the change to its current row_version. ({fault.detail})",
            **common,
        )
    if fault.code == _NOT_FOUND or status == 404:
        return EntityNotFoundError(
            f"QuickBooks has no active record for {where}: it does not exist, was deleted or was made inactive "
            f"({fault.said}).",
            **common,
        )
    if status == 401 or fault.code in AUTH_CODES:
        hint = (
            "the grant was revoked or lacks the accounting scope"
            if call.refused_after_refresh
            else "the token is expired, revoked or for another company"
        )
        return UnauthorizedError(
            f"QuickBooks did not accept the credentials for {where} ({hint}): {RECONNECT}.", **common
        )
    if status == 403 or fault.code in _FORBIDDEN_CODES:
        return ForbiddenError(
            f"QuickBooks does not allow {where} for this user or company ({fault.said}): the user needs the "
            "admin role, or the company's subscription lacks the feature.",
            **common,
        )
    field = unified_field(fault.element)
    if fault.code == "6240":
        field = "display_name"
        text = (
            "the display name is taken: QuickBooks names must be unique across customers, vendors and employees "
            "(inactive ones too); choose another display_name"
        )
    elif fault.code in ("6140", "6210"):
        field = "number"
        text = "the document number is already used; choose another number"
    elif field is not None:
        text = f"fix {field} (QuickBooks element {fault.element})"
    else:
        text = "fix the request"
    return RequestValidationError(f"QuickBooks refused {where} ({fault.said}): {text}.", field=field, **common)
