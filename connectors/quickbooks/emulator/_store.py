"""Companies (realms) in memory: records per entity, id sequences, deletions for CDC, requestid answers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

Record = dict[str, Any]

#: entities a company holds, as Intuit spells them
NAME_LISTS = ("Account", "Class", "Customer", "Department", "Item", "TaxAgency", "TaxCode", "TaxRate", "Term", "Vendor")
TRANSACTIONS = ("Bill", "Invoice", "Payment", "Purchase")
SINGLETONS = ("CompanyInfo", "Preferences")
ENTITIES = NAME_LISTS + TRANSACTIONS + SINGLETONS
#: written through POST /{entity}; TaxCode and TaxRate come from /taxservice/taxcode
WRITABLE = (
    "Account",
    "Bill",
    "Class",
    "Customer",
    "Department",
    "Invoice",
    "Item",
    "Payment",
    "Purchase",
    "Term",
    "Vendor",
)
#: entities CDC reports (Intuit: not TaxAgency, TaxCode, TaxRate, TimeActivity)
CDC_ENTITIES = frozenset(ENTITIES) - {"TaxAgency", "TaxCode", "TaxRate", "CompanyInfo"}
REPLAY_SIZE = 10_000  # requestid answers kept per company


@dataclass
class Realm:
    """One QuickBooks company."""

    realm_id: str
    country: str
    currency: str
    currency_name: str
    offset_minutes: int
    records: dict[str, dict[str, Record]] = field(default_factory=lambda: {e: {} for e in ENTITIES})
    counters: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, list[Record]] = field(default_factory=dict)  # entity -> tombstones, for CDC
    replies: OrderedDict[str, tuple[int, bytes]] = field(default_factory=OrderedDict)
    doc_numbers: int = 1000  # the last automatic invoice number

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(minutes=self.offset_minutes))

    def stamp(self, moment: datetime) -> str:
        """A MetaData time as QuickBooks writes it: the company's offset, whole seconds."""
        return moment.astimezone(self.zone).replace(microsecond=0).isoformat()

    def today(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).date().isoformat()

    def new_id(self, entity: str) -> str:
        number = self.counters.get(entity, 0) + 1
        while str(number) in self.records[entity]:
            number += 1
        self.counters[entity] = number
        return str(number)

    def get(self, entity: str, ident: Any) -> Record | None:
        return self.records[entity].get(str(ident))

    def add(self, entity: str, record: Record) -> Record:
        self.records[entity][str(record["Id"])] = record
        return record

    def remove(self, entity: str, ident: str, when: str) -> Record:
        record = self.records[entity].pop(ident)
        self.deleted.setdefault(entity, []).append(
            {"domain": "QBO", "status": "Deleted", "Id": ident, "MetaData": {"LastUpdatedTime": when}}
        )
        return record

    def remember(self, request_id: str, answer: tuple[int, bytes]) -> None:
        self.replies[request_id] = answer
        while len(self.replies) > REPLAY_SIZE:
            self.replies.popitem(last=False)

    def currency_ref(self) -> Record:
        return {"value": self.currency, "name": self.currency_name}

    @property
    def company(self) -> Record:
        return next(iter(self.records["CompanyInfo"].values()))


class Store:
    """Every company; one lock for every write (handlers are short)."""

    def __init__(self) -> None:
        self.realms: dict[str, Realm] = {}
        self.lock = threading.RLock()
        self.ready = threading.Event()
        self.failure: BaseException | None = None

    def add(self, realm: Realm) -> Realm:
        self.realms[realm.realm_id] = realm
        return realm

    def get(self, realm_id: str) -> Realm | None:
        return self.realms.get(realm_id)

    @property
    def default(self) -> Realm:
        return next(iter(self.realms.values()))

    def wait(self, timeout: float | None = 120.0) -> None:
        if not self.ready.wait(timeout):
            raise TimeoutError("the emulator's data is not ready yet")
        if self.failure is not None:
            raise RuntimeError("generating the emulator's data failed") from self.failure
