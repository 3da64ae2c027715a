"""The job runner on procrastinate (PostgreSQL): the sync task, the schedule, the stalled-job recovery, a worker.

- ``unified.sync`` syncs one connection's resources. Deferred with procrastinate's ``lock`` = the connection
  (one job per organization at a time, in the order deferred) and ``queueing_lock`` = connection and resource
  (a schedule that comes round while the last one still waits adds nothing: no pile-up).
- :func:`schedule` defers a job per connection in the vault and resource its connector offers;
  ``unified schedule`` runs it once, and a worker runs it periodically (``schedule_cron``).
- ``unified.deliver`` sends the webhook deliveries that are due (:func:`unified.jobs.deliver_webhooks`); every
  worker defers it periodically (``deliver_cron``) and after a sync that found changes, at most one waiting.
- A worker heartbeats; :func:`recover_stalled` (every worker runs it in the background) puts the jobs of workers
  whose heartbeat stopped (killed, machine gone) back in the queue, and another worker resumes each from its
  checkpoint. A job that failed with a retriable error (rate limit, network) is retried with a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from unified.connector import Operation
from unified.errors import UnifiedError
from unified.jobs._deliver import deliver_webhooks
from unified.jobs._unit import sync_connection
from unified.registry import connector_class
from unified.sync import SYNC_RESOURCES
from unified.sync._pgdb import advisory_key, connect
from unified.vault import Vault, build_connector

__all__ = [
    "DELIVER_TASK",
    "QUEUE",
    "SYNC_TASK",
    "ScheduleReport",
    "build_app",
    "deliver_cron",
    "ensure_schema",
    "recover_stalled",
    "run_worker",
    "schedule",
]

logger = logging.getLogger("unified.jobs")

QUEUE = "unified"
SYNC_TASK = "unified.sync"
SCHEDULE_TASK = "unified.schedule"
DELIVER_TASK = "unified.deliver"


class _RetryRetriable(BaseRetryStrategy):
    """Retry what the library says is worth retrying (rate limits, network), with a capped exponential backoff."""

    def __init__(self, max_attempts: int = 5, base: float = 5.0, cap: float = 600.0) -> None:
        self.max_attempts = max_attempts
        self.base = base
        self.cap = cap

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if not isinstance(exception, UnifiedError) or not exception.retriable or job.attempts + 1 >= self.max_attempts:
            return None
        wait = min(self.cap, self.base * 2**job.attempts)
        if getattr(exception, "retry_after", None):
            wait = max(wait, float(exception.retry_after))  # type: ignore[attr-defined]
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=wait))


def build_app(
    url: str, *, schedule_cron: str | None = None, deliver_cron: str | None = None, deliver_timeout: float = 10.0
) -> procrastinate.App:
    """The procrastinate app on ``url``, with the sync and delivery tasks and, given a cron (``"*/15 * * * *"``; a
    6th field for seconds), the periodic schedule; given ``deliver_cron``, the periodic webhook delivery."""
    # a small pool: every job opens its own sessions for the store, its lock and the vault
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=3))

    # no lock: deliveries are claimed one by one, so any number of workers may deliver at once;
    # the queueing lock keeps one waiting at most (a tick or a sync while one waits adds nothing)
    @app.task(name=DELIVER_TASK, queue=QUEUE, queueing_lock=DELIVER_TASK, pass_context=True)
    async def deliver_job(context: procrastinate.JobContext, timestamp: int | None = None) -> dict[str, int]:
        report = await deliver_webhooks(url, timeout=deliver_timeout)
        if report.delivered or report.retrying or report.failed:
            logger.info(
                "job %s: webhooks delivered %d, retrying %d, failed %d",
                context.job.id,
                report.delivered,
                report.retrying,
                report.failed,
            )
        return {"delivered": report.delivered, "retrying": report.retrying, "failed": report.failed}

    if deliver_cron:
        app.periodic(cron=deliver_cron, periodic_id="webhook-deliveries")(deliver_job)

    @app.task(name=SYNC_TASK, queue=QUEUE, pass_context=True, retry=_RetryRetriable())
    async def sync_job(
        context: procrastinate.JobContext, connection: str, resources: list[str] | None = None, full: bool = False
    ) -> dict[str, Any]:
        what = ",".join(resources or ["everything"])
        logger.info("job %s: syncing %s (%s) in process %d", context.job.id, connection, what, os.getpid())
        report = await sync_connection(connection, database=url, resources=resources, full=full)
        if report.created or report.updated or report.deleted:
            await _deliver_soon(app)  # its events (if anyone subscribes) go out now, not at the next tick
        logger.info(
            "job %s: done, %d created, %d calls",
            context.job.id,
            report.created,
            report.list_calls + report.detail_calls,
        )
        return {"created": report.created, "updated": report.updated, "deleted": report.deleted}

    if schedule_cron:

        @app.periodic(cron=schedule_cron, periodic_id="every-connection")
        @app.task(name=SCHEDULE_TASK, queue=QUEUE, queueing_lock=SCHEDULE_TASK)
        async def scheduled(timestamp: int) -> None:
            deferred = await schedule(app)
            logger.info("schedule: %s", deferred)

    return app


@dataclass
class ScheduleReport:
    """What :func:`schedule` did: jobs deferred, jobs already waiting (not deferred again), connections seen."""

    deferred: int = 0
    already_queued: int = 0
    connections: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.deferred} sync jobs deferred, {self.already_queued} already queued, {self.connections} connections"
        )
        return text + (f"; skipped (connector not installed): {', '.join(self.skipped)}" if self.skipped else "")


async def schedule(
    app: procrastinate.App,
    *,
    vault: Vault | None = None,
    connections: Iterable[str] | None = None,
    resources: Iterable[str] | None = None,
    full: bool = False,
) -> ScheduleReport:
    """Defer a sync job per connection (the vault's, or those named) and resource its connector offers."""
    vault = vault or Vault()
    wanted = None if connections is None else set(connections)
    offered: dict[str, list[str]] = {}
    report = ScheduleReport()
    task = app.tasks[SYNC_TASK]
    for connection in await asyncio.to_thread(vault.list):
        if wanted is not None and connection.name not in wanted:
            continue
        report.connections += 1
        try:
            names = offered.get(connection.connector) or await _offered(connection, offered)
        except UnifiedError:
            report.skipped.append(connection.name)
            continue
        for resource in names if resources is None else [r for r in resources if r in names]:
            deferrer = task.configure(
                lock=f"connection:{connection.name}", queueing_lock=f"sync:{connection.name}:{resource}"
            )
            try:
                await deferrer.defer_async(connection=connection.name, resources=[resource], full=full)
            except AlreadyEnqueued:
                report.already_queued += 1
            else:
                report.deferred += 1
    return report


async def _offered(connection: Any, cache: dict[str, list[str]]) -> list[str]:
    """The resources a connector can list (asked once per connector)."""
    connector_class(connection.connector)  # a clear error for a connector that is not installed
    connector = build_connector(connection)
    try:
        caps = connector.capabilities()
        cache[connection.connector] = [name for name in SYNC_RESOURCES if caps.supports(name, Operation.LIST)]
    finally:
        await connector.aclose()
    return cache[connection.connector]


async def _deliver_soon(app: procrastinate.App) -> None:
    with contextlib.suppress(AlreadyEnqueued):  # one is waiting already: it will send these too
        await app.tasks[DELIVER_TASK].defer_async()


def deliver_cron(seconds: float) -> str:
    """The cron of "every ``seconds`` seconds" (seconds are procrastinate's 6th field)."""
    if seconds < 60:
        return f"* * * * * */{max(int(seconds), 1)}"
    return f"*/{max(int(seconds // 60), 1)} * * * *"


async def recover_stalled(app: procrastinate.App, *, stalled_after: float) -> int:
    """Put back in the queue the jobs of workers whose heartbeat is older than ``stalled_after`` seconds."""
    recovered = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        with contextlib.suppress(Exception):  # another worker recovered it first
            await app.job_manager.retry_job(job)
            recovered += 1
            logger.warning("job %s of a stalled worker is queued again (%s)", job.id, job.task_name)
    return recovered


def ensure_schema(url: str) -> None:
    """procrastinate's tables, created once (under a lock: several workers may start at once)."""
    session = connect(url, what="jobs database")
    try:
        session.execute("SELECT pg_advisory_lock(%s)", (advisory_key("unified.jobs.schema"),))
        row = session.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is None or row[0] is None:
            app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
            session.execute(app.schema_manager.get_schema())
    finally:
        session.close()


async def run_worker(
    url: str,
    *,
    concurrency: int = 4,
    heartbeat: float = 10.0,
    stalled_after: float = 30.0,
    schedule_cron: str | None = None,
    poll: float = 1.0,
    deliver_every: float | None = 10.0,
    deliver_timeout: float = 10.0,
) -> None:
    """A worker until SIGINT/SIGTERM: ``concurrency`` jobs at once, stalled jobs recovered in the background,
    webhook deliveries every ``deliver_every`` seconds (None: only after syncs that found changes).

    New jobs wake it at once (LISTEN/NOTIFY); a job held back by its connection's lock is found by polling, every
    ``poll`` seconds."""
    await asyncio.to_thread(ensure_schema, url)
    cron = None if deliver_every is None else deliver_cron(deliver_every)
    app = build_app(url, schedule_cron=schedule_cron, deliver_cron=cron, deliver_timeout=deliver_timeout)
    async with app.open_async():
        recovery = asyncio.create_task(_recover_forever(app, stalled_after))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=f"unified-{os.getpid()}",
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=stalled_after,
                fetch_job_polling_interval=poll,
            )
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery


async def _recover_forever(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        await asyncio.sleep(max(stalled_after / 3, 0.2))
        try:
            await recover_stalled(app, stalled_after=stalled_after)
        except Exception as exc:  # the next round tries again
            logger.warning("stalled-job recovery failed: %s", type(exc).__name__)
