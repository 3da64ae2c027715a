"""Virtual webhooks against the in-memory reference connector: the webhook store, the outbox the sync engine
writes through (kills included), signed deliveries with retries, replay, and the watcher's rounds."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas import Invoice
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.events import Event, make_events
from unified.sync import SQLiteStore, SyncEngine
from unified.webhooks import (
    Deliverer,
    OutboxStore,
    RetryPolicy,
    Watcher,
    WebhookStore,
    change_id,
    redact_url,
    verify_signature,
    webhooks_path_for,
)

URL = "https://hooks.example.com/accounting"
OTHER = "https://other.example.com/in"
SECRET = "subscriber-secret-0123456789"
T0 = 1_714_564_800.0


@pytest.fixture(autouse=True)
def _vault_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Subscriber secrets are encrypted with the vault's key: a key of this test's own, not the user's."""
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "vault-home"))
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)


class Killed(BaseException):
    """The process dying (no Exception handler catches it)."""


class DiesOnCommit(SQLiteStore):
    """Dies once, at the n-th commit, after the page was written and before it is committed."""

    die_at: int | None = None

    def __init__(self, path: str) -> None:
        self.commits = 0
        super().__init__(path)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with super().transaction():
            yield
            self.commits += 1
            if self.commits == self.die_at:
                raise Killed


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


class Subscriber:
    """An endpoint behind httpx.MockTransport: answers from a script, records what it got."""

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


@pytest.fixture
def webhooks(tmp_path: Path) -> Iterator[WebhookStore]:
    with WebhookStore(tmp_path / "unified.webhooks.db") as store:
        yield store


# ----- the webhook store -----


def test_the_webhook_db_sits_next_to_the_sync_db_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    assert webhooks_path_for(tmp_path / "unified.db") == tmp_path / "unified.webhooks.db"
    assert webhooks_path_for("data/acme.sqlite").name == "acme.webhooks.sqlite"
    with WebhookStore(tmp_path / "x" / "hooks.db") as store:
        store.add_subscriber(URL, SECRET)
        assert SECRET not in repr(store.subscribers()) and SECRET not in repr(store.subscriber(URL))
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "x" / "hooks.db").stat().st_mode) == 0o600


def test_subscribers_are_checked_kept_and_removed_with_their_deliveries(webhooks: WebhookStore) -> None:
    with pytest.raises(RequestValidationError, match="absolute http") as bad_url:
        webhooks.add_subscriber("hooks.example.com", SECRET)
    assert bad_url.value.field == "url"
    with pytest.raises(RequestValidationError, match="signing secret") as no_secret:
        webhooks.add_subscriber(URL, " ")
    assert no_secret.value.field == "secret"
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_subscriber(URL, "rotated-secret-value")  # the same URL: its secret changes
    assert [s.url for s in webhooks.subscribers()] == [URL]
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
    assert webhooks.add_events([event]) == 0
    webhooks.add_subscriber(OTHER, SECRET)  # a later subscriber gets later events only
    webhooks.add_events([invoice_event("INV-2", "9007199254740994")])
    assert webhooks.counts(URL)["pending"] == 2 and webhooks.counts(OTHER)["pending"] == 1
    [due] = webhooks.due(OTHER)
    assert json.loads(due.body)["data"]["number"] == "INV-2" and due.attempts == 0


def test_change_ids_are_stable_per_change_and_distinct_across_changes() -> None:
    one = change_id("acme", "accounting.invoice.updated", "1", "hash-a")
    assert one == change_id("acme", "accounting.invoice.updated", "1", "hash-a")
    others = {
        change_id("acme", "accounting.invoice.updated", "1", "hash-b"),
        change_id("acme", "accounting.invoice.created", "1", "hash-a"),
        change_id("acme", "accounting.invoice.updated", "2", "hash-a"),
        change_id("other", "accounting.invoice.updated", "1", "hash-a"),
    }
    assert one not in others and len(others) == 4


def test_prune_drops_old_events_everyone_received_and_keeps_the_rest(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    first, second = webhooks.due(URL, now=T0)
    webhooks.delivered(first, 200, now=T0)
    webhooks.attempt_failed(second, status_code=500, error="HTTP 500", retry_at=None)
    assert webhooks.prune(T0 + 1) == 1
    assert webhooks.event_count() == 1 and webhooks.counts()["failed"] == 1
    assert webhooks.prune(T0 - 1) == 0


# ----- the outbox under the sync engine -----


def outbox_ids(webhooks: WebhookStore) -> Counter[tuple[str, str, str]]:
    return Counter((r.event_id, r.event_type, r.entity_id) for r in webhooks.deliveries(limit=10_000))


def test_the_outbox_holds_exactly_the_engine_s_events(tmp_path: Path, webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    backend = ReferenceBackend().seed()
    emitted: list[Event] = []
    with SQLiteStore(str(tmp_path / "unified.db")) as store:
        engine = SyncEngine(
            ReferenceConnector(backend), OutboxStore(store, webhooks, connection="acme"), connection="acme"
        )
        engine.subscribe(emitted.append)
        engine.run_sync()
        invoice = next(iter(backend.tables["invoices"].values()))
        backend.tables["invoices"][invoice.id] = invoice.model_copy(  # type: ignore[attr-defined]
            update={"reference": "PO-7", "updated_at": backend.tick()}
        )
        gone = next(iter(backend.tables["bills"]))
        del backend.tables["bills"][gone]
        engine.run_sync(full=True)
        engine.close()
    queued = outbox_ids(webhooks)
    assert sorted((t, e) for _, t, e in queued) == sorted((e.type, e.entity_id) for e in emitted)
    assert all(n == 1 for n in queued.values())
    kinds = Counter(t.rsplit(".", 1)[1] for _, t, _ in queued)
    total = sum(len(table) for table in backend.tables.values()) + 1  # the deleted bill was created first
    assert kinds == {"created": total, "updated": 1, "deleted": 1}
    [deleted] = [d for d in webhooks.due(URL, limit=1000) if d.event_type == "accounting.bill.deleted"]
    assert json.loads(deleted.body)["data"]["id"] == gone  # the last known state


@pytest.mark.parametrize("die_at", [1, 2, 4, 7])
def test_a_run_killed_between_the_outbox_and_the_page_commit_loses_and_doubles_nothing(
    tmp_path: Path, die_at: int
) -> None:
    backend = ReferenceBackend().seed()

    kills: list[int] = []

    def run(path: Path, die: int | None) -> WebhookStore:
        webhooks = WebhookStore(path / "hooks.db")
        webhooks.add_subscriber(URL, SECRET)
        store = DiesOnCommit(str(path / "unified.db"))
        store.commits, store.die_at = 0, die
        outbox = OutboxStore(store, webhooks, connection="acme")
        engine = SyncEngine(ReferenceConnector(backend), outbox, connection="acme")
        try:
            engine.run_sync()
        except Killed:
            kills.append(webhooks.event_count())
            store.die_at = None
            engine.run_sync()
        finally:
            engine.close()
            store.close()
        return webhooks

    (tmp_path / "clean").mkdir()
    (tmp_path / "killed").mkdir()
    clean, killed = run(tmp_path / "clean", None), run(tmp_path / "killed", die_at)
    assert len(kills) == 1 and kills[0] > 0  # it died with events in the outbox and its page rolled back
    assert outbox_ids(killed) == outbox_ids(clean)
    assert len(outbox_ids(clean)) == sum(len(t) for t in backend.tables.values())
    clean.close()
    killed.close()


def test_quiet_resources_sync_without_events(tmp_path: Path, webhooks: WebhookStore) -> None:
    backend = ReferenceBackend().seed()
    with SQLiteStore(str(tmp_path / "unified.db")) as store:
        outbox = OutboxStore(store, webhooks, connection="acme", quiet={"invoices"})
        engine = SyncEngine(ReferenceConnector(backend), outbox, connection="acme")
        engine.run_sync(["invoices", "bills"])
        engine.close()
        assert store.count("invoices") == len(backend.tables["invoices"])
    assert {t for _, t, _ in outbox_ids(webhooks)} <= {"accounting.bill.created"}
    assert webhooks.event_count() == len(backend.tables["bills"])


# ----- deliveries -----


def deliverer(webhooks: WebhookStore, subscriber: Subscriber, clock: Clock, **retry: Any) -> Deliverer:
    policy = RetryPolicy(**{"max_attempts": 3, "base": 10.0, "cap": 40.0, **retry})
    return Deliverer(webhooks, retry=policy, transport=httpx.MockTransport(subscriber), clock=clock)


def test_a_delivery_is_signed_json_with_an_idempotency_key(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    event = invoice_event()
    webhooks.add_events([event], now=T0)
    subscriber, clock = Subscriber(), Clock(T0 + 1)
    report = asyncio.run(deliverer(webhooks, subscriber, clock).deliver_due())
    assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
    [request] = subscriber.requests
    body = json.loads(request.content)
    assert {"id", "type", "resource", "entity_id", "occurred_at", "connection", "data"} <= set(body)
    assert body["id"] == event.id == request.headers["Idempotency-Key"] == request.headers["X-Unified-Event-Id"]
    assert body["type"] == request.headers["X-Unified-Event-Type"] == "accounting.invoice.created"
    assert request.headers["Content-Type"] == "application/json"
    assert verify_signature(request.content, request.headers["X-Unified-Signature"], SECRET, now=clock.now) == T0 + 1
    assert SECRET not in str(request.headers)
    assert webhooks.counts() == {"pending": 0, "delivered": 1, "failed": 0}


def test_failures_back_off_hold_the_subscriber_back_and_end_as_failed_then_replay(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    subscriber, clock = Subscriber(503, 0, 500), Clock(T0)
    worker = deliverer(webhooks, subscriber, clock)

    first = asyncio.run(worker.deliver_due())
    assert (first.delivered, first.retrying) == (0, 1) and len(subscriber.requests) == 1
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
    assert [json.loads(r.content)["data"]["number"] for r in subscriber.requests] == ["INV-1"] * 3 + ["INV-2"]
    assert [r.headers["X-Unified-Delivery-Attempt"] for r in subscriber.requests] == ["1", "2", "3", "1"]
    [failed] = webhooks.deliveries(status="failed")
    assert (failed.attempts, failed.last_status, failed.last_error) == (3, 500, "HTTP 500")

    assert webhooks.replay(now=clock.now) == 1 and webhooks.replay(now=clock.now) == 0
    replayed = asyncio.run(worker.deliver_due())
    assert replayed.delivered == 1 and webhooks.counts() == {"pending": 0, "delivered": 2, "failed": 0}
    assert json.loads(subscriber.requests[-1].content)["data"]["number"] == "INV-1"
    assert webhooks.replay(include_delivered=True, event_id=failed.event_id) == 1
    asyncio.run(worker.aclose())


def test_a_4xx_for_one_event_does_not_hold_back_the_others(webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    webhooks.add_subscriber(OTHER, SECRET)
    webhooks.add_events([invoice_event("INV-1", "1"), invoice_event("INV-2", "2")], now=T0)
    subscriber = Subscriber(400)
    report = asyncio.run(deliverer(webhooks, subscriber, Clock(T0)).deliver_due())
    # URL: INV-1 refused (retried later), its turn ends; OTHER got both; next pass URL gets INV-2 at once
    assert (report.delivered, report.retrying) == (2, 1)
    again = asyncio.run(deliverer(webhooks, subscriber, Clock(T0)).deliver_due())
    assert again.delivered == 1 and webhooks.counts(URL) == {"pending": 1, "delivered": 1, "failed": 0}


def test_retry_policies_are_checked_and_delays_stay_in_their_band() -> None:
    policy = RetryPolicy(max_attempts=5, base=2.0, cap=30.0)
    assert [policy.delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 30, 30]
    assert [policy.delay(n, rand=lambda: 0.0) for n in (1, 2)] == [1, 2]
    with pytest.raises(RequestValidationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(RequestValidationError, match="cap >= base"):
        RetryPolicy(base=10, cap=1)


# ----- the watcher -----


def test_a_watcher_takes_a_silent_baseline_then_delivers_each_change(tmp_path: Path, webhooks: WebhookStore) -> None:
    webhooks.add_subscriber(URL, SECRET)
    backend = ReferenceBackend().seed()
    subscriber = Subscriber()

    async def scenario(store: SQLiteStore) -> tuple[Any, Any, Any]:
        watcher = Watcher(
            ReferenceConnector(backend),
            store,
            webhooks,
            connection="acme",
            interval=0.05,
            transport=httpx.MockTransport(subscriber),
        )
        try:
            baseline = await watcher.run_once()
            invoice = next(iter(backend.tables["invoices"].values()))
            backend.tables["invoices"][invoice.id] = invoice.model_copy(  # type: ignore[attr-defined]
                update={"reference": "PO-9", "updated_at": backend.tick()}
            )
            change = await watcher.run_once()
            quiet = await watcher.run_once()
            return baseline, change, quiet
        finally:
            await watcher.aclose()

    with SQLiteStore(str(tmp_path / "unified.db")) as store:
        baseline, change, quiet = asyncio.run(scenario(store))
        assert store.count("invoices") == len(backend.tables["invoices"])
    assert sorted(baseline.baseline) == sorted(["contacts", "invoices", "bills", "expenses", "tax_rates"])
    assert baseline.events == 0 and baseline.sync.created > 0
    assert change.events == 1 and change.delivery.delivered == 1 and change.baseline == []
    assert [b["type"] for b in subscriber.bodies()] == ["accounting.invoice.updated"]
    assert subscriber.bodies()[0]["data"]["reference"] == "PO-9"
    assert quiet.events == 0 and len(subscriber.requests) == 1


def test_backfill_delivers_existing_records_and_run_stops_after_its_rounds(
    tmp_path: Path, webhooks: WebhookStore
) -> None:
    webhooks.add_subscriber(URL, SECRET)
    backend = ReferenceBackend().seed()
    subscriber = Subscriber()
    rounds: list[Any] = []

    async def scenario(store: SQLiteStore) -> None:
        watcher = Watcher(
            ReferenceConnector(backend),
            store,
            webhooks,
            connection="acme",
            interval=0.01,
            backfill=True,
            resources="invoices",
            transport=httpx.MockTransport(subscriber),
        )
        try:
            await watcher.run(rounds=2, on_round=rounds.append)
        finally:
            await watcher.aclose()

    with SQLiteStore(str(tmp_path / "unified.db")) as store:
        asyncio.run(scenario(store))
    assert [r.events for r in rounds if r.sync is not None] == [len(backend.tables["invoices"]), 0]
    assert Counter(b["type"] for b in subscriber.bodies()) == {"accounting.invoice.created": 7}
    with pytest.raises(RequestValidationError, match="interval"):
        Watcher(ReferenceConnector(backend), SQLiteStore(":memory:"), webhooks, interval=0)


def test_an_outbox_write_outside_a_transaction_is_immediate(webhooks: WebhookStore, tmp_path: Path) -> None:
    from unified.sync import StoredRecord

    with SQLiteStore(str(tmp_path / "u.db")) as store:
        outbox = OutboxStore(store, webhooks, connection="acme")
        record = Invoice(id="1", number="INV-1", updated_at=datetime(2024, 5, 1, tzinfo=UTC))
        outbox.upsert("invoices", StoredRecord(record, "s", "r1", True))
        outbox.upsert("invoices", StoredRecord(record, "s", "r1", True))  # unchanged: no event
        outbox.upsert("invoices", StoredRecord(record, "s", "r2", True))
        outbox.delete("invoices", "1")
        outbox.delete("invoices", "1")  # already gone: no event
    assert [r.event_type for r in reversed(webhooks.deliveries())] == []  # no subscribers: no deliveries
    assert webhooks.event_count() == 3


def test_urls_in_logs_and_messages_hide_credentials_and_query_tokens(
    webhooks: WebhookStore, caplog: pytest.LogCaptureFixture
) -> None:
    assert (
        redact_url("https://user:pw@hooks.example.com:8443/in?token=abc") == "https://***@hooks.example.com:8443/in?***"
    )
    assert redact_url(URL) == URL
    secret_url = "https://hooks.example.com/in?token=t0ps3cret"
    webhooks.add_subscriber(secret_url, SECRET)
    webhooks.add_events([invoice_event()], now=T0)
    with caplog.at_level("INFO", logger="unified.webhooks"):
        asyncio.run(deliverer(webhooks, Subscriber(0), Clock(T0), max_attempts=1).deliver_due())
    [failed] = webhooks.deliveries(status="failed")
    assert failed.last_error and failed.last_error.startswith("ConnectError")
    assert caplog.records and "t0ps3cret" not in caplog.text and SECRET not in caplog.text
    with pytest.raises(EntityNotFoundError) as missing:
        webhooks.remove_subscriber("https://hooks.example.com/other?token=t0ps3cret")
    assert "t0ps3cret" not in str(missing.value)
