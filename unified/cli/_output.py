"""Records out of the CLI: unified JSON (Apideck's field names), JSON Lines, or a rich table.

A record is written as ``model.model_dump(mode="json", exclude_none=True)``: unset fields are left out, money
is a string of its exact digits, datetimes are ISO 8601. ``--raw`` adds ``"_raw"``: the provider's payload.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table


class ListFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


class RecordFormat(StrEnum):
    json = "json"
    table = "table"


# Table columns per resource: (header, dotted path into the record's JSON; "a|b" takes the first present).
_CONTACT = [
    ("id", "id"),
    ("display_name", "display_name"),
    ("company_name", "company_name"),
    ("role", "_role"),
    ("email", "emails.0.email"),
    ("currency", "currency"),
    ("status", "status"),
    ("updated_at", "updated_at"),
]
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "contacts": _CONTACT,
    "customers": _CONTACT,
    "suppliers": _CONTACT,
    "invoices": [
        ("id", "id"),
        ("number", "number"),
        ("customer", "customer.display_name|customer.name|customer.id"),
        ("invoice_date", "invoice_date"),
        ("due_date", "due_date"),
        ("status", "status"),
        ("currency", "currency"),
        ("total", "total"),
        ("balance", "balance"),
        ("updated_at", "updated_at"),
    ],
    "bills": [
        ("id", "id"),
        ("bill_number", "bill_number"),
        ("supplier", "supplier.display_name|supplier.company_name|supplier.id"),
        ("bill_date", "bill_date"),
        ("due_date", "due_date"),
        ("status", "status"),
        ("currency", "currency"),
        ("total", "total"),
        ("balance", "balance"),
        ("updated_at", "updated_at"),
    ],
    "expenses": [
        ("id", "id"),
        ("number", "number"),
        ("transaction_date", "transaction_date"),
        ("supplier", "supplier.display_name|supplier.id|supplier_id"),
        ("account", "account.name|account.id|account_id"),
        ("currency", "currency"),
        ("total_amount", "total_amount"),
        ("status", "status"),
        ("updated_at", "updated_at"),
    ],
    "tax-rates": [
        ("id", "id"),
        ("name", "name"),
        ("rate", "effective_tax_rate|total_tax_rate"),
        ("type", "type"),
        ("status", "status"),
    ],
}


def record_json(record: BaseModel, *, raw: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json", exclude_none=True)
    _exact_custom_amounts(record, data)
    if raw:
        data["_raw"] = getattr(record, "raw", None)
    return data


def _exact_custom_amounts(record: Any, data: dict[str, Any]) -> None:
    """Custom-field numbers print as exact strings ("10.50"), like every other amount, not as JSON floats."""
    fields = getattr(record, "custom_fields", None) or []
    for field, shown in zip(fields, data.get("custom_fields") or [], strict=False):
        if isinstance(field.value, Decimal) and isinstance(shown, dict):
            shown["value"] = str(field.value)
    for line, shown_line in zip(getattr(record, "line_items", None) or [], data.get("line_items") or [], strict=False):
        if isinstance(shown_line, dict):
            _exact_custom_amounts(line, shown_line)


def dumps(data: Any, *, indent: int | None = None) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=False, default=str)


def write_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def write_records(records: Iterable[dict[str, Any]], fmt: ListFormat, resource: str) -> int:
    """Write records as they come (jsonl and json stream; a table needs them all). Returns how many."""
    count = 0
    if fmt is ListFormat.jsonl:
        for data in records:
            write_line(dumps(data))
            count += 1
    elif fmt is ListFormat.json:
        sys.stdout.write("[")
        for data in records:
            sys.stdout.write(("\n  " if count == 0 else ",\n  ") + dumps(data))
            count += 1
        write_line("\n]" if count else "]")
    else:
        rows = list(records)
        count = len(rows)
        stdout_console().print(records_table(rows, resource))
    return count


def write_record(data: dict[str, Any], fmt: RecordFormat) -> None:
    if fmt is RecordFormat.json:
        write_line(dumps(data, indent=2))
    else:
        stdout_console().print(record_table(data))


def stdout_console() -> Console:
    # wide enough that piping a table to a file does not wrap it into a mess
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 200)


def records_table(rows: list[dict[str, Any]], resource: str) -> Table:
    columns = COLUMNS.get(resource, [("id", "id")])
    table = Table(show_header=True, header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold", justify="right" if header in _NUMERIC else "left")
    for row in rows:
        table.add_row(*(_cell(row, path) for _, path in columns))
    return table


_NUMERIC = {"total", "balance", "total_amount", "rate"}


def record_table(data: dict[str, Any]) -> Table:
    """One record as field / value rows; nested values as compact JSON."""
    table = Table(show_header=True, header_style="bold")
    table.add_column("field", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        table.add_row(key, value if isinstance(value, str) else dumps(value))
    return table


def _cell(row: dict[str, Any], paths: str) -> str:
    for path in paths.split("|"):
        value = _role(row) if path == "_role" else _lookup(row, path.split("."))
        if value is not None and value != "":
            return value if isinstance(value, str) else dumps(value)
    return ""


def _lookup(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _role(row: dict[str, Any]) -> str:
    roles = [name for name, key in (("customer", "is_customer"), ("supplier", "is_supplier")) if row.get(key)]
    return ", ".join(roles)


def iter_json(records: Iterable[BaseModel], *, raw: bool) -> Iterator[dict[str, Any]]:
    for record in records:
        yield record_json(record, raw=raw)
