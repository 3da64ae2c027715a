"""Zoho Books' own webhooks end to end: the emulator served on 127.0.0.1 delivers to a receiver served by uvicorn
(``ZohoWebhookReceiver.asgi_app``); registration goes through the emulator's settings API."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import uvicorn

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from connectors.zoho_books.webhooks import ZohoWebhookReceiver, delete_webhook, list_webhooks, register_webhook
from schemas import Contact, Invoice, InvoiceLineItem, LinkedCustomer
from unified import AsyncUnifiedClient
from unified.events import Event

pytestmark = pytest.mark.e2e

WINDOW = 0.1
SECRET = "s3cretWebhookKey42"


class Receiver:
    """The receiver's ASGI app under uvicorn on a free loopback port; the events it handled, in order."""

    def __init__(self, receiver: ZohoWebhookReceiver) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/zoho/webhooks"
        config = uvicorn.Config(receiver.asgi_app(self._keep), log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def _keep(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, entity_id: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.entity_id == entity_id]

    def __enter__(self) -> Receiver:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:  # poll readiness
            assert self._thread.is_alive() and time.monotonic() < deadline, "the receiver did not start"
            self._thread.join(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    emulator = ZohoBooksEmulator(seed=23, contacts=4, invoices=2, bills=1, expenses=1, window_seconds=WINDOW)
    with emulator.serve() as served:
        yield served


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(ZohoWebhookReceiver(SECRET, connection="acme")) as served:
        yield served


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def connector(emu: ZohoBooksEmulator) -> AsyncIterator[ZohoBooksConnector]:
    built = ZohoBooksConnector(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        organization_id=emu.organization_id,
        api_url=emu.api_url,
        accounts_url=emu.accounts_url,
        window_seconds=WINDOW,
    )
    yield built
    await built.aclose()


@pytest.mark.anyio
async def test_creates_updates_and_deletes_reach_the_receiver_as_unified_events(
    emu: ZohoBooksEmulator, receiver: Receiver, connector: ZohoBooksConnector
) -> None:
    hook_id = await register_webhook(connector, receiver.url, SECRET, "invoice")
    assert await register_webhook(connector, receiver.url, SECRET, "invoices") == hook_id  # updated, not doubled
    contact_hook = await register_webhook(connector, receiver.url, SECRET, "customers", ["created"])
    hooks = await list_webhooks(connector)
    assert sorted((h["entity"], h["has_secret"]) for h in hooks) == [("contact", True), ("invoice", True)]
    assert SECRET not in json.dumps(hooks)

    client = AsyncUnifiedClient(connector)
    customer = await client.customers.create(Contact(display_name="Webhook Customer GmbH", is_customer=True))
    line = InvoiceLineItem(description="Consulting", quantity=Decimal(2), unit_price=Decimal("150.00"))
    invoice = await client.invoices.create(Invoice(customer=LinkedCustomer(id=customer.id), line_items=[line]))
    assert invoice.id is not None and customer.id is not None
    await client.invoices.update(invoice.id, {"reference": "PO-42"})
    await client.invoices.delete(invoice.id)
    await client.customers.update(customer.id, {"notes": "edited"})  # the contact hook takes creates only
    assert emu.webhooks.flush(timeout=15)

    events = receiver.of(invoice.id)
    assert [e.type for e in events] == [
        "accounting.invoice.created",
        "accounting.invoice.updated",
        "accounting.invoice.deleted",
    ]
    assert all(isinstance(e.data, Invoice) and e.connection == "acme" and e.raw for e in events)
    created, updated, deleted = (e.data for e in events)
    assert isinstance(created, Invoice) and created.total == invoice.total == Decimal("300.00")
    assert isinstance(updated, Invoice) and updated.reference == "PO-42"
    assert isinstance(deleted, Invoice) and deleted.id == invoice.id
    assert len({e.id for e in events}) == 3
    assert [e.type for e in receiver.of(customer.id)] == ["accounting.customer.created"]
    assert all(d["delivered"] for d in emu.webhooks.deliveries)

    await delete_webhook(connector, hook_id)
    await delete_webhook(connector, contact_hook)
    assert await list_webhooks(connector) == []


@pytest.mark.anyio
async def test_tampered_or_unsigned_deliveries_are_refused_and_a_redelivery_counts_once(
    emu: ZohoBooksEmulator, receiver: Receiver, connector: ZohoBooksConnector
) -> None:
    invoice_row = emu.records(emu.organization_id, "invoices")[0]
    body = json.dumps({"invoice": invoice_row}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Zoho-Event": "invoice.updated", "X-Zoho-Delivery-Id": "d-77"}
    before = len(receiver.events)
    async with httpx.AsyncClient() as http:

        async def post(content: bytes, **extra: str) -> httpx.Response:
            return await http.post(receiver.url, content=content, headers={**headers, **extra})

        tampered = body.replace(b'"invoice_number": "', b'"invoice_number": "X', 1)
        assert tampered != body
        refusals: list[Any] = [
            await post(tampered, **{"X-Zoho-Webhook-Signature": signature}),
            await post(body, **{"X-Zoho-Webhook-Signature": "0" * 64}),
            await post(body),
            await post(
                b"not json",
                **{"X-Zoho-Webhook-Signature": hmac.new(SECRET.encode(), b"not json", "sha256").hexdigest()},
            ),
        ]
        assert [r.status_code for r in refusals] == [401, 401, 401, 400]
        assert "does not match" in refusals[0].json()["message"]
        assert len(receiver.events) == before

        first = await post(body, **{"X-Zoho-Webhook-Signature": signature})
        again = await post(body, **{"X-Zoho-Webhook-Signature": signature})
    assert (first.status_code, first.json()["received"]) == (200, 1)
    assert (again.status_code, again.json()["received"]) == (200, 0)
    [event] = receiver.events[before:]
    assert event.type == "accounting.invoice.updated" and event.entity_id == str(invoice_row["invoice_id"])
