"""The unit of work every runner calls: one connection's sync into the PostgreSQL store.

procrastinate's job (``unified worker``) calls it; so can a product that already runs Celery, RQ, Dramatiq or
cron: it needs nothing from the job runner, only the database, the vault and, for a shared rate budget, Redis.
Virtual webhooks likewise: :func:`sync_connection` writes the outbox, :func:`deliver_webhooks` (any worker, as
often as you like) sends what is due.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
import weakref
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import httpx

from unified.errors import RequestValidationError
from unified.registry import connector_class
from unified.sync import PostgresStore, Store, SyncEngine, SyncReport
from unified.sync._pgdb import is_postgres_url
from unified.vault import Vault
from unified.webhooks import OutboxStore, PostgresWebhookStore

__all__ = ["DATABASE_ENV", "database_url", "sync_connection", "sync_connection_blocking"]

DATABASE_ENV = "UNIFIED_DATABASE_URL"
BASELINE = "webhooks:baseline:"  # store meta per resource: "pending" while its first sync runs, then "done"


def database_url(given: str | None = None, *, field: str = "db") -> str:
    """The PostgreSQL database of the store and the jobs: ``given``, else ``UNIFIED_DATABASE_URL``."""
    url = (given or os.environ.get(DATABASE_ENV, "")).strip()
    if not is_postgres_url(url):
        raise RequestValidationError(
            f"Many organizations need a PostgreSQL database for the store and the jobs: pass --db "
            f"postgresql://user@host:5432/database or set {DATABASE_ENV}"
            + (" (got a value that is not a postgresql:// URL)." if url else "."),
            field=field,
        )
    return url


async def sync_connection(
    name: str,
    *,
    database: str | None = None,
    resources: Iterable[str] | str | None = None,
    full: bool = False,
    vault: Vault | None = None,
    schema: str = "unified",
    lock_wait: timedelta = timedelta(minutes=5),
    **engine_options: Any,
) -> SyncReport:
    """Sync the vault connection ``name`` into the PostgreSQL store (``database``, else ``UNIFIED_DATABASE_URL``).

    It resumes from the last checkpoint, waits up to ``lock_wait`` for another run of the same connection and
    resource, and paces its calls with the shared budget when ``UNIFIED_REDIS_URL`` is set. When the webhook
    tables have a subscriber, every change goes into their outbox in the transaction of its page (virtual
    webhooks; a resource's first sync is a silent baseline); :func:`unified.jobs.deliver_webhooks` sends them.
    ``engine_options`` go to :class:`unified.sync.SyncEngine` (``reduced``, ``deletion_scan_interval``, ...).
    """
    url = database_url(database)
    vault = vault or Vault()
    connection = await asyncio.to_thread(vault.get, name)
    shared = {"transport": _transport()} if _takes_transport(connection.connector) else {}
    connector = await asyncio.to_thread(vault.connector, name, **shared)
    try:
        store = PostgresStore(url, connection=name, schema=schema)
        try:
            outbox = _with_outbox(store)
            engine = SyncEngine(connector, outbox, connection=name, lock_wait=lock_wait, **engine_options)
            report = SyncReport(connection=name)
            started = time.monotonic()
            for resource in engine.resources(resources):  # one at a time: each ends its own baseline
                baseline = _start_baseline(store, resource)
                if isinstance(outbox, OutboxStore):
                    outbox.quiet = {resource} if baseline else set()
                report.per_resource.update((await engine.run([resource], full=full)).per_resource)
                if baseline:
                    store.set_meta(BASELINE + resource, "done")
            report.duration = time.monotonic() - started
            return report
        finally:
            store.close()
    finally:
        await connector.aclose()


def _with_outbox(store: PostgresStore) -> Store:
    """``store``, wrapped so that each page's changes land in the webhook outbox in the page's own transaction
    (one session for both) when there is a subscriber to deliver them to."""
    webhooks = PostgresWebhookStore.sharing(store)
    if not webhooks.subscriber_urls():
        return store
    return OutboxStore(store, webhooks, connection=store.connection)


def _start_baseline(store: PostgresStore, resource: str) -> bool:
    """True while the resource's first sync for this connection runs (killed and resumed included): its records
    are the baseline, not changes, and give no events."""
    mark = store.get_meta(BASELINE + resource)
    if mark is None and store.load_state(resource) is None:
        store.set_meta(BASELINE + resource, mark := "pending")
    return mark == "pending"


def sync_connection_blocking(name: str, **options: Any) -> SyncReport:
    """:func:`sync_connection` for blocking code (a Celery task, a cron script)::

    @celery.task(acks_late=True)      # acks_late: a killed worker's task is delivered again, and resumes
    def sync(name: str, resource: str) -> None:
        sync_connection_blocking(name, resources=[resource])
    """
    return asyncio.run(sync_connection(name, **options))


class _Unclosable(httpx.AsyncBaseTransport):
    """The event loop's transport, lent to one job's connector: closing the connector leaves it open."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """The loop's other jobs still use it."""


_TRANSPORTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncHTTPTransport] = (
    weakref.WeakKeyDictionary()
)


def _transport() -> _Unclosable:
    """One HTTP transport per event loop for every job on it: a TLS context and a connection pool made once, not
    per job (building one costs more than a small organization's sync)."""
    loop = asyncio.get_running_loop()
    transport = _TRANSPORTS.get(loop)
    if transport is None:
        transport = _TRANSPORTS[loop] = httpx.AsyncHTTPTransport()
    return _Unclosable(transport)


def _takes_transport(connector: str) -> bool:
    return "transport" in inspect.signature(connector_class(connector)).parameters
