"""Xero's own webhooks in: the intent-to-receive handshake, the signature, and a unified event per change.

::

    from connectors.xero.webhooks import XeroWebhookReceiver

    receiver = XeroWebhookReceiver(key=WEBHOOK_KEY, connectors=connector, connection="acme")
    app = receiver.asgi_app(lambda event: print(event.type, event.entity_id))      # mount it, or run it with uvicorn

    # or in any framework, with the raw body and the headers:
    events = await receiver.handle(body, headers)     # WebhookRejected (401) for a bad signature

What Xero sends (its webhooks document and "configuring your server"): a POST whose ``x-xero-signature`` header is
the base64 HMAC-SHA256 of the raw body keyed with the webhook key, and a body ``{"events": [...],
"firstEventSequence", "lastEventSequence", "entropy"}``. Each event names a record only (``resourceId``,
``eventCategory`` CONTACT or INVOICE, ``eventType`` CREATE or UPDATE, ``tenantId``), so the receiver fetches the
record through the tenant's connector: an INVOICE of Type ACCREC is an invoice event, ACCPAY a bill event; a
contact is typed by its roles (``accounting.customer.*`` / ``accounting.supplier.*``); a record Xero now has as
ARCHIVED, DELETED or VOIDED gives a ``deleted`` event. Credit note and subscription events are not unified
resources and are skipped.

Intent to receive: before enabling a webhook Xero sends correctly and incorrectly signed deliveries with no events
and expects 200 and 401. The ASGI app answers within Xero's 5 seconds: it checks the signature, answers 200 with an
empty body, and fetches and hands out the events after answering (Xero does not wait for them; a failure there is
logged). An event for a tenant with no connector here is skipped. A redelivery of the same event (same tenant,
record, category, type and time) gives no second event; the keys live in ``dedupe``
(:class:`unified.webhooks.MemoryDedupe` by default, :class:`unified.webhooks.SQLiteDedupe` across processes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.xero._convert import parse_datetime
from connectors.xero._mapping import is_deleted
from connectors.xero.connector import XeroConnector
from unified.errors import EntityNotFoundError, RequestValidationError, UnifiedError
from unified.events import ChangeKind, Event, make_events
from unified.secret import Secret
from unified.webhooks import DedupeStore, MemoryDedupe, WebhookRejected, deliver_event, verify_hmac_signature

__all__ = ["SIGNATURE_HEADER", "XeroWebhookReceiver"]

logger = logging.getLogger("connectors.xero.webhooks")

SIGNATURE_HEADER = "x-xero-signature"
MAX_BODY = 5 * 1024 * 1024
_KINDS: Mapping[str, ChangeKind] = {"CREATE": "created", "UPDATE": "updated"}
_TYPES = {"ACCREC": "invoices", "ACCPAY": "bills"}

EventHandler = Callable[[Event], None] | Callable[[Event], Awaitable[None]]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class XeroWebhookReceiver:
    """Turns Xero webhook deliveries into unified :class:`~unified.events.Event` objects.

    ``key``: the webhook key from the app's Webhooks page; ``connectors``: the connector of each tenant the events may
    be for (one connector, or a mapping of tenant id to connector); ``connection``: the name events carry (one name,
    or a mapping of tenant id to name; default the tenant id).
    """

    def __init__(
        self,
        key: str | Secret,
        connectors: XeroConnector | Mapping[str, XeroConnector],
        *,
        connection: str | Mapping[str, str] | None = None,
        dedupe: DedupeStore | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        if not Secret.of(key).reveal():
            raise RequestValidationError(
                "key is empty: pass the webhook key shown on your app's Webhooks page at developer.xero.com.",
                field="key",
            )
        if isinstance(connectors, XeroConnector):
            connectors = {connectors.tenant_id: connectors}
        if not connectors:
            raise RequestValidationError("connectors is empty: give the connector of each tenant.", field="connectors")
        self._key = Secret.of(key)
        self.connectors: dict[str, XeroConnector] = dict(connectors)
        self._connection = connection
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupe()
        self.max_body = max_body

    def __repr__(self) -> str:
        return f"XeroWebhookReceiver(tenants={sorted(self.connectors)!r}, dedupe={self.dedupe!r})"

    def verify(self, body: bytes | str, headers: Mapping[str, str]) -> dict[str, Any]:
        """The delivery's JSON once its signature is checked; :class:`WebhookRejected` (401, 400) otherwise."""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        if len(raw) > self.max_body:
            raise WebhookRejected(f"The body is {len(raw)} bytes, more than the {self.max_body} accepted.")
        verify_hmac_signature(
            raw,
            _header(headers, SIGNATURE_HEADER),
            self._key,
            header=SIGNATURE_HEADER,
            encodings=["base64"],
            hint="Use the webhook key shown on the app's Webhooks page at developer.xero.com.",
        )
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            raise WebhookRejected('The body is not JSON; Xero sends {"events": [...]}.') from None
        if not isinstance(document, dict) or not isinstance(document.get("events", []), list):
            raise WebhookRejected('The body is not a Xero webhook payload: expected {"events": [...], ...}.')
        return document

    async def handle(self, body: bytes | str, headers: Mapping[str, str]) -> list[Event]:
        """The unified events of one delivery (none for the intent-to-receive handshake or a redelivery)."""
        return await self.events(self.verify(body, headers))

    async def events(self, document: Mapping[str, Any]) -> list[Event]:
        """The unified events of a verified delivery's JSON: each record fetched through its tenant's connector."""
        found: list[Event] = []
        for entry in document.get("events") or []:
            if isinstance(entry, Mapping):
                found.extend(await self._event(entry))
        return found

    def forget(self, events: list[Event]) -> None:
        """Let a redelivery of these events through again (their processing failed)."""
        for event in events:
            self.dedupe.discard(event.id.split(".", 1)[0])

    async def _event(self, entry: Mapping[str, Any]) -> list[Event]:
        category = str(entry.get("eventCategory") or "").upper()
        tenant = str(entry.get("tenantId") or "")
        record_id = str(entry.get("resourceId") or "")
        if category not in ("CONTACT", "INVOICE") or not record_id:
            logger.debug("Skipped a Xero %s event: not a unified resource", category or "unnamed")
            return []
        connector = self.connectors.get(tenant)
        if connector is None:
            logger.warning("Skipped a Xero %s event for tenant %s: no connector for that tenant", category, tenant)
            return []
        key_text = "\n".join(str(entry.get(k) or "") for k in ("tenantId", "resourceId", "eventCategory", "eventType"))
        key_text += "\n" + str(entry.get("eventDateUtc") or "")
        event_id = "xero_" + hashlib.sha256(key_text.encode()).hexdigest()[:32]
        if not self.dedupe.add(event_id):
            logger.info("Dropped a redelivery of Xero %s %s", category, record_id)
            return []
        try:
            resource, record, kind = await self._record(connector, category, record_id, entry)
        except EntityNotFoundError:
            logger.warning("Xero %s %s named by an event no longer exists; skipped", category, record_id)
            return []
        except BaseException:
            self.dedupe.discard(event_id)  # let Xero's retry through
            raise
        if resource is None:
            return []
        occurred = parse_datetime(entry.get("eventDateUtc")) or datetime.now(UTC)
        events = make_events(resource, record, kind, connection=self._name(tenant), detected_at=occurred)
        return [replace(e, id=event_id if i == 0 else f"{event_id}.{i}") for i, e in enumerate(events)]

    async def _record(
        self, connector: XeroConnector, category: str, record_id: str, entry: Mapping[str, Any]
    ) -> tuple[str | None, Any, ChangeKind]:
        if category == "CONTACT":
            payload = await connector.fetch_payload("contacts", record_id)
            resource: str | None = "contacts"
            element = "contact"
        else:
            payload = await connector.fetch_payload("invoices", record_id)
            resource = _TYPES.get(str(payload.get("Type")))
            element = "invoice"
            if resource is None:
                logger.debug("Skipped a Xero invoice event for Type %s", payload.get("Type"))
                return None, None, "updated"
        kind: ChangeKind = (
            "deleted" if is_deleted(element, payload) else _KINDS.get(str(entry.get("eventType")).upper(), "updated")
        )
        assert resource is not None
        record = await connector.read_payload(resource, payload, raw=True)
        return resource, record, kind

    def _name(self, tenant: str) -> str:
        if isinstance(self._connection, str):
            return self._connection
        if isinstance(self._connection, Mapping):
            return self._connection.get(tenant, tenant)
        return tenant

    # ----- the ASGI app -----

    def asgi_app(self, on_event: EventHandler) -> Starlette:
        """A small ASGI app taking POSTs on any path: 401 for a bad signature, else 200 with no body at once; the
        events are fetched and given to ``on_event`` after the answer (Xero wants one within 5 seconds)."""
        if not callable(on_event):
            raise RequestValidationError("on_event must be a function taking an Event.", field="on_event")

        async def deliver(document: dict[str, Any]) -> None:
            try:
                events = await self.events(document)
            except UnifiedError as exc:
                logger.error("Fetching the records of a Xero webhook delivery failed: %s", exc.message)
                return
            for event in events:
                try:
                    await deliver_event(on_event, event)
                except Exception:
                    logger.exception("Processing a Xero webhook event failed (%s %s)", event.type, event.entity_id)

        async def receive(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                return Response(status_code=413)
            try:
                document = self.verify(await request.body(), request.headers)
            except WebhookRejected as exc:
                logger.warning("Refused a Xero webhook delivery: %s", exc.message)
                return Response(status_code=exc.status_code)
            if not document.get("events"):
                return Response(status_code=200)  # the intent-to-receive handshake
            return Response(status_code=200, background=BackgroundTask(deliver, document))

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
