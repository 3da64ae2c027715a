"""Zoho Books' own webhooks: receive them as unified events, and register them in an organization.

Receiving
---------
::

    from connectors.zoho_books.webhooks import ZohoWebhookReceiver
    from unified.webhooks import WebhookRejected

    receiver = ZohoWebhookReceiver(secret="s3cretWebhookKey42", connection="acme")

    # any framework: the raw body and the headers in, unified events out
    def zoho_view(request):                                    # e.g. Django
        try:
            events = receiver.handle(request.body, request.headers)
        except WebhookRejected as exc:
            return HttpResponse(exc.message, status=exc.status_code)
        for event in events:
            process(event)                                     # event.type == "accounting.invoice.updated", ...
        return HttpResponse(status=204)

    # or a small ASGI app (uvicorn, or mounted in Starlette/FastAPI): 2xx once on_event returned, 4xx refused
    app = receiver.asgi_app(process)

What is checked, in order:

- ``X-Zoho-Webhook-Signature``, when a secret is set: the hex HMAC-SHA256 of the raw body (what third-party Books
  receivers verify; also accepted: the same digest in base64, and Zoho Billing's documented variant that prefixes
  the body with the query parameters sorted by name, ``key1value1key2value2``, when ``query`` is passed), checked
  in constant time by :func:`unified.webhooks.verify_hmac_signature`; junk and non-ASCII values are refused like
  any mismatch. Zoho does not document the algorithm for Books (ZOHO_FACTS.md §8): this is the assumption.
  Missing or wrong: 401. Without a secret nothing is verified: use that only in development.
- The body must be a JSON object (400) holding a record under a module key Zoho's default payload uses:
  ``{"contact": {...}}``, ``{"invoice": {...}}``, ``{"bill": {...}}``, ``{"expense": {...}}``. Another module, or a
  record this library cannot read, is a 422. A refused delivery yields no event.
- The record is read with the connector's own mapping into the unified model (``event.data``, the payload in
  ``event.raw``), and a contact is typed by its role (``accounting.customer.*`` / ``accounting.supplier.*``).

Created, updated or deleted? Zoho's default payload carries no event name. In order: an ``X-Zoho-Event`` header
(``invoice.created``, what the local emulator sends); an ``event_type`` (or ``event``) field in the body, which a
workflow's custom payload can add; then equal ``created_time`` and ``last_modified_time`` mean created, different
ones updated; without those timestamps, a record this receiver has not seen before is created. A deletion is
knowable only from a header or a body field: Zoho's workflow rules trigger on create and edit, and a default payload
of a deleted record looks like any other. To learn of deletions without them, run the sync engine (``unified
watch``), whose deletion scan finds them.

Redelivery of the same change gives one event: the key is ``X-Zoho-Delivery-Id`` when present, else the module, the
record id, its ``last_modified_time`` and the hash of the body. The keys live in a bounded memory
(:class:`unified.webhooks.MemoryDedupe` by default; :class:`unified.webhooks.SQLiteDedupe` across restarts and
processes). When processing an event fails after ``handle`` returned it, call :meth:`ZohoWebhookReceiver.forget` so
that Zoho's retry is not dropped as a duplicate (the ASGI app does this and answers 500).

Registering
-----------
``await register_webhook(connector, url, secret, "invoice", ["created", "updated", "deleted"])`` creates the webhook
through ``POST /settings/webhooks`` (scope ``ZohoBooks.settings.CREATE``), or updates the one this organization
already has for that URL and module; it returns the webhook id. Where the API is not available to an organization,
or to attach the webhook to rules, do it by hand in Zoho Books:

1. Settings → Automation → Workflow Actions → Webhooks → New Webhook: the module (Invoice, Contact, Bill or
   Expense), the URL, method POST, body "Default Payload" (the record under its module key), and the secret
   (12 to 50 letters and digits) so that Zoho signs with ``X-Zoho-Webhook-Signature``.
2. Settings → Automation → Workflow Rules → New Rule for the same module: "When a record is Created or Edited",
   action type Webhook, the webhook of step 1. One rule per module.
3. Settings → Workflow Logs → Webhooks shows each delivery; Zoho retries failed ones at increasing intervals.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.zoho_books import _mapping as mapping
from connectors.zoho_books.connector import ZohoBooksConnector
from unified.errors import EntityNotFoundError, RequestValidationError, UnifiedError
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

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "WEBHOOK_ENTITIES",
    "ZohoWebhookReceiver",
    "delete_webhook",
    "list_webhooks",
    "register_webhook",
]

logger = logging.getLogger("connectors.zoho_books.webhooks")

SIGNATURE_HEADER = "X-Zoho-Webhook-Signature"
EVENT_HEADER = "X-Zoho-Event"
DELIVERY_HEADER = "X-Zoho-Delivery-Id"
EVENT_FIELDS = ("event_type", "event")

#: Zoho's webhook module -> the unified resource its records are read as
WEBHOOK_ENTITIES: Mapping[str, str] = {
    "contact": "contacts",
    "invoice": "invoices",
    "bill": "bills",
    "expense": "expenses",
}
_ENTITY_NAMES = {
    **{entity: entity for entity in WEBHOOK_ENTITIES},
    **{resource: entity for entity, resource in WEBHOOK_ENTITIES.items()},
    "customers": "contact",
    "suppliers": "contact",
}
_KINDS: Mapping[str, ChangeKind] = {
    "created": "created",
    "create": "created",
    "updated": "updated",
    "update": "updated",
    "edited": "updated",
    "edit": "updated",
    "deleted": "deleted",
    "delete": "deleted",
}
_SECRET = re.compile(r"[A-Za-z0-9]{12,50}")
MAX_BODY = 5 * 1024 * 1024

EventHandler = Callable[[Event], None] | Callable[[Event], Awaitable[None]]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _kind(value: object) -> ChangeKind | None:
    """``invoice.created``, ``created``, ``edit``, ... as a change kind; None when it names none."""
    if not isinstance(value, str):
        return None
    return _KINDS.get(value.strip().lower().rsplit(".", 1)[-1])


class ZohoWebhookReceiver:
    """Turns Zoho Books webhook deliveries into unified :class:`~unified.events.Event` objects.

    ``secret``: the webhook's secret (None: signatures are not checked); ``connection``: the name events carry;
    ``dedupe``: where delivery keys are remembered (default: the newest 100,000 in memory).
    """

    def __init__(
        self,
        secret: str | Secret | None = None,
        *,
        connection: str = "zoho-books",
        dedupe: DedupeStore | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        if secret is not None and not Secret.of(secret).reveal():
            raise RequestValidationError(
                "secret is empty: pass the webhook's secret, or None to accept unsigned deliveries.", field="secret"
            )
        if not isinstance(connection, str) or not connection.strip():
            raise RequestValidationError("connection must be a non-empty name, e.g. 'acme'.", field="connection")
        if dedupe is not None and not isinstance(dedupe, DedupeStore):
            raise RequestValidationError(
                "dedupe must have add(key) -> bool and discard(key), like unified.webhooks.MemoryDedupe.",
                field="dedupe",
            )
        self._secret = None if secret is None else Secret.of(secret)
        self.connection = connection
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupe()
        self.max_body = max_body

    def __repr__(self) -> str:
        signed = "signed" if self._secret is not None else "unsigned"
        return f"ZohoWebhookReceiver(connection={self.connection!r}, {signed}, dedupe={self.dedupe!r})"

    # ----- the plain function -----

    def handle(
        self, body: bytes | str, headers: Mapping[str, str], *, query: Mapping[str, str] | None = None
    ) -> list[Event]:
        """The unified events of one delivery: one event, or none for a redelivery already handled.

        ``body`` is the raw request body, ``headers`` the request headers (any case), ``query`` the query
        parameters if the webhook sends some. Raises :class:`~unified.webhooks.WebhookRejected` (``status_code``
        400, 401 or 422, and a message saying why) for a delivery to refuse.
        """
        raw_body = body.encode() if isinstance(body, str) else bytes(body)
        if len(raw_body) > self.max_body:
            raise WebhookRejected(f"The body is {len(raw_body)} bytes, more than the {self.max_body} accepted.")
        if self._secret is not None:
            self._verify(raw_body, _header(headers, SIGNATURE_HEADER), query or {})
        entity, record_payload, document = _parse(raw_body)
        resource = WEBHOOK_ENTITIES[entity]
        try:
            record = mapping.READERS[resource](record_payload, raw=True)
        except UnifiedError as exc:
            raise WebhookEntityError(f"The {entity} in the body cannot be read: {exc.message}") from None
        record_id = str(getattr(record, "id", None) or "")
        if not record_id:
            raise WebhookEntityError(f"The {entity} in the body has no {entity}_id.")

        delivery_id = _header(headers, DELIVERY_HEADER)
        if delivery_id:
            key_text = f"delivery\n{delivery_id.strip()}"
        else:
            modified = str(record_payload.get("last_modified_time") or "")
            key_text = "\n".join(("change", entity, record_id, modified, hashlib.sha256(raw_body).hexdigest()))
        event_id = "zoho_" + hashlib.sha256(key_text.encode()).hexdigest()[:32]

        kind = _kind(_header(headers, EVENT_HEADER)) or next(
            (k for k in (_kind(document.get(name)) for name in EVENT_FIELDS) if k is not None), None
        )
        if kind is None:
            kind = self._derive_kind(entity, record_id, record_payload)
        if not self.dedupe.add(event_id):
            logger.info("Dropped a redelivery of %s %s (%s)", entity, record_id, event_id)
            return []
        events = make_events(resource, record, kind, connection=self.connection, detected_at=datetime.now(UTC))
        # A Zoho contact has one role, so one event; were there more, they share the delivery's key.
        return [replace(e, id=event_id if i == 0 else f"{event_id}.{i}") for i, e in enumerate(events)]

    def forget(self, events: Iterable[Event]) -> None:
        """Let a redelivery of these events through again (their processing failed)."""
        for event in events:
            self.dedupe.discard(event.id.split(".", 1)[0])

    def _verify(self, body: bytes, header: str | None, query: Mapping[str, str]) -> None:
        assert self._secret is not None
        also: list[bytes] = []
        if query:  # Zoho Billing's documented form: sorted query pairs, then the body
            also.append("".join(f"{k}{query[k]}" for k in sorted(query)).encode() + body)
        verify_hmac_signature(
            body,
            header,
            self._secret,
            header=SIGNATURE_HEADER,
            also_signed=also,
            hint="Set the same secret on the webhook in Zoho Books (Settings → Automation → Webhooks).",
        )

    def _derive_kind(self, entity: str, record_id: str, payload: Mapping[str, Any]) -> ChangeKind:
        created = mapping.parse_timestamp(payload.get("created_time"))
        modified = mapping.parse_timestamp(payload.get("last_modified_time"))
        if created is not None and modified is not None:
            return "created" if created == modified else "updated"
        return "created" if self.dedupe.add(f"record:{entity}:{record_id}") else "updated"

    # ----- the ASGI app -----

    def asgi_app(self, on_event: EventHandler) -> Starlette:
        """A small ASGI app that takes POSTs on any path: 200 once ``on_event`` has returned for each event,
        the rejection's 4xx for a refused delivery, 500 when ``on_event`` raised (Zoho then retries)."""
        if not callable(on_event):
            raise RequestValidationError("on_event must be a function taking an Event.", field="on_event")

        async def receive(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                return refusal_response(WebhookRejected(f"The body is larger than the {self.max_body} bytes accepted."))
            body = await request.body()
            try:
                events = self.handle(body, request.headers, query=dict(request.query_params))
            except WebhookRejected as exc:
                logger.warning("Refused a Zoho Books webhook delivery: %s", exc.message)
                return refusal_response(exc)
            try:
                for event in events:
                    await deliver_event(on_event, event)
            except Exception:
                self.forget(events)
                logger.exception("Processing a Zoho Books webhook event failed; Zoho will deliver it again")
                return JSONResponse({"error": "ProcessingFailed", "message": "The event handler failed."}, 500)
            return JSONResponse({"received": len(events), "events": [e.id for e in events]})

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


def _parse(body: bytes) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(module, the record's payload, the whole body) of a default-payload delivery."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRejected(
            "The body is not JSON: set the webhook's body to Zoho's Default Payload (or a JSON template)."
        ) from None
    if not isinstance(document, dict):
        raise WebhookRejected(
            f'The body is a JSON {type(document).__name__}, not an object like {{"invoice": {{...}}}}.'
        )
    for entity in WEBHOOK_ENTITIES:
        payload = document.get(entity)
        if isinstance(payload, dict):
            return entity, payload, document
    modules = [key for key, value in document.items() if isinstance(value, dict)] or sorted(document)[:5]
    raise WebhookEntityError(
        f"The body holds no record of a known module (found: {', '.join(modules) or 'nothing'}); "
        f"webhooks are read for: {', '.join(WEBHOOK_ENTITIES)}."
    )


# ----- registration through the settings API -----


def _entity(entity: str) -> str:
    name = _ENTITY_NAMES.get(entity.strip().lower()) if isinstance(entity, str) else None
    if name is None:
        raise RequestValidationError(
            f"Cannot register a webhook for {entity!r}; choose one of: {', '.join(WEBHOOK_ENTITIES)}.", field="entity"
        )
    return name


def _events(events: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for item in [events] if isinstance(events, str) else events:
        kind = _kind(item)
        if kind is None:
            raise RequestValidationError(
                f"Unknown webhook event {item!r}; use any of: created, updated, deleted.", field="events"
            )
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise RequestValidationError("events is empty; give at least one of created, updated, deleted.", field="events")
    return chosen


def _body(url: str, secret: str | Secret | None, entity: str, events: list[str], name: str | None) -> dict[str, Any]:
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestValidationError(
            f"url must be an absolute http:// or https:// URL Zoho can reach; got {url!r}.", field="url"
        )
    body: dict[str, Any] = {
        "webhook_name": (name or f"unified {entity} events")[:50],
        "entity": entity,
        "url": url.strip(),
        "method": "POST",
        "events": events,
    }
    if secret is not None:
        value = Secret.of(secret).reveal()
        if not _SECRET.fullmatch(value):
            raise RequestValidationError(
                "secret must be 12 to 50 letters and digits (Zoho's rule for webhook secrets).", field="secret"
            )
        body["secret"] = value
    return body


async def list_webhooks(connector: ZohoBooksConnector, entity: str | None = None) -> list[dict[str, Any]]:
    """The organization's webhooks as Zoho lists them (``GET /settings/webhooks``), optionally of one module."""
    params: dict[str, Any] = {"per_page": 200}
    if entity is not None:
        params["entity"] = _entity(entity)
    body = await connector.http.request("GET", "/settings/webhooks", params=params)
    found = body.get("webhooks")
    return [hook for hook in found if isinstance(hook, dict)] if isinstance(found, list) else []


async def register_webhook(
    connector: ZohoBooksConnector,
    url: str,
    secret: str | Secret | None,
    entity: str,
    events: Iterable[str] = ("created", "updated", "deleted"),
    *,
    name: str | None = None,
) -> str:
    """Register ``url`` for ``entity``'s ``events`` in the connector's organization; returns the webhook id.

    ``entity`` is a Zoho module (contact, invoice, bill, expense; the unified names work too). The secret (12 to 50
    letters and digits) makes Zoho sign deliveries; give the receiver the same one. Registering a URL the
    organization already has for that module updates that webhook instead of adding a second one. The manual
    steps, for where the settings API is not available, are in this module's documentation.
    """
    module = _entity(entity)
    body = _body(url, secret, module, _events(events), name)

    async def existing() -> dict[str, Any] | None:
        try:
            hooks = await list_webhooks(connector, module)
        except EntityNotFoundError:  # an API without the listing: nothing to match against
            return None
        return next((h for h in hooks if h.get("url") == body["url"] and h.get("entity") == module), None)

    found = await existing()
    if found is not None:
        webhook_id = str(found["webhook_id"])
        await connector.http.request("PUT", f"/settings/webhooks/{webhook_id}", json=body)
        return webhook_id

    async def lookup() -> dict[str, Any] | None:
        hook = await existing()
        return None if hook is None else {"webhook": hook}

    created = await connector.http.create("/settings/webhooks", json=body, lookup=lookup)
    webhook = created.get("webhook")
    if not isinstance(webhook, dict) or not webhook.get("webhook_id"):
        raise RequestValidationError(
            "Zoho Books answered the webhook registration without a webhook_id; check Settings → Automation → "
            "Workflow Actions → Webhooks.",
            field="url",
        )
    return str(webhook["webhook_id"])


async def delete_webhook(connector: ZohoBooksConnector, webhook_id: str) -> None:
    """Remove a webhook from the organization (``DELETE /settings/webhooks/{id}``)."""
    if not isinstance(webhook_id, str) or not webhook_id.isdigit():
        raise RequestValidationError(
            f"webhook_id must be Zoho's id, a string of digits; got {webhook_id!r}.", field="webhook_id"
        )
    await connector.http.request("DELETE", f"/settings/webhooks/{webhook_id}")
