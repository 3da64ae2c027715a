"""One sync per (store, resource) at a time: overlapping runs neither multiply the calls nor the created events."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemas import Invoice, InvoiceLineItem
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.connector import Capabilities, ListQuery, Page
from unified.errors import RequestValidationError, UnifiedError
from unified.events import Event
from unified.sync import SQLiteStore, SyncEngine, SyncLock, SyncLockedError


class Counting(ReferenceConnector):
    """Lists without line items (a detail call per record fills them); counts calls; can hold its first list."""

    def __init__(self, backend: ReferenceBackend, gate: threading.Event | None = None) -> None:
        super().__init__(backend)
        self.gate = gate
        self.listing = threading.Event()
        self.lists = 0
        self.gets = 0

    def capabilities(self) -> Capabilities:
        caps = super().capabilities()
        resources = dict(caps.resources)
        resources["invoices"] = replace(resources["invoices"], detail_fields=frozenset({"line_items"}))
        return Capabilities(resources)

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.lists += 1
        self.listing.set()
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 60)
        page = await super().list(resource, query)
        return Page(data=[r.model_copy(update={"line_items": None}) for r in page.data], next_cursor=page.next_cursor)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.gets += 1
        return await super().get(resource, id, raw=raw)


class Watched(SQLiteStore):
    """Says when a run found the lock held (so the test releases the holder only once the other run waits)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.refused = threading.Event()

    def lock(self, resource: str) -> SyncLock:
        try:
            return super().lock(resource)
        except SyncLockedError:
            self.refused.set()
            raise


def seeded() -> ReferenceBackend:
    backend = ReferenceBackend().seed()
    customer = next(iter(backend.tables["contacts"]))
    line = InvoiceLineItem(description="Work", quantity=Decimal(1), unit_price=Decimal("10.00"))
    for i in range(12):
        backend.insert(
            "invoices", Invoice.model_validate({"number": f"L-{i}", "customer": {"id": customer}, "line_items": [line]})
        )
    return backend


def in_thread(target: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_second_run_at_once_is_refused_before_any_call(tmp_path: Path) -> None:
    backend, gate = seeded(), threading.Event()
    first, second = Counting(backend, gate), Counting(backend)
    events: list[Event] = []
    with SQLiteStore(tmp_path / "sync.db") as store_a, SQLiteStore(tmp_path / "sync.db") as store_b:
        engine_a = SyncEngine(first, store_a, page_size=5)
        engine_b = SyncEngine(second, store_b, page_size=5)
        engine_a.subscribe(events.append)
        engine_b.subscribe(events.append)
        thread, outcome = in_thread(lambda: engine_a.run_sync(["invoices"]))
        try:
            assert first.listing.wait(30)
            with pytest.raises(SyncLockedError) as refused:
                engine_b.run_sync(["invoices"])
        finally:
            gate.set()
            thread.join(60)
        engine_a.close()
        engine_b.close()

    invoices = len(backend.tables["invoices"])
    error = refused.value
    assert isinstance(error, UnifiedError) and error.status_code == 409 and error.resource == "invoices"
    assert f"process {os.getpid()}" in error.message and "invoices" in error.message and "--wait" in error.message
    assert second.lists == 0 and second.gets == 0
    report = outcome[0].per_resource["invoices"]
    assert report.created == invoices and first.gets == invoices
    assert Counter(e.entity_id for e in events if e.kind == "created") == {id: 1 for id in backend.tables["invoices"]}


def test_a_second_run_that_waits_goes_after_the_first_and_repeats_none_of_its_calls(tmp_path: Path) -> None:
    backend, gate = seeded(), threading.Event()
    first, second = Counting(backend, gate), Counting(backend)
    events: list[Event] = []
    with SQLiteStore(tmp_path / "sync.db") as store_a, Watched(tmp_path / "sync.db") as store_b:
        engine_a = SyncEngine(first, store_a, page_size=5)
        engine_b = SyncEngine(second, store_b, page_size=5, lock_wait=timedelta(minutes=2))
        engine_a.subscribe(events.append)
        engine_b.subscribe(events.append)
        thread_a, outcome_a = in_thread(lambda: engine_a.run_sync(["invoices"]))
        assert first.listing.wait(30)
        thread_b, outcome_b = in_thread(lambda: engine_b.run_sync(["invoices"]))
        try:
            assert store_b.refused.wait(30)  # the second run found it held, and waits
        finally:
            gate.set()
            thread_a.join(60)
            thread_b.join(60)
        engine_a.close()
        engine_b.close()

    invoices = len(backend.tables["invoices"])
    a, b = outcome_a[0].per_resource["invoices"], outcome_b[0].per_resource["invoices"]
    assert a.created == invoices and first.gets == invoices
    assert b.created == 0 and b.detail_calls == 0 and second.gets == 0 and not b.deletion_scan
    assert first.gets + second.gets == invoices  # no more detail calls than one run's
    assert Counter(e.entity_id for e in events if e.kind == "created") == {id: 1 for id in backend.tables["invoices"]}


def test_a_failed_run_lets_the_lock_go(tmp_path: Path) -> None:
    backend = seeded()

    class Broken(Counting):
        async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
            raise RuntimeError("provider bug")

    with SQLiteStore(tmp_path / "sync.db") as store:
        with SyncEngine(Broken(backend), store) as broken, pytest.raises(RuntimeError):
            broken.run_sync(["invoices"])
        with SyncEngine(Counting(backend), store) as engine:
            report = engine.run_sync(["invoices"]).per_resource["invoices"]
            assert report.created == len(backend.tables["invoices"])


def test_other_resources_and_other_stores_are_not_held(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as a, SQLiteStore(tmp_path / "b.db") as b, a.lock("invoices"):
        with a.lock("contacts"), b.lock("invoices"):
            pass
        with pytest.raises(SyncLockedError):
            a.lock("invoices")
    with SQLiteStore(tmp_path / "a.db") as again, again.lock("invoices") as held:
        assert "held" in repr(held)


def test_a_memory_store_locks_within_the_process() -> None:
    with SQLiteStore(":memory:") as store, SQLiteStore(":memory:") as other:
        with store.lock("bills"):
            with pytest.raises(SyncLockedError, match="in-memory"):
                store.lock("bills")
            other.lock("bills").release()
        store.lock("bills").release()


HOLDER = """
import sys
from unified.sync import SQLiteStore
store = SQLiteStore(sys.argv[1])
lock = store.lock("invoices")
print("held", flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_holder_does_not_leave_the_store_locked(tmp_path: Path) -> None:
    db = tmp_path / "sync.db"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with SQLiteStore(db) as store:
            with pytest.raises(SyncLockedError) as refused:
                store.lock("invoices")
            assert f"process {child.pid}" in refused.value.message
            child.kill()  # no chance to release anything
            child.wait(30)
            store.lock("invoices").release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_database_and_its_lock_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "sync.db"
    with SQLiteStore(db) as store:
        store.set_meta("x", "y")
        store.lock("contacts").release()
        files = [db, db.with_name("sync.db-wal"), db.with_name("sync.db-contacts.lock")]
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_lock_wait_is_checked(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "sync.db") as store:
        for bad in (timedelta(seconds=-1), 5):
            with pytest.raises(RequestValidationError) as raised:
                SyncEngine(ReferenceConnector(ReferenceBackend()), store, lock_wait=bad)  # type: ignore[arg-type]
            assert raised.value.field == "lock_wait"
