"""PostgresWebhookStore: the webhook database in PostgreSQL, one outbox shared by every worker process.

The same interface and guarantees as :class:`WebhookStore` (it is a subclass, so whatever takes a WebhookStore
takes this): subscribers with encrypted secrets, an outbox of events kept once per id, a delivery row per event
and subscriber with attempts, backoff and replay. Tables, in the sync store's schema (``unified`` unless told)::

    webhook_subscribers (url PRIMARY KEY, secret "fernet:<token>", created_at)
    webhook_events      (seq, id UNIQUE, type, resource, entity_id, occurred_at, body, created_at)
    webhook_deliveries  (event_seq, subscriber, status, attempts, next_attempt_at, last_status, last_error,
                         delivered_at, worker, claimed_until)
    webhook_meta        (connection, key, value)

Subscribers and events are shared by every connection (an event names its connection); meta is one connection's,
as in :class:`unified.sync.PostgresStore`.

Many workers deliver from one outbox: :meth:`due` claims what it returns (``FOR UPDATE SKIP LOCKED``, then a
lease of ``lease`` seconds in ``claimed_until``), so two workers never send the same delivery at once. Recording
the answer ends the claim; a worker killed mid-send leaves its claims to expire, and another worker sends them
then: at least once. A lease, not a row lock held across the HTTP call, so no transaction stays open while a
subscriber answers.

:meth:`sharing` opens the store on a :class:`PostgresStore`'s own session: the outbox's events then commit in the
same transaction as the page that found them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from unified.errors import EntityNotFoundError, RequestValidationError
from unified.events import Event
from unified.secret import Secret
from unified.sync._pgdb import Transactions, advisory_key, check_schema, connect, redact_dsn, scalar
from unified.webhooks._secrets import SecretBox
from unified.webhooks._store import (
    STATUSES,
    Delivery,
    DeliveryRecord,
    DeliveryStatus,
    Subscriber,
    WebhookStore,
    _check_url,
    delivery_record,
    event_body,
    redact_url,
)

if TYPE_CHECKING:
    import psycopg

    from unified.sync.postgres import PostgresStore

__all__ = ["PostgresWebhookStore"]

SCHEMA_VERSION = "1"
DEFAULT_LEASE = 600.0  # seconds: 50 sends of 10 s each, with room to spare
_ready: set[tuple[str, str]] = set()  # (url, schema) whose tables this process has made sure of
_ready_lock = threading.Lock()


def _create_statements(schema: str) -> list[str]:
    return [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"CREATE TABLE IF NOT EXISTS {schema}.webhook_meta (connection TEXT NOT NULL, key TEXT NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (connection, key))",
        f"CREATE TABLE IF NOT EXISTS {schema}.webhook_subscribers (url TEXT PRIMARY KEY, secret TEXT NOT NULL, "
        "created_at DOUBLE PRECISION NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {schema}.webhook_events (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, resource TEXT NOT NULL, entity_id TEXT NOT NULL, "
        "occurred_at TEXT NOT NULL, body TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {schema}.webhook_deliveries (event_seq BIGINT NOT NULL, subscriber TEXT NOT NULL, "
        "status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at DOUBLE PRECISION NOT NULL, "
        "last_status INTEGER, last_error TEXT, delivered_at DOUBLE PRECISION, worker TEXT, "
        "claimed_until DOUBLE PRECISION, PRIMARY KEY (event_seq, subscriber))",
        f"CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON {schema}.webhook_deliveries "
        "(subscriber, status, next_attempt_at)",
        f"CREATE INDEX IF NOT EXISTS webhook_deliveries_status ON {schema}.webhook_deliveries "
        "(status, next_attempt_at)",
        f"CREATE INDEX IF NOT EXISTS webhook_events_created ON {schema}.webhook_events (created_at)",
    ]


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PostgresWebhookStore(WebhookStore):
    """Subscribers, the outbox and its deliveries in a PostgreSQL database shared by every worker.

    ``url`` is a libpq URL; ``schema`` where the tables live (created if missing); ``connection`` whose meta
    :meth:`get_meta` and :meth:`set_meta` read and write; ``key`` encrypts the subscribers' secrets (default: the
    vault's, ``UNIFIED_VAULT_KEY``, the same on every machine); ``lease`` is how long a claim of :meth:`due` lasts
    when the caller names none.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str = "unified",
        connection: str = "",
        key: str | Secret | None = None,
        lease: float = DEFAULT_LEASE,
        _session: PostgresStore | None = None,
    ) -> None:
        if not lease > 0:
            raise RequestValidationError(f"lease must be a positive number of seconds; got {lease!r}.", field="lease")
        self.url = url
        self.schema = check_schema(schema)
        self.connection = connection
        self.lease = float(lease)
        self.worker = _worker_name()
        self.path = f"{redact_dsn(url)} (schema {self.schema})"  # where it lives, for messages
        self._box = SecretBox(self.path, key)
        self._owns = _session is None
        if _session is None:
            self._lock = threading.RLock()
            self._pg: psycopg.Connection[Any] = connect(url, what="webhook database")
            self._pg_transactions = Transactions(self._pg, self._lock)
        else:
            # the sync store's own session: an outbox write joins the transaction of the page being written
            self._lock = _session._lock
            self._pg = _session._db
            self._pg_transactions = _session._transactions
        try:
            self._ensure_tables()
        except BaseException:
            self.close()
            raise

    @classmethod
    def sharing(
        cls, store: PostgresStore, *, key: str | Secret | None = None, lease: float = DEFAULT_LEASE
    ) -> PostgresWebhookStore:
        """The webhook store in ``store``'s database and schema, on ``store``'s session, with its connection's meta:
        ``OutboxStore(store, PostgresWebhookStore.sharing(store), ...)`` commits each page and its events at once.
        Closing it leaves the session open (it is the sync store's)."""
        return cls(store.url, schema=store.schema, connection=store.connection, key=key, lease=lease, _session=store)

    def _ensure_tables(self) -> None:
        with _ready_lock:
            if (self.url, self.schema) in _ready:
                return
            with self.transaction():
                # one creator at a time: concurrent CREATE ... IF NOT EXISTS can still collide in the catalog
                self._pg.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("unified.schema", self.schema),))
                for statement in _create_statements(self.schema):
                    self._pg.execute(statement)
                row = self._pg.execute(
                    f"SELECT value FROM {self.schema}.webhook_meta WHERE connection = '' AND key = 'schema_version'"
                ).fetchone()
                if row is None:
                    self._pg.execute(
                        f"INSERT INTO {self.schema}.webhook_meta (connection, key, value) "
                        "VALUES ('', 'schema_version', %s)",
                        (SCHEMA_VERSION,),
                    )
                elif row[0] != SCHEMA_VERSION:
                    raise RequestValidationError(
                        f"The webhook tables in {self.path} have version {row[0]}; this version of the library uses "
                        f"{SCHEMA_VERSION}. Use another schema or upgrade the library.",
                        field="schema",
                    )
            _ready.add((self.url, self.schema))

    def __repr__(self) -> str:
        return f"PostgresWebhookStore({redact_dsn(self.url)!r}, schema={self.schema!r})"

    def close(self) -> None:
        if self._owns:
            with self._lock:
                self._pg.close()

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together (nested calls join the outer transaction, also the sync
        store's when the session is shared)."""
        return self._pg_transactions()

    def _t(self, name: str) -> str:
        return f"{self.schema}.webhook_{name}"

    # ----- subscribers -----

    def add_subscriber(self, url: str, secret: str | Secret) -> Subscriber:
        url = _check_url(url)
        value = Secret.of(secret) if isinstance(secret, str | Secret) else None
        if value is None or not value.reveal().strip():
            raise RequestValidationError(
                "A subscriber needs a signing secret (any long random string, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`).",
                field="secret",
            )
        with self.transaction():
            self._pg.execute(
                f"INSERT INTO {self._t('subscribers')} (url, secret, created_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (url) DO UPDATE SET secret = excluded.secret",
                (url, self._box.seal(value), time.time()),
            )
        found = self.subscriber(url)
        assert found is not None
        return found

    def remove_subscriber(self, url: str) -> None:
        url = self.subscriber_url(url).strip()
        with self.transaction():
            removed = self._pg.execute(f"DELETE FROM {self._t('subscribers')} WHERE url = %s", (url,)).rowcount
            if not removed:
                known = ", ".join(redact_url(known) for known in self.subscriber_urls()) or "none"
                raise EntityNotFoundError(f"No subscriber has the URL {redact_url(url)}; subscribers: {known}.")
            self._pg.execute(f"DELETE FROM {self._t('deliveries')} WHERE subscriber = %s", (url,))

    def subscriber(self, url: str) -> Subscriber | None:
        with self._lock:
            row = self._pg.execute(
                f"SELECT url, secret, created_at FROM {self._t('subscribers')} WHERE url = %s", (url.strip(),)
            ).fetchone()
        return None if row is None else Subscriber(row[0], self._box.open(row[1]), datetime.fromtimestamp(row[2], UTC))

    def subscriber_urls(self) -> list[str]:
        with self._lock:
            rows = self._pg.execute(f"SELECT url FROM {self._t('subscribers')} ORDER BY created_at").fetchall()
        return [url for (url,) in rows]

    def subscribers(self) -> list[Subscriber]:
        with self._lock:
            rows = self._pg.execute(
                f"SELECT url, secret, created_at FROM {self._t('subscribers')} ORDER BY created_at"
            ).fetchall()
        return [Subscriber(url, self._box.open(secret), datetime.fromtimestamp(at, UTC)) for url, secret, at in rows]

    # ----- the outbox -----

    def add_events(self, events: Iterable[Event], *, now: float | None = None) -> int:
        at = time.time() if now is None else now
        rows = [(e.id, e.type, e.resource, e.entity_id, e.occurred_at.isoformat(), event_body(e), at) for e in events]
        if not rows:
            return 0
        columns = list(zip(*rows, strict=True))
        with self.transaction():
            # one statement for the page's events and one for their deliveries; an id already there is skipped
            seqs = [
                seq
                for (seq,) in self._pg.execute(
                    f"INSERT INTO {self._t('events')} (id, type, resource, entity_id, occurred_at, body, created_at) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                    "%s::float8[]) ON CONFLICT (id) DO NOTHING RETURNING seq",
                    [list(column) for column in columns],
                ).fetchall()
            ]
            if seqs:
                self._pg.execute(
                    f"INSERT INTO {self._t('deliveries')} (event_seq, subscriber, status, attempts, next_attempt_at) "
                    f"SELECT seq, s.url, 'pending', 0, %s FROM unnest(%s::bigint[]) AS seq "
                    f"CROSS JOIN {self._t('subscribers')} s",
                    (at, seqs),
                )
        return len(seqs)

    def event_count(self) -> int:
        with self._lock:
            return int(scalar(self._pg.execute(f"SELECT COUNT(*) FROM {self._t('events')}").fetchone()))

    # ----- deliveries -----

    def due(
        self, url: str, *, now: float | None = None, limit: int = 100, lease: float | None = None
    ) -> list[Delivery]:
        """The subscriber's pending deliveries whose time has come and that no other worker holds, oldest event
        first, claimed for ``lease`` seconds (the store's ``lease`` by default)."""
        at = time.time() if now is None else now
        until = at + (self.lease if lease is None else lease)
        deliveries = self._t("deliveries")
        with self._lock:
            secret = self._pg.execute(f"SELECT secret FROM {self._t('subscribers')} WHERE url = %s", (url,)).fetchone()
            if secret is None:
                return []
            rows = self._pg.execute(
                f"WITH due AS (SELECT event_seq FROM {deliveries} WHERE subscriber = %s AND status = 'pending' "
                "AND next_attempt_at <= %s AND (claimed_until IS NULL OR claimed_until <= %s) "
                "ORDER BY event_seq LIMIT %s FOR UPDATE SKIP LOCKED) "
                f"UPDATE {deliveries} d SET worker = %s, claimed_until = %s FROM due, {self._t('events')} e "
                "WHERE d.subscriber = %s AND d.event_seq = due.event_seq AND e.seq = d.event_seq "
                "RETURNING d.event_seq, e.id, e.type, e.body, d.attempts",
                (url, at, at, limit, self.worker, until, url),
            ).fetchall()
        key = self._box.open(secret[0])
        return [Delivery(seq, id, type, body, url, key, attempts) for seq, id, type, body, attempts in sorted(rows)]

    def release(self, deliveries: Sequence[Delivery]) -> None:
        """Give back claims of :meth:`due` that were not sent: another worker may take them at once."""
        by_url: dict[str, list[int]] = {}
        for delivery in deliveries:
            by_url.setdefault(delivery.url, []).append(delivery.event_seq)
        with self.transaction():
            for url, seqs in by_url.items():
                self._pg.execute(
                    f"UPDATE {self._t('deliveries')} SET claimed_until = NULL WHERE subscriber = %s "
                    "AND event_seq = ANY(%s) AND worker = %s AND status = 'pending'",
                    (url, seqs, self.worker),
                )

    def delivered(self, delivery: Delivery, status_code: int, *, now: float | None = None) -> None:
        with self.transaction():
            self._pg.execute(
                f"UPDATE {self._t('deliveries')} SET status = 'delivered', attempts = attempts + 1, last_status = %s, "
                "last_error = NULL, delivered_at = %s, worker = %s, claimed_until = NULL "
                "WHERE event_seq = %s AND subscriber = %s",
                (
                    status_code,
                    time.time() if now is None else now,
                    self.worker,
                    delivery.event_seq,
                    delivery.url,
                ),
            )

    def attempt_failed(
        self, delivery: Delivery, *, status_code: int | None, error: str, retry_at: float | None
    ) -> None:
        # status = 'pending': a delivery another worker has meanwhile made stays delivered
        with self.transaction():
            self._pg.execute(
                f"UPDATE {self._t('deliveries')} SET status = %s, attempts = attempts + 1, last_status = %s, "
                "last_error = %s, next_attempt_at = COALESCE(%s, next_attempt_at), claimed_until = NULL "
                "WHERE event_seq = %s AND subscriber = %s AND status = 'pending'",
                (
                    "failed" if retry_at is None else "pending",
                    status_code,
                    error[:500],
                    retry_at,
                    delivery.event_seq,
                    delivery.url,
                ),
            )

    def hold_back(self, url: str, until: float) -> None:
        with self.transaction():
            self._pg.execute(
                f"UPDATE {self._t('deliveries')} SET next_attempt_at = GREATEST(next_attempt_at, %s) "
                "WHERE subscriber = %s AND status = 'pending'",
                (until, url),
            )

    def next_due_at(self) -> float | None:
        """The time (unix seconds) the next pending delivery is due (or its claim ends), or None."""
        with self._lock:
            at = scalar(
                self._pg.execute(
                    f"SELECT MIN(GREATEST(next_attempt_at, COALESCE(claimed_until, 0))) FROM {self._t('deliveries')} "
                    "WHERE status = 'pending'"
                ).fetchone()
            )
        return None if at is None else float(at)

    def counts(self, subscriber: str | None = None) -> dict[DeliveryStatus, int]:
        query = f"SELECT status, COUNT(*) FROM {self._t('deliveries')}"
        params: tuple[str, ...] = ()
        if subscriber is not None:
            query, params = query + " WHERE subscriber = %s", (subscriber,)
        with self._lock:
            rows = dict(self._pg.execute(query + " GROUP BY status", params).fetchall())
        return {status: int(rows.get(status, 0)) for status in STATUSES}

    def deliveries(
        self, *, status: DeliveryStatus | None = None, subscriber: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        clauses, params = self._where(status=status, subscriber=subscriber)
        with self._lock:
            rows = self._pg.execute(
                "SELECT e.id, e.type, e.entity_id, d.subscriber, d.status, d.attempts, d.next_attempt_at, "
                f"d.last_status, d.last_error, d.delivered_at FROM {self._t('deliveries')} d "
                f"JOIN {self._t('events')} e ON e.seq = d.event_seq{clauses} "
                "ORDER BY d.event_seq DESC, d.subscriber LIMIT %s",
                (*params, limit),
            ).fetchall()
        return [delivery_record(row) for row in rows]

    def replay(
        self,
        *,
        include_delivered: bool = False,
        subscriber: str | None = None,
        event_id: str | None = None,
        now: float | None = None,
    ) -> int:
        statuses = ["failed", "delivered"] if include_delivered else ["failed"]
        clauses, params = self._where(subscriber=subscriber, event_id=event_id)
        where = f"{clauses} AND" if clauses else " WHERE"
        deliveries = self._t("deliveries")
        with self.transaction():
            cursor = self._pg.execute(
                f"UPDATE {deliveries} SET status = 'pending', attempts = 0, next_attempt_at = %s, last_error = NULL, "
                f"claimed_until = NULL WHERE (event_seq, subscriber) IN (SELECT d.event_seq, d.subscriber "
                f"FROM {deliveries} d JOIN {self._t('events')} e ON e.seq = d.event_seq{where} d.status = ANY(%s))",
                (time.time() if now is None else now, *params, statuses),
            )
            return int(cursor.rowcount)

    def prune(self, older_than: float) -> int:
        events, deliveries = self._t("events"), self._t("deliveries")
        with self.transaction():
            # one pruner at a time: workers that come round together would only wait for each other's deletes
            if not scalar(
                self._pg.execute(
                    "SELECT pg_try_advisory_xact_lock(%s)", (advisory_key("unified.webhooks.prune", self.schema),)
                ).fetchone()
            ):
                return 0
            seqs = [
                seq
                for (seq,) in self._pg.execute(
                    f"SELECT seq FROM {events} e WHERE created_at < %s AND NOT EXISTS "
                    f"(SELECT 1 FROM {deliveries} d WHERE d.event_seq = e.seq AND d.status != 'delivered')",
                    (older_than,),
                ).fetchall()
            ]
            if seqs:
                self._pg.execute(f"DELETE FROM {deliveries} WHERE event_seq = ANY(%s)", (seqs,))
                self._pg.execute(f"DELETE FROM {events} WHERE seq = ANY(%s)", (seqs,))
        return len(seqs)

    @staticmethod
    def _where(
        *, status: str | None = None, subscriber: str | None = None, event_id: str | None = None
    ) -> tuple[str, tuple[str, ...]]:
        clauses: list[str] = []
        params: list[str] = []
        for column, value in (("d.status", status), ("d.subscriber", subscriber), ("e.id", event_id)):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value.strip())
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)

    # ----- meta: this connection's -----

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._pg.execute(
                f"SELECT value FROM {self._t('meta')} WHERE connection = %s AND key = %s", (self.connection, key)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._pg.execute(
                f"INSERT INTO {self._t('meta')} (connection, key, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (connection, key) DO UPDATE SET value = excluded.value",
                (self.connection, key, value),
            )


def open_webhooks(db: str | os.PathLike[str], *, connection: str = "") -> WebhookStore:
    """The webhook store a ``--db`` value names: for a ``postgresql://`` URL the tables in that database (schema
    ``unified``, beside :class:`unified.sync.PostgresStore`'s), else the SQLite file next to the sync database
    (``unified.db`` -> ``unified.webhooks.db``)."""
    from unified.sync._pgdb import is_postgres_url
    from unified.webhooks._store import webhooks_path_for

    text = os.fspath(db)
    if is_postgres_url(text):
        return PostgresWebhookStore(text.strip(), connection=connection)
    return WebhookStore(webhooks_path_for(text))
