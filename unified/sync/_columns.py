"""The indexed columns of each stored resource: the fields users filter on, pulled out of the unified record."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from unified.sync.store import StoredRecord

__all__ = ["COLUMNS", "Column", "record_row", "sql_value", "utc_text"]


def utc_text(value: dt.datetime) -> str:
    """A timezone-aware datetime as fixed-width UTC text, so text order is time order."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sql_value(value: Any) -> Any:
    """A Python value as stored in an indexed column (and as compared in a filter)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):  # before str: a StrEnum is a str
        return str(value.value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("Filter datetimes need a timezone, e.g. datetime(2024, 1, 1, tzinfo=UTC).")
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _field(name: str) -> Callable[[BaseModel], Any]:
    return lambda record: getattr(record, name, None)


def _linked_id(name: str) -> Callable[[BaseModel], Any]:
    return lambda record: getattr(getattr(record, name, None), "id", None)


def _supplier_id(record: BaseModel) -> Any:
    return getattr(record, "supplier_id", None) or _linked_id("supplier")(record)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    get: Callable[[BaseModel], Any]

    def value(self, record: BaseModel) -> Any:
        return sql_value(self.get(record))


def _text(name: str, get: Callable[[BaseModel], Any] | None = None) -> Column:
    return Column(name, "TEXT", get or _field(name))


def _flag(name: str) -> Column:
    return Column(name, "INTEGER", _field(name))


#: Every table also has ``updated_at`` (UTC text), indexed.
COLUMNS: Mapping[str, tuple[Column, ...]] = {
    "contacts": (
        _text("display_name"),
        _text("company_name"),
        _flag("is_customer"),
        _flag("is_supplier"),
        _text("status"),
    ),
    "invoices": (
        _text("number"),
        _text("customer_id", _linked_id("customer")),
        _text("status"),
        _text("invoice_date"),
        _text("due_date"),
        _text("currency"),
    ),
    "bills": (
        _text("bill_number"),
        _text("supplier_id", _linked_id("supplier")),
        _text("status"),
        _text("bill_date"),
        _text("due_date"),
        _text("currency"),
    ),
    "expenses": (
        _text("number"),
        _text("supplier_id", _supplier_id),
        _text("account_id"),
        _text("transaction_date"),
        _text("status"),
        _text("currency"),
    ),
    "tax_rates": (
        _text("name"),
        _text("code"),
        _text("status"),
    ),
}


def record_row(table: str, record: StoredRecord) -> tuple[list[str], list[Any]]:
    """The column names and values of a stored record's row in ``table`` (both stores write the same row)."""
    columns = COLUMNS[table]
    updated_at = getattr(record.record, "updated_at", None)
    names = ["id", *(c.name for c in columns), "updated_at", "data", "raw"]
    names += ["summary_hash", "record_hash", "detailed", "seen"]
    values = [
        record.id,
        *(c.value(record.record) for c in columns),
        utc_text(updated_at) if isinstance(updated_at, dt.datetime) else None,
        record.json(),
        json.dumps(record.raw, default=str) if record.raw is not None else None,
        record.summary_hash,
        record.record_hash,
        int(record.detailed),
        record.seen,
    ]
    return names, values
