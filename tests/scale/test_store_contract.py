"""The store contract, one suite run against SQLiteStore and PostgresStore: records read back as models, filters
on indexed columns, views, transactions that roll back, the engine's bookkeeping, state surviving a reopen, one
sync per (store, resource) at a time, and a full sync through the engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, InvoiceStatus, TaxRate
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.errors import RequestValidationError
from unified.sync import PostgresStore, SQLiteStore, Store, StoredRecord, SyncEngine, SyncLockedError, content_hash

WHEN = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))

Opener = Callable[..., Store]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the same store again on every call (another handle: another session for PostgreSQL)."""
    opened: list[Store] = []
    if request.param == "sqlite":

        def opener(connection: str = "acme") -> Store:
            opened.append(SQLiteStore(tmp_path / f"{connection}.db"))
            return opened[-1]

    else:
        url: str = request.getfixturevalue("pg_database")
        schema: str = request.getfixturevalue("pg_schema")

        def opener(connection: str = "acme") -> Store:
            opened.append(PostgresStore(url, connection=connection, schema=schema))
            return opened[-1]

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener) -> Store:
    return open_store()


def stored(record: BaseModel, *, seen: str | None = None, raw: dict[str, object] | None = None) -> StoredRecord:
    digest = content_hash(record)
    return StoredRecord(record=record, summary_hash=digest, record_hash=digest, detailed=True, raw=raw, seen=seen)


def invoice(id: str, **fields: object) -> Invoice:
    return Invoice.model_validate({"id": id, "updated_at": WHEN, **fields})


def test_a_record_reads_back_as_the_same_model(store: Store) -> None:
    record = invoice(
        "9007199254740993",
        number="INV-1",
        customer={"id": "46", "display_name": "Acme"},
        status="some_new_status",
        total=Decimal("1234567890123.4567"),
        invoice_date=dt.date(2024, 5, 1),
        line_items=[{"description": "Work", "quantity": "1.5", "unit_price": "100.10"}],
    )
    store.upsert("invoices", stored(record, raw={"invoice_id": "9007199254740993"}))
    back = store.get("invoices", "9007199254740993")
    assert isinstance(back, Invoice)
    assert back.model_dump_json() == record.model_dump_json() and back.raw is None
    with_raw = store.get("invoices", "9007199254740993", raw=True)
    assert with_raw is not None and with_raw.raw == {"invoice_id": "9007199254740993"}  # type: ignore[attr-defined]
    assert store.get("invoices", "missing") is None


def test_an_upsert_replaces_a_delete_removes_and_order_is_insertion_order(store: Store) -> None:
    for id in ("3", "1", "2"):
        store.upsert("invoices", stored(invoice(id, number=f"N{id}")))
    store.upsert("invoices", stored(invoice("1", number="B")))
    assert [r.id for r in store.iter("invoices")] == ["3", "1", "2"]  # type: ignore[attr-defined]
    assert store.get("invoices", "1").number == "B"  # type: ignore[union-attr]
    store.delete("invoices", "1")
    assert store.count("invoices") == 2


def test_iter_streams_more_rows_than_one_chunk(store: Store) -> None:
    with store.transaction():
        for n in range(1203):
            store.upsert("tax_rates", stored(TaxRate(id=str(n), name=f"T{n}")))
    assert [r.id for r in store.iter("tax_rates")] == [str(n) for n in range(1203)]  # type: ignore[attr-defined]
    assert len(store.states("tax_rates", [str(n) for n in range(1203)])) == 1203


def test_filters_use_indexed_columns_with_python_values(store: Store) -> None:
    store.upsert("invoices", stored(invoice("1", number="A", status="paid", customer={"id": "c1"})))
    store.upsert("invoices", stored(invoice("2", number="B", status=InvoiceStatus.PAID, due_date=dt.date(2024, 6, 1))))
    store.upsert("invoices", stored(invoice("3", number="C", status="draft", customer={"id": "c1"})))
    assert store.count("invoices", status="paid") == 2
    assert store.count("invoices", status=InvoiceStatus.PAID, customer_id="c1") == 1
    assert [r.id for r in store.iter("invoices", due_date=dt.date(2024, 6, 1))] == ["2"]  # type: ignore[attr-defined]
    assert [r.id for r in store.iter("invoices", customer_id=None)] == ["2"]  # type: ignore[attr-defined]
    assert store.count("invoices", updated_at=WHEN.astimezone(dt.UTC)) == 3
    with pytest.raises(RequestValidationError, match="filter columns") as raised:
        store.count("invoices", memo="x")
    assert raised.value.field == "memo"
    with pytest.raises(RequestValidationError, match="timezone"):
        store.count("invoices", updated_at=dt.datetime(2024, 1, 1))


def test_every_resource_has_its_table_and_views(store: Store) -> None:
    store.upsert("contacts", stored(Contact(id="1", display_name="Acme", is_customer=True)))
    store.upsert("contacts", stored(Contact(id="2", display_name="Parts Ltd", is_supplier=True)))
    store.upsert("bills", stored(Bill.model_validate({"id": "3", "bill_number": "B-1", "supplier": {"id": "2"}})))
    store.upsert("expenses", stored(Expense.model_validate({"id": "4", "number": "E-1", "supplier_id": "2"})))
    store.upsert("tax_rates", stored(TaxRate(id="5", name="VAT", code="S", effective_tax_rate=Decimal("20"))))
    assert [c.display_name for c in store.iter("customers")] == ["Acme"]  # type: ignore[attr-defined]
    assert [c.display_name for c in store.iter("suppliers")] == ["Parts Ltd"]  # type: ignore[attr-defined]
    assert store.get("customers", "2") is None and store.get("suppliers", "2") is not None
    assert store.count("bills", supplier_id="2") == store.count("expenses", supplier_id="2") == 1
    assert store.count("tax-rates", code="S") == 1
    assert "display_name" in store.filter_columns("customers")
    with pytest.raises(RequestValidationError, match="the store holds"):
        store.count("payments")


def test_a_transaction_rolls_back_on_any_exception_even_a_keyboard_interrupt(store: Store) -> None:
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.upsert("invoices", stored(invoice("1")))
        store.save_state("invoices", {"cursor": "x"})
        raise KeyboardInterrupt
    assert store.count("invoices") == 0 and store.load_state("invoices") is None
    with store.transaction():
        store.upsert("invoices", stored(invoice("1")))
        with store.transaction():
            store.save_state("invoices", {"cursor": "y"})
    assert store.count("invoices") == 1 and store.load_state("invoices") == {"cursor": "y"}


def test_hashes_and_seen_marks_for_the_engine(store: Store) -> None:
    for id in ("1", "2", "3"):
        store.upsert("invoices", stored(invoice(id)))
    assert set(store.states("invoices", ["1", "3", "404"])) == {"1", "3"}
    assert store.states("invoices", ["1"])["1"].record_hash == content_hash(invoice("1"))
    store.mark_seen("invoices", ["1", "3"], "pass-a")
    assert [r.id for r in store.unseen("invoices", "pass-a", 10)] == ["2"]  # type: ignore[attr-defined]
    assert len(store.unseen("invoices", "pass-b", 2)) == 2


def test_state_and_meta_survive_reopening(open_store: Opener) -> None:
    first = open_store()
    first.upsert("tax_rates", stored(TaxRate(id="1", name="VAT")))
    first.save_state("tax_rates", {"checkpoint": "2024-01-01T00:00:00+00:00"})
    first.set_meta("connection", "acme")
    first.close()
    second = open_store()
    assert second.count("tax_rates") == 1
    assert second.load_state("tax_rates") == {"checkpoint": "2024-01-01T00:00:00+00:00"}
    assert second.get_meta("connection") == "acme" and second.get_meta("nothing") is None


def test_a_connection_sees_only_its_own_records(open_store: Opener) -> None:
    acme, beta = open_store("acme"), open_store("beta")
    acme.upsert("invoices", stored(invoice("1", number="A")))
    beta.upsert("invoices", stored(invoice("1", number="B")))
    acme.save_state("invoices", {"cursor": "a"})
    assert acme.get("invoices", "1").number == "A" and beta.get("invoices", "1").number == "B"  # type: ignore[union-attr]
    assert beta.load_state("invoices") is None and acme.count("invoices") == beta.count("invoices") == 1


def test_one_run_per_resource_across_handles_freed_on_release(open_store: Opener) -> None:
    first, second = open_store(), open_store()
    held = first.lock("invoices")
    with pytest.raises(SyncLockedError, match="Another sync run") as raised:
        second.lock("invoices")
    assert raised.value.status_code == 409 and raised.value.resource == "invoices"
    second.lock("contacts").release()  # another resource is free
    held.release()
    held.release()  # twice is harmless
    second.lock("invoices").release()


def test_the_engine_syncs_everything_and_a_second_run_changes_nothing(open_store: Opener) -> None:
    backend = ReferenceBackend().seed()
    store = open_store()
    with SyncEngine(ReferenceConnector(backend), store, connection="acme") as engine:
        report = engine.run_sync()
        again = engine.run_sync()
    for name, table in backend.tables.items():
        assert {r.id for r in store.iter(name)} == set(table)  # type: ignore[attr-defined]
    assert report.created == sum(len(t) for t in backend.tables.values()) > 0
    assert again.created == again.updated == again.deleted == 0
