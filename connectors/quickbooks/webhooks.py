"""QuickBooks' own webhooks, received as unified events.

::

    from connectors.quickbooks import QuickBooksConnector
    from connectors.quickbooks.webhooks import QuickBooksWebhookReceiver
    from unified.webhooks import WebhookRejected

    receiver = QuickBooksWebhookReceiver(connector, verifier_token="...", connection="acme")

    async def quickbooks_view(request):                     # any async framework
        try:
            events = await receiver.handle(await request.body(), request.headers)
        except WebhookRejected as exc:
            return Response(exc.message, status_code=exc.status_code)
        for event in events:
            process(event)                                   # event.type == "accounting.invoice.updated", ...
        return Response(status_code=200)

    app = receiver.asgi_app(process)                          # or a small ASGI app that does the same

Set up in the Intuit developer portal: the app's Webhooks page, the endpoint URL, the entities (Customer, Vendor,
Invoice, Bill, Purchase) and operations; the page shows the **verifier token** to give the receiver. The format is
either the legacy one or CloudEvents (an opt-in on the same page); the receiver reads both:

- legacy: ``{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name": "Invoice", "id": "42",
  "operation": "Create", "lastUpdated": ...}]}}]}``;
- CloudEvents 1.0: a JSON array (or one object) of ``{"specversion": "1.0", "id", "type":
  "qbo.invoice.created.v1", "time", "intuitentityid": "42", "intuitaccountid": <realmId>, "data": ...}``.

What is checked, in order: ``intuit-signature``, the base64 HMAC-SHA256 of the raw body keyed by the verifier token
(:func:`unified.webhooks.verify_hmac_signature`; missing or wrong: 401); a JSON body of either shape (else 400 or
422). Notifications for another company than the connector's, and for entities the unified API does not cover
(Payment, Item...), are skipped. Each change becomes one event: Create -> created, Update/Void/Emailed and the
surviving record of a Merge -> updated, Delete and a Merge's ``deletedId`` -> deleted. The record is fetched through
the connector (QuickBooks' notifications carry only ids), or read from a CloudEvent's ``data`` where that carries
it; a record fetched but gone (deleted, or a customer or vendor made inactive, which is QuickBooks' delete) is a
deletion. Intuit aggregates changes and may deliver twice: the same change gives one event (the key is the
CloudEvent id, else realm, entity, id, operation and ``lastUpdated``). When processing fails, :meth:`forget` lets
Intuit's retry through (the ASGI app does this and answers 500).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.quickbooks._contacts import contact_id
from connectors.quickbooks._convert import parse_time
from connectors.quickbooks.connector import QuickBooksConnector
from schemas import Bill, Contact, Expense, Invoice
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.events import ChangeKind, Event, make_events
from unified.secret import Secret
from unified.webhooks import (
    DedupeStore,
    MemoryDedupe,
    WebhookEntityError,
    WebhookRejected,
    deliver_event,
    refusal_response,
    verify_hmac_signature,
)

__all__ = ["SIGNATURE_HEADER", "WEBHOOK_ENTITIES", "Change", "QuickBooksWebhookReceiver", "parse_changes"]

logger = logging.getLogger("connectors.quickbooks.webhooks")

SIGNATURE_HEADER = "intuit-signature"
MAX_BODY = 5 * 1024 * 1024

#: QuickBooks entity -> (the unified resource it is read through, the resource its events belong to)
WEBHOOK_ENTITIES: Mapping[str, tuple[str, str]] = {
    "Customer": ("customers", "contacts"),
    "Vendor": ("suppliers", "contacts"),
    "Invoice": ("invoices", "invoices"),
    "Bill": ("bills", "bills"),
    "Purchase": ("expenses", "expenses"),
}
_BY_LOWER = {name.lower(): name for name in WEBHOOK_ENTITIES}
_KINDS: Mapping[str, ChangeKind] = {
    "create": "created",
    "created": "created",
    "update": "updated",
    "updated": "updated",
    "void": "updated",
    "voided": "updated",
    "emailed": "updated",
    "merge": "updated",
    "merged": "updated",
    "delete": "deleted",
    "deleted": "deleted",
}
_STUBS: Mapping[str, Callable[[str], BaseModel]] = {
    "Customer": lambda id: Contact(id=contact_id("Customer", id), downstream_id=id, is_customer=True),
    "Vendor": lambda id: Contact(id=contact_id("Vendor", id), downstream_id=id, is_supplier=True),
    "Invoice": lambda id: Invoice(id=id),
    "Bill": lambda id: Bill(id=id),
    "Purchase": lambda id: Expense(id=id),
}

EventHandler = Callable[[Event], None] | Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class Change:
    """One change a delivery reports."""

    realm_id: str
    entity: str
    id: str
    kind: ChangeKind
    key: str
    at: datetime | None = None
    #: the record as the delivery carries it (CloudEvents may), else None: it is fetched
    payload: Mapping[str, Any] | None = None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _entity(name: object) -> str | None:
    return _BY_LOWER.get(str(name).strip().lower()) if isinstance(name, str) else None


def _key(*parts: object) -> str:
    return "qbo_" + hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _legacy(document: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    notifications = document.get("eventNotifications")
    for notification in notifications if isinstance(notifications, list) else []:
        if not isinstance(notification, Mapping):
            continue
        realm = str(notification.get("realmId") or "")
        event = notification.get("dataChangeEvent")
        entities = event.get("entities") if isinstance(event, Mapping) else None
        for item in entities if isinstance(entities, list) else []:
            if not isinstance(item, Mapping):
                continue
            entity, record_id = _entity(item.get("name")), str(item.get("id") or "")
            operation = str(item.get("operation") or "")
            kind = _KINDS.get(operation.lower())
            if entity is None or kind is None or not record_id:
                continue
            at = parse_time(item.get("lastUpdated"))
            key = _key(realm, entity, record_id, operation, item.get("lastUpdated"))
            changes.append(Change(realm, entity, record_id, kind, key, at))
            merged_away = str(item.get("deletedId") or "")
            if operation.lower() == "merge" and merged_away:
                changes.append(Change(realm, entity, merged_away, "deleted", _key(key, "deleted", merged_away), at))
    return changes


def _cloud_events(events: list[Any]) -> list[Change]:
    changes: list[Change] = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        parts = str(event.get("type") or "").split(".")  # qbo.invoice.created.v1
        if len(parts) < 3 or parts[0] != "qbo":
            continue
        entity, kind = _entity(parts[1]), _KINDS.get(parts[2].lower())
        record_id = str(event.get("intuitentityid") or "")
        if entity is None or kind is None or not record_id:
            continue
        data = event.get("data")
        payload = None
        if isinstance(data, Mapping):
            carried = data.get(entity)
            payload = carried if isinstance(carried, Mapping) else (data if data.get("Id") else None)
        realm = str(event.get("intuitaccountid") or "")
        key = _key("cloudevent", event.get("id") or (realm, entity, record_id, parts[2], event.get("time")))
        changes.append(Change(realm, entity, record_id, kind, key, parse_time(event.get("time")), payload))
    return changes


def parse_changes(body: bytes) -> list[Change]:
    """The changes a delivery reports, in either shape; a body of neither is refused."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected("The body is not JSON: QuickBooks webhooks send JSON.") from None
    if isinstance(document, list):
        return _cloud_events(document)
    if isinstance(document, Mapping) and "specversion" in document:
        return _cloud_events([document])
    if isinstance(document, Mapping) and "eventNotifications" in document:
        return _legacy(document)
    raise WebhookEntityError(
        "The body is neither QuickBooks' eventNotifications shape nor a CloudEvents batch: check the webhook "
        "endpoint in the Intuit developer portal."
    )


class QuickBooksWebhookReceiver:
    """Turns QuickBooks webhook deliveries for the connector's company into unified events.

    ``verifier_token``: the app's verifier token (None: signatures are not checked; development only);
    ``connection``: the name events carry; ``dedupe``: where change keys are remembered.
    """

    def __init__(
        self,
        connector: QuickBooksConnector,
        verifier_token: str | Secret | None,
        *,
        connection: str = "quickbooks",
        dedupe: DedupeStore | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        if not isinstance(connector, QuickBooksConnector):
            raise RequestValidationError("connector must be a QuickBooksConnector.", field="connector")
        if verifier_token is not None and not Secret.of(verifier_token).reveal():
            raise RequestValidationError(
                "verifier_token is empty: pass the app's verifier token, or None to accept unsigned deliveries.",
                field="verifier_token",
            )
        if not isinstance(connection, str) or not connection.strip():
            raise RequestValidationError("connection must be a non-empty name, e.g. 'acme'.", field="connection")
        self.connector = connector
        self._token = None if verifier_token is None else Secret.of(verifier_token)
        self.connection = connection
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupe()
        self.max_body = max_body

    def __repr__(self) -> str:
        signed = "signed" if self._token is not None else "unsigned"
        return f"QuickBooksWebhookReceiver(realm_id={self.connector.realm_id!r}, {signed})"

    async def handle(self, body: bytes | str, headers: Mapping[str, str]) -> list[Event]:
        """The unified events of one delivery (none for a redelivery already handled).

        Raises :class:`~unified.webhooks.WebhookRejected` (``status_code`` 400, 401 or 422) for a delivery to
        refuse; a failure to fetch a record propagates (answer 500: Intuit retries), and its keys are forgotten.
        """
        raw = body.encode() if isinstance(body, str) else bytes(body)
        if len(raw) > self.max_body:
            raise WebhookRejected(f"The body is {len(raw)} bytes, more than the {self.max_body} accepted.")
        if self._token is not None:
            verify_hmac_signature(
                raw,
                _header(headers, SIGNATURE_HEADER),
                self._token,
                header=SIGNATURE_HEADER,
                encodings=["base64"],
                hint="Give the receiver the verifier token of the app's Webhooks page (developer.intuit.com).",
            )
        events: list[Event] = []
        added: list[str] = []
        try:
            for change in parse_changes(raw):
                if change.realm_id and change.realm_id != self.connector.realm_id:
                    logger.info("Skipped a QuickBooks notification for another company (%s)", change.realm_id)
                    continue
                if not self.dedupe.add(change.key):
                    logger.info("Dropped a redelivery of %s %s", change.entity, change.id)
                    continue
                added.append(change.key)
                events += await self._events(change)
        except BaseException:
            for key in added:
                self.dedupe.discard(key)
            raise
        return events

    async def _events(self, change: Change) -> list[Event]:
        view, resource = WEBHOOK_ENTITIES[change.entity]
        record: BaseModel | None = None
        kind = change.kind
        if kind != "deleted":
            record_id = contact_id(change.entity, change.id) if resource == "contacts" else change.id
            if change.payload is not None:
                record = await self.connector.read_payload(change.entity, change.payload, raw=True)
            else:
                try:
                    record = await self.connector.get(view, record_id, raw=True)
                except EntityNotFoundError:
                    kind = "deleted"  # gone since, or made inactive: QuickBooks' delete of a name
        if record is None:
            record = _STUBS[change.entity](change.id)
        detected = change.at or datetime.now(UTC)
        made = make_events(resource, record, kind, connection=self.connection, detected_at=detected)
        return [replace(e, id=change.key if i == 0 else f"{change.key}.{i}") for i, e in enumerate(made)]

    def forget(self, events: Iterable[Event]) -> None:
        """Let a redelivery of these events through again (their processing failed)."""
        for event in events:
            self.dedupe.discard(event.id.split(".", 1)[0])

    def asgi_app(self, on_event: EventHandler) -> Starlette:
        """A small ASGI app taking POSTs on any path: 200 once ``on_event`` returned for each event, the
        rejection's 4xx for a refused delivery, 500 when fetching or ``on_event`` failed (Intuit retries)."""
        if not callable(on_event):
            raise RequestValidationError("on_event must be a function taking an Event.", field="on_event")

        async def receive(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                return refusal_response(WebhookRejected(f"The body is larger than the {self.max_body} bytes accepted."))
            try:
                events = await self.handle(await request.body(), request.headers)
            except WebhookRejected as exc:
                logger.warning("Refused a QuickBooks webhook delivery: %s", exc.message)
                return refusal_response(exc)
            except Exception:
                logger.exception("Reading a QuickBooks webhook delivery failed; Intuit will deliver it again")
                return JSONResponse({"error": "ProcessingFailed", "message": "The delivery could not be read."}, 500)
            try:
                for event in events:
                    await deliver_event(on_event, event)
            except Exception:
                self.forget(events)
                logger.exception("Processing a QuickBooks webhook event failed; Intuit will deliver it again")
                return JSONResponse({"error": "ProcessingFailed", "message": "The event handler failed."}, 500)
            return JSONResponse({"received": len(events), "events": [e.id for e in events]})

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
