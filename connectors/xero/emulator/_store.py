"""The in-memory store: tenants (organisations), each with its own collections of Xero-shaped records."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._wire import Record

COLLECTIONS = {
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "BankTransactions": "BankTransactionID",
    "TaxRates": "TaxType",
    "Accounts": "AccountID",
    "Items": "ItemID",
    "TrackingCategories": "TrackingCategoryID",
    "Currencies": "Code",
}


class Collection:
    """One kind of record in insertion order, keyed by its id without regard to case (Xero's GUIDs are)."""

    def __init__(self, name: str, id_field: str) -> None:
        self.name = name
        self.id_field = id_field
        self.records: dict[str, Record] = {}

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self.records.values()))

    def get(self, record_id: object) -> Record | None:
        return self.records.get(str(record_id).lower())

    def put(self, record: Record) -> None:
        self.records[str(record[self.id_field]).lower()] = record

    def remove(self, record_id: object) -> Record | None:
        return self.records.pop(str(record_id).lower(), None)

    def find(self, field_name: str, value: object) -> Record | None:
        """The first record whose field equals value (text compared without regard to case)."""
        wanted = str(value).strip().lower()
        for record in self.records.values():
            current = record.get(field_name)
            if current is not None and str(current).strip().lower() == wanted:
                return record
        return None


@dataclass
class Replay:
    """An answer kept for an Idempotency-Key, replayed to the same key on the same endpoint."""

    expires: datetime
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class Tenant:
    """One Xero organisation: its Organisation record and its data, never shared with another tenant."""

    tenant_id: str
    name: str
    organisation: Record
    collections: dict[str, Collection] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    replays: dict[tuple[str, str, str], Replay] = field(default_factory=dict)
    rates: dict[str, Any] = field(default_factory=dict)  # currency -> units per unit of the base currency

    def __post_init__(self) -> None:
        for name, id_field in COLLECTIONS.items():
            self.collections.setdefault(name, Collection(name, id_field))

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    @property
    def base_currency(self) -> str:
        return str(self.organisation.get("BaseCurrency") or "USD")

    def next_number(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]


@dataclass
class Connection:
    """A tenant the user has connected to the app (GET /connections)."""

    id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: datetime
    updated: datetime
    tenant_type: str = "ORGANISATION"

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "authEventId": self.auth_event_id,
            "tenantId": self.tenant_id,
            "tenantType": self.tenant_type,
            "tenantName": self.tenant_name,
            "createdDateUtc": _iso(self.created),
            "updatedDateUtc": _iso(self.updated),
        }


def _iso(moment: datetime) -> str:
    # Xero writes these without an offset and with seven fractional digits.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


class Store:
    """All tenants of the emulated user, keyed by tenant id, in creation order, plus the user's connections."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.connections: dict[str, Connection] = {}
        self.lock = threading.RLock()

    def add(self, tenant: Tenant) -> None:
        self.tenants[tenant.tenant_id.lower()] = tenant

    def get(self, tenant_id: str) -> Tenant | None:
        return self.tenants.get(tenant_id.strip().lower())

    @property
    def default(self) -> Tenant:
        return next(iter(self.tenants.values()))

    def connected(self, tenant_id: str) -> Tenant | None:
        """The tenant if the user has it connected, else None."""
        tenant = self.get(tenant_id)
        if tenant is None:
            return None
        wanted = tenant.tenant_id.lower()
        if any(c.tenant_id.lower() == wanted for c in self.connections.values()):
            return tenant
        return None
