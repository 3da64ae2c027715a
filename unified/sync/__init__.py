"""The sync engine: copy a connection's records into a local store, incrementally, and emit change events.

>>> from unified.sync import SyncEngine, SQLiteStore
>>> store = SQLiteStore("unified.db")
>>> engine = SyncEngine(connector, store, connection="default")
>>> engine.subscribe(lambda event: print(event.type, event.entity_id))   # unified.events.Event
>>> report = engine.run_sync()                       # or: await engine.run(resources=["invoices"], full=True)
>>> report.per_resource["invoices"].created, report.list_calls, report.detail_calls
>>> store.get("invoices", "4600000000000001")        # an Invoice model
>>> for customer in store.iter("customers"): ...     # customers and suppliers are views of contacts
>>> store.count("invoices", status="paid", customer_id="46...")

One run syncs a resource of a store at a time (overlapping cron runs would multiply the calls): another run
raises :class:`SyncLockedError`, or waits for it up to ``SyncEngine(lock_wait=timedelta(minutes=5))``. A killed
run's lock is freed with its process.

Many processes and machines share a :class:`PostgresStore` (``pip install 'unified-accounting[postgres]'``): one
database holds every connection, and the lock on (connection, resource) is a PostgreSQL advisory lock.

A connector with a change feed for a resource (:class:`ChangeFeed`: ``change_horizon`` and ``changes``) serves
incremental runs from it, deletions included; past the feed's horizon a run is a full reconciliation.

``progress(resource, done, total_or_None, phase)`` is called after every page (phase ``"listing"``), every batch
of the deletion scan (``"deletions"``) and at the end of each resource (``"done"``).
"""

from unified.sync._feed import ChangeFeed, Changes
from unified.sync._lock import SyncLock, SyncLockedError
from unified.sync._report import ResourceReport, SyncReport
from unified.sync.engine import ProgressCallback, SyncEngine, content_hash
from unified.sync.postgres import PostgresStore, open_store
from unified.sync.sqlite import SQLiteStore
from unified.sync.store import SYNC_RESOURCES, RecordState, Store, StoredRecord

__all__ = [
    "SYNC_RESOURCES",
    "ChangeFeed",
    "Changes",
    "PostgresStore",
    "ProgressCallback",
    "RecordState",
    "ResourceReport",
    "SQLiteStore",
    "Store",
    "StoredRecord",
    "SyncEngine",
    "SyncLock",
    "SyncLockedError",
    "SyncReport",
    "content_hash",
    "open_store",
]
