"""The Store interface: where the sync engine keeps a connection's records in unified form.

A store holds one table per synced resource (contacts, invoices, bills, expenses, tax_rates). Readers use
``get``, ``iter`` and ``count``; customers and suppliers are views of contacts by role. The engine also uses the
bookkeeping methods (record hashes, the "seen" marks of a deletion scan, per-resource sync state), always inside
``transaction()`` so a page of records and its checkpoint are committed together, and holds ``lock(resource)``
for the whole run of a resource, so that two runs never sync one resource of one store at once. SQLite is the
embedded implementation (:class:`unified.sync.SQLiteStore`); another database implements the same methods.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate
from unified.errors import RequestValidationError
from unified.sync._lock import SyncLock

__all__ = ["SYNC_RESOURCES", "RecordState", "Store", "StoredRecord", "resolve_view"]

#: The resources a store holds, with their models.
SYNC_RESOURCES: Mapping[str, type[BaseModel]] = {
    "contacts": Contact,
    "invoices": Invoice,
    "bills": Bill,
    "expenses": Expense,
    "tax_rates": TaxRate,
}

_VIEWS: Mapping[str, tuple[str, str]] = {
    "customers": ("contacts", "is_customer"),
    "suppliers": ("contacts", "is_supplier"),
}


def resolve_view(resource: str, where: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The stored table behind a resource name, and the filters the view adds.

    ``"customers"`` is contacts with ``is_customer``; ``"tax-rates"`` is ``"tax_rates"``.
    """
    name = resource.replace("-", "_")
    filters = dict(where)
    if name in _VIEWS:
        table, flag = _VIEWS[name]
        filters[flag] = True
        return table, filters
    if name not in SYNC_RESOURCES:
        known = ", ".join([*SYNC_RESOURCES, *_VIEWS])
        raise RequestValidationError(f"Unknown resource {resource!r}; the store holds: {known}.", field="resource")
    return name, filters


@dataclass(frozen=True)
class RecordState:
    """What the engine compares a listed record against: the hashes of the stored version."""

    summary_hash: str
    record_hash: str
    detailed: bool


@dataclass(frozen=True)
class StoredRecord:
    """One record as the engine writes it.

    ``summary_hash`` is the hash of the list page's version, ``record_hash`` the hash of the stored (full)
    version; ``detailed`` says the record carries its detail fields (line items); ``seen`` marks it as listed by
    the deletion scan with that token.
    """

    record: BaseModel
    summary_hash: str
    record_hash: str
    detailed: bool
    raw: Mapping[str, Any] | None = None
    seen: str | None = None
    #: ``record.model_dump_json()``, when the caller already has it
    data: str | None = None

    def json(self) -> str:
        return self.data if self.data is not None else self.record.model_dump_json()

    @property
    def id(self) -> str:
        value = getattr(self.record, "id", None)
        if not isinstance(value, str) or not value:
            raise ValueError(f"A {type(self.record).__name__} without an id cannot be stored.")
        return value


class Store(abc.ABC):
    """Records of one connection in unified form, and the engine's checkpoints."""

    # ----- reads -----

    @abc.abstractmethod
    def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel | None:
        """The stored record, or None. ``raw=True`` fills ``.raw`` with the kept provider payload, if any."""

    @abc.abstractmethod
    def iter(self, resource: str, *, raw: bool = False, **where: Any) -> Iterator[BaseModel]:
        """Every stored record of ``resource`` (streamed), optionally filtered on indexed columns."""

    @abc.abstractmethod
    def count(self, resource: str, **where: Any) -> int:
        """How many records ``iter`` would give."""

    @abc.abstractmethod
    def filter_columns(self, resource: str) -> frozenset[str]:
        """The column names ``iter`` and ``count`` accept as filters for ``resource``."""

    # ----- the engine's bookkeeping -----

    @abc.abstractmethod
    def lock(self, resource: str) -> SyncLock:
        """The right to sync ``resource`` into this store, or :class:`~unified.sync.SyncLockedError` while another
        run (in this process or another) holds it. It must be freed when its holder dies, killed or not."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together, or not at all (also on KeyboardInterrupt)."""

    @abc.abstractmethod
    def states(self, resource: str, ids: Collection[str]) -> dict[str, RecordState]:
        """The stored hashes of those of ``ids`` that are stored."""

    @abc.abstractmethod
    def upsert(self, resource: str, record: StoredRecord) -> None: ...

    @abc.abstractmethod
    def delete(self, resource: str, id: str) -> None: ...

    @abc.abstractmethod
    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        """Mark stored records as listed by the deletion scan ``token``."""

    @abc.abstractmethod
    def unseen(self, resource: str, token: str, limit: int) -> list[BaseModel]:
        """Up to ``limit`` stored records not marked with ``token``."""

    @abc.abstractmethod
    def load_state(self, resource: str) -> dict[str, Any] | None:
        """The engine's sync state of a resource (JSON-ready), or None before the first sync."""

    @abc.abstractmethod
    def save_state(self, resource: str, state: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the database connection."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
