"""A small in-memory connector: the reference the conformance kit is proven against. Not a shipped backend."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, TaxRate, read_only_fields
from unified.connector import (
    Capabilities,
    Connector,
    ListQuery,
    Operation,
    Page,
    ResourceCapabilities,
)
from unified.errors import EntityNotFoundError, RequestValidationError

MODELS: dict[str, type[BaseModel]] = {
    "contacts": Contact,
    "customers": Contact,
    "suppliers": Contact,
    "invoices": Invoice,
    "bills": Bill,
    "expenses": Expense,
    "tax_rates": TaxRate,
}
STORE_OF = {"customers": "contacts", "suppliers": "contacts"}
FILTERS: dict[str, frozenset[str]] = {
    "contacts": frozenset({"display_name"}),
    "customers": frozenset({"display_name"}),
    "suppliers": frozenset({"display_name"}),
    "invoices": frozenset({"customer_id"}),
    "bills": frozenset({"supplier_id"}),
}


class ReferenceBackend:
    """The records, shared by every connector built on it (as a real provider's account would be)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, BaseModel]] = {name: {} for name in set(MODELS) - set(STORE_OF)}
        self._ids = itertools.count(1)
        self._clock = datetime(2024, 1, 1, tzinfo=UTC)
        self.calls = 0

    def next_id(self) -> str:
        return str(9_007_199_254_740_993 + next(self._ids))  # past 2^53, as real ids are

    def tick(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock

    def seed(self) -> ReferenceBackend:
        for i in range(5):
            self.insert("contacts", Contact(display_name=f"Customer {i}", is_customer=True))
        for i in range(4):
            self.insert("contacts", Contact(display_name=f"Supplier {i}", is_supplier=True))
        for rate in ("0", "7.5", "20"):
            self.insert("tax_rates", TaxRate(name=f"VAT {rate}%", effective_tax_rate=Decimal(rate)))
        customer = next(iter(self.tables["contacts"]))
        supplier = list(self.tables["contacts"])[-1]
        for i in range(7):
            self.insert("invoices", Invoice.model_validate({"number": f"INV-{i}", "customer": {"id": customer}}))
        for i in range(4):
            self.insert("bills", Bill.model_validate({"bill_number": f"BILL-{i}", "supplier": {"id": supplier}}))
        for i in range(4):
            self.insert("expenses", Expense.model_validate({"number": f"EXP-{i}", "total_amount": f"{i}9.95"}))
        return self

    def insert(self, table: str, record: BaseModel) -> BaseModel:
        now = self.tick()
        stored = record.model_copy(update={"id": self.next_id(), "created_at": now, "updated_at": now})
        self.tables[table][stored.id] = stored  # type: ignore[attr-defined]
        return stored


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        raise RequestValidationError("The cursor is not one this connector made.", field="cursor") from None


class ReferenceConnector(Connector):
    name: ClassVar[str] = "reference"

    def __init__(self, backend: ReferenceBackend) -> None:
        self.backend = backend

    def capabilities(self) -> Capabilities:
        resources = {}
        for resource, model in MODELS.items():
            read_only = read_only_fields(model) | {"raw"}
            resources[resource] = ResourceCapabilities(
                operations=frozenset(Operation),
                filters=FILTERS.get(resource, frozenset()),
                sorts=frozenset({"updated_at"}),
                updated_since="client" if resource == "expenses" else "server",
                writable_fields=frozenset(model.model_fields) - read_only,
                read_only_fields=read_only & frozenset(model.model_fields),
                max_page_size=50,
            )
        return Capabilities(resources)

    def _rows(self, resource: str) -> list[BaseModel]:
        rows = list(self.backend.tables[STORE_OF.get(resource, resource)].values())
        if resource == "customers":
            rows = [r for r in rows if r.is_customer]  # type: ignore[attr-defined]
        if resource == "suppliers":
            rows = [r for r in rows if r.is_supplier]  # type: ignore[attr-defined]
        return rows

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.backend.calls += 1
        rows = self._rows(resource)
        if query.updated_since is not None:
            rows = [r for r in rows if r.updated_at >= query.updated_since]  # type: ignore[attr-defined]
        rows = [r for r in rows if _matches(r, query.filters)]
        if query.sort is not None:
            rows.sort(key=lambda r: getattr(r, query.sort.by), reverse=query.sort.direction == "desc")  # type: ignore[union-attr]
        start = _offset(query.cursor)
        chunk = rows[start : start + query.limit]
        more = start + query.limit < len(rows)
        return Page(data=chunk, next_cursor=_cursor(start + query.limit) if more else None)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.backend.calls += 1
        for row in self._rows(resource):
            if row.id == id:  # type: ignore[attr-defined]
                return row
        raise EntityNotFoundError(f"No {resource} record with id {id}.")

    async def create(self, resource: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        self.backend.calls += 1
        if isinstance(record, Contact) and record.is_customer and record.is_supplier:
            raise RequestValidationError("A contact is a customer or a supplier, not both.", field="is_supplier")
        writable = self.capabilities().for_resource(resource).writable_fields
        clean = type(record).model_validate(record.model_dump(include=set(writable), exclude_unset=True))
        return self.backend.insert(STORE_OF.get(resource, resource), clean)

    async def update(self, resource: str, id: str, record: BaseModel, *, raw: bool = False) -> BaseModel:
        current = await self.get(resource, id)
        writable = self.capabilities().for_resource(resource).writable_fields
        changes = record.model_dump(include=set(writable), exclude_unset=True)
        merged = type(current).model_validate({**current.model_dump(exclude_unset=True), **changes})
        updated = merged.model_copy(update={"updated_at": self.backend.tick()})
        self.backend.tables[STORE_OF.get(resource, resource)][id] = updated
        return updated

    async def delete(self, resource: str, id: str) -> None:
        await self.get(resource, id)
        del self.backend.tables[STORE_OF.get(resource, resource)][id]

    async def proxy(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return httpx.Response(200, json={"method": method, "path": path})


def _matches(record: BaseModel, filters: Mapping[str, Any]) -> bool:
    for key, wanted in filters.items():
        if key == "customer_id":
            value = getattr(getattr(record, "customer", None), "id", None)
        elif key == "supplier_id":
            value = getattr(getattr(record, "supplier", None), "id", None)
        else:
            value = getattr(record, key, None)
        if value != wanted:
            return False
    return True
