"""The QuickBooks connector end to end against its emulator served on 127.0.0.1: optimistic concurrency, the CDC
feed in the sync engine, request ids under lost answers, rotating refresh tokens, pacing and native webhooks."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from connectors.quickbooks import QuickBooksConnector
from connectors.quickbooks.emulator import QuickBooksEmulator
from connectors.quickbooks.webhooks import QuickBooksWebhookReceiver
from schemas import Contact, Invoice
from unified import AsyncUnifiedClient, UnifiedClient
from unified.cli._settings import connection_from_settings
from unified.errors import ConflictError, EntityNotFoundError
from unified.events import Event
from unified.secret import Secret
from unified.sync import SQLiteStore, SyncEngine
from unified.toolkit import MemoryTokenStore, StoredTokens
from unified.vault import Vault
from unified.webhooks import Watcher, WebhookStore

pytestmark = pytest.mark.e2e

WINDOW = 0.5


_STORES: dict[str, MemoryTokenStore] = {}


def _connector(emu: QuickBooksEmulator, **options: Any) -> QuickBooksConnector:
    """Connectors of one emulator share a token store: each refresh rotates the refresh token."""
    settings = emu.connector_settings()
    store = _STORES.setdefault(emu.url, MemoryTokenStore(StoredTokens(Secret(settings["refresh_token"]))))
    return QuickBooksConnector(**{**settings, "token_store": store, **options})


@pytest.fixture
def emu() -> Iterator[QuickBooksEmulator]:
    emulator = QuickBooksEmulator(seed=5, contacts=9, invoices=6, bills=3, expenses=3, window_seconds=WINDOW)
    with emulator.serve() as served:
        yield served


def _invoice(customer: str) -> Invoice:
    return Invoice.model_validate(
        {
            "customer": {"id": customer},
            "tax_inclusive": False,
            "line_items": [{"item": {"id": "1"}, "quantity": "3", "unit_price": "19.99", "tax_rate": {"id": "1"}}],
        }
    )


def test_a_stale_row_version_is_refused_and_overwrites_nothing(emu: QuickBooksEmulator) -> None:
    with UnifiedClient(_connector(emu)) as client:
        invoice = client.invoices.get("1")
        assert invoice.row_version is not None
        current = client.invoices.update("1", {"reference": "first", "row_version": invoice.row_version})
        assert current.row_version != invoice.row_version
        with pytest.raises(ConflictError) as refused:
            client.invoices.update("1", {"reference": "second", "row_version": invoice.row_version})
        assert refused.value.downstream_errors[0].code == "5010"
        assert client.invoices.get("1").reference == "first"


def test_deletions_arrive_through_cdc_without_an_id_scan(emu: QuickBooksEmulator, tmp_path: Path) -> None:
    connector = _connector(emu)
    engine = SyncEngine(connector, SQLiteStore(tmp_path / "qbo.db"), deletion_scan_interval=None)
    events: list[Event] = []
    engine.subscribe(events.append)
    try:
        engine.run_sync(["contacts", "invoices"])
        with UnifiedClient(_connector(emu)) as client:
            client.invoices.delete("2")
            client.customers.delete("customer-3")
            renamed = client.suppliers.update("vendor-1", {"display_name": "Renamed Vendor Ltd"})
        events.clear()
        calls = connector.http.calls
        report = engine.run_sync(["contacts", "invoices"])
    finally:
        engine.close(close_connector=True)
    kinds = {(e.type, e.entity_id) for e in events}
    assert kinds == {
        ("accounting.invoice.deleted", "2"),
        ("accounting.customer.deleted", "customer-3"),
        ("accounting.supplier.updated", renamed.id),
    }
    assert connector.http.calls - calls == 2  # one /cdc call per resource: no listing, no GET per stored id
    assert not any(r.deletion_scan for r in report.per_resource.values())
    assert engine.store.get("invoices", "2") is None and engine.store.get("contacts", "customer-3") is None


def test_a_lost_answer_is_sent_again_with_its_request_id_and_makes_one_record(emu: QuickBooksEmulator) -> None:
    with UnifiedClient(_connector(emu)) as client:
        before = len(emu.records("Invoice"))
        emu.faults.fail_next(1, "drop_after_commit", path="/invoice", method="POST")
        created = client.invoices.create(_invoice("customer-1"))
        assert len(emu.records("Invoice")) == before + 1
        assert client.invoices.get(created.id).total == Decimal("62.97")  # 59.97 and 5% GST, QuickBooks' own


def test_rotating_refresh_tokens_through_a_shared_vault(emu: QuickBooksEmulator, tmp_path: Path) -> None:
    """Two connectors of one vault connection refresh at once: one refresh, both work, the vault keeps the new
    refresh token (the exported one is dead after a rotation)."""
    vault = Vault(tmp_path / "home")
    settings = emu.connector_settings()
    vault.save(connection_from_settings("acme", "quickbooks", settings))

    async def main() -> list[str]:
        first, second = vault.connector("acme"), vault.connector("acme")
        assert isinstance(first, QuickBooksConnector) and isinstance(second, QuickBooksConnector)
        async with AsyncUnifiedClient(first) as a, AsyncUnifiedClient(second) as b:
            pages = await asyncio.gather(a.customers.page(limit=2), b.suppliers.page(limit=2))
            refreshes = first.tokens.refresh_count + second.tokens.refresh_count
            assert refreshes == 1
        return [r.id for page in pages for r in page.data]

    assert len(asyncio.run(main())) == 4
    stored = vault.get("acme").secrets["refresh_token"]
    assert stored != settings["refresh_token"]
    third = vault.connector("acme")
    with UnifiedClient(third) as client:  # a new process: the vault's token still works
        assert client.invoices.page(limit=1).data


def test_paced_under_the_realm_limit_with_no_429(emu: QuickBooksEmulator) -> None:
    connector = _connector(emu, window_seconds=WINDOW)

    async def burst() -> None:
        async with AsyncUnifiedClient(connector) as client:
            await asyncio.gather(*(client.invoices.get(str(1 + i % 6)) for i in range(60)))

    asyncio.run(burst())
    stats = emu.stats()
    assert stats["requests"] >= 60
    assert stats["by_status"].get("429", 0) == 0 and stats["by_status"].get(429, 0) == 0
    assert connector.http.limiter.stats.penalties == 0  # never refused with a 429


@pytest.mark.parametrize("shape", ["legacy", "cloudevents"])
def test_native_webhooks_become_unified_events(shape: str, tmp_path: Path) -> None:
    received: list[Event] = []
    emulator = QuickBooksEmulator(seed=5, contacts=6, invoices=3, bills=2, expenses=2, window_seconds=WINDOW)
    with emulator.serve() as emu:
        receiver = QuickBooksWebhookReceiver(_connector(emu), emu.verifier_token, connection="acme")
        server = uvicorn.Server(
            uvicorn.Config(receiver.asgi_app(received.append), host="127.0.0.1", port=0, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            while not server.started:  # poll readiness
                thread.join(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            emu.webhook_url, emu.webhook_format = f"http://127.0.0.1:{port}/qbo", shape
            with UnifiedClient(_connector(emu)) as client:
                created = client.customers.create(Contact(display_name=f"Hook {shape} Ltd"))
                client.invoices.delete("1")
            assert emu.deliveries.flush(timeout=60)
        finally:
            server.should_exit = True
            thread.join()
    kinds = {(e.type, e.entity_id) for e in received}
    assert ("accounting.customer.created", created.id) in kinds
    assert ("accounting.invoice.deleted", "1") in kinds
    customer = next(e for e in received if e.entity_id == created.id)
    assert isinstance(customer.data, Contact) and customer.data.display_name == f"Hook {shape} Ltd"
    assert customer.connection == "acme"


def test_a_get_of_an_inactive_customer_is_not_found(emu: QuickBooksEmulator) -> None:
    with UnifiedClient(_connector(emu)) as client:
        client.customers.delete("customer-2")
        with pytest.raises(EntityNotFoundError):
            client.customers.get("customer-2")
        assert "customer-2" not in {c.id for c in client.contacts.list()}


def test_virtual_webhooks_deliver_a_deletion_found_through_cdc(
    emu: QuickBooksEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))  # the webhook store's secrets use the vault's key
    delivered: list[dict[str, Any]] = []

    def subscriber(request: httpx.Request) -> httpx.Response:
        delivered.append(json.loads(request.content))
        return httpx.Response(204)

    webhooks = WebhookStore(tmp_path / "unified.webhooks.db")
    webhooks.add_subscriber("https://hooks.example/qbo", "whsec_local_example")
    watcher = Watcher(
        _connector(emu),
        SQLiteStore(tmp_path / "unified.db"),
        webhooks,
        connection="acme",
        resources=["invoices"],
        transport=httpx.MockTransport(subscriber),
    )

    async def main() -> None:
        await watcher.run_once()  # the baseline: no events
        async with AsyncUnifiedClient(_connector(emu)) as client:
            await client.invoices.delete("3")
        await watcher.run_once()
        await watcher.aclose()

    asyncio.run(main())
    assert [(event["type"], event["entity_id"], event["connection"]) for event in delivered] == [
        ("accounting.invoice.deleted", "3", "acme")
    ]
