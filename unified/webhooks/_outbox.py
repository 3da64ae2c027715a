"""OutboxStore: a sync store that writes each change's events into the webhook outbox before the page commits.

The sync engine emits events after a page is committed; a process killed in between would lose them. Wrapped in
an OutboxStore, the engine's own store writes derive the events (created: a new id; updated: a new record hash;
deleted: the last stored state) and the outbox commits them just before the page and its checkpoint do. A run that
dies between the two commits derives the same changes again on the next run, with the same event ids
(:func:`change_id`), and the outbox keeps one of each: delivery is at least once, never lost.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from unified.events import ChangeKind, Event, make_events
from unified.sync import RecordState, Store, StoredRecord, SyncLock, content_hash
from unified.webhooks._store import WebhookStore

__all__ = ["OutboxStore", "change_id"]


def change_id(connection: str, event_type: str, entity_id: str, record_hash: str) -> str:
    """The id of the event of one change: the same change derived twice gets the same id (and idempotency key)."""
    text = "\n".join((connection, event_type, entity_id, record_hash))
    return "evt_" + hashlib.sha256(text.encode()).hexdigest()[:32]


class OutboxStore(Store):
    """Wraps the sync engine's store; every change it writes also lands in ``webhooks``' outbox.

    >>> engine = SyncEngine(connector, OutboxStore(SQLiteStore("unified.db"), webhooks, connection="acme"),
    ...                     connection="acme")

    Resources in ``quiet`` are synced without events (a first sync taking a baseline).
    """

    def __init__(self, store: Store, webhooks: WebhookStore, *, connection: str, quiet: Collection[str] = ()) -> None:
        self.inner = store
        self.webhooks = webhooks
        self.connection = connection
        self.quiet = set(quiet)
        self._pending: list[Event] = []
        self._depth = 0
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"OutboxStore({self.inner!r}, {self.webhooks!r})"

    # ----- reads: the wrapped store's -----

    def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel | None:
        return self.inner.get(resource, id, raw=raw)

    def iter(self, resource: str, *, raw: bool = False, **where: Any) -> Iterator[BaseModel]:
        return self.inner.iter(resource, raw=raw, **where)

    def count(self, resource: str, **where: Any) -> int:
        return self.inner.count(resource, **where)

    def filter_columns(self, resource: str) -> frozenset[str]:
        return self.inner.filter_columns(resource)

    # ----- writes: journaled -----

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                with self.inner.transaction():
                    yield
                    if outer and self._pending:
                        # Before the page commits: a crash after this line re-derives the same ids next run.
                        self.webhooks.add_events(self._pending)
            finally:
                self._depth -= 1
                if outer:
                    self._pending.clear()

    def upsert(self, resource: str, record: StoredRecord) -> None:
        kind: ChangeKind | None = None
        if resource not in self.quiet:
            before = self.inner.states(resource, [record.id]).get(record.id)
            if before is None:
                kind = "created"
            elif before.record_hash != record.record_hash:
                kind = "updated"
        self.inner.upsert(resource, record)
        if kind is not None:
            self._journal(make_events(resource, record.record, kind, connection=self.connection), record.record_hash)

    def delete(self, resource: str, id: str) -> None:
        old = None if resource in self.quiet else self.inner.get(resource, id, raw=True)
        self.inner.delete(resource, id)
        if old is not None:
            events = make_events(resource, old, "deleted", connection=self.connection, detected_at=datetime.now(UTC))
            self._journal(events, content_hash(old))

    def _journal(self, events: list[Event], record_hash: str) -> None:
        named = [
            dataclasses.replace(e, id=change_id(self.connection, e.type, e.entity_id, record_hash)) for e in events
        ]
        with self._lock:
            if self._depth:
                self._pending.extend(named)
                return
        self.webhooks.add_events(named)

    # ----- the engine's bookkeeping: the wrapped store's -----

    def lock(self, resource: str) -> SyncLock:
        return self.inner.lock(resource)

    def states(self, resource: str, ids: Collection[str]) -> dict[str, RecordState]:
        return self.inner.states(resource, ids)

    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        self.inner.mark_seen(resource, ids, token)

    def unseen(self, resource: str, token: str, limit: int) -> list[BaseModel]:
        return self.inner.unseen(resource, token, limit)

    def load_state(self, resource: str) -> dict[str, Any] | None:
        return self.inner.load_state(resource)

    def save_state(self, resource: str, state: Mapping[str, Any]) -> None:
        self.inner.save_state(resource, state)

    def get_meta(self, key: str) -> str | None:
        return self.inner.get_meta(key)

    def set_meta(self, key: str, value: str) -> None:
        self.inner.set_meta(key, value)

    def close(self) -> None:
        """Nothing to release: the wrapped store and the webhook store belong to whoever opened them."""
