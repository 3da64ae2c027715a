"""Xero's own webhooks end to end: the emulator signs and delivers to a receiver served by uvicorn, which answers the
intent-to-receive handshake and turns each event into a unified event by fetching the record."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import uvicorn

from connectors.xero.emulator import XeroEmulator
from connectors.xero.webhooks import XeroWebhookReceiver
from schemas import (
    Bill,
    BillLineItem,
    Contact,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedLedgerAccount,
    LinkedSupplier,
)
from tests.contract.test_xero_conformance import emulator, emulator_connector
from unified import AsyncUnifiedClient
from unified.events import Event

pytestmark = pytest.mark.e2e


class Inbox:
    """Events the receiver handed out, and a way to wait for some without sleeping."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, wanted: Callable[[list[Event]], bool], timeout: float = 20.0) -> list[Event]:
        """The events so far, once ``wanted(events)`` holds (or the timeout passed)."""
        with self._changed:
            self._changed.wait_for(lambda: wanted(self.events), timeout=timeout)
            return list(self.events)


@pytest.fixture(scope="module")
def emu() -> Iterator[XeroEmulator]:
    with emulator(contacts=5, invoices=4, bills=2, expenses=2).serve() as served:
        yield served


@pytest.fixture(scope="module")
def receiver(emu: XeroEmulator) -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()
    app = XeroWebhookReceiver(emu.webhooks.key, emulator_connector(emu), connection="acme").asgi_app(inbox)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.01)  # poll readiness
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/xero", inbox
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_intent_to_receive_handshake_passes(emu: XeroEmulator, receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    emu.webhooks.subscribe(url)
    result = emu.webhooks.intent_to_receive()
    assert result["status"] == "OK", result
    assert [(c["expected"], c["status"], c["empty_body"]) for c in result["checks"]] == [
        (200, 200, True),
        (401, 401, True),
    ]
    key = emu.webhooks.key
    emu.webhooks.subscribe(url, key="not-the-receiver-s-key")
    assert emu.webhooks.intent_to_receive()["status"] == "FAILED"  # the receiver refuses what its key did not sign
    emu.webhooks.subscribe(url, key=key)
    assert inbox.events == []


def _line(**extra: Any) -> dict[str, Any]:
    return {"description": "Work", "quantity": Decimal(1), "unit_price": Decimal("80.00"), **extra}


def test_changes_arrive_as_unified_events_fetched_from_xero(emu: XeroEmulator, receiver: tuple[str, Inbox]) -> None:
    url, inbox = receiver
    emu.webhooks.subscribe(url)
    start = len(inbox.events)

    async def create() -> tuple[Contact, Invoice, Bill]:
        async with AsyncUnifiedClient(emulator_connector(emu)) as client:
            contact = await client.contacts.create(Contact(display_name="Hooked Ltd"))
            invoice = await client.invoices.create(
                Invoice(
                    customer=LinkedCustomer(id=contact.id),
                    status="authorised",
                    due_date=date(2031, 1, 1),
                    line_items=[InvoiceLineItem(**_line(ledger_account=LinkedLedgerAccount(code="200")))],
                )
            )
            bill = await client.bills.create(
                Bill(
                    supplier=LinkedSupplier(id=contact.id),
                    line_items=[BillLineItem(**_line(ledger_account=LinkedLedgerAccount(code="400")))],
                )
            )
            return contact, invoice, bill

    contact, invoice, bill = asyncio.run(create())
    assert emu.webhooks.flush(timeout=60)
    expected = {(bill.id, "accounting.bill.created"), (invoice.id, "accounting.invoice.created")}
    got = inbox.wait_for(lambda events: expected <= {(e.entity_id, e.type) for e in events[start:]})[start:]
    types = {(e.entity_id, e.type) for e in got}
    assert (bill.id, "accounting.bill.created") in types
    assert (invoice.id, "accounting.invoice.created") in types
    assert any(i == contact.id and t.startswith("accounting.customer.") for i, t in types)
    assert all(e.connection == "acme" and e.raw is not None for e in got)

    async def void() -> None:
        async with AsyncUnifiedClient(emulator_connector(emu)) as client:
            await client.invoices.delete(invoice.id or "")

    seen = len(inbox.events)
    asyncio.run(void())
    assert emu.webhooks.flush(timeout=60)
    later = inbox.wait_for(lambda events: any(e.entity_id == invoice.id for e in events[seen:]))[seen:]
    deleted = next(e for e in later if e.entity_id == invoice.id)
    assert isinstance(deleted.data, Invoice) and deleted.data.status == "void"
    assert deleted.type == "accounting.invoice.deleted"
