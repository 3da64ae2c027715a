"""The delivery worker: POSTs due outbox events to their subscribers, signed, and schedules the retries.

A 2xx answer is a delivery; anything else (another status, a timeout, a refused connection) is a failed attempt,
tried again after a capped exponential backoff with jitter. After ``max_attempts`` the delivery is kept as
``failed`` until it is replayed. A failure that says the subscriber is down or overloaded (no answer, 5xx, 408,
429) also holds back its other pending deliveries until the retry: a subscriber that is down costs one attempt per
backoff step, not one per waiting event.

Subscriber URLs may carry a token in their query string: every log line and message shows them through
:func:`redact_url`, httpx's own INFO line of each request included (a filter on the ``httpx`` logger redacts the
URLs of the requests this worker sends, and only those).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from unified.errors import RequestValidationError
from unified.webhooks._signing import SIGNATURE_HEADER, sign_payload
from unified.webhooks._store import Delivery, WebhookStore, redact_url

__all__ = ["Deliverer", "DeliveryReport", "RetryPolicy"]

logger = logging.getLogger("unified.webhooks")

USER_AGENT = "unified-accounting-webhooks/1"
_BATCH = 50  # deliveries taken at a time per subscriber

_SENDING: contextvars.ContextVar[bool] = contextvars.ContextVar("unified_webhooks_sending", default=False)


class _RedactDeliveryUrls(logging.Filter):
    """Rewrites the URL in httpx's log records of deliveries (httpx logs ``request.url`` whole, at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SENDING.get() and isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(str(arg)) if isinstance(arg, httpx.URL | str) and "://" in str(arg) else arg
                for arg in record.args
            )
        return True


_HTTPX_FILTER = _RedactDeliveryUrls()
logging.getLogger("httpx").addFilter(_HTTPX_FILTER)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` per delivery; after the n-th failure wait ``min(cap, base * 2**(n-1))`` seconds, scaled by
    a random factor from 0.5 to 1 so that retries of many events do not arrive in lockstep."""

    max_attempts: int = 10
    base: float = 2.0
    cap: float = 600.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise RequestValidationError(
                f"max_attempts must be a whole number of 1 or more; got {self.max_attempts!r}.", field="max_attempts"
            )
        if not self.base > 0 or not self.cap >= self.base:
            raise RequestValidationError(
                f"The retry backoff needs base > 0 and cap >= base; got base={self.base!r}, cap={self.cap!r}.",
                field="base",
            )

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after ``failures`` failed attempts."""
        backoff: float = min(self.cap, self.base * 2.0 ** max(failures - 1, 0))
        return backoff * (0.5 + rand() / 2)


@dataclass
class DeliveryReport:
    """One pass of the worker: deliveries made, failed attempts to retry, and deliveries given up (kept)."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def __iadd__(self, other: DeliveryReport) -> DeliveryReport:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        return self


class Deliverer:
    """Sends what :class:`WebhookStore` holds due. One pass: :meth:`deliver_due`; close with :meth:`aclose`.

    ``timeout`` bounds each attempt; ``transport`` routes requests (tests); ``clock`` gives unix seconds.
    """

    def __init__(
        self,
        webhooks: WebhookStore,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not timeout > 0:
            raise RequestValidationError(f"timeout must be positive; got {timeout!r}.", field="timeout")
        self.webhooks = webhooks
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._transport = transport
        self._clock = clock
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"Deliverer({self.webhooks!r}, retry={self.retry!r})"

    async def deliver_due(self) -> DeliveryReport:
        """Send every delivery that is due, oldest first per subscriber, subscribers side by side."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, transport=self._transport, follow_redirects=False)
        report = DeliveryReport()
        urls = self.webhooks.subscriber_urls()
        for part in await asyncio.gather(*(self._subscriber(self._client, url) for url in urls)):
            report += part
        return report

    async def _subscriber(self, client: httpx.AsyncClient, url: str) -> DeliveryReport:
        report = DeliveryReport()
        # a store shared by many workers holds the batch for us as long as sending all of it could take
        while batch := self.webhooks.due(url, now=self._clock(), limit=_BATCH, lease=_BATCH * self.timeout + 60):
            for index, delivery in enumerate(batch):
                if not await self._send(client, delivery, report):
                    self.webhooks.release(batch[index + 1 :])
                    return report  # the rest waits for the retry: the subscriber is likely down
        return report

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery, report: DeliveryReport) -> bool:
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign_payload(body, delivery.secret, int(self._clock())),
            "X-Unified-Event-Id": delivery.event_id,
            "X-Unified-Event-Type": delivery.event_type,
            "Idempotency-Key": delivery.event_id,
            "X-Unified-Delivery-Attempt": str(delivery.attempts + 1),
        }
        status: int | None = None
        sending = _SENDING.set(True)
        try:
            response = await client.post(delivery.url, content=body, headers=headers)
            status = response.status_code
            error = "" if response.is_success else f"HTTP {status}"
        except httpx.HTTPError as exc:
            text = str(exc).replace(delivery.url, redact_url(delivery.url))  # no token of a query string
            error = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        finally:
            _SENDING.reset(sending)
        if status is not None and 200 <= status < 300:
            self.webhooks.delivered(delivery, status, now=self._clock())
            report.delivered += 1
            return True
        failures = delivery.attempts + 1
        if failures >= self.retry.max_attempts:
            self.webhooks.attempt_failed(delivery, status_code=status, error=error, retry_at=None)
            report.failed += 1
            logger.warning(
                "Gave up on %s to %s after %d attempts (%s); kept as failed, replay with `unified webhooks replay`",
                delivery.event_id,
                redact_url(delivery.url),
                failures,
                error,
            )
        else:
            retry_at = self._clock() + self.retry.delay(failures)
            self.webhooks.attempt_failed(delivery, status_code=status, error=error, retry_at=retry_at)
            if status is None or status >= 500 or status in (408, 429):  # the subscriber's trouble, not this event's
                self.webhooks.hold_back(delivery.url, retry_at)
            report.retrying += 1
            logger.info(
                "Delivery of %s to %s failed (%s); attempt %d",
                delivery.event_id,
                redact_url(delivery.url),
                error,
                failures,
            )
        return False

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
