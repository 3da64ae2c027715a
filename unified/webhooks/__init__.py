"""Webhooks: change events pushed to subscriber URLs, signed, at least once.

Virtual webhooks, for backends (or networks) that cannot push: the :class:`Watcher` polls with the sync engine,
writes every change into an outbox (:class:`OutboxStore`, :class:`WebhookStore`) before the page commits, and the
:class:`Deliverer` POSTs each event as JSON to every subscriber::

    POST <subscriber url>
    Content-Type: application/json
    X-Unified-Signature: t=1714564800,v1=<hex hmac-sha256 of "1714564800.<body>" with the subscriber's secret>
    X-Unified-Event-Id: evt_...            (also Idempotency-Key: the same for every retry of one change)
    X-Unified-Event-Type: accounting.invoice.updated
    X-Unified-Delivery-Attempt: 1

    {"id": "evt_...", "type": "accounting.invoice.updated", "resource": "invoices", "entity_id": "46...",
     "data": {...the unified record...}, "raw": null, "occurred_at": "...", "connection": "acme"}

A 2xx answer is a delivery. Otherwise it is retried with capped exponential backoff and jitter
(:class:`RetryPolicy`), and after ``max_attempts`` kept as ``failed`` until :meth:`WebhookStore.replay`. A subscriber
checks each request with :func:`verify_signature` and drops an ``Idempotency-Key`` it has already processed.

Receiving a provider's own webhooks is the connector's part (``connectors/<name>/webhooks.py``); it checks the
provider's signature header with :func:`verify_hmac_signature` (hex or base64 HMAC-SHA256, constant-time, junk is a
401, never a crash), raises the errors here (:class:`WebhookRejected` and subclasses, each with the HTTP status to
answer) and can use the dedupe memories (:class:`MemoryDedupe`, :class:`SQLiteDedupe`). CLI: ``unified watch``,
``unified webhooks ...``.

Many workers share one outbox in PostgreSQL (:class:`PostgresWebhookStore`, ``--db postgresql://...``): the sync
jobs write each page's events in the page's own transaction, and whichever worker is free delivers them, each
delivery claimed by one worker at a time (``unified worker``, :func:`unified.jobs.deliver_webhooks`).
"""

from unified.webhooks._dedupe import DedupeStore, MemoryDedupe, SQLiteDedupe
from unified.webhooks._delivery import Deliverer, DeliveryReport, RetryPolicy
from unified.webhooks._errors import WebhookEntityError, WebhookRejected, WebhookSignatureError
from unified.webhooks._outbox import OutboxStore, change_id
from unified.webhooks._pgstore import PostgresWebhookStore, open_webhooks
from unified.webhooks._receiving import deliver_event, refusal_response
from unified.webhooks._signing import (
    SIGNATURE_HEADER,
    hmac_signature_matches,
    sign_payload,
    verify_hmac_signature,
    verify_signature,
)
from unified.webhooks._store import (
    Delivery,
    DeliveryRecord,
    DeliveryStatus,
    Subscriber,
    WebhookStore,
    event_body,
    redact_url,
    webhooks_path_for,
)
from unified.webhooks._watcher import Watcher, WatchRound

__all__ = [
    "SIGNATURE_HEADER",
    "DedupeStore",
    "Deliverer",
    "Delivery",
    "DeliveryRecord",
    "DeliveryReport",
    "DeliveryStatus",
    "MemoryDedupe",
    "OutboxStore",
    "PostgresWebhookStore",
    "RetryPolicy",
    "SQLiteDedupe",
    "Subscriber",
    "WatchRound",
    "Watcher",
    "WebhookEntityError",
    "WebhookRejected",
    "WebhookSignatureError",
    "WebhookStore",
    "change_id",
    "deliver_event",
    "event_body",
    "hmac_signature_matches",
    "open_webhooks",
    "redact_url",
    "refusal_response",
    "sign_payload",
    "verify_hmac_signature",
    "verify_signature",
    "webhooks_path_for",
]
