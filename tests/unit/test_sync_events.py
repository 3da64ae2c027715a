"""Unified change events: Apideck's type names, one event per contact role, JSON shape, subscribers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from schemas import Bill, Contact, Invoice, TaxRate
from unified.errors import RequestValidationError
from unified.events import EVENT_TYPES, Event, Subscribers, event_types_for, make_events

APIDECK = Path("/work/shared/reference/apideck/other_models.yml")
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# Apideck's AccountingEventType values for the synced entities (apideck accounting.yml, 10.34.0).
APIDECK_TYPES = {
    f"accounting.{entity}.{kind}"
    for entity in ("customer", "supplier", "invoice", "bill", "expense", "tax_rate")
    for kind in ("created", "updated", "deleted")
}


def test_the_event_types_are_apideck_s() -> None:
    assert EVENT_TYPES == APIDECK_TYPES
    if APIDECK.exists():  # cross-check with the reference copy of Apideck's spec where it is on the machine
        spec = yaml.safe_load(APIDECK.read_text())
        assert set(spec["AccountingEventType"]["enum"]) >= EVENT_TYPES


def test_types_follow_the_resource_and_a_contact_s_role() -> None:
    assert event_types_for("invoices", Invoice(id="1"), "created") == ["accounting.invoice.created"]
    assert event_types_for("bills", Bill(id="1"), "deleted") == ["accounting.bill.deleted"]
    assert event_types_for("tax_rates", TaxRate(id="1"), "updated") == ["accounting.tax_rate.updated"]
    assert event_types_for("contacts", Contact(id="1", is_supplier=True), "updated") == ["accounting.supplier.updated"]
    both = Contact(id="1", is_customer=True, is_supplier=True)
    assert event_types_for("contacts", both, "created") == [
        "accounting.customer.created",
        "accounting.supplier.created",
    ]
    with pytest.raises(RequestValidationError, match="events exist for"):
        event_types_for("payments", Invoice(id="1"), "created")


def test_events_carry_the_record_its_time_and_a_unique_id() -> None:
    record = Invoice(id="9007199254740993", number="INV-1", updated_at=WHEN)
    record.raw = {"invoice_id": "9007199254740993"}
    [created] = make_events("invoices", record, "created", connection="acme")
    [again] = make_events("invoices", record, "created", connection="acme")
    assert created.id != again.id
    assert created.kind == "created" and created.occurred_at == WHEN and created.data is record
    payload = json.loads(json.dumps(created.to_dict()))
    assert payload["type"] == "accounting.invoice.created"
    assert payload["data"]["number"] == "INV-1" and payload["entity_id"] == "9007199254740993"
    assert payload["raw"] == {"invoice_id": "9007199254740993"} and payload["connection"] == "acme"
    assert set(payload) == {"id", "type", "resource", "entity_id", "data", "raw", "occurred_at", "connection"}

    detected = datetime(2025, 1, 1, tzinfo=UTC)
    [deleted] = make_events("invoices", record, "deleted", connection="acme", detected_at=detected)
    assert deleted.occurred_at == detected  # a deletion happens when it is noticed, not at the last update
    with pytest.raises(ValueError, match="without an id"):
        make_events("invoices", Invoice(), "created", connection="acme")


def test_subscribers_get_events_in_order_and_failures_are_counted() -> None:
    subscribers = Subscribers()
    got: list[str] = []

    async def later(event: Event) -> None:
        got.append("async " + event.entity_id)

    subscribers.subscribe(lambda event: got.append("sync " + event.entity_id))

    def broken(event: Event) -> None:
        raise ZeroDivisionError

    subscribers.subscribe(broken)
    subscribers.subscribe(later)
    [event] = make_events("tax_rates", TaxRate(id="7"), "created", connection="default")

    assert asyncio.run(subscribers.emit(event)) == 1
    assert got == ["sync 7", "async 7"] and len(subscribers) == 3
    with pytest.raises(RequestValidationError, match="callable"):
        subscribers.subscribe("not a function")  # type: ignore[arg-type]
