"""The in-memory store: organizations, each with its own collections of Zoho-shaped records."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]
ROW_CUSTOM_FIELD = ("customfield_id", "api_name", "label", "data_type", "value")


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value: object) -> object:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class IdSequence:
    """Numeric string ids from a base past 2^53, unique within the emulator."""

    def __init__(self, base: int) -> None:
        self._next = base
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self._next += 1
            return str(self._next)


class Collection:
    """One module's records in insertion order; list rows are serialised once and kept until the record changes."""

    def __init__(self, name: str, id_field: str, row_fields: tuple[str, ...]) -> None:
        self.name = name
        self.id_field = id_field
        self.row_fields = row_fields
        self.records: dict[str, Record] = {}
        self._rows: dict[str, bytes] = {}
        self.version = 0
        self._order_cache: dict[tuple[str, bool], list[str]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records.values())

    def get(self, record_id: str) -> Record | None:
        return self.records.get(str(record_id))

    def put(self, record: Record) -> None:
        key = str(record[self.id_field])
        self.records[key] = record
        self._rows.pop(key, None)
        self._changed()

    def delete(self, record_id: str) -> Record | None:
        key = str(record_id)
        record = self.records.pop(key, None)
        self._rows.pop(key, None)
        self._changed()
        return record

    def clear(self) -> None:
        self.records.clear()
        self._rows.clear()
        self._changed()

    def row(self, record_id: str) -> bytes:
        """The record's list row as JSON, serialised once per version of the record."""
        row = self._rows.get(record_id)
        if row is None:
            row = self._rows[record_id] = dumps(list_row(self.records[record_id], self.row_fields))
        return row

    def ordered_ids(self, column: str, descending: bool, key: Callable[[Record], Any]) -> list[str]:
        """Ids sorted by a column (ties broken by id), cached until the collection changes."""
        cache_key = (column, descending)
        ids = self._order_cache.get(cache_key)
        if ids is None:
            ids = sorted(
                self.records,
                key=lambda rid: (key(self.records[rid]), _id_key(rid)),
                reverse=descending,
            )
            self._order_cache[cache_key] = ids
        return ids

    def _changed(self) -> None:
        self.version += 1
        self._order_cache.clear()


def list_row(record: Record, fields: tuple[str, ...]) -> Record:
    """A record as list endpoints show it: fewer fields, and custom fields without their display settings."""
    row = {key: record[key] for key in fields if key in record}
    if isinstance(row.get("custom_fields"), list):
        row["custom_fields"] = [
            {k: entry[k] for k in ROW_CUSTOM_FIELD if k in entry} if isinstance(entry, dict) else entry
            for entry in row["custom_fields"]
        ]
    return row


def _id_key(record_id: str) -> tuple[int, str]:
    return (int(record_id), "") if record_id.isdigit() else (0, record_id)


@dataclass
class Organization:
    """One Zoho organization: its settings record and its data, never shared with another."""

    organization_id: str
    record: Record
    offset_minutes: int
    new_id: IdSequence
    collections: dict[str, Collection] = field(default_factory=dict)
    customfields: dict[str, list[Record]] = field(default_factory=dict)
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> int:
        value = self.record.get("price_precision", 2)
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else 2

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def next_number(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]


class Store:
    """All organizations of the emulated account, keyed by organization_id, in creation order."""

    def __init__(self) -> None:
        self.organizations: dict[str, Organization] = {}
        self.lock = threading.RLock()
        self.ready = threading.Event()
        self.failure: BaseException | None = None

    def wait(self, timeout: float = 120.0) -> None:
        """Block until the generated data is in place (generation runs on a background thread)."""
        if not self.ready.wait(timeout):
            raise RuntimeError(f"the emulator's data was not generated within {timeout} s")
        if self.failure is not None:
            raise RuntimeError(f"generating the emulator's data failed: {self.failure!r}") from self.failure

    def add(self, organization: Organization) -> None:
        self.organizations[organization.organization_id] = organization

    def get(self, organization_id: str) -> Organization | None:
        return self.organizations.get(organization_id)

    @property
    def default(self) -> Organization:
        """The account's default organization (``is_default_org``), else the first."""
        orgs = self.organizations.values()
        return next((o for o in orgs if o.record.get("is_default_org") is True), next(iter(orgs)))
