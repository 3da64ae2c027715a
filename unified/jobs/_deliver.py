"""The other unit of work: deliver what the shared webhook outbox holds due, from whichever worker runs it.

Any number of workers may run it at once: each delivery is claimed by one of them (``FOR UPDATE SKIP LOCKED`` and
a lease, see :class:`unified.webhooks.PostgresWebhookStore`), sent, and recorded; a killed worker's claims expire
and another worker sends them (at least once). ``unified worker`` runs it periodically and after each sync that
found changes; a product on another runner calls it from a periodic task of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from unified.jobs._unit import database_url
from unified.webhooks import Deliverer, DeliveryReport, PostgresWebhookStore, RetryPolicy

__all__ = ["deliver_webhooks", "deliver_webhooks_blocking"]


async def deliver_webhooks(
    database: str | None = None,
    *,
    schema: str = "unified",
    timeout: float = 10.0,  # noqa: ASYNC109 - each HTTP attempt's, not the call's
    retry: RetryPolicy | None = None,
    keep_days: float = 7.0,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """Send every webhook delivery that is due now from the outbox in ``database`` (else ``UNIFIED_DATABASE_URL``),
    then prune events older than ``keep_days`` that every subscriber has received.

    ``timeout`` bounds each attempt; ``retry`` spaces out the attempts of a failing subscriber (default: 10
    attempts, 2 s doubling up to 10 minutes); ``transport`` and ``clock`` are for tests.
    """
    url = database_url(database)
    webhooks = PostgresWebhookStore(url, schema=schema)
    deliverer = Deliverer(webhooks, retry=retry, timeout=timeout, transport=transport, clock=clock)
    try:
        report = await deliverer.deliver_due()
        webhooks.prune(clock() - keep_days * 86400)
        return report
    finally:
        await deliverer.aclose()
        webhooks.close()


def deliver_webhooks_blocking(**options: Any) -> DeliveryReport:
    """:func:`deliver_webhooks` for blocking code (a Celery beat task, a cron script)."""
    return asyncio.run(deliver_webhooks(**options))
