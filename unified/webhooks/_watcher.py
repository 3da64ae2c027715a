"""Virtual webhooks: poll a connection with the sync engine and deliver its change events to subscriber URLs.

>>> watcher = Watcher(connector, SQLiteStore("unified.db"), WebhookStore("unified.webhooks.db"),
...                   connection="acme", interval=60)
>>> await watcher.run()            # a sync and the deliveries every minute, retries in between, until cancelled
>>> await watcher.run_once()       # or one round: a sync, then every delivery that is due

The first round of a resource takes a baseline (its records are synced, no events: a subscriber does not want
every existing invoice as ``created``) unless ``backfill=True``. From then on every change the engine finds is
written to the outbox before its page commits, then delivered at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from unified.client import AsyncUnifiedClient
from unified.connector import Connector
from unified.errors import RequestValidationError, UnifiedError
from unified.sync import Store, SyncEngine, SyncReport
from unified.webhooks._delivery import Deliverer, DeliveryReport, RetryPolicy
from unified.webhooks._outbox import OutboxStore
from unified.webhooks._store import WebhookStore

__all__ = ["WatchRound", "Watcher"]

logger = logging.getLogger("unified.webhooks")

_WATCHING = "watching:"  # meta key prefix: the resource's baseline is taken, its changes are events


@dataclass
class WatchRound:
    """What one round did: the sync (None for a round of retries only), the events it put in the outbox, the
    deliveries, and a sync failure worth retrying next round (rate limit, network), if there was one."""

    sync: SyncReport | None
    events: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    error: UnifiedError | None = None
    baseline: list[str] = field(default_factory=list)


class Watcher:
    """Sync ``connector`` into ``store`` every ``interval`` seconds and deliver the changes to the subscribers
    kept in ``webhooks``. ``engine_options`` go to :class:`unified.sync.SyncEngine` (``reduced``,
    ``deletion_scan_interval``, ...). Events older than ``keep_days`` that every subscriber has received are pruned.
    """

    def __init__(
        self,
        connector: Connector | AsyncUnifiedClient,
        store: Store,
        webhooks: WebhookStore,
        *,
        connection: str = "default",
        resources: Iterable[str] | str | None = None,
        interval: float = 60.0,
        backfill: bool = False,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        keep_days: float = 7.0,
        transport: httpx.AsyncBaseTransport | None = None,
        **engine_options: Any,
    ) -> None:
        if not interval > 0:
            raise RequestValidationError(
                f"interval must be a positive number of seconds; got {interval!r}.", field="interval"
            )
        self.webhooks = webhooks
        self.outbox = OutboxStore(store, webhooks, connection=connection)
        self.engine = SyncEngine(connector, self.outbox, connection=connection, **engine_options)
        self.resources = self.engine.resources(resources)
        self.interval = interval
        self.backfill = backfill
        self.keep_days = keep_days
        self.deliverer = Deliverer(webhooks, retry=retry, timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"Watcher({self.engine.connection!r}, interval={self.interval:g}, resources={self.resources!r})"

    async def run_once(self) -> WatchRound:
        """One round: sync each resource (events into the outbox), then deliver everything due."""
        before = self.webhooks.event_count()
        report = SyncReport(connection=self.engine.connection)
        result = WatchRound(sync=report)
        started = time.monotonic()
        try:
            for name in self.resources:
                watching = self.webhooks.get_meta(_WATCHING + name) is not None
                self.outbox.quiet = set() if watching or self.backfill else {name}
                part = await self.engine.run([name])
                report.per_resource.update(part.per_resource)
                if not watching:
                    self.webhooks.set_meta(_WATCHING + name, datetime.now(UTC).isoformat())
                    if not self.backfill:
                        result.baseline.append(name)
        except UnifiedError as exc:
            if not exc.retriable:
                raise
            logger.warning("The sync failed (%s); the next round resumes it", exc)
            result.error = exc
        finally:
            report.duration = time.monotonic() - started
            result.events = self.webhooks.event_count() - before
        result.delivery = await self.deliverer.deliver_due()
        self.webhooks.prune(time.time() - self.keep_days * 86400)
        return result

    async def deliver(self) -> DeliveryReport:
        """Send every delivery that is due now, without syncing."""
        return await self.deliverer.deliver_due()

    async def run(
        self,
        *,
        stop: asyncio.Event | None = None,
        on_round: Callable[[WatchRound], None] | None = None,
        rounds: int | None = None,
    ) -> None:
        """Rounds every ``interval`` seconds, with retries delivered as they come due in between; until ``stop`` is
        set, ``rounds`` rounds are done, or the task is cancelled (Ctrl-C). A failing sync is retried next round
        when the error is retriable, and raised when it is not (bad credentials)."""
        stop = stop or asyncio.Event()
        done = 0
        while not stop.is_set():
            started = time.monotonic()
            result = await self.run_once()
            done += 1
            if on_round is not None:
                on_round(result)
            if rounds is not None and done >= rounds:
                return
            deadline = started + self.interval
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                due = self.webhooks.next_due_at()
                wait = left if due is None else min(left, max(due - time.time(), 0.0))
                if await _wait(stop, wait):
                    return
                if due is not None and time.time() >= due:
                    delivery = await self.deliverer.deliver_due()
                    if on_round is not None and (delivery.delivered or delivery.retrying or delivery.failed):
                        on_round(WatchRound(sync=None, delivery=delivery))

    async def aclose(self) -> None:
        """Close the delivery client (the connector and the stores stay open: they are the caller's)."""
        await self.deliverer.aclose()


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stop`` is set; True when it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
    return stop.is_set()
