"""SQLiteStore: records read back as models, filters on indexed columns, views, transactions, bookkeeping."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from schemas import Bill, Contact, Expense, Invoice, InvoiceStatus, TaxRate
from unified.errors import RequestValidationError
from unified.sync import SQLiteStore, StoredRecord, content_hash

WHEN = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def stored(record: BaseModel, *, seen: str | None = None, raw: dict[str, object] | None = None) -> StoredRecord:
    digest = content_hash(record)
    return StoredRecord(record=record, summary_hash=digest, record_hash=digest, detailed=True, raw=raw, seen=seen)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "nested" / "unified.db") as opened:
        yield opened


def invoice(id: str, **fields: object) -> Invoice:
    return Invoice.model_validate({"id": id, "updated_at": WHEN, **fields})


def test_a_record_reads_back_as_the_same_model(store: SQLiteStore) -> None:
    record = invoice(
        "9007199254740993",
        number="INV-1",
        customer={"id": "46", "display_name": "Acme"},
        status="some_new_status",  # open enum: kept as a string
        total=Decimal("1234567890123.4567"),
        invoice_date=dt.date(2024, 5, 1),
        line_items=[{"description": "Work", "quantity": "1.5", "unit_price": "100.10"}],
    )
    store.upsert("invoices", stored(record, raw={"invoice_id": "9007199254740993"}))

    back = store.get("invoices", "9007199254740993")
    assert isinstance(back, Invoice)
    assert back.model_dump_json() == record.model_dump_json()
    assert back.total == Decimal("1234567890123.4567") and back.raw is None
    assert store.get("invoices", "9007199254740993", raw=True).raw == {"invoice_id": "9007199254740993"}  # type: ignore[union-attr]
    assert store.get("invoices", "missing") is None


def test_an_upsert_replaces_and_a_delete_removes(store: SQLiteStore) -> None:
    store.upsert("invoices", stored(invoice("1", number="A")))
    store.upsert("invoices", stored(invoice("1", number="B")))
    assert [r.number for r in store.iter("invoices")] == ["B"]  # type: ignore[attr-defined]
    assert store.count("invoices") == 1
    store.delete("invoices", "1")
    assert store.count("invoices") == 0


def test_filters_use_indexed_columns_with_python_values(store: SQLiteStore) -> None:
    store.upsert("invoices", stored(invoice("1", number="A", status="paid", customer={"id": "c1"})))
    store.upsert("invoices", stored(invoice("2", number="B", status=InvoiceStatus.PAID, due_date=dt.date(2024, 6, 1))))
    store.upsert("invoices", stored(invoice("3", number="C", status="draft", customer={"id": "c1"})))

    assert store.count("invoices", status="paid") == 2
    assert store.count("invoices", status=InvoiceStatus.PAID, customer_id="c1") == 1
    assert [r.id for r in store.iter("invoices", due_date=dt.date(2024, 6, 1))] == ["2"]  # type: ignore[attr-defined]
    assert [r.id for r in store.iter("invoices", customer_id=None)] == ["2"]  # type: ignore[attr-defined]
    assert store.count("invoices", updated_at=WHEN.astimezone(dt.UTC)) == 3  # same instant, another zone
    with pytest.raises(RequestValidationError, match="filter columns") as raised:
        store.count("invoices", memo="x")
    assert raised.value.field == "memo"
    with pytest.raises(RequestValidationError, match="timezone"):
        store.count("invoices", updated_at=dt.datetime(2024, 1, 1))


def test_every_resource_has_its_table_and_columns(store: SQLiteStore) -> None:
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


def test_a_transaction_rolls_back_on_any_exception_even_a_keyboard_interrupt(store: SQLiteStore) -> None:
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.upsert("invoices", stored(invoice("1")))
        store.save_state("invoices", {"cursor": "x"})
        raise KeyboardInterrupt
    assert store.count("invoices") == 0 and store.load_state("invoices") is None

    with store.transaction():
        store.upsert("invoices", stored(invoice("1")))
        with store.transaction():  # nested: joins the outer one
            store.save_state("invoices", {"cursor": "y"})
    assert store.count("invoices") == 1 and store.load_state("invoices") == {"cursor": "y"}


def test_hashes_and_seen_marks_for_the_engine(store: SQLiteStore) -> None:
    for id in ("1", "2", "3"):
        store.upsert("invoices", stored(invoice(id)))
    assert set(store.states("invoices", ["1", "3", "404"])) == {"1", "3"}
    assert store.states("invoices", ["1"])["1"].record_hash == content_hash(invoice("1"))

    store.mark_seen("invoices", ["1", "3"], "pass-a")
    assert [r.id for r in store.unseen("invoices", "pass-a", 10)] == ["2"]  # type: ignore[attr-defined]
    assert len(store.unseen("invoices", "pass-b", 2)) == 2


def test_state_and_meta_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "unified.db"
    with SQLiteStore(path) as first:
        first.upsert("tax_rates", stored(TaxRate(id="1", name="VAT")))
        first.save_state("tax_rates", {"checkpoint": "2024-01-01T00:00:00+00:00"})
        first.set_meta("connection", "acme")
    with SQLiteStore(path) as second:
        assert second.count("tax_rates") == 1
        assert second.load_state("tax_rates") == {"checkpoint": "2024-01-01T00:00:00+00:00"}
        assert second.get_meta("connection") == "acme"
        assert second.get_meta("nothing") is None
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with SQLiteStore(path) as store:
        store.set_meta("schema_version", "0")
    with pytest.raises(RequestValidationError, match="schema version 0"):
        SQLiteStore(path)


def test_memory_store_works_and_a_directory_is_refused(tmp_path: Path) -> None:
    with SQLiteStore(":memory:") as memory:
        memory.upsert("tax_rates", stored(TaxRate(id="1")))
        assert memory.count("tax_rates") == 1
    with pytest.raises(RequestValidationError, match="Cannot open") as raised:
        SQLiteStore(tmp_path)
    assert raised.value.field == "path"
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a database, " * 100)
    with pytest.raises(RequestValidationError, match="writable SQLite file"):
        SQLiteStore(garbage)
