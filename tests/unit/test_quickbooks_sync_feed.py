"""The sync engine's change-feed hook (what QuickBooks' CDC plugs into), against the in-memory reference connector."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemas import Contact
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.connector import ListQuery, Page
from unified.events import Event
from unified.sync import Changes, SQLiteStore, SyncEngine

HORIZON = timedelta(days=30)


class FeedConnector(ReferenceConnector):
    """Offers a change feed for contacts and invoices: changes since a time and a journal of deletions."""

    def __init__(self, backend: ReferenceBackend) -> None:
        super().__init__(backend)
        self.deleted: list[tuple[datetime, str, str]] = []
        self.calls: Counter[str] = Counter()
        self.complete = True

    def change_horizon(self, resource: str) -> timedelta | None:
        return HORIZON if resource in ("contacts", "invoices") else None

    async def changes(self, resource: str, since: datetime) -> Changes:
        self.calls["changes"] += 1
        changed = [r for r in self._rows(resource) if r.updated_at >= since]  # type: ignore[attr-defined]
        gone = [id for at, table, id in self.deleted if table == resource and at >= since]
        return Changes(changed=changed, deleted=gone, as_of=self.backend._clock, complete=self.complete)

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.calls["list"] += 1
        return await super().list(resource, query)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.calls["get"] += 1
        return await super().get(resource, id, raw=raw)

    def remove(self, table: str, id: str) -> None:
        del self.backend.tables[table][id]
        self.deleted.append((self.backend.tick(), table, id))


class Clock:
    """The engine's clock: the backend's, plus however far a test moves it on."""

    def __init__(self, backend: ReferenceBackend) -> None:
        self.backend = backend
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return self.backend._clock + self.ahead


@pytest.fixture
def setup(tmp_path: Path) -> tuple[FeedConnector, SyncEngine, list[Event], Clock]:
    connector = FeedConnector(ReferenceBackend().seed())
    clock = Clock(connector.backend)
    engine = SyncEngine(connector, SQLiteStore(tmp_path / "sync.db"), deletion_scan_interval=timedelta(0), clock=clock)
    events: list[Event] = []
    engine.subscribe(events.append)
    engine.run_sync(["contacts", "invoices"])  # the first run lists everything
    events.clear()
    connector.calls.clear()
    return connector, engine, events, clock


def test_a_deletion_arrives_through_the_feed_without_an_id_scan(setup: Any) -> None:
    connector, engine, events, _ = setup
    victim = next(iter(connector.backend.tables["invoices"]))
    connector.remove("invoices", victim)

    report = engine.run_sync(["invoices"])

    assert [(e.type, e.entity_id) for e in events] == [("accounting.invoice.deleted", victim)]
    assert report.per_resource["invoices"].deleted == 1
    assert not report.per_resource["invoices"].deletion_scan
    assert connector.calls == Counter({"changes": 1})  # no listing, no GET per stored id
    assert engine.store.get("invoices", victim) is None


def test_changes_and_creations_arrive_through_the_feed(setup: Any) -> None:
    connector, engine, events, _ = setup
    contact_id = next(iter(connector.backend.tables["contacts"]))
    old = connector.backend.tables["contacts"][contact_id]
    connector.backend.tables["contacts"][contact_id] = old.model_copy(
        update={"display_name": "Renamed", "updated_at": connector.backend.tick()}
    )
    added = connector.backend.insert("contacts", Contact(display_name="New one", is_customer=True))

    engine.run_sync(["contacts"])

    kinds = {(e.entity_id, e.kind) for e in events}
    assert kinds == {(contact_id, "updated"), (added.id, "created")}  # type: ignore[attr-defined]
    assert connector.calls == Counter({"changes": 1})
    again = engine.run_sync(["contacts"])
    assert again.per_resource["contacts"].changed == 0  # the checkpoint moved past them


def test_a_full_listing_hands_over_to_the_feed_at_its_start(tmp_path: Path) -> None:
    """Records far older than the horizon: after the first listing the next run still reads the feed."""
    backend = ReferenceBackend().seed()
    connector = FeedConnector(backend)
    clock = Clock(backend)
    clock.ahead = HORIZON * 3  # the seeded records are months old
    engine = SyncEngine(connector, SQLiteStore(tmp_path / "sync.db"), clock=clock)
    engine.run_sync(["invoices"])
    connector.calls.clear()
    report = engine.run_sync(["invoices"])
    assert connector.calls == Counter({"changes": 1}) and not report.per_resource["invoices"].deletion_scan


def test_past_the_horizon_the_run_is_a_full_reconciliation(setup: Any) -> None:
    connector, engine, events, clock = setup
    victim = next(iter(connector.backend.tables["invoices"]))
    del connector.backend.tables["invoices"][victim]  # gone, and the feed no longer remembers it
    clock.ahead = HORIZON + timedelta(days=1)

    report = engine.run_sync(["invoices"])

    assert report.per_resource["invoices"].deletion_scan
    assert connector.calls["changes"] == 0 and connector.calls["list"] >= 1
    assert [(e.type, e.entity_id) for e in events] == [("accounting.invoice.deleted", victim)]


def test_an_answer_cut_short_makes_a_full_reconciliation(setup: Any) -> None:
    connector, engine, events, _ = setup
    connector.complete = False
    victim = next(iter(connector.backend.tables["contacts"]))
    del connector.backend.tables["contacts"][victim]

    report = engine.run_sync(["contacts"])

    assert report.per_resource["contacts"].deletion_scan
    assert connector.calls["changes"] == 1 and connector.calls["list"] >= 1
    assert victim in {e.entity_id for e in events if e.kind == "deleted"}


def test_resources_without_a_feed_sync_as_before(setup: Any) -> None:
    connector, engine, _, _ = setup
    engine.run_sync(["bills"])
    engine.run_sync(["bills"])  # deletion_scan_interval=0: a deletion scan every run, as without a feed
    assert connector.calls["changes"] == 0 and connector.calls["list"] >= 2
