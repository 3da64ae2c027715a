"""Many workers, one outbox in PostgreSQL: deliveries are claimed (SKIP LOCKED and a lease) so that two workers
never send the same one at once; a killed worker's claims go out later, from another worker (at least once); a
subscriber that is down gets retries; a sync job writes its changes to the outbox, after a silent baseline; and two
`unified worker` processes deliver each event to each subscriber once, then, one of them killed mid-send, every
event at least once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from schemas import Contact, Invoice
from tests.scale._webhooks import Received, Subscribers, own_database
from unified.events import Event, make_events
from unified.webhooks import Deliverer, PostgresWebhookStore, RetryPolicy

A = "https://a.example.com/hooks"
B = "https://b.example.com/hooks"
SECRET = "subscriber-secret-0123456789"
T0 = 1_714_564_800.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _vault_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("UNIFIED_VAULT_KEY", key)
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))
    return key


def events(count: int, start: int = 0) -> list[Event]:
    found: list[Event] = []
    for n in range(start, start + count):
        record = Invoice(id=str(n), number=f"INV-{n}", updated_at=datetime(2024, 5, 1, tzinfo=UTC))
        found += make_events("invoices", record, "created", connection="acme")
    return found


def store(url: str, schema: str) -> PostgresWebhookStore:
    return PostgresWebhookStore(url, schema=schema)


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ----- claims -----


def test_two_workers_never_get_the_same_delivery_until_its_claim_ends(pg_database: str, pg_schema: str) -> None:
    one, two = store(pg_database, pg_schema), store(pg_database, pg_schema)  # two sessions, as two processes
    try:
        one.add_subscriber(A, SECRET)
        one.add_events(events(5), now=T0)
        first = one.due(A, now=T0, limit=2, lease=30)
        second = two.due(A, now=T0, limit=10)
        assert [d.event_seq for d in first] == sorted(d.event_seq for d in first)  # oldest first
        assert len(first) == 2 and len(second) == 3
        assert not {d.event_seq for d in first} & {d.event_seq for d in second}
        assert two.due(A, now=T0 + 29) == [] and one.next_due_at() == T0 + 30
        # the first worker died holding its claims: they go out once the lease ends, from the other one
        taken = two.due(A, now=T0 + 30)
        assert {d.event_seq for d in taken} == {d.event_seq for d in first}
        for delivery in taken:
            two.delivered(delivery, 200, now=T0 + 30)
        # the dead worker's late answer does not make a delivery pending again
        one.attempt_failed(first[0], status_code=None, error="ConnectError", retry_at=T0 + 60)
        assert two.counts() == {"pending": 3, "delivered": 2, "failed": 0}
        # claims given back are free at once
        two.release(second[1:])
        assert {d.event_seq for d in one.due(A, now=T0)} == {d.event_seq for d in second[1:]}
    finally:
        one.close()
        two.close()


def test_two_deliverers_at_once_send_each_event_to_each_subscriber_once(pg_database: str, pg_schema: str) -> None:
    setup = store(pg_database, pg_schema)
    setup.add_subscriber(A, SECRET)
    setup.add_subscriber(B, SECRET)
    setup.add_events(events(120), now=T0)
    received = Received()
    first_waits, second_sent = threading.Event(), threading.Event()
    sent_by: dict[str, Counter[str]] = {"first": Counter(), "second": Counter()}

    def endpoint(name: str) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            url = str(request.url)
            received.add(url, request.headers["Idempotency-Key"])
            sent_by[name][url] += 1
            if name == "first" and not first_waits.is_set():
                first_waits.set()  # it holds its first claims now: the second worker starts, and must skip them
                assert second_sent.wait(30), "the second worker sent nothing"
            if name == "second":
                second_sent.set()
            return httpx.Response(204)

        return httpx.MockTransport(handle)

    reports: dict[str, Any] = {}

    def work(name: str) -> None:
        webhooks = store(pg_database, pg_schema)
        deliverer = Deliverer(webhooks, transport=endpoint(name), clock=lambda: T0)

        async def run() -> None:
            try:
                reports[name] = await deliverer.deliver_due()
            finally:
                await deliverer.aclose()

        try:
            asyncio.run(run())
        except BaseException as exc:  # reported below
            reports[name] = exc
        finally:
            webhooks.close()

    threads = {name: threading.Thread(target=work, args=(name,)) for name in ("first", "second")}
    threads["first"].start()
    assert first_waits.wait(30)
    threads["second"].start()
    for thread in threads.values():
        thread.join(60)
    try:
        assert not any(isinstance(r, BaseException) for r in reports.values()), reports
        assert set(received.got.values()) == {1} and len(received.got) == 2 * 120  # each once, none lost
        assert setup.counts() == {"pending": 0, "delivered": 240, "failed": 0}
        assert reports["first"].delivered + reports["second"].delivered == 240
        # the first held A's oldest batch (50) while the second ran, which took the next batch: both sent A events
        assert sent_by["first"][A] >= 50 and sent_by["second"][A] >= 50
    finally:
        setup.close()


def test_a_subscriber_that_is_down_gets_retries_until_it_answers(pg_database: str, pg_schema: str) -> None:
    from unified.jobs import deliver_webhooks

    setup = store(pg_database, pg_schema)
    setup.add_subscriber(A, SECRET)
    setup.add_events(events(3), now=T0)
    answers, attempts = [0, 0, 503], []

    def handle(request: httpx.Request) -> httpx.Response:
        attempts.append((json.loads(request.content)["entity_id"], request.headers["X-Unified-Delivery-Attempt"]))
        status = answers.pop(0) if answers else 200
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status)

    clock = Clock()
    retry = RetryPolicy(max_attempts=5, base=10.0, cap=40.0)

    def deliver() -> Any:
        return asyncio.run(
            deliver_webhooks(
                pg_database, schema=pg_schema, retry=retry, transport=httpx.MockTransport(handle), clock=clock
            )
        )

    try:
        assert deliver().retrying == 1
        assert deliver().retrying == 0 and len(attempts) == 1  # held back: one attempt per backoff step
        waits = []
        while setup.counts()["pending"]:
            due = setup.next_due_at()
            assert due is not None and len(attempts) < 10
            waits.append(due - clock.now)
            clock.now = due
            deliver()
        assert attempts == [("0", "1"), ("0", "2"), ("0", "3"), ("0", "4"), ("1", "1"), ("2", "1")]
        assert waits[0] >= 5 and waits[1] >= 10 and waits[2] >= 20  # backing off
        [first] = [r for r in setup.deliveries() if r.entity_id == "0"]
        assert (first.status, first.attempts, first.last_status) == ("delivered", 4, 200)
    finally:
        setup.close()


# ----- the sync job writes the outbox -----


@pytest.mark.e2e
def test_a_sync_job_writes_its_changes_to_the_outbox_after_a_silent_baseline(pg_database: str, pg_schema: str) -> None:
    from connectors.zoho_books import ZohoBooksConnector
    from connectors.zoho_books.emulator import ZohoBooksEmulator
    from unified import UnifiedClient
    from unified.jobs import deliver_webhooks, sync_connection
    from unified.vault import Connection
    from unified.vault._postgres import PostgresVault

    emu = ZohoBooksEmulator(seed=5, contacts=4, invoices=3, bills=0, expenses=0)
    with emu.serve():
        settings = emu.connector_settings()
        vault = PostgresVault(url=pg_database, schema=pg_schema)
        plain = {k: settings[k] for k in ("client_id", "organization_id", "api_url", "accounts_url")}
        secrets = {k: settings[k] for k in ("client_secret", "refresh_token")}
        vault.save(Connection("acme", "zoho-books", plain, secrets))
        webhooks = store(pg_database, pg_schema)

        def sync(resource: str) -> Any:
            return asyncio.run(
                sync_connection("acme", database=pg_database, schema=pg_schema, vault=vault, resources=[resource])
            )

        try:
            assert sync("contacts").created == 4 and webhooks.event_count() == 0  # nobody subscribes: no outbox
            webhooks.add_subscriber(A, SECRET)
            assert sync("invoices").created == 3 and webhooks.event_count() == 0  # a first sync: the baseline
            client = UnifiedClient(ZohoBooksConnector(**settings))
            added = client.contacts.create(Contact(display_name="Acme GmbH", is_customer=True))
            client.close()
            assert sync("contacts").created == 1 and sync("invoices").created == 0
            [record] = webhooks.deliveries()
            assert (record.event_type, record.entity_id, record.status) == (
                "accounting.customer.created",
                added.id,
                "pending",
            )
            bodies: list[dict[str, Any]] = []

            def handle(request: httpx.Request) -> httpx.Response:
                bodies.append(json.loads(request.content))
                return httpx.Response(200)

            report = asyncio.run(deliver_webhooks(pg_database, schema=pg_schema, transport=httpx.MockTransport(handle)))
            assert report.delivered == 1 and bodies[0]["connection"] == "acme"
            assert bodies[0]["data"]["display_name"] == "Acme GmbH"
        finally:
            webhooks.close()


# ----- worker processes -----


class HoldFirstSender:
    """Holds the first request until another worker process has sent one: two workers deliver at once."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.first: str | None = None
        self.other = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, url: str, key: str) -> bool:
        pid = held_by(self.database, url, key).split(":")[-2]
        with self.lock:
            first, self.first = self.first, self.first or pid
        if first is None:
            assert self.other.wait(60), "no other worker sent anything while the first held its batch"
        elif pid != first:
            self.other.set()
        return True


class HangNext:
    """The next request gets no answer: its sender holds it (and its batch) until it is killed."""

    def __init__(self) -> None:
        self.hanging: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, url: str, key: str) -> bool:
        with self.lock:
            self.hanging.append((url, key))
            return len(self.hanging) > 1


def poll(condition: Any, what: str, seconds: float = 60, workers: list[subprocess.Popen[bytes]] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        for worker in workers or []:
            assert worker.poll() is None, f"a worker exited ({worker.returncode}) waiting for {what}; see its log"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def database(pg_database: str) -> Iterator[str]:
    yield from own_database()


def test_a_worker_delivers_periodically_and_after_changes_with_one_delivery_job_waiting(database: str) -> None:
    from unified.jobs._app import DELIVER_TASK, _deliver_soon, build_app, deliver_cron, ensure_schema

    assert deliver_cron(5) == "* * * * * */5" and deliver_cron(0.2) == "* * * * * */1"
    assert deliver_cron(120) == "*/2 * * * *"
    ensure_schema(database)

    async def twice() -> list[str]:
        app = build_app(database, deliver_cron=deliver_cron(5))
        assert [(t.task.name, t.cron) for t in app.periodic_registry.periodic_tasks.values()] == [
            (DELIVER_TASK, "* * * * * */5")
        ]
        async with app.open_async():
            await _deliver_soon(app)
            await _deliver_soon(app)  # one is waiting already: it sends these changes too
            return [job.task_name for job in await app.job_manager.list_jobs_async()]

    assert asyncio.run(twice()) == [DELIVER_TASK]
    assert build_app(database).periodic_registry.periodic_tasks == {}  # --deliver-every 0: only after changes


@pytest.mark.e2e
def test_worker_processes_deliver_each_event_once_and_after_a_kill_at_least_once(
    database: str, tmp_path: Path, _vault_key: str
) -> None:
    from unified.jobs import deliver_webhooks

    endpoints = Subscribers()
    webhooks = store(database, "unified")
    for url in endpoints.urls:
        webhooks.add_subscriber(url, SECRET)
    env = {
        **os.environ,
        "UNIFIED_DATABASE_URL": database,
        "UNIFIED_VAULT_KEY": _vault_key,
        "UNIFIED_HOME": str(tmp_path / "home"),
    }
    env.pop("UNIFIED_VAULT_URL", None)
    # one job per worker at a time: a worker holding a delivery job leaves the next tick to the other
    command = [sys.executable, "-m", "unified", "worker", "--schedule", "off", "--deliver-every", "1"]
    command += ["--deliver-timeout", "60", "--concurrency", "1"]
    logs = [(tmp_path / f"worker-{n}.log").open("wb") for n in range(2)]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log) for log in logs]
    try:
        # 1. normal runs: the first sender holds its first batch of /a until the other worker has sent some
        endpoints.hook = HoldFirstSender(database)
        webhooks.add_events(events(60))
        poll(lambda: webhooks.counts()["delivered"] == 120, "the first 120 deliveries", workers=workers)
        assert set(endpoints.received.got.values()) == {1} and len(endpoints.received.got) == 120  # each once
        assert len(senders(database)) == 2  # both workers delivered from the one outbox

        # 2. the sender of the next request is killed while it waits for the answer
        endpoints.hook = hang = HangNext()
        webhooks.add_events(events(80, start=100))
        poll(lambda: hang.hanging, "a delivery in flight", workers=workers)
        [(url, key)] = hang.hanging[:1]
        holder = held_by(database, url, key)
        [victim] = [w for w in workers if w.pid == int(holder.split(":")[-2])]
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        # the other worker sends all but what the dead one holds (a batch of 50 per subscriber at most)
        poll(lambda: pending_not_held_by(database, holder) == 0, "the rest from the other worker")
        held = webhooks.counts()["pending"]
        assert 1 <= held <= 100 and webhooks.counts()["delivered"] == 280 - held
        late = asyncio.run(deliver_webhooks(database, clock=lambda: time.time() + 10_000))  # its lease is over
        assert late.delivered == held and webhooks.counts() == {"pending": 0, "delivered": 280, "failed": 0}
        got = endpoints.received.got
        assert len(got) == 280 and got[(url, key)] == 2  # at least once: the one in flight went again
        assert sum(got.values()) - 280 <= held  # only what the dead worker held can have gone twice
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
        for log in logs:
            log.close()
        webhooks.close()
        endpoints.close()


def senders(url: str) -> set[str]:
    """The worker processes (pids) that made the deliveries."""
    import psycopg

    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT DISTINCT worker FROM unified.webhook_deliveries WHERE status = 'delivered'"
        ).fetchall()
    return {str(worker).split(":")[-2] for (worker,) in rows}


def held_by(url: str, subscriber: str, event_id: str) -> str:
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT d.worker FROM unified.webhook_deliveries d JOIN unified.webhook_events e ON e.seq = d.event_seq "
            "WHERE d.subscriber = %s AND e.id = %s",
            (subscriber, event_id),
        ).fetchone()
    assert row is not None and row[0]
    return str(row[0])


def pending_not_held_by(url: str, worker: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM unified.webhook_deliveries WHERE status = 'pending' "
            "AND (claimed_until IS NULL OR worker IS DISTINCT FROM %s)",
            (worker,),
        ).fetchone()
    assert row is not None
    return int(row[0])
