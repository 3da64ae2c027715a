"""Killed at any step, a sync resumes on the next run: no record lost or duplicated, one event per change.

Hypothesis picks where the runs die: at the n-th connector call or the n-th store write, one or more times in a
row, during a first sync and during a later sync after random creates, updates and deletes.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from schemas import Bill, BillLineItem, Contact, Expense, ExpenseLineItem, Invoice, InvoiceLineItem, TaxRate
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.connector import Capabilities, ListQuery, Page
from unified.events import Event
from unified.sync import SYNC_RESOURCES, SQLiteStore, StoredRecord, SyncEngine

DETAILED = ("invoices", "bills", "expenses")
Kill = tuple[Literal["call", "write"], int]


class Killed(BaseException):
    """Stands in for the process dying (kill -9, Ctrl-C): not an Exception, so nothing catches it on the way."""


class Countdown:
    def __init__(self, at: int | None) -> None:
        self.at = at
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps == self.at:
            raise Killed(f"killed at step {self.steps}")


class KillableConnector(ReferenceConnector):
    """A provider whose lists lack line items (a detail call per record), dying at the n-th call."""

    def __init__(self, backend: ReferenceBackend, countdown: Countdown) -> None:
        super().__init__(backend)
        self.countdown = countdown

    def capabilities(self) -> Capabilities:
        resources = dict(super().capabilities().resources)
        for name in DETAILED:
            resources[name] = replace(resources[name], detail_fields=frozenset({"line_items"}))
        return Capabilities(resources)

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.countdown.step()
        page = await super().list(resource, query)
        if resource in DETAILED:
            return Page([r.model_copy(update={"line_items": None}) for r in page.data], page.next_cursor)
        return page

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.countdown.step()
        return await super().get(resource, id, raw=raw)


class KillableStore(SQLiteStore):
    """A store dying at its n-th write (inside the page's transaction, so the whole page rolls back)."""

    countdown = Countdown(None)

    def upsert(self, resource: str, record: StoredRecord) -> None:
        self.countdown.step()
        super().upsert(resource, record)

    def delete(self, resource: str, id: str) -> None:
        self.countdown.step()
        super().delete(resource, id)

    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        self.countdown.step()
        super().mark_seen(resource, ids, token)

    def save_state(self, resource: str, state: Mapping[str, Any]) -> None:
        self.countdown.step()
        super().save_state(resource, state)


def seeded() -> ReferenceBackend:
    backend = ReferenceBackend().seed()
    for i in range(6):
        new_record(backend, "invoices", i)
    return backend


def new_record(backend: ReferenceBackend, resource: str, n: int) -> None:
    customer = next(id for id, c in backend.tables["contacts"].items() if c.is_customer)  # type: ignore[attr-defined]
    supplier = next(id for id, c in backend.tables["contacts"].items() if c.is_supplier)  # type: ignore[attr-defined]
    price = Decimal(f"{n}.25")
    record: BaseModel
    if resource == "contacts":
        record = Contact(display_name=f"New {n}", is_customer=n % 2 == 0, is_supplier=n % 2 == 1)
    elif resource == "invoices":
        record = Invoice.model_validate(
            {"number": f"N-{n}", "customer": {"id": customer}, "line_items": [InvoiceLineItem(unit_price=price)]}
        )
    elif resource == "bills":
        record = Bill.model_validate(
            {"bill_number": f"B-{n}", "supplier": {"id": supplier}, "line_items": [BillLineItem(unit_price=price)]}
        )
    elif resource == "expenses":
        record = Expense(number=f"E-{n}", line_items=[ExpenseLineItem(total_amount=price)])
    else:
        record = TaxRate(name=f"Rate {n}", effective_tax_rate=Decimal(n % 30))
    backend.insert(resource, record)


def apply(backend: ReferenceBackend, changes: Sequence[tuple[str, str, int]]) -> None:
    for action, resource, n in changes:
        table = backend.tables[resource]
        if action == "create" or not table:
            new_record(backend, resource, n)
            continue
        id = list(table)[n % len(table)]
        if action == "delete":
            del table[id]
        else:
            field = {"contacts": "notes", "tax_rates": "description"}.get(resource, "reference")
            table[id] = table[id].model_copy(update={field: f"edit {n}", "updated_at": backend.tick()})


def snapshot(backend: ReferenceBackend) -> dict[str, dict[str, str]]:
    return {r: {id: m.model_dump_json() for id, m in backend.tables[r].items()} for r in SYNC_RESOURCES}


def sync_until_done(backend: ReferenceBackend, db: Path, kills: Sequence[Kill], events: list[Event], full: bool) -> int:
    """Run, and after each kill run again, as a restarted process would; returns how many runs died."""
    for kill in [*kills, None]:
        calls = Countdown(kill[1] if kill and kill[0] == "call" else None)
        store = KillableStore(db)
        store.countdown = Countdown(kill[1] if kill and kill[0] == "write" else None)
        engine = SyncEngine(KillableConnector(backend, calls), store, page_size=4, deletion_scan_interval=None)
        engine.subscribe(events.append)
        try:
            engine.run_sync(full=full)
        except Killed:
            continue
        finally:
            store.close()
        return len(kills)
    raise AssertionError("the last run has no kill point")


def assert_store_equals(db: Path, expected: dict[str, dict[str, str]]) -> None:
    with SQLiteStore(db) as store:
        for resource in SYNC_RESOURCES:
            assert {m.id: m.model_dump_json() for m in store.iter(resource)} == expected[resource], resource  # type: ignore[attr-defined]
            assert store.count(resource) == len(expected[resource])


def expected_events(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> Counter[tuple[str, str]]:
    expected: Counter[tuple[str, str]] = Counter()
    for resource in SYNC_RESOURCES:
        old, new = before.get(resource, {}), after[resource]
        expected.update(("created", id) for id in new.keys() - old.keys())
        expected.update(("deleted", id) for id in old.keys() - new.keys())
        expected.update(("updated", id) for id in new.keys() & old.keys() if new[id] != old[id])
    return expected


kill_points = st.lists(st.tuples(st.sampled_from(["call", "write"]), st.integers(1, 70)), max_size=3)
changes = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "delete"]), st.sampled_from(list(SYNC_RESOURCES)), st.integers(0, 99)
    ),
    max_size=10,
)


@settings(max_examples=15, deadline=None)
@given(first_kills=kill_points, later_kills=kill_points, edits=changes, full=st.booleans())
def test_killed_syncs_resume_without_losing_or_duplicating_anything(
    first_kills: list[Kill], later_kills: list[Kill], edits: list[tuple[str, str, int]], full: bool
) -> None:
    backend = seeded()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sync.db"
        events: list[Event] = []
        sync_until_done(backend, db, first_kills, events, full=False)
        after_first = snapshot(backend)
        assert_store_equals(db, after_first)
        assert Counter((e.kind, e.entity_id) for e in events) == expected_events({}, after_first)

        if not full:  # deletions are looked for on full runs (or per interval, off here)
            edits = [e for e in edits if e[0] != "delete"]
        apply(backend, edits)
        events.clear()
        sync_until_done(backend, db, later_kills, events, full=full)
        after_edits = snapshot(backend)
        assert_store_equals(db, after_edits)
        assert Counter((e.kind, e.entity_id) for e in events) == expected_events(after_first, after_edits)
        assert all(
            e.data.model_dump_json() == after_edits[e.resource][e.entity_id] for e in events if e.kind != "deleted"
        )
