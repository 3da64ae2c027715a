"""The sync engine against the in-memory reference connector: correctness, call counts, deletions, events."""

from __future__ import annotations

import asyncio
import math
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemas import Contact, Expense, ExpenseLineItem, Invoice, InvoiceLineItem
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified import AsyncUnifiedClient
from unified.connector import Capabilities, ListQuery, Page
from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.events import Event
from unified.sync import SYNC_RESOURCES, SQLiteStore, SyncEngine

DETAILED = ("invoices", "bills", "expenses")


class Killed(BaseException):
    """Stands in for the process dying mid-run (like KeyboardInterrupt, no Exception handler catches it)."""


class DetailConnector(ReferenceConnector):
    """Like a real provider: lists leave out line items (a detail call fills them), and calls are counted."""

    def __init__(self, backend: ReferenceBackend, *, hidden: frozenset[str] = frozenset()) -> None:
        super().__init__(backend)
        self.hidden = hidden  # ids the lists skip, as a paged list can while records are deleted
        self.lists: Counter[str] = Counter()
        self.gets: Counter[str] = Counter()
        self.fail_get: Exception | None = None

    def capabilities(self) -> Capabilities:
        resources = dict(super().capabilities().resources)
        for name in DETAILED:
            resources[name] = replace(resources[name], detail_fields=frozenset({"line_items"}))
        return Capabilities(resources)

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.lists[resource] += 1
        page = await super().list(resource, query)
        rows = [r for r in page.data if r.id not in self.hidden]
        if resource in DETAILED:
            rows = [r.model_copy(update={"line_items": None}) for r in rows]
        return Page(data=rows, next_cursor=page.next_cursor)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.gets[resource] += 1
        if self.fail_get is not None:
            raise self.fail_get
        return await super().get(resource, id, raw=raw)


def line(description: str, amount: str) -> InvoiceLineItem:
    return InvoiceLineItem(description=description, quantity=Decimal(1), unit_price=Decimal(amount))


def seeded(invoices: int = 12) -> ReferenceBackend:
    backend = ReferenceBackend().seed()
    customer = next(iter(backend.tables["contacts"]))
    for i in range(invoices):
        backend.insert(
            "invoices",
            Invoice.model_validate(
                {"number": f"L-{i}", "customer": {"id": customer}, "line_items": [line(f"Item {i}", f"{i}.50")]}
            ),
        )
    return backend


def touch(backend: ReferenceBackend, table: str, id: str, **changes: Any) -> None:
    record = backend.tables[table][id]
    backend.tables[table][id] = record.model_copy(update={**changes, "updated_at": backend.tick()})


def dump_backend(backend: ReferenceBackend, resource: str) -> dict[str, str]:
    return {id: record.model_dump_json() for id, record in backend.tables[resource].items()}


def dump_store(store: SQLiteStore, resource: str) -> dict[str, str]:
    return {record.id: record.model_dump_json() for record in store.iter(resource)}  # type: ignore[attr-defined]


def assert_mirrors(store: SQLiteStore, backend: ReferenceBackend, resources: tuple[str, ...] = ()) -> None:
    for resource in resources or tuple(SYNC_RESOURCES):
        assert dump_store(store, resource) == dump_backend(backend, resource), resource
        assert store.count(resource) == len(backend.tables[resource])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "sync.db") as opened:
        yield opened


def engine_for(connector: ReferenceConnector, store: SQLiteStore, **options: Any) -> tuple[SyncEngine, list[Event]]:
    options.setdefault("page_size", 5)
    engine = SyncEngine(connector, store, **options)
    events: list[Event] = []
    engine.subscribe(events.append)
    return engine, events


def test_first_sync_copies_every_record_with_details_and_one_created_event_each(store: SQLiteStore) -> None:
    backend = seeded()
    connector = DetailConnector(backend)
    engine, events = engine_for(connector, store)

    report = engine.run_sync()

    assert_mirrors(store, backend)
    invoice = store.get("invoices", next(reversed(backend.tables["invoices"])))
    assert isinstance(invoice, Invoice) and invoice.line_items and invoice.line_items[0].unit_price == Decimal("11.50")
    total = sum(len(t) for t in backend.tables.values())
    assert Counter(e.kind for e in events) == {"created": total}
    assert len({e.entity_id for e in events}) == total
    assert {e.type for e in events} >= {"accounting.customer.created", "accounting.supplier.created"}
    assert report.created == total and report.per_resource["invoices"].created == len(backend.tables["invoices"])
    # one detail call per record of a resource whose lists lack line items, none elsewhere
    assert report.per_resource["invoices"].detail_calls == len(backend.tables["invoices"]) == connector.gets["invoices"]
    assert report.per_resource["contacts"].detail_calls == 0 and connector.gets["contacts"] == 0
    assert report.list_calls == sum(connector.lists.values())


def test_an_unchanged_second_run_emits_nothing_and_fetches_no_details(store: SQLiteStore) -> None:
    backend = seeded()
    connector = DetailConnector(backend)
    engine, events = engine_for(connector, store)
    engine.run_sync()
    events.clear()

    report = engine.run_sync()

    assert events == []
    assert report.created == report.updated == report.deleted == 0
    assert report.detail_calls == 0
    assert report.per_resource["invoices"].mode == "incremental"
    assert report.per_resource["expenses"].mode == "incremental"  # newest first, down to the checkpoint
    assert_mirrors(store, backend)


@pytest.mark.parametrize("k", [1, 7, 12])
@pytest.mark.parametrize("resource", ["invoices", "expenses"])  # server-side updated_since / newest first
def test_incremental_run_after_k_changes_makes_few_calls(store: SQLiteStore, k: int, resource: str) -> None:
    backend = seeded(invoices=30)
    for i in range(30):
        backend.insert("expenses", Expense(number=f"E-{i}", line_items=[ExpenseLineItem(total_amount=Decimal(i))]))
    connector = DetailConnector(backend)
    engine, events = engine_for(connector, store, page_size=10)
    engine.run_sync([resource])
    events.clear()
    connector.gets.clear()
    ids = list(backend.tables[resource])
    for id in ids[:k]:
        touch(backend, resource, id, reference=f"changed {id}")

    report = engine.run_sync([resource]).per_resource[resource]

    assert report.mode == "incremental"
    assert report.updated == k and report.detail_calls == k == connector.gets[resource]
    assert report.list_calls <= math.ceil(k / 10) + 1
    entity = resource.removesuffix("s")
    assert Counter((e.type, e.entity_id) for e in events) == {(f"accounting.{entity}.updated", id): 1 for id in ids[:k]}
    assert all(getattr(e.data, "reference", None) == f"changed {e.entity_id}" for e in events)
    assert_mirrors(store, backend, (resource,))


def test_a_resource_without_a_server_filter_or_a_sort_is_scanned_and_diffed_by_hash(store: SQLiteStore) -> None:
    backend = seeded()

    class Unsorted(DetailConnector):
        def capabilities(self) -> Capabilities:
            resources = dict(super().capabilities().resources)
            resources["expenses"] = replace(resources["expenses"], sorts=frozenset())
            return Capabilities(resources)

    connector = Unsorted(backend)
    engine, events = engine_for(connector, store, page_size=2)
    engine.run_sync(["expenses"])
    events.clear()
    changed = list(backend.tables["expenses"])[1]
    touch(backend, "expenses", changed, reference="changed")

    report = engine.run_sync(["expenses"]).per_resource["expenses"]

    assert report.mode == "scan" and report.list_calls == math.ceil(len(backend.tables["expenses"]) / 2)
    assert report.updated == 1 and report.detail_calls == 1
    assert [(e.type, e.entity_id) for e in events] == [("accounting.expense.updated", changed)]


def test_records_created_after_the_first_sync_arrive_as_created(store: SQLiteStore) -> None:
    backend = seeded()
    engine, events = engine_for(DetailConnector(backend), store)
    engine.run_sync()
    events.clear()
    new = backend.insert("contacts", Contact(display_name="New supplier", is_supplier=True))

    engine.run_sync()

    assert [(e.type, e.entity_id) for e in events] == [("accounting.supplier.created", new.id)]  # type: ignore[attr-defined]
    assert_mirrors(store, backend)


def test_reduced_mode_makes_no_detail_calls_and_a_later_full_mode_run_fills_line_items(store: SQLiteStore) -> None:
    backend = seeded()
    connector = DetailConnector(backend)
    engine, _ = engine_for(connector, store, reduced=True)

    report = engine.run_sync()

    assert report.detail_calls == 0 and sum(connector.gets.values()) == 0
    assert all(invoice.line_items is None for invoice in store.iter("invoices"))  # type: ignore[attr-defined]
    assert store.count("invoices") == len(backend.tables["invoices"])

    # Switching reduced off: the next run scans and fetches the details the reduced runs skipped.
    engine, _ = engine_for(connector, store)
    report = engine.run_sync(["invoices"])
    assert report.per_resource["invoices"].mode == "scan"
    assert report.detail_calls == len(backend.tables["invoices"])
    assert_mirrors(store, backend)
    assert engine.run_sync(["invoices"]).per_resource["invoices"].mode == "incremental"


def test_deletions_are_found_by_a_full_run_but_not_by_an_incremental_run_before_the_interval(
    store: SQLiteStore,
) -> None:
    backend = seeded()
    engine, events = engine_for(DetailConnector(backend), store)
    engine.run_sync()
    events.clear()
    gone_invoice = next(iter(backend.tables["invoices"]))
    gone_contact = list(backend.tables["contacts"])[-1]
    old_invoice = backend.tables["invoices"].pop(gone_invoice)
    del backend.tables["contacts"][gone_contact]

    report = engine.run_sync()
    assert report.deleted == 0 and events == []
    assert store.get("invoices", gone_invoice) is not None

    report = engine.run_sync(full=True)

    assert report.deleted == 2 and report.per_resource["invoices"].deletion_scan
    assert {(e.type, e.entity_id) for e in events} == {
        ("accounting.invoice.deleted", gone_invoice),
        ("accounting.supplier.deleted", gone_contact),
    }
    deleted_invoice = next(e for e in events if e.entity_id == gone_invoice)
    assert deleted_invoice.data.model_dump_json() == old_invoice.model_dump_json()  # its last known state
    assert_mirrors(store, backend)


def test_deletions_are_found_once_the_interval_has_passed(store: SQLiteStore) -> None:
    backend = seeded()
    now = [datetime.now().astimezone()]
    connector = DetailConnector(backend)
    engine, events = engine_for(connector, store, clock=lambda: now[0], deletion_scan_interval=timedelta(hours=1))
    engine.run_sync()
    gone = next(iter(backend.tables["invoices"]))
    del backend.tables["invoices"][gone]

    now[0] += timedelta(minutes=59)
    assert engine.run_sync(["invoices"]).deleted == 0

    now[0] += timedelta(minutes=2)
    report = engine.run_sync(["invoices"]).per_resource["invoices"]
    assert report.deleted == 1 and report.mode == "scan" and report.deletion_scan
    assert [e.type for e in events if e.kind == "deleted"] == ["accounting.invoice.deleted"]

    now[0] += timedelta(minutes=2)
    assert not engine.run_sync(["invoices"]).per_resource["invoices"].deletion_scan


def test_a_record_the_list_skipped_is_kept_when_a_get_finds_it(store: SQLiteStore) -> None:
    backend = seeded()
    engine, events = engine_for(DetailConnector(backend), store)
    engine.run_sync()
    events.clear()
    skipped = next(iter(backend.tables["invoices"]))

    hiding = DetailConnector(backend, hidden=frozenset({skipped}))
    engine, events = engine_for(hiding, store)
    report = engine.run_sync(["invoices"], full=True).per_resource["invoices"]

    assert report.deleted == 0 and events == []
    assert hiding.gets["invoices"] == 1  # the one GET that confirmed it still exists
    assert_mirrors(store, backend)


def test_a_record_deleted_between_its_listing_and_its_detail_call_is_not_stored(store: SQLiteStore) -> None:
    backend = seeded()
    victim = next(iter(backend.tables["invoices"]))

    class Racing(DetailConnector):
        async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
            if id == victim:
                backend.tables["invoices"].pop(victim, None)
            return await super().get(resource, id, raw=raw)

    engine, events = engine_for(Racing(backend), store)
    engine.run_sync(["invoices"])
    assert store.get("invoices", victim) is None
    assert victim not in {e.entity_id for e in events}

    # The vanished record shifted the offset-paged list, which may have skipped a record: the checkpoint did
    # not move, so the next run lists the same window again and catches up.
    engine.run_sync(["invoices"])
    assert dump_store(store, "invoices") == dump_backend(backend, "invoices")
    assert Counter(e.entity_id for e in events) == {id: 1 for id in backend.tables["invoices"]}


def test_a_change_made_during_a_pass_is_picked_up_by_the_next_run(store: SQLiteStore) -> None:
    """A record changed after its page was listed is missed by that pass; the checkpoint must not skip it."""
    backend = seeded(invoices=20)
    ids = list(backend.tables["invoices"])
    first, last = ids[0], ids[-1]

    class Busy(DetailConnector):
        armed = False

        async def list(self, resource: str, query: ListQuery) -> Page[Any]:
            page = await super().list(resource, query)
            if self.armed and resource == "invoices" and query.cursor is not None:
                self.armed = False
                touch(backend, "invoices", first, reference="during the pass")  # its page is already listed
                for _ in range(10):
                    backend.tick()
                touch(backend, "invoices", last, reference="later, also during the pass")
                page = await super().list(resource, query)
            return page

    connector = Busy(backend)
    engine, _ = engine_for(connector, store, clock=lambda: backend._clock)
    engine.run_sync(["invoices"])
    connector.armed = True
    for id in list(backend.tables["invoices"]):
        touch(backend, "invoices", id, reference="before the pass")  # enough changes for several pages
    engine.run_sync(["invoices"])
    assert store.get("invoices", first).reference != "during the pass"  # type: ignore[union-attr]

    engine.run_sync(["invoices"])
    assert dump_store(store, "invoices") == dump_backend(backend, "invoices")


def test_kept_raw_payloads_are_stored_and_carried_by_events(store: SQLiteStore) -> None:
    backend = ReferenceBackend().seed()

    class Raw(ReferenceConnector):
        async def list(self, resource: str, query: ListQuery) -> Page[Any]:
            page = await super().list(resource, query)
            data = [r.model_copy(update={"raw": {"native_id": r.id}}) if query.raw else r for r in page.data]
            return Page(data=data, next_cursor=page.next_cursor)

    engine, events = engine_for(Raw(backend), store, keep_raw=True)
    engine.run_sync(["tax_rates"])

    id = next(iter(backend.tables["tax_rates"]))
    assert store.get("tax_rates", id, raw=True).raw == {"native_id": id}  # type: ignore[union-attr]
    assert store.get("tax_rates", id).raw is None  # type: ignore[union-attr]
    assert all(e.raw == {"native_id": e.entity_id} for e in events)
    assert all(e.to_dict()["data"]["id"] == e.entity_id for e in events)


def test_a_failed_detail_call_stops_the_run_cleanly_and_a_rerun_completes(store: SQLiteStore) -> None:
    backend = seeded()
    connector = DetailConnector(backend)
    connector.fail_get = ConnectorExecutionError("Zoho answered 500")
    engine, events = engine_for(connector, store)

    with pytest.raises(ConnectorExecutionError) as raised:
        engine.run_sync()
    assert any("run it again to resume" in note for note in raised.value.__notes__)

    connector.fail_get = None
    engine.run_sync()
    assert_mirrors(store, backend)
    assert Counter(Counter(e.entity_id for e in events).values()) == {1: sum(len(t) for t in backend.tables.values())}


def test_a_stale_cursor_restarts_the_pass_instead_of_failing_forever(store: SQLiteStore) -> None:
    backend = seeded(invoices=20)

    class Forgetful(DetailConnector):
        calls = 0

        async def list(self, resource: str, query: ListQuery) -> Page[Any]:
            self.calls += 1
            if self.calls == 3:
                raise Killed
            if self.calls == 4:
                raise RequestValidationError("The cursor is not one this connector made.", field="cursor")
            return await super().list(resource, query)

    engine, _ = engine_for(Forgetful(backend), store)
    with pytest.raises(Killed):
        engine.run_sync(["invoices"])
    report = engine.run_sync(["invoices"]).per_resource["invoices"]
    assert report.resumed
    assert dump_store(store, "invoices") == dump_backend(backend, "invoices")


def test_a_full_run_replaces_an_unfinished_incremental_pass(store: SQLiteStore) -> None:
    backend = seeded(invoices=20)
    connector = DetailConnector(backend)
    engine, events = engine_for(connector, store)
    engine.run_sync(["invoices"])
    for id in backend.tables["invoices"]:
        touch(backend, "invoices", id, reference="changed")
    gone = next(iter(backend.tables["invoices"]))
    del backend.tables["invoices"][gone]
    events.clear()

    class Dying(DetailConnector):
        async def list(self, resource: str, query: ListQuery) -> Page[Any]:
            if query.cursor is not None:
                raise Killed
            return await super().list(resource, query)

    dying, _ = engine_for(Dying(backend), store)
    dying.subscribe(events.append)
    with pytest.raises(Killed):
        dying.run_sync(["invoices"])

    report = engine.run_sync(["invoices"], full=True).per_resource["invoices"]

    assert not report.resumed and report.mode == "scan" and report.deleted == 1
    assert Counter(e.entity_id for e in events) == {id: 1 for id in [*backend.tables["invoices"], gone]}
    assert_mirrors(store, backend, ("invoices",))


def test_ctrl_c_during_run_sync_rolls_back_the_page_and_the_next_run_resumes(store: SQLiteStore) -> None:
    backend = seeded(invoices=20)
    # run_sync's loop turns Ctrl-C into a cancellation only over Python's own handler (another test may have left
    # its own): put it back for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    class Interrupted(DetailConnector):
        fired = False

        async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
            if self.gets[resource] == 7 and not self.fired:
                self.fired = True
                # A real SIGINT at a known point (the 7th detail call, on the second page). Its handler runs before
                # raise_signal returns and cancels the run; this call then waits for that cancellation, never for a
                # time (the limit only turns a missing cancellation into a failure instead of a hang).
                signal.raise_signal(signal.SIGINT)
                await asyncio.wait_for(asyncio.Event().wait(), timeout=60)
            return await super().get(resource, id, raw=raw)

    try:
        with SyncEngine(Interrupted(backend), store, page_size=5) as engine:
            events: list[Event] = []
            engine.subscribe(events.append)
            with pytest.raises(KeyboardInterrupt):
                engine.run_sync(["invoices"])
            assert store.count("invoices") == 5  # the first page; the second rolled back
            report = engine.run_sync(["invoices"]).per_resource["invoices"]
    finally:
        signal.signal(signal.SIGINT, previous)
    assert report.resumed
    assert_mirrors(store, backend, ("invoices",))
    assert Counter(e.entity_id for e in events) == {id: 1 for id in backend.tables["invoices"]}


def test_subscribers_may_be_async_and_a_failing_one_does_not_stop_the_sync(store: SQLiteStore) -> None:
    backend = ReferenceBackend().seed()
    engine = SyncEngine(ReferenceConnector(backend), store)
    seen: list[str] = []

    async def async_subscriber(event: Event) -> None:
        await asyncio.sleep(0)
        seen.append(event.entity_id)

    def broken(event: Event) -> None:
        raise ValueError("subscriber bug")

    engine.subscribe(broken)
    engine.subscribe(async_subscriber)
    unsubscribe = engine.subscribe(lambda event: seen.append("never"))
    unsubscribe()

    report = engine.run_sync(["tax_rates"])

    assert sorted(seen) == sorted(backend.tables["tax_rates"])
    assert report.per_resource["tax_rates"].failed_events == 3
    assert store.count("tax_rates") == 3


def test_progress_reports_pages_and_the_end_of_each_resource(store: SQLiteStore) -> None:
    backend = seeded(invoices=8)
    calls: list[tuple[str, int, int | None, str]] = []
    engine, _ = engine_for(DetailConnector(backend), store)
    engine.run_sync(["invoices"], progress=lambda *args: calls.append(args))
    total = len(backend.tables["invoices"])
    assert calls[-1] == ("invoices", total, None, "done")
    assert [c[1] for c in calls if c[3] == "listing"] == [5, 10, total]


def test_resources_are_checked_and_views_mean_contacts(store: SQLiteStore) -> None:
    engine = SyncEngine(ReferenceConnector(ReferenceBackend()), store)
    assert engine.resources(["customers", "suppliers", "tax-rates"]) == ["contacts", "tax_rates"]
    assert engine.resources("invoices,bills") == ["invoices", "bills"]
    assert engine.resources() == list(SYNC_RESOURCES)
    with pytest.raises(RequestValidationError, match="choose from") as raised:
        engine.resources(["payments"])
    assert raised.value.field == "resources"


def test_one_store_holds_one_connection(store: SQLiteStore) -> None:
    backend = ReferenceBackend().seed()
    SyncEngine(ReferenceConnector(backend), store, connection="acme").run_sync(["tax_rates"])
    with pytest.raises(RequestValidationError, match="'acme'"):
        SyncEngine(ReferenceConnector(backend), store, connection="globex").run_sync(["tax_rates"])


def test_bad_settings_are_refused_with_the_field_named(store: SQLiteStore) -> None:
    connector = ReferenceConnector(ReferenceBackend())
    cases: list[tuple[dict[str, Any], str]] = [
        ({"page_size": 0}, "page_size"),
        ({"detail_concurrency": 0}, "detail_concurrency"),
        ({"connection": " "}, "connection"),
        ({"deletion_scan_interval": timedelta(seconds=-1)}, "deletion_scan_interval"),
    ]
    for options, field in cases:
        with pytest.raises(RequestValidationError) as raised:
            SyncEngine(connector, store, **options)
        assert raised.value.field == field
    with pytest.raises(RequestValidationError, match="Store"):
        SyncEngine(connector, "unified.db")  # type: ignore[arg-type]


def test_the_engine_takes_an_async_client_and_refuses_run_sync_inside_a_loop(store: SQLiteStore) -> None:
    backend = ReferenceBackend().seed()
    engine = SyncEngine(AsyncUnifiedClient(ReferenceConnector(backend)), store)

    async def main() -> None:
        with pytest.raises(RuntimeError, match=r"await engine\.run"):
            engine.run_sync()
        report = await engine.run(["contacts"])
        assert report.per_resource["contacts"].created == len(backend.tables["contacts"])

    asyncio.run(main())
    assert store.count("customers") == 5 and store.count("suppliers") == 4
