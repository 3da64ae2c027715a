"""Virtual webhooks end to end: the watcher syncs the emulator served on 127.0.0.1 and delivers to a subscriber
served by http.server, which checks every signature. Also the subscriber that is down for a while, failed
deliveries kept and replayed, and ``unified watch`` / ``unified webhooks`` on the command line."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import Contact, Invoice, InvoiceLineItem, LinkedCustomer
from unified import AsyncUnifiedClient
from unified.cli import app
from unified.sync import SQLiteStore
from unified.webhooks import RetryPolicy, Watcher, WebhookSignatureError, WebhookStore, verify_signature

pytestmark = pytest.mark.e2e

WINDOW = 0.1


@pytest.fixture(autouse=True)
def _vault_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Subscriber secrets are encrypted with the vault's key: a key of this test's own, not the user's."""
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "vault-home"))
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)


SECRET = "virtual-subscriber-secret-42"
FAST = RetryPolicy(max_attempts=50, base=0.02, cap=0.1)


class Subscriber:
    """An HTTP endpoint on 127.0.0.1 that verifies X-Unified-Signature and keeps each delivery by its key.

    ``stop()`` takes it down (connections are refused); ``start()`` brings it back on the same port.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.refused = 0
        self._lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Subscriber:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify_signature(body, self.headers.get("X-Unified-Signature"), SECRET)
                except WebhookSignatureError:
                    owner.refused += 1
                    self.send_response(401)
                else:
                    with owner._lock:
                        owner.received.append(json.loads(body))
                        owner.keys.append(self.headers["Idempotency-Key"])
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)  # allow_reuse_address is set
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()  # the socket listens from construction on: ready
        return self

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def types(self, entity_id: str | None = None) -> list[str]:
        with self._lock:
            return [b["type"] for b in self.received if entity_id is None or b["entity_id"] == entity_id]


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    emulator = ZohoBooksEmulator(seed=29, contacts=4, invoices=3, bills=1, expenses=1, window_seconds=WINDOW)
    with emulator.serve() as served:
        yield served


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    served = Subscriber().start()
    yield served
    if served._thread is not None and served._thread.is_alive():
        served.stop()


def connect(emu: ZohoBooksEmulator) -> ZohoBooksConnector:
    return ZohoBooksConnector(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        organization_id=emu.organization_id,
        api_url=emu.api_url,
        accounts_url=emu.accounts_url,
        window_seconds=WINDOW,
    )


def watcher(emu: ZohoBooksEmulator, connector: ZohoBooksConnector, tmp: Path, **options: Any) -> Watcher:
    webhooks = WebhookStore(tmp / "unified.webhooks.db")
    return Watcher(
        connector,
        SQLiteStore(str(tmp / "unified.db")),
        webhooks,
        connection="acme",
        interval=0.2,
        timeout=2.0,
        deletion_scan_interval=timedelta(0),  # every round looks for deletions (a small organization)
        **{"retry": FAST, **options},
    )


async def finish(watch: Watcher, connector: ZohoBooksConnector) -> None:
    await watch.aclose()
    await connector.aclose()
    watch.outbox.inner.close()
    watch.webhooks.close()


async def customer_id(client: AsyncUnifiedClient) -> str:
    page = await client.customers.page(limit=1)
    found = page.data[0].id
    assert found is not None
    return found


def test_each_change_is_delivered_by_the_next_round(
    emu: ZohoBooksEmulator, subscriber: Subscriber, tmp_path: Path
) -> None:
    async def scenario() -> list[Any]:
        connector = connect(emu)
        watch = watcher(emu, connector, tmp_path)
        watch.webhooks.add_subscriber(subscriber.url, SECRET)
        client = AsyncUnifiedClient(connector)
        rounds = [await watch.run_once()]  # the baseline: nothing delivered
        line = InvoiceLineItem(description="Audit", quantity=Decimal(1), unit_price=Decimal("99.00"))
        invoice = await client.invoices.create(
            Invoice(customer=LinkedCustomer(id=await customer_id(client)), line_items=[line])
        )
        assert invoice.id is not None
        rounds.append(await watch.run_once())
        assert subscriber.types(invoice.id) == ["accounting.invoice.created"]
        await client.invoices.update(invoice.id, {"reference": "PO-1"})
        rounds.append(await watch.run_once())
        assert subscriber.types(invoice.id)[1:] == ["accounting.invoice.updated"]
        await client.invoices.delete(invoice.id)
        rounds.append(await watch.run_once())
        assert subscriber.types(invoice.id)[2:] == ["accounting.invoice.deleted"]
        await finish(watch, connector)
        return rounds

    rounds = asyncio.run(scenario())
    assert rounds[0].baseline and rounds[0].events == 0 and rounds[0].sync.created > 0
    assert all(r.delivery.retrying == 0 and r.delivery.failed == 0 and r.error is None for r in rounds)
    assert [r.delivery.delivered for r in rounds[1:]] == [r.events for r in rounds[1:]]
    assert subscriber.refused == 0
    updated = [b for b in subscriber.received if b["type"] == "accounting.invoice.updated"]
    assert updated[0]["data"]["reference"] == "PO-1" and updated[0]["connection"] == "acme"
    assert len(set(subscriber.keys)) == len(subscriber.keys)


def test_a_subscriber_that_is_down_for_a_while_gets_every_event_once_it_is_back(
    emu: ZohoBooksEmulator, subscriber: Subscriber, tmp_path: Path
) -> None:
    async def scenario() -> tuple[list[str], list[Any]]:
        connector = connect(emu)
        watch = watcher(emu, connector, tmp_path)
        watch.webhooks.add_subscriber(subscriber.url, SECRET)
        client = AsyncUnifiedClient(connector)
        await watch.run_once()  # baseline
        subscriber.stop()
        rounds = []
        vendor = await client.suppliers.create(Contact(display_name="Down Time Supplies", is_supplier=True))
        assert vendor.id is not None
        rounds.append(await watch.run_once())
        existing = (await client.invoices.page(limit=1)).data[0]
        assert existing.id is not None
        await client.invoices.update(existing.id, {"reference": "PO-DOWN"})
        await client.suppliers.update(vendor.id, {"display_name": "Down Time Supplies Ltd"})
        rounds.append(await watch.run_once())
        queued = [r.event_id for r in watch.webhooks.deliveries(limit=1000)]
        assert len(queued) == watch.webhooks.counts()["pending"] == 3 and subscriber.received == []

        subscriber.start()  # back, on the same URL
        stop = asyncio.Event()

        def stop_when_all_delivered(_: Any) -> None:
            if not watch.webhooks.counts()["pending"]:
                stop.set()

        await asyncio.wait_for(watch.run(stop=stop, on_round=stop_when_all_delivered), timeout=30)
        await finish(watch, connector)
        return queued, rounds

    queued, rounds = asyncio.run(scenario())
    assert all(r.delivery.delivered == 0 and r.delivery.failed == 0 for r in rounds)
    assert [r.delivery.retrying for r in rounds] == [1, 1]  # one attempt while down, not one per event
    assert Counter(subscriber.keys) == Counter(queued)  # every event, each once, none lost
    assert Counter(b["type"] for b in subscriber.received) == Counter(
        ["accounting.supplier.created", "accounting.invoice.updated", "accounting.supplier.updated"]
    )
    assert subscriber.refused == 0


def test_failed_deliveries_are_kept_then_replayed_from_the_command_line(
    emu: ZohoBooksEmulator, subscriber: Subscriber, tmp_path: Path
) -> None:
    async def scenario() -> Any:
        connector = connect(emu)
        watch = watcher(emu, connector, tmp_path, retry=RetryPolicy(max_attempts=1))
        watch.webhooks.add_subscriber(subscriber.url, SECRET)
        client = AsyncUnifiedClient(connector)
        await watch.run_once()
        subscriber.stop()
        await client.customers.create(Contact(display_name="Replayed Customer", is_customer=True))
        result = await watch.run_once()
        await finish(watch, connector)
        return result

    result = asyncio.run(scenario())
    assert (result.events, result.delivery.failed, result.delivery.delivered) == (1, 1, 0)
    subscriber.start()
    cli = CliRunner()
    db = str(tmp_path / "unified.db")
    failed = cli.invoke(app, ["webhooks", "deliveries", "--db", db, "--status", "failed", "--format", "json"])
    [kept] = json.loads(failed.stdout)
    assert kept["event_type"] == "accounting.customer.created" and kept["attempts"] == 1 and kept["last_error"]
    replay = cli.invoke(app, ["webhooks", "replay", "--db", db])
    assert replay.exit_code == 0 and "Re-queued 1 deliveries" in replay.stderr
    sent = cli.invoke(app, ["webhooks", "deliver", "--db", db])
    assert sent.exit_code == 0, sent.stderr
    assert json.loads(sent.stdout)["delivered"] == 1
    assert subscriber.types() == ["accounting.customer.created"] and subscriber.keys == [kept["event_id"]]


def test_unified_watch_once_takes_a_baseline_then_delivers_a_change(
    emu: ZohoBooksEmulator, subscriber: Subscriber, tmp_path: Path
) -> None:
    env = {
        "UNIFIED_HOME": str(tmp_path / "home"),
        "UNIFIED_ZOHO_CLIENT_ID": emu.client_id,
        "UNIFIED_ZOHO_CLIENT_SECRET": emu.client_secret,
        "UNIFIED_ZOHO_REFRESH_TOKEN": emu.refresh_token,
        "UNIFIED_ZOHO_ORGANIZATION_ID": emu.organization_id,
        "UNIFIED_ZOHO_API_URL": emu.api_url,
        "UNIFIED_ZOHO_ACCOUNTS_URL": emu.accounts_url,
        "UNIFIED_ZOHO_WINDOW_SECONDS": str(WINDOW),
        "UNIFIED_VAULT_KEY": "",
        "UNIFIED_CONNECTION": "",
        "UNIFIED_WEBHOOK_SECRET": "",
    }
    db = str(tmp_path / "unified.db")
    base = ["watch", "--once", "--db", db, "--resources", "contacts,invoices"]
    cli = CliRunner()

    missing = cli.invoke(app, [*base, "--subscriber", subscriber.url], env=env)
    assert missing.exit_code == 1 and "has no secret" in missing.stderr

    first = cli.invoke(app, [*base, "--subscriber", subscriber.url, "--secret", SECRET], env=env)
    assert first.exit_code == 0, first.stderr
    baseline = json.loads(first.stdout)
    assert sorted(baseline["baseline"]) == ["contacts", "invoices"] and baseline["events"] == 0

    async def change() -> str:
        connector = connect(emu)
        created = await AsyncUnifiedClient(connector).customers.create(
            Contact(display_name="Seen By Watch", is_customer=True)
        )
        await connector.aclose()
        assert created.id is not None
        return created.id

    new_id = asyncio.run(change())
    second = cli.invoke(app, base, env=env)  # the subscriber and its secret are kept
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["delivered"] == 1 and "round 1" in second.stderr
    assert subscriber.types(new_id) == ["accounting.customer.created"]

    listed = cli.invoke(app, ["webhooks", "list", "--db", db, "--format", "json"], env=env)  # the same vault key
    [row] = json.loads(listed.stdout)
    assert (row["url"], row["delivered"], row["pending"]) == (subscriber.url, 1, 0)
    for result in (missing, first, second, listed):
        assert SECRET not in result.stdout + result.stderr
