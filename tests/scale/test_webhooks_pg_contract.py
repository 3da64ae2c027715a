"""The webhook store's contract, one suite run against the SQLite WebhookStore and PostgresWebhookStore: subscribers
with encrypted secrets, an outbox that keeps each event once, the outbox under the sync engine (a run killed
between its events and its page loses and doubles nothing), signed deliveries with backoff, hold-back, give-up and
replay, redacted URLs, and the watcher's silent baseline. On PostgreSQL the outbox shares the sync store's session,
so a killed page takes its events with it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from schemas import Invoice
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.events import Event, make_events
from unified.sync import PostgresStore, SQLiteStore, Store, StoredRecord, SyncEngine
from unified.webhooks import (
    Deliverer,
    OutboxStore,
    PostgresWebhookStore,
    RetryPolicy,
    Watcher,
    WebhookStore,
    verify_signature,
)

URL = "https://hooks.example.com/accounting"
OTHER = "https://other.example.com/in"
SECRET = "subscriber-secret-0123456789"
T0 = 1_714_564_800.0


class Killed(BaseException):
    """The process dying (no Exception handler catches it)."""


class DyingSQLite(SQLiteStore):
    die_at: int | None = None
    commits = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with super().transaction():
            yield
            self.commits += 1
            if self.commits == self.die_at:
                raise Killed


class DyingPostgres(PostgresStore):
    die_at: int | None = None
    commits = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with super().transaction():
            yield
            self.commits += 1
            if self.commits == self.die_at:
                raise Killed


@dataclass
class Backend:
    """Opens sync stores and their webhook stores on one backend; closes them all after the test."""

    name: str
    sync: Callable[[str, bool], Store]  # (place, dying) -> a sync store
    hooks: Callable[[Store | None, str], WebhookStore]  # (its sync store, place) -> its webhook store
    secret_column: Callable[[WebhookStore], list[str]]
    opened: list[Any] = field(default_factory=list)

    def store(self, place: str = "main", *, dying: bool = False) -> Store:
        self.opened.append(self.sync(place, dying))
        return self.opened[-1]  # type: ignore[no-any-return]

    def webhooks(self, store: Store | None = None, place: str = "main") -> WebhookStore:
        self.opened.append(self.hooks(store, place))
        return self.opened[-1]  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    if request.param == "sqlite":

        def sync(place: str, dying: bool) -> Store:
            (tmp_path / place).mkdir(exist_ok=True)
            return (DyingSQLite if dying else SQLiteStore)(str(tmp_path / place / "unified.db"))

        def hooks(store: Store | None, place: str) -> WebhookStore:
            (tmp_path / place).mkdir(exist_ok=True)
            return WebhookStore(tmp_path / place / "unified.webhooks.db")

        def secrets(webhooks: WebhookStore) -> list[str]:
            with closing(sqlite3.connect(webhooks.path)) as db:
                return [s for (s,) in db.execute("SELECT secret FROM subscribers")]

        chosen = Backend("sqlite", sync, hooks, secrets)
    else:
        url: str = request.getfixturevalue("pg_database")
        base: str = request.getfixturevalue("pg_schema")
        import psycopg

        def schema(place: str) -> str:
            return base if place == "main" else f"{base}_{place}"

        def sync(place: str, dying: bool) -> Store:
            return (DyingPostgres if dying else PostgresStore)(url, connection="acme", schema=schema(place))

        def hooks(store: Store | None, place: str) -> WebhookStore:
            if isinstance(store, PostgresStore):
                return PostgresWebhookStore.sharing(store)  # the page and its events in one transaction
            return PostgresWebhookStore(url, schema=schema(place), connection="acme")

        def secrets(webhooks: WebhookStore) -> list[str]:
            with psycopg.connect(url) as db:
                return [s for (s,) in db.execute(f"SELECT secret FROM {base}.webhook_subscribers")]

        chosen = Backend("postgres", sync, hooks, secrets)
    yield chosen
    for opened in reversed(chosen.opened):
        opened.close()
    if request.param == "postgres":
        with psycopg.connect(url, autocommit=True) as db:
            for (name,) in db.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{base}_%",)):
                db.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
def webhooks(backend: Backend) -> WebhookStore:
    return backend.webhooks()


def invoice_event(number: str = "INV-1", id: str = "9007199254740993") -> Event:
    [event] = make_events(
        "invoices",
        Invoice(id=id, number=number, updated_at=datetime(2024, 5, 1, tzinfo=UTC)),
        "created",
        connection="acme",
    )
    return event


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Endpoint:
    """A subscriber behind httpx.MockTransport: answers from a script (0: connection refused), records requests."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.answers.pop(0) if self.answers else 200
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def deliverer(webhooks: WebhookStore, endpoint: Endpoint, clock: Clock, **retry: Any) -> Deliverer:
    policy = RetryPolicy(**{"max_attempts": 3, "base": 10.0, "cap": 40.0, **retry})
    return Deliverer(webhooks, retry=policy, transport=httpx.MockTransport(endpoint), clock=clock)


def outbox_ids(webhooks: WebhookStore) -> Counter[tuple[str, str, str]]:
    return Counter((r.event_id, r.event_type, r.entity_id) for r in webhooks.deliveries(limit=10_000))


# ----- subscribers and the outbox -----


def test_secrets_are_encrypted_at_rest_and_never_in_reprs(backend: Backend, webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    [stored] = backend.secret_column(webhooks)
    assert stored.startswith("fernet:") and SECRET not in stored
    assert webhooks.subscribers()[0].secret.reveal() == SECRET
    assert SECRET not in repr(webhooks.subscribers()) and SECRET not in repr(webhooks.subscriber(URL))
    assert SECRET not in repr(webhooks.due(URL)) and "hunter2" not in repr(webhooks)


def test_subscribers_are_checked_kept_and_removed_with_their_deliveries(webhooks: WebhookStore) -> None:
    with pytest.raises(RequestValidationError, match="absolute http") as bad_url:
        webhooks.add_subscriber("hooks.example.com", SECRET)
    assert bad_url.value.field == "url"
    with pytest.raises(RequestValidationError, match="signing secret") as no_secret:
        webhooks.add_subscriber(URL, " ")
    assert no_secret.value.field == "secret"
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_subscriber(URL, "rotated-secret-value")  # the same URL: its secret changes
    assert [s.url for s in webhooks.subscribers()] == [URL] == webhooks.subscriber_urls()
    assert webhooks.subscribers()[0].secret.reveal() == "rotated-secret-value"
    webhooks.add_events([invoice_event()])
    assert webhooks.counts(URL)["pending"] == 1
    webhooks.remove_subscriber(URL)
    assert webhooks.counts() == {"pending": 0, "delivered": 0, "failed": 0}
    with pytest.raises(EntityNotFoundError, match="subscribers: none"):
        webhooks.remove_subscriber(URL)


def test_an_event_is_queued_once_per_id_for_the_subscribers_of_that_time(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    event = invoice_event()
    assert webhooks.add_events([event, event]) == 1
    assert webhooks.add_events([event]) == 0 and webhooks.add_events([]) == 0
    webhooks.add_subscriber(OTHER, SECRET)  # a later subscriber gets later events only
    webhooks.add_events([invoice_event("INV-2", "9007199254740994")])
    assert webhooks.counts(URL)["pending"] == 2 and webhooks.counts(OTHER)["pending"] == 1
    [due] = webhooks.due(OTHER)
    assert json.loads(due.body)["data"]["number"] == "INV-2" and due.attempts == 0
    assert due.body == json.dumps(json.loads(due.body), separators=(",", ":"))  # sent as stored, byte for byte


def test_deliveries_list_newest_first_and_filter(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_subscriber(OTHER, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    [first, _] = webhooks.due(URL, now=T0)
    webhooks.delivered(first, 204, now=T0 + 1)
    records = webhooks.deliveries()
    assert [(r.entity_id, r.subscriber) for r in records] == [("2", URL), ("2", OTHER), ("1", URL), ("1", OTHER)]
    [done] = webhooks.deliveries(status="delivered")
    assert (done.entity_id, done.last_status, done.attempts, done.next_attempt_at) == ("1", 204, 1, None)
    assert done.delivered_at == datetime.fromtimestamp(T0 + 1, UTC)
    assert len(webhooks.deliveries(subscriber=OTHER, status="pending")) == 2
    assert len(webhooks.deliveries(limit=1)) == 1 and webhooks.counts(URL) == {
        "pending": 1,
        "delivered": 1,
        "failed": 0,
    }


def test_prune_drops_old_events_everyone_received_and_keeps_the_rest(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    first, second = webhooks.due(URL, now=T0)
    webhooks.delivered(first, 200, now=T0)
    webhooks.attempt_failed(second, status_code=500, error="HTTP 500", retry_at=None)
    assert webhooks.prune(T0 + 1) == 1
    assert webhooks.event_count() == 1 and webhooks.counts()["failed"] == 1
    assert webhooks.prune(T0 - 1) == 0


def test_meta_survives_reopening(backend: Backend) -> None:
    first = backend.webhooks()
    first.set_meta("watching:invoices", "2024-05-01")
    first.set_meta("watching:invoices", "2024-05-02")
    second = backend.webhooks()
    assert second.get_meta("watching:invoices") == "2024-05-02" and second.get_meta("nothing") is None


# ----- the outbox under the sync engine -----


def test_the_outbox_holds_exactly_the_engine_s_events(backend: Backend) -> None:
    store = backend.store()
    webhooks = backend.webhooks(store)
    webhooks.add_subscriber(URL, SECRET)
    data = ReferenceBackend().seed()
    emitted: list[Event] = []
    engine = SyncEngine(ReferenceConnector(data), OutboxStore(store, webhooks, connection="acme"), connection="acme")
    engine.subscribe(emitted.append)
    engine.run_sync()
    invoice = next(iter(data.tables["invoices"].values()))
    data.tables["invoices"][invoice.id] = invoice.model_copy(  # type: ignore[attr-defined]
        update={"reference": "PO-7", "updated_at": data.tick()}
    )
    gone = next(iter(data.tables["bills"]))
    del data.tables["bills"][gone]
    engine.run_sync(full=True)
    engine.close()
    queued = outbox_ids(webhooks)
    assert sorted((t, e) for _, t, e in queued) == sorted((e.type, e.entity_id) for e in emitted)
    assert all(n == 1 for n in queued.values())
    kinds = Counter(t.rsplit(".", 1)[1] for _, t, _ in queued)
    total = sum(len(table) for table in data.tables.values()) + 1  # the deleted bill was created first
    assert kinds == {"created": total, "updated": 1, "deleted": 1}
    [deleted] = [d for d in webhooks.due(URL, limit=1000) if d.event_type == "accounting.bill.deleted"]
    assert json.loads(deleted.body)["data"]["id"] == gone  # the last known state


@pytest.mark.parametrize("die_at", [1, 2, 4, 7])
def test_a_run_killed_between_the_outbox_and_the_page_commit_loses_and_doubles_nothing(
    backend: Backend, die_at: int
) -> None:
    data = ReferenceBackend().seed()
    at_kill: list[tuple[set[str], set[str]]] = []  # (entities in the outbox, records in the store)

    def run(place: str, die: int | None) -> WebhookStore:
        store = backend.store(place, dying=True)
        webhooks = backend.webhooks(store, place)
        webhooks.add_subscriber(URL, SECRET)
        store.commits, store.die_at = 0, die  # type: ignore[attr-defined]
        engine = SyncEngine(
            ReferenceConnector(data), OutboxStore(store, webhooks, connection="acme"), connection="acme"
        )
        try:
            engine.run_sync()
        except Killed:
            stored = {r.id for name in data.tables for r in store.iter(name)}  # type: ignore[attr-defined]
            at_kill.append(({e for _, _, e in outbox_ids(webhooks)}, stored))
            store.die_at = None  # type: ignore[attr-defined]
            engine.run_sync()
        finally:
            engine.close()
        return webhooks

    clean, killed = run("clean", None), run("killed", die_at)
    assert len(at_kill) == 1
    in_outbox, in_store = at_kill[0]
    if backend.name == "postgres":
        assert in_outbox == in_store  # one transaction: the killed page's events went with it
    else:
        assert in_outbox >= in_store and in_outbox  # a page's events commit just before the page
        if die_at == 1:
            assert in_outbox > in_store  # the first page died after its events: kept, and not queued twice
    assert outbox_ids(killed) == outbox_ids(clean)
    assert len(outbox_ids(clean)) == sum(len(t) for t in data.tables.values())


def test_quiet_resources_sync_without_events(backend: Backend) -> None:
    store = backend.store()
    webhooks = backend.webhooks(store)
    data = ReferenceBackend().seed()
    outbox = OutboxStore(store, webhooks, connection="acme", quiet={"invoices"})
    engine = SyncEngine(ReferenceConnector(data), outbox, connection="acme")
    engine.run_sync(["invoices", "bills"])
    engine.close()
    assert store.count("invoices") == len(data.tables["invoices"])
    assert webhooks.event_count() == len(data.tables["bills"]) > 0


def test_an_outbox_write_outside_a_transaction_is_immediate(backend: Backend) -> None:
    store = backend.store()
    webhooks = backend.webhooks(store)
    outbox = OutboxStore(store, webhooks, connection="acme")
    record = Invoice(id="1", number="INV-1", updated_at=datetime(2024, 5, 1, tzinfo=UTC))
    outbox.upsert("invoices", StoredRecord(record, "s", "r1", True))
    outbox.upsert("invoices", StoredRecord(record, "s", "r1", True))  # unchanged: no event
    outbox.upsert("invoices", StoredRecord(record, "s", "r2", True))
    outbox.delete("invoices", "1")
    outbox.delete("invoices", "1")  # already gone: no event
    assert webhooks.deliveries() == []  # no subscribers: no deliveries
    assert webhooks.event_count() == 3


# ----- deliveries -----


def test_a_delivery_is_signed_json_with_an_idempotency_key(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    event = invoice_event()
    webhooks.add_events([event], now=T0)
    endpoint, clock = Endpoint(), Clock(T0 + 1)
    report = asyncio.run(deliverer(webhooks, endpoint, clock).deliver_due())
    assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
    [request] = endpoint.requests
    body = json.loads(request.content)
    assert {"id", "type", "resource", "entity_id", "occurred_at", "connection", "data"} <= set(body)
    assert body["id"] == event.id == request.headers["Idempotency-Key"] == request.headers["X-Unified-Event-Id"]
    assert body["type"] == request.headers["X-Unified-Event-Type"] == "accounting.invoice.created"
    assert verify_signature(request.content, request.headers["X-Unified-Signature"], SECRET, now=clock.now) == T0 + 1
    assert webhooks.counts() == {"pending": 0, "delivered": 1, "failed": 0}


def test_failures_back_off_hold_the_subscriber_back_and_end_as_failed_then_replay(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    endpoint, clock = Endpoint(503, 0, 500), Clock(T0)
    worker = deliverer(webhooks, endpoint, clock)

    first = asyncio.run(worker.deliver_due())
    assert (first.delivered, first.retrying) == (0, 1) and len(endpoint.requests) == 1
    assert webhooks.due(URL, now=T0) == []  # the other event waits for the retry too
    retry_at = webhooks.next_due_at()
    assert retry_at is not None and T0 + 5 <= retry_at <= T0 + 10  # base 10 s, jitter from half to full

    clock.now = retry_at
    second = asyncio.run(worker.deliver_due())
    assert (second.delivered, second.retrying) == (0, 1)
    clock.now = webhooks.next_due_at() or 0
    assert clock.now - retry_at >= 10  # the backoff doubled
    third = asyncio.run(worker.deliver_due())  # the third failure of INV-1: kept as failed
    assert (third.failed, third.delivered) == (1, 0)
    fourth = asyncio.run(worker.deliver_due())  # INV-2 is not held back by a delivery given up
    assert fourth.delivered == 1
    assert [json.loads(r.content)["data"]["number"] for r in endpoint.requests] == ["INV-1"] * 3 + ["INV-2"]
    assert [r.headers["X-Unified-Delivery-Attempt"] for r in endpoint.requests] == ["1", "2", "3", "1"]
    [failed] = webhooks.deliveries(status="failed")
    assert (failed.attempts, failed.last_status, failed.last_error) == (3, 500, "HTTP 500")

    assert webhooks.replay(now=clock.now) == 1 and webhooks.replay(now=clock.now) == 0
    replayed = asyncio.run(worker.deliver_due())
    assert replayed.delivered == 1 and webhooks.counts() == {"pending": 0, "delivered": 2, "failed": 0}
    assert webhooks.replay(include_delivered=True, event_id=failed.event_id) == 1
    assert webhooks.replay(include_delivered=True, subscriber=URL) == 1  # INV-1 is pending again
    asyncio.run(worker.aclose())


def test_a_4xx_for_one_event_does_not_hold_back_the_others(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_subscriber(OTHER, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    endpoint = Endpoint(400)
    report = asyncio.run(deliverer(webhooks, endpoint, Clock(T0)).deliver_due())
    # URL: INV-1 refused (retried later), its turn ends; OTHER got both; the next pass sends INV-2 to URL at once
    assert (report.delivered, report.retrying) == (2, 1)
    again = asyncio.run(deliverer(webhooks, endpoint, Clock(T0)).deliver_due())
    assert again.delivered == 1 and webhooks.counts(URL) == {"pending": 1, "delivered": 1, "failed": 0}


def test_urls_in_logs_and_messages_hide_query_tokens(webhooks: WebhookStore, caplog: pytest.LogCaptureFixture) -> None:
    secret_url = "https://hooks.example.com/in?token=t0ps3cret"
    webhooks.add_subscriber(secret_url, SECRET)
    webhooks.add_events([invoice_event()], now=T0)
    with caplog.at_level("INFO", logger="unified.webhooks"):
        asyncio.run(deliverer(webhooks, Endpoint(0), Clock(T0), max_attempts=1).deliver_due())
    [failed] = webhooks.deliveries(status="failed")
    assert failed.last_error and failed.last_error.startswith("ConnectError")
    assert caplog.records and "t0ps3cret" not in caplog.text and SECRET not in caplog.text
    assert "t0ps3cret" not in repr(failed) and webhooks.subscriber_url("https://hooks.example.com/in?***") == secret_url
    with pytest.raises(EntityNotFoundError) as missing:
        webhooks.remove_subscriber("https://hooks.example.com/other?token=t0ps3cret")
    assert "t0ps3cret" not in str(missing.value)


# ----- the watcher -----


def test_a_watcher_takes_a_silent_baseline_then_delivers_each_change(backend: Backend) -> None:
    store = backend.store()
    webhooks = backend.webhooks(store)
    webhooks.add_subscriber(URL, SECRET)
    data = ReferenceBackend().seed()
    endpoint = Endpoint()

    async def scenario() -> tuple[Any, Any, Any]:
        watcher = Watcher(
            ReferenceConnector(data),
            store,
            webhooks,
            connection="acme",
            interval=0.05,
            transport=httpx.MockTransport(endpoint),
        )
        try:
            baseline = await watcher.run_once()
            invoice = next(iter(data.tables["invoices"].values()))
            data.tables["invoices"][invoice.id] = invoice.model_copy(  # type: ignore[attr-defined]
                update={"reference": "PO-9", "updated_at": data.tick()}
            )
            return baseline, await watcher.run_once(), await watcher.run_once()
        finally:
            await watcher.aclose()

    baseline, change, quiet = asyncio.run(scenario())
    assert store.count("invoices") == len(data.tables["invoices"])
    assert baseline.events == 0 and baseline.sync.created > 0 and len(baseline.baseline) == 5
    assert change.events == 1 and change.delivery.delivered == 1 and change.baseline == []
    assert [b["type"] for b in endpoint.bodies()] == ["accounting.invoice.updated"]
    assert endpoint.bodies()[0]["data"]["reference"] == "PO-9"
    assert quiet.events == 0 and len(endpoint.requests) == 1
