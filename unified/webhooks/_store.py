"""The webhook database: subscribers, the outbox of events, and one delivery row per event and subscriber.

It is a SQLite file next to the sync database (``unified.db`` -> ``unified.webhooks.db``, see
:func:`webhooks_path_for`), created readable by its owner only, because it holds the subscribers' signing secrets;
those are encrypted with the vault's key besides (``UNIFIED_VAULT_KEY`` or ``$UNIFIED_HOME/vault.key``), and the
plaintext secrets of a database written by an older version are encrypted when it is opened.

Tables::

    subscribers (url PRIMARY KEY, secret "fernet:<token>", created_at)
    events      (seq, id UNIQUE, type, resource, entity_id, occurred_at, body, created_at)   the outbox
    deliveries  (event_seq, subscriber, status pending|delivered|failed, attempts, next_attempt_at,
                 last_status, last_error, delivered_at)
    meta        (key, value)

An event's ``body`` is its JSON exactly as it is sent, so every retry sends the same bytes. A delivery that keeps
failing ends as ``failed`` and stays until :meth:`WebhookStore.replay` puts it back in the queue.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from unified._sqlite import Transactions, connect
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.events import Event
from unified.secret import Secret
from unified.webhooks._secrets import SecretBox, is_encrypted

__all__ = [
    "Delivery",
    "DeliveryRecord",
    "DeliveryStatus",
    "Subscriber",
    "WebhookStore",
    "event_body",
    "redact_url",
    "webhooks_path_for",
]

DeliveryStatus = Literal["pending", "delivered", "failed"]
STATUSES: tuple[DeliveryStatus, ...] = ("pending", "delivered", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscribers (url TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    resource TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    event_seq INTEGER NOT NULL,
    subscriber TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    delivered_at REAL,
    PRIMARY KEY (event_seq, subscriber)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (subscriber, status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, next_attempt_at);
"""


def webhooks_path_for(sync_db: str | Path) -> Path:
    """Where the webhook database of a sync database lives: ``unified.db`` -> ``unified.webhooks.db``."""
    path = Path(sync_db).expanduser()
    return path.with_name(f"{path.stem}.webhooks{path.suffix or '.db'}")


def event_body(event: Event) -> str:
    """The JSON a subscriber receives for ``event`` (``Event.to_dict()``: id, type, resource, entity_id,
    occurred_at, connection, data with Apideck's field names, raw)."""
    return json.dumps(event.to_dict(), separators=(",", ":"), default=str)


def redact_url(url: str) -> str:
    """The URL for logs and messages: a user name, password or query string (often a token) is masked."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = f"***@{host}"
    return f"{parts.scheme}://{host}{parts.path}" + ("?***" if parts.query else "")


def _check_url(url: str) -> str:
    text = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestValidationError(
            f"A subscriber URL must be an absolute http:// or https:// URL, e.g. https://example.com/hooks; "
            f"got {redact_url(str(url))!r}.",
            field="url",
        )
    return text


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True)
class Subscriber:
    """A URL that receives every event, signed with its ``secret`` (never shown in reprs; nor is the URL's query
    string or user info, which often hold a token: see :func:`redact_url`)."""

    url: str
    secret: Secret
    created_at: datetime

    def __repr__(self) -> str:
        return f"Subscriber(url={redact_url(self.url)!r}, created_at={self.created_at.isoformat()!r})"


@dataclass(frozen=True)
class Delivery:
    """One event due for one subscriber: what the delivery worker sends."""

    event_seq: int
    event_id: str
    event_type: str
    body: str
    url: str
    secret: Secret
    attempts: int

    def __repr__(self) -> str:
        return (
            f"Delivery({self.event_id!r}, {self.event_type!r}, to={redact_url(self.url)!r}, attempts={self.attempts})"
        )


@dataclass(frozen=True)
class DeliveryRecord:
    """A delivery as ``unified webhooks deliveries`` lists it; ``subscriber`` is the URL, which the repr and
    :meth:`to_dict` show redacted."""

    event_id: str
    event_type: str
    entity_id: str
    subscriber: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None

    def __repr__(self) -> str:
        return (
            f"DeliveryRecord({self.event_id!r}, {self.event_type!r}, subscriber={redact_url(self.subscriber)!r}, "
            f"status={self.status!r}, attempts={self.attempts})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "entity_id": self.entity_id,
            "subscriber": redact_url(self.subscriber),
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def delivery_record(row: Sequence[Any]) -> DeliveryRecord:
    """A row of ``event id, type, entity id, subscriber, status, attempts, next attempt, last status, last error,
    delivered at`` (what both stores select for ``deliveries()``)."""
    return DeliveryRecord(
        event_id=row[0],
        event_type=row[1],
        entity_id=row[2],
        subscriber=row[3],
        status=row[4],
        attempts=row[5],
        next_attempt_at=_time(row[6]) if row[4] == "pending" else None,
        last_status=row[7],
        last_error=row[8],
        delivered_at=_time(row[9]),
    )


class WebhookStore:
    """Subscribers, the outbox and its deliveries, in one SQLite file (thread-safe; one writer at a time).

    ``key`` encrypts the subscribers' secrets (a Fernet key); by default the vault's, loaded when first needed.
    """

    def __init__(self, path: str | Path, *, key: str | Secret | None = None) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._box = SecretBox(self.path, key)
        try:
            self._db = connect(self.path, private=True)  # private: it holds the subscribers' secrets
            self._transactions = Transactions(self._db, self._lock)
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise RequestValidationError(
                f"Cannot open the webhook database {self.path!r}: {exc}. Pass the path of a writable SQLite file.",
                field="path",
            ) from None
        self._encrypt_plaintext()

    def _encrypt_plaintext(self) -> None:
        """Secrets an older version stored in plaintext: encrypted in place (nothing to do, and no key needed,
        when there are none)."""
        with self._lock:
            rows = self._db.execute("SELECT url, secret FROM subscribers").fetchall()
        plain = [(url, secret) for url, secret in rows if not is_encrypted(secret)]
        if not plain:
            return
        sealed = [(self._box.seal(Secret(secret)), url) for url, secret in plain]
        try:
            with self.transaction():
                self._db.executemany("UPDATE subscribers SET secret = ? WHERE url = ?", sealed)
        except sqlite3.OperationalError:
            pass  # a read-only copy: its rows are read as they are

    def __repr__(self) -> str:
        return f"WebhookStore({self.path!r})"

    def __enter__(self) -> WebhookStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together (nested calls join the outer transaction)."""
        return self._transactions()

    # ----- subscribers -----

    def add_subscriber(self, url: str, secret: str | Secret) -> Subscriber:
        """Add a subscriber, or change the secret of the one with this URL. It receives events added from now on."""
        url = _check_url(url)
        value = Secret.of(secret) if isinstance(secret, str | Secret) else None
        if value is None or not value.reveal().strip():
            raise RequestValidationError(
                "A subscriber needs a signing secret (any long random string, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`).",
                field="secret",
            )
        with self.transaction():
            self._db.execute(
                "INSERT INTO subscribers (url, secret, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET secret = excluded.secret",
                (url, self._box.seal(value), time.time()),
            )
        found = self.subscriber(url)
        assert found is not None
        return found

    def subscriber_url(self, url: str) -> str:
        """The subscriber URL ``url`` names: the URL itself, or its redacted form (as lists show it) when that names
        exactly one subscriber. An unknown URL comes back as given."""
        text = url.strip()
        urls = self.subscriber_urls()
        if text in urls:
            return text
        matches = [known for known in urls if redact_url(known) == text]
        return matches[0] if len(matches) == 1 else text

    def remove_subscriber(self, url: str) -> None:
        """Remove a subscriber and its deliveries, delivered or not (``url`` as given, or as lists show it)."""
        url = self.subscriber_url(url)
        with self.transaction():
            removed = self._db.execute("DELETE FROM subscribers WHERE url = ?", (url.strip(),)).rowcount
            if not removed:
                known = ", ".join(redact_url(url) for url in self.subscriber_urls()) or "none"
                raise EntityNotFoundError(f"No subscriber has the URL {redact_url(url)}; subscribers: {known}.")
            self._db.execute("DELETE FROM deliveries WHERE subscriber = ?", (url.strip(),))

    def subscriber(self, url: str) -> Subscriber | None:
        with self._lock:
            row = self._db.execute(
                "SELECT url, secret, created_at FROM subscribers WHERE url = ?", (url.strip(),)
            ).fetchone()
        return None if row is None else Subscriber(row[0], self._box.open(row[1]), datetime.fromtimestamp(row[2], UTC))

    def subscriber_urls(self) -> list[str]:
        """The subscribers' URLs, oldest first (no secret is decrypted)."""
        with self._lock:
            return [url for (url,) in self._db.execute("SELECT url FROM subscribers ORDER BY created_at")]

    def subscribers(self) -> list[Subscriber]:
        with self._lock:
            rows = self._db.execute("SELECT url, secret, created_at FROM subscribers ORDER BY created_at").fetchall()
        return [Subscriber(url, self._box.open(secret), datetime.fromtimestamp(at, UTC)) for url, secret, at in rows]

    # ----- the outbox -----

    def add_events(self, events: Iterable[Event], *, now: float | None = None) -> int:
        """Put events in the outbox with a pending delivery for each subscriber; returns how many were new.

        An event whose id is already there is skipped: a change derived twice (a run that died between writing
        its events and committing its page) is queued once.
        """
        at = time.time() if now is None else now
        added = 0
        with self.transaction():
            urls = [url for (url,) in self._db.execute("SELECT url FROM subscribers ORDER BY created_at")]
            for event in events:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO events (id, type, resource, entity_id, occurred_at, body, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.id,
                        event.type,
                        event.resource,
                        event.entity_id,
                        event.occurred_at.isoformat(),
                        event_body(event),
                        at,
                    ),
                )
                if not cursor.rowcount:
                    continue
                added += 1
                self._db.executemany(
                    "INSERT INTO deliveries (event_seq, subscriber, status, attempts, next_attempt_at) "
                    "VALUES (?, ?, 'pending', 0, ?)",
                    [(cursor.lastrowid, url, at) for url in urls],
                )
        return added

    def event_count(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(count)

    # ----- deliveries -----

    def due(
        self, url: str, *, now: float | None = None, limit: int = 100, lease: float | None = None
    ) -> list[Delivery]:
        """The subscriber's pending deliveries whose time has come, oldest event first.

        ``lease``: how long a store shared by many workers keeps what it returns from the others (this one has a
        single writer and ignores it); :meth:`release` gives back what was not sent."""
        at = time.time() if now is None else now
        with self._lock:
            secret = self._db.execute("SELECT secret FROM subscribers WHERE url = ?", (url,)).fetchone()
            if secret is None:
                return []
            rows = self._db.execute(
                "SELECT d.event_seq, e.id, e.type, e.body, d.attempts FROM deliveries d "
                "JOIN events e ON e.seq = d.event_seq "
                "WHERE d.subscriber = ? AND d.status = 'pending' AND d.next_attempt_at <= ? "
                "ORDER BY d.event_seq LIMIT ?",
                (url, at, limit),
            ).fetchall()
        key = self._box.open(secret[0])
        return [Delivery(seq, id, type, body, url, key, attempts) for seq, id, type, body, attempts in rows]

    def release(self, deliveries: Sequence[Delivery]) -> None:
        """Deliveries :meth:`due` returned that were not sent (nothing to give back here: nobody else sends)."""

    def delivered(self, delivery: Delivery, status_code: int, *, now: float | None = None) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?, "
                "last_error = NULL, delivered_at = ? WHERE event_seq = ? AND subscriber = ?",
                (status_code, time.time() if now is None else now, delivery.event_seq, delivery.url),
            )

    def attempt_failed(
        self, delivery: Delivery, *, status_code: int | None, error: str, retry_at: float | None
    ) -> None:
        """Count a failed attempt: try again at ``retry_at``, or (None) give up and keep it as ``failed``."""
        with self.transaction():
            self._db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?, "
                "next_attempt_at = COALESCE(?, next_attempt_at) WHERE event_seq = ? AND subscriber = ?",
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
        """Make the subscriber's pending deliveries wait until ``until`` (its endpoint is failing)."""
        with self.transaction():
            self._db.execute(
                "UPDATE deliveries SET next_attempt_at = MAX(next_attempt_at, ?) "
                "WHERE subscriber = ? AND status = 'pending'",
                (until, url),
            )

    def next_due_at(self) -> float | None:
        """The time (unix seconds) the next pending delivery is due, or None when nothing is pending."""
        with self._lock:
            (at,) = self._db.execute("SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'").fetchone()
        return None if at is None else float(at)

    def counts(self, subscriber: str | None = None) -> dict[DeliveryStatus, int]:
        """How many deliveries are pending, delivered and failed (of one subscriber, or all)."""
        query = "SELECT status, COUNT(*) FROM deliveries"
        params: tuple[str, ...] = ()
        if subscriber is not None:
            query, params = query + " WHERE subscriber = ?", (subscriber,)
        with self._lock:
            rows = dict(self._db.execute(query + " GROUP BY status", params).fetchall())
        return {status: int(rows.get(status, 0)) for status in STATUSES}

    def deliveries(
        self, *, status: DeliveryStatus | None = None, subscriber: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        """Deliveries, newest event first, optionally of one status or subscriber."""
        clauses, params = self._filters(status=status, subscriber=subscriber)
        with self._lock:
            rows = self._db.execute(
                "SELECT e.id, e.type, e.entity_id, d.subscriber, d.status, d.attempts, d.next_attempt_at, "
                "d.last_status, d.last_error, d.delivered_at FROM deliveries d JOIN events e ON e.seq = d.event_seq"
                f"{clauses} ORDER BY d.event_seq DESC, d.subscriber LIMIT ?",
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
        """Queue failed deliveries again (and delivered ones with ``include_delivered``), due at once, with a
        fresh count of attempts; returns how many. Narrow it to one subscriber or one event."""
        statuses: tuple[DeliveryStatus, ...] = ("failed", "delivered") if include_delivered else ("failed",)
        clauses, params = self._filters(subscriber=subscriber, event_id=event_id)
        marks = ", ".join("?" * len(statuses))
        where = f"{clauses} AND" if clauses else " WHERE"
        with self.transaction():
            seqs = [
                (seq, url)
                for seq, url in self._db.execute(
                    f"SELECT d.event_seq, d.subscriber FROM deliveries d JOIN events e ON e.seq = d.event_seq"
                    f"{where} d.status IN ({marks})",
                    (*params, *statuses),
                )
            ]
            self._db.executemany(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL "
                "WHERE event_seq = ? AND subscriber = ?",
                [(time.time() if now is None else now, seq, url) for seq, url in seqs],
            )
        return len(seqs)

    def prune(self, older_than: float) -> int:
        """Delete events added before ``older_than`` (unix seconds) that every subscriber has received."""
        with self.transaction():
            seqs = [
                seq
                for (seq,) in self._db.execute(
                    "SELECT seq FROM events e WHERE created_at < ? AND NOT EXISTS "
                    "(SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status != 'delivered')",
                    (older_than,),
                )
            ]
            self._db.executemany("DELETE FROM deliveries WHERE event_seq = ?", [(seq,) for seq in seqs])
            self._db.executemany("DELETE FROM events WHERE seq = ?", [(seq,) for seq in seqs])
        return len(seqs)

    @staticmethod
    def _filters(
        *, status: str | None = None, subscriber: str | None = None, event_id: str | None = None
    ) -> tuple[str, tuple[str, ...]]:
        clauses: list[str] = []
        params: list[str] = []
        for column, value in (("d.status", status), ("d.subscriber", subscriber), ("e.id", event_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value.strip())
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)

    # ----- meta -----

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
