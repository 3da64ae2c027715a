"""The list filters and sorts the unified API speaks: Apideck's names and values, for every connector.

A filter named here means what Apideck's accounting API says it means (``bills`` ``status``: ``paid``,
``unpaid`` or ``partially_paid``; ``billed_since``: a date), and its value is checked and typed before any
connector sees it (a ``date`` filter arrives as :class:`datetime.date`). Each connector declares in its
capabilities which of them it honours; the others are refused with :class:`UnsupportedFiltersError`.
A connector may declare further filters of its own (extensions, e.g. a ``reference``); those are passed as given.
``updated_since`` is a filter in Apideck's API and a parameter of its own here: given as a filter, it becomes
the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from unified.errors import RequestValidationError

__all__ = ["FILTERS", "SORTS", "FilterSpec", "check_filters"]

Kind = Literal["text", "date", "datetime", "enum", "bool"]


@dataclass(frozen=True)
class FilterSpec:
    kind: Kind = "text"
    values: tuple[str, ...] = ()


_TEXT = FilterSpec()
_DATE = FilterSpec("date")
_DATETIME = FilterSpec("datetime")
_BOOL = FilterSpec("bool")


def _enum(*values: str) -> FilterSpec:
    return FilterSpec("enum", values)


_PEOPLE = {
    "company_name": _TEXT,
    "display_name": _TEXT,
    "first_name": _TEXT,
    "last_name": _TEXT,
    "email": _TEXT,
    "updated_since": _DATETIME,
}
_CUSTOMERS = {**_PEOPLE, "status": _enum("active", "inactive", "archived", "all"), "supplier_id": _TEXT}

#: Apideck's filters by unified resource (contacts take the customers' and suppliers' together)
FILTERS: Mapping[str, Mapping[str, FilterSpec]] = {
    "contacts": _CUSTOMERS,
    "customers": _CUSTOMERS,
    "suppliers": _PEOPLE,
    "invoices": {
        "updated_since": _DATETIME,
        "created_since": _DATETIME,
        "number": _TEXT,
        "supplier_id": _TEXT,
        "customer_id": _TEXT,
        "id_since": _TEXT,
    },
    "bills": {
        "updated_since": _DATETIME,
        "id_since": _TEXT,
        "billed_since": _DATE,
        "due_since": _DATE,
        "status": _enum("paid", "unpaid", "partially_paid"),
    },
    "expenses": {
        "updated_since": _DATETIME,
        "status": _enum("draft", "posted", "voided"),
        "type": _enum("expense", "refund"),
    },
    "tax_rates": {
        "assets": _BOOL,
        "equity": _BOOL,
        "expenses": _BOOL,
        "liabilities": _BOOL,
        "revenue": _BOOL,
        "status": _enum("active", "inactive", "archived"),
    },
}

#: Apideck's sort fields by unified resource
SORTS: Mapping[str, frozenset[str]] = {
    "contacts": frozenset({"created_at", "updated_at"}),
    "customers": frozenset({"created_at", "updated_at"}),
    "suppliers": frozenset({"created_at", "updated_at"}),
    "invoices": frozenset({"created_at", "updated_at", "id"}),
    "bills": frozenset({"created_at", "updated_at", "id"}),
}


def check_filters(resource: str, filters: Mapping[str, Any]) -> dict[str, Any]:
    """``filters`` with Apideck's ones checked and typed; an error names the filter and what it takes."""
    contract = FILTERS.get(resource, {})
    checked: dict[str, Any] = {}
    for name, value in filters.items():
        spec = contract.get(name)
        checked[name] = value if spec is None else _typed(name, spec, value)
    return checked


def _typed(name: str, spec: FilterSpec, value: Any) -> Any:
    field = f"filters.{name}"
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise RequestValidationError(f"{field} takes true or false; got {value!r}.", field=field)
    if spec.kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise RequestValidationError(f"{field} takes a date like 2024-05-01; got {value!r}.", field=field) from None
    if spec.kind == "datetime":
        if isinstance(value, datetime):
            parsed = value
        else:
            text = str(value).strip()
            try:
                parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
            except ValueError:
                raise RequestValidationError(
                    f"{field} takes a date and time like 2024-05-01T12:00:00Z; got {value!r}.", field=field
                ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        raise RequestValidationError(f"{field} takes a non-empty string; got {value!r}.", field=field)
    if spec.kind == "enum" and value not in spec.values:
        raise RequestValidationError(f"{field} takes one of: {', '.join(spec.values)}; got {value!r}.", field=field)
    return value
