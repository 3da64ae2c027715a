"""SyncEngine: copies a connection's records into a store, incrementally and resumably, and emits change events.

How a run goes, per resource:

- A pass lists records page by page through the unified API. An ``incremental`` pass asks for records changed
  since the checkpoint (providers that filter on the server); a ``scan`` pass lists every record and diffs by
  content hash (first sync, ``full=True``, providers without a server-side filter, a deletion scan).
- A record is new or changed when its list summary's hash differs from the stored one; only then is its detail
  (line items) fetched, unless the engine is ``reduced``. Its event is decided by the hash of the full record,
  so a re-listed record that did not change emits nothing.
- A provider without a server-side ``updated_since`` but with a sort on ``updated_at`` is listed newest first,
  and the pass stops at the first record older than the checkpoint.
- Each page's records, the next cursor and the pass state commit in one transaction; events are emitted after
  the commit. A killed run resumes at the stored cursor: re-listing a page is harmless.
- A deletion scan (``full=True``, or once per ``deletion_scan_interval``) marks every listed record, then deletes
  stored records it did not see, after a GET confirms each is gone (paged lists can skip a record while another
  is deleted mid-pass; a wrongful deletion would emit a false event).
- One run per resource and store at a time: the run holds the store's lock on the resource (:meth:`Store.lock`)
  from before it reads the pass state until the checkpoint is saved. Another run waits up to ``lock_wait`` for it,
  then raises :class:`SyncLockedError`; two overlapping runs never list, fetch and scan the same records twice.
- A connector with a change feed (:class:`unified.sync.ChangeFeed`) for a resource serves its incremental runs:
  one call returns the changed records and the deleted ids since the checkpoint, committed in one transaction,
  so deletions arrive without an id scan (and no periodic deletion scan runs). A checkpoint older than the
  feed's horizon, or an answer the provider cut short, makes the run a full reconciliation instead.
- When a pass completes, the checkpoint becomes the newest ``updated_at`` it saw, capped at the pass's start
  (records changed during the pass are listed again next time), minus ``overlap`` for ties. A provider that
  pages by offset can skip a record when another is deleted mid-pass; a pass that notices a deletion keeps the
  old checkpoint, and the next deletion scan (a full listing diffed by hash) repairs anything else.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from unified.client import AsyncResource, AsyncUnifiedClient
from unified.connector import Connector, Operation, ResourceCapabilities, Sort
from unified.errors import ConnectorExecutionError, EntityNotFoundError, RequestValidationError
from unified.events import ChangeKind, Event, EventCallback, Subscribers, make_events
from unified.sync._feed import feed_for
from unified.sync._lock import SyncLock, SyncLockedError
from unified.sync._pool import bounded_map
from unified.sync._report import ResourceReport, SyncReport
from unified.sync._state import PassState, ResourceState
from unified.sync.store import SYNC_RESOURCES, RecordState, Store, StoredRecord

__all__ = ["ProgressCallback", "SyncEngine", "content_hash"]

ProgressCallback = Callable[[str, int, int | None, str], None]
"""``progress(resource, done, total_or_None, phase)``; phase is ``"listing"``, ``"deletions"`` or ``"done"``."""

_VIEWS = {"customers": "contacts", "suppliers": "contacts"}
_NEWEST_FIRST = Sort(by="updated_at", direction="desc")


def content_hash(record: BaseModel | str) -> str:
    """The hash of a record's unified JSON (the provider payload in ``.raw`` is not part of it)."""
    text = record if isinstance(record, str) else record.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest()


def _record_id(resource: str, record: BaseModel) -> str:
    value = getattr(record, "id", None)
    if not isinstance(value, str) or not value:
        raise ConnectorExecutionError(f"The connector returned a {resource} record without an id; it cannot be synced.")
    return value


def _updated_at(record: BaseModel) -> datetime | None:
    value = getattr(record, "updated_at", None)
    return value if isinstance(value, datetime) else None


class SyncEngine:
    """Syncs contacts, invoices, bills, expenses and tax rates of one connection into a :class:`Store`.

    >>> engine = SyncEngine(connector, SQLiteStore("unified.db"), connection="acme")
    >>> engine.subscribe(lambda event: print(event.type, event.entity_id))
    >>> report = await engine.run()                  # or engine.run_sync() in blocking code
    >>> report.per_resource["invoices"].created

    ``reduced`` skips detail calls (records are stored without line items); ``keep_raw`` stores the provider
    payload; ``deletion_scan_interval`` (None: only on ``full=True``) spaces out the deletion scans;
    ``detail_concurrency`` bounds the detail calls in flight; ``lock_wait`` is how long a run waits for another
    run syncing the same resource into the same store before it raises :class:`SyncLockedError` (default: not
    at all); ``clock`` gives the engine's "now".
    """

    def __init__(
        self,
        connector: Connector | AsyncUnifiedClient,
        store: Store,
        *,
        connection: str = "default",
        reduced: bool = False,
        keep_raw: bool = False,
        deletion_scan_interval: timedelta | None = timedelta(hours=24),
        page_size: int = 200,
        detail_concurrency: int = 4,
        overlap: timedelta = timedelta(seconds=2),
        lock_wait: timedelta = timedelta(0),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(connector, AsyncUnifiedClient):
            self.client = connector
        elif isinstance(connector, Connector):
            self.client = AsyncUnifiedClient(connector)
        else:
            raise RequestValidationError(
                f"SyncEngine takes a Connector or an AsyncUnifiedClient; got {type(connector).__name__}.",
                field="connector",
            )
        if not isinstance(store, Store):
            raise RequestValidationError(
                f"SyncEngine takes a Store (e.g. SQLiteStore('unified.db')); got {type(store).__name__}.", field="store"
            )
        if not isinstance(connection, str) or not connection.strip():
            raise RequestValidationError("connection must be a non-empty name, e.g. 'default'.", field="connection")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 200:
            raise RequestValidationError(f"page_size must be from 1 to 200; got {page_size!r}.", field="page_size")
        if isinstance(detail_concurrency, bool) or not isinstance(detail_concurrency, int) or detail_concurrency < 1:
            raise RequestValidationError(
                f"detail_concurrency must be 1 or more; got {detail_concurrency!r}.", field="detail_concurrency"
            )
        if deletion_scan_interval is not None and deletion_scan_interval < timedelta(0):
            raise RequestValidationError(
                "deletion_scan_interval must be zero or positive (None: only on full runs).",
                field="deletion_scan_interval",
            )
        if overlap < timedelta(0):
            raise RequestValidationError("overlap must be zero or positive.", field="overlap")
        if not isinstance(lock_wait, timedelta) or lock_wait < timedelta(0):
            raise RequestValidationError(
                f"lock_wait must be a timedelta of zero or more, e.g. timedelta(minutes=5); got {lock_wait!r}.",
                field="lock_wait",
            )
        self.store = store
        self.connection = connection
        self.reduced = reduced
        self.keep_raw = keep_raw
        self.deletion_scan_interval = deletion_scan_interval
        self.page_size = page_size
        self.detail_concurrency = detail_concurrency
        self.overlap = overlap
        self.lock_wait = lock_wait
        self._clock = clock or (lambda: datetime.now(UTC))
        self._subscribers = Subscribers()
        self._runner: asyncio.Runner | None = None

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` (a function or a coroutine function) for every change; returns an unsubscribe."""
        return self._subscribers.subscribe(callback)

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise RequestValidationError("The engine's clock must return timezone-aware datetimes.", field="clock")
        return value

    def resources(self, requested: Iterable[str] | str | None = None) -> list[str]:
        """The resources a run syncs: those asked for (customers/suppliers mean contacts), or every one offered."""
        caps = self.client.capabilities
        if requested is None:
            return [name for name in SYNC_RESOURCES if caps.supports(name, Operation.LIST)]
        names = requested.split(",") if isinstance(requested, str) else list(requested)
        chosen: list[str] = []
        for raw_name in names:
            name = raw_name.strip().replace("-", "_")
            name = _VIEWS.get(name, name)
            if name not in SYNC_RESOURCES:
                raise RequestValidationError(
                    f"Cannot sync {raw_name!r}; choose from: {', '.join(SYNC_RESOURCES)} "
                    "(customers and suppliers are synced as contacts).",
                    field="resources",
                )
            caps.require(name, Operation.LIST)
            if name not in chosen:
                chosen.append(name)
        return chosen

    async def run(
        self,
        resources: Iterable[str] | str | None = None,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Sync ``resources`` (default: all offered). ``full=True`` lists everything and looks for deletions."""
        names = self.resources(resources)
        self._bind_connection()
        report = SyncReport(connection=self.connection)
        started = time.monotonic()
        for name in names:
            with await self._lock(name):
                try:
                    report.per_resource[name] = await _ResourceSync(self, name, full, progress).run()
                except Exception as exc:
                    exc.add_note(f"The sync of {name} stopped; run it again to resume where it stopped.")
                    raise
        report.duration = time.monotonic() - started
        return report

    def run_sync(
        self,
        resources: Iterable[str] | str | None = None,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """:meth:`run` for blocking code.

        Every ``run_sync`` of an engine uses the same event loop (the connector's connections live on it), until
        :meth:`close`. Ctrl-C cancels the run cleanly: the page in progress rolls back, the next run resumes.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("run_sync() was called inside a running event loop; use `await engine.run()` there.")
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self.run(resources, full=full, progress=progress))

    def close(self, *, close_connector: bool = False) -> None:
        """End the event loop of :meth:`run_sync`, closing the connector on it first if asked.

        The store stays open, and so does the connector unless ``close_connector``: they are the caller's.
        """
        if close_connector:
            if self._runner is None:
                self._runner = asyncio.Runner()
            self._runner.run(self.client.aclose())
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bind_connection(self) -> None:
        """One store holds one connection: records of two accounts must never mix."""
        bound = self.store.get_meta("connection")
        if bound is None:
            self.store.set_meta("connection", self.connection)
        elif bound != self.connection:
            raise RequestValidationError(
                f"This store holds the connection {bound!r}, not {self.connection!r}; "
                "sync each connection into its own database.",
                field="connection",
            )

    async def _lock(self, resource: str) -> SyncLock:
        """The store's lock on ``resource``, waiting up to ``lock_wait`` for another run to let it go."""
        deadline = time.monotonic() + self.lock_wait.total_seconds()
        pause = 0.05
        while True:
            try:
                return self.store.lock(resource)
            except SyncLockedError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)

    async def _emit(self, events: Sequence[Event], report: ResourceReport) -> None:
        for event in events:
            report.failed_events += await self._subscribers.emit(event)
            report.events += 1


class _ResourceSync:
    """One run over one resource: start or resume a pass, list it, look for deletions, move the checkpoint."""

    def __init__(self, engine: SyncEngine, resource: str, full: bool, progress: ProgressCallback | None) -> None:
        self.engine = engine
        self.resource = resource
        self.full = full
        self.progress = progress
        self.store = engine.store
        self.api: AsyncResource[BaseModel] = engine.client.resource(resource)
        self.caps: ResourceCapabilities = self.api.capabilities
        self.can_get = self.caps.supports(Operation.GET)
        self.has_details = bool(self.caps.detail_fields) and self.can_get
        self.fetch_details = self.has_details and not engine.reduced
        self.limit = min(engine.page_size, self.caps.max_page_size)
        self.state = ResourceState.from_json(self.store.load_state(resource))
        self.report = ResourceReport(resource)
        self.cursor_restarted = False
        self.total: int | None = None  # records the listing holds, when the provider says
        self.feed = feed_for(engine.client.connector, resource)
        self.reconcile = False  # the feed cannot answer: list everything and look for deletions

    async def run(self) -> ResourceReport:
        started = time.monotonic()
        current = self.state.current
        if current is not None and self.full and not current.deletions:
            current = None  # a full run lists everything and looks for deletions: the pass it replaces is covered
        if current is None and self.feed is not None and not self.full and await self._from_feed():
            self.report.duration = time.monotonic() - started
            if self.progress is not None:
                self.progress(self.resource, self.report.changed, None, "done")
            return self.report
        if current is None:
            current = self._new_pass()
        else:
            self.report.resumed = True
        current.reduced = current.reduced or (self.has_details and not self.fetch_details)
        self.state.current = current
        self.report.mode = current.kind
        self.report.deletion_scan = current.deletions
        while not current.listed:
            await self._next_page(current)
        if current.deletions:
            await self._delete_missing(current)
        self._finish(current)
        self.report.duration = time.monotonic() - started
        self._progress(current, "done")
        return self.report

    def _new_pass(self) -> PassState:
        state, engine = self.state, self.engine
        now = engine.now()
        interval = engine.deletion_scan_interval
        deletions = (
            self.full
            or self.reconcile
            or state.last_deletion_scan is None
            # a change feed reports deletions itself
            or (interval is not None and self.feed is None and now - state.last_deletion_scan >= interval)
        )
        server_since = self.caps.updated_since == "server"
        newest_first = "updated_at" in self.caps.sorts
        scan = (
            deletions
            or state.checkpoint is None
            or not (server_since or newest_first)
            or (state.reduced and self.fetch_details)  # records stored without details need them now
        )
        token, checkpoint = uuid.uuid4().hex, state.checkpoint
        if scan or checkpoint is None:
            return PassState(kind="scan", token=token, started_at=now, deletions=deletions)
        if server_since:
            return PassState(kind="incremental", token=token, started_at=now, since=checkpoint)
        # No server-side filter, but a sort: list newest first and stop at the first record older than the checkpoint.
        return PassState(kind="incremental", token=token, started_at=now, stop_at=checkpoint)

    async def _from_feed(self) -> bool:
        """An incremental run from the provider's change feed; False when a full reconciliation is needed."""
        assert self.feed is not None
        feed, horizon = self.feed
        state, now = self.state, self.engine.now()
        if state.checkpoint is None or (state.reduced and self.fetch_details):
            return False  # a first run (or records stored without details): a scan, as without a feed
        if now - state.checkpoint > horizon:
            self.reconcile = True
            return False
        changes = await feed.changes(self.resource, state.checkpoint)
        self.report.list_calls += 1
        if not changes.complete:
            self.reconcile = True
            return False
        records = {_record_id(self.resource, record): record for record in changes.changed}
        known = self.store.states(self.resource, list(records))
        current = PassState(kind="incremental", token=uuid.uuid4().hex, started_at=now)
        events: list[Event] = []
        with self.store.transaction():
            for id, record in records.items():
                data = record.model_dump_json()
                events += self._write(id, record, content_hash(data), True, known.get(id), current, data)
                seen_at = _updated_at(record)
                if seen_at is not None and (current.max_updated_at is None or seen_at > current.max_updated_at):
                    current.max_updated_at = seen_at
            for id in changes.deleted:
                if id not in records:
                    events += self._delete(id)
            # the feed answered for everything up to its own time; else, as a listing would, the newest change
            reached = changes.as_of or (min(current.max_updated_at, now) if current.max_updated_at else None)
            if reached is not None:
                state.checkpoint = max(state.checkpoint, reached - self.engine.overlap)
            self.store.save_state(self.resource, state.to_json())
        await self.engine._emit(events, self.report)
        return True

    async def _next_page(self, current: PassState) -> None:
        try:
            page = await self.api.page(
                current.cursor,
                limit=self.limit,
                updated_since=current.since,
                sort=_NEWEST_FIRST if current.stop_at is not None else None,
                raw=self.engine.keep_raw,
            )
        except RequestValidationError as exc:
            if current.cursor is None or exc.field != "cursor" or self.cursor_restarted:
                raise
            # The provider no longer accepts the stored cursor (it expired): list the pass again from the start.
            self.cursor_restarted = True
            current.cursor = None
            return
        finally:
            self.report.list_calls += 1
        if page.total is not None:
            self.total = page.total
        if page.next_cursor is not None and page.next_cursor == current.cursor:
            raise ConnectorExecutionError(
                f"The connector returned the cursor {page.next_cursor!r} twice while listing {self.resource}."
            )

        summaries: dict[str, BaseModel] = {_record_id(self.resource, r): r for r in page.data}
        known = self.store.states(self.resource, list(summaries))
        unchanged: list[str] = []
        wanted: list[str] = []
        summary_json: dict[str, str] = {}
        summary_hashes: dict[str, str] = {}
        for id, summary in summaries.items():
            summary_json[id] = summary.model_dump_json()
            summary_hashes[id] = content_hash(summary_json[id])
            stored = known.get(id)
            if (
                stored is not None
                and stored.summary_hash == summary_hashes[id]
                and (stored.detailed or not self.fetch_details)
            ):
                unchanged.append(id)
            else:
                wanted.append(id)
        details: dict[str, BaseModel | None] = {}
        if self.fetch_details and wanted:
            fetched = await bounded_map(self._detail, wanted, self.engine.detail_concurrency)
            details = dict(zip(wanted, fetched, strict=True))

        events: list[Event] = []
        with self.store.transaction():
            for id in wanted:
                record: BaseModel | None = details[id] if self.fetch_details else summaries[id]
                if record is None:
                    current.shifted = True
                    events += self._delete(id)
                    continue
                detailed = self.fetch_details or not self.caps.detail_fields
                data = None if self.fetch_details else summary_json[id]
                events += self._write(id, record, summary_hashes[id], detailed, known.get(id), current, data)
            if current.deletions and unchanged:
                self.store.mark_seen(self.resource, unchanged, current.token)
            self.report.unchanged += len(unchanged)
            for summary in summaries.values():
                seen_at = _updated_at(summary)
                if seen_at is not None and (current.max_updated_at is None or seen_at > current.max_updated_at):
                    current.max_updated_at = seen_at
            current.cursor = page.next_cursor
            current.listed = page.next_cursor is None or self._older_than_stop(current, summaries.values())
            current.done += len(summaries)
            self.store.save_state(self.resource, self.state.to_json())
        await self.engine._emit(events, self.report)
        self._progress(current, "listing")

    @staticmethod
    def _older_than_stop(current: PassState, page: Iterable[BaseModel]) -> bool:
        """Listing newest first, a record older than ``stop_at`` means every later one is older too."""
        if current.stop_at is None:
            return False
        return any(at is not None and at < current.stop_at for at in map(_updated_at, page))

    async def _detail(self, id: str) -> BaseModel | None:
        """The full record, or None when it is gone (deleted since it was listed)."""
        self.report.detail_calls += 1
        try:
            return await self.api.get(id, raw=self.engine.keep_raw)
        except EntityNotFoundError:
            return None

    def _write(
        self,
        id: str,
        record: BaseModel,
        summary_hash: str,
        detailed: bool,
        stored: RecordState | None,
        current: PassState,
        data: str | None = None,
    ) -> list[Event]:
        data = data if data is not None else record.model_dump_json()
        record_hash = content_hash(data)
        raw = getattr(record, "raw", None) if self.engine.keep_raw else None
        self.store.upsert(
            self.resource,
            StoredRecord(
                record=record,
                summary_hash=summary_hash,
                record_hash=record_hash,
                detailed=detailed,
                raw=raw if isinstance(raw, dict) else None,
                seen=current.token if current.deletions else None,
                data=data,
            ),
        )
        kind: ChangeKind
        if stored is None:
            kind = "created"
            self.report.created += 1
        elif stored.record_hash != record_hash:
            kind = "updated"
            self.report.updated += 1
        else:
            self.report.unchanged += 1
            return []
        return make_events(self.resource, record, kind, connection=self.engine.connection)

    def _delete(self, id: str) -> list[Event]:
        old = self.store.get(self.resource, id, raw=True)
        if old is None:
            return []
        self.store.delete(self.resource, id)
        self.report.deleted += 1
        return make_events(
            self.resource, old, "deleted", connection=self.engine.connection, detected_at=self.engine.now()
        )

    async def _delete_missing(self, current: PassState) -> None:
        """Delete stored records the pass did not list, once a GET confirms each is gone."""
        while True:
            batch = self.store.unseen(self.resource, current.token, self.limit)
            if not batch:
                return
            ids = [_record_id(self.resource, record) for record in batch]
            found: list[BaseModel | None] = [None] * len(ids)
            if self.can_get:
                found = await bounded_map(self._detail, ids, self.engine.detail_concurrency)
            known = self.store.states(self.resource, ids)
            events: list[Event] = []
            with self.store.transaction():
                for id, record in zip(ids, found, strict=True):
                    if record is None:
                        current.shifted = True  # it may have gone mid-pass, and shifted the pages after it
                        events += self._delete(id)
                    else:
                        # Listed nowhere but still there: keep it, and let the next listing re-check its summary.
                        summary_hash = "" if self.caps.detail_fields else content_hash(record)
                        events += self._write(id, record, summary_hash, True, known.get(id), current)
                self.store.save_state(self.resource, self.state.to_json())
            await self.engine._emit(events, self.report)
            self._progress(current, "deletions")

    def _finish(self, current: PassState) -> None:
        state = self.state
        if current.max_updated_at is not None and not current.shifted:
            # Capped at the pass's start: a record changed during the pass may have been skipped by paging.
            # Not moved at all when a record vanished mid-pass: the pages after it shifted, and may have
            # skipped a record; the next pass lists the same window again.
            candidate = min(current.max_updated_at, current.started_at) - self.engine.overlap
            if state.checkpoint is None or current.kind == "scan":
                state.checkpoint = candidate
            else:
                state.checkpoint = max(state.checkpoint, candidate)
        if self.feed is not None and current.kind == "scan" and not current.shifted:
            # A whole listing saw every change before it started: the change feed takes over from there.
            floor = current.started_at - self.engine.overlap
            state.checkpoint = floor if state.checkpoint is None else max(state.checkpoint, floor)
        if current.deletions:
            state.last_deletion_scan = current.started_at
        state.reduced = current.reduced
        state.current = None
        with self.store.transaction():
            self.store.save_state(self.resource, state.to_json())

    def _progress(self, current: PassState, phase: str) -> None:
        if self.progress is not None:
            self.progress(self.resource, current.done, self.total, phase)
