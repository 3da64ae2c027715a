"""Webhooks: the `/settings/webhooks` registry and background delivery of signed events.

A delivery is a POST of `{"<entity>": {...the record as GET returns it...}}` (for a delete, the record as
it was) with `Content-Type: application/json`, `X-Zoho-Webhook-Signature` (hex HMAC-SHA256 of the raw
body with the webhook's secret, when one is set), and two emulator additions: `X-Zoho-Event`
(`invoice.created`, `contact.deleted`, ...) and `X-Zoho-Delivery-Id`. Failed deliveries (transport
error or a non-2xx answer) are tried again a few times. Delivery never delays the API response.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from unified.emulator import Stats

from . import _fields as f
from ._call import Call, Event, Reply, reply
from ._errors import invalid_field, not_found
from ._listing import ListSpec, text_of
from ._resources import Resource
from ._store import Organization, Record, dumps

log = logging.getLogger(__name__)
ENTITIES = ("contact", "invoice", "bill", "expense", "item")
EVENTS = ("created", "updated", "deleted")
_EVENT_ALIASES = {"create": "created", "edit": "updated", "update": "updated", "delete": "deleted"}
ROW_FIELDS = (
    "webhook_id",
    "webhook_name",
    "description",
    "entity",
    "events",
    "url",
    "method",
    "is_active",
    "has_secret",
    "created_time",
    "last_modified_time",
)


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _events(value: object) -> list[str]:
    if value in (None, "", []):
        return list(EVENTS)
    items = value if isinstance(value, list) else str(value).split(",")
    events: list[str] = []
    for item in items:
        name = _EVENT_ALIASES.get(str(item).strip().lower(), str(item).strip().lower())
        if name not in EVENTS:
            raise invalid_field("events", f"Use any of: {', '.join(EVENTS)}.")
        if name not in events:
            events.append(name)
    return events


def build(call: Call, existing: Record | None, body: dict[str, Any]) -> Record:
    old = existing or {}
    source = {**old, **body}
    url = f.text(source, "url", limit=5000, required=True)
    if not re.match(r"https?://[^\s/]+", url):
        raise invalid_field("url", "Send an absolute http:// or https:// URL.")
    webhook_id = str(old.get("webhook_id") or call.new_id())
    if "secret" in body:
        secret = f.text(body, "secret", limit=50)
        if secret and not re.fullmatch(r"[A-Za-z0-9]{12,50}", secret):
            raise invalid_field("secret", "Use 12 to 50 letters and digits.")
        call.org.webhook_secrets[webhook_id] = secret
    return {
        "webhook_id": webhook_id,
        "webhook_name": f.text(source, "webhook_name", limit=50, default=url[:50]),
        "description": f.text(source, "description", limit=100),
        "entity": f.choice(source, "entity", ENTITIES, ""),
        "events": _events(source.get("events")),
        "url": url,
        "method": f.choice(source, "method", ("POST",), "POST"),
        "is_active": f.boolean(source, "is_active", True),
        "has_secret": bool(call.org.webhook_secrets.get(webhook_id)),
        "created_time": old.get("created_time") or call.timestamp(),
        "last_modified_time": call.timestamp(),
    }


RESOURCE = Resource(
    collection="webhooks",
    singular="webhook",
    id_field="webhook_id",
    label="Webhook",
    listing=ListSpec(
        key="webhooks",
        report_name="Webhooks",
        sort_columns={"created_time": lambda r: str(r.get("created_time", ""))},
        default_sort="created_time",
        default_order="A",
        exact={"entity": lambda r: r.get("entity", "")},
        search=text_of("webhook_name", "url"),
        modified_time=False,
    ),
    build=build,
    created="The webhook has been created.",
    updated="The webhook has been updated.",
    deleted="The webhook has been deleted.",
)


def delete_webhook(call: Call) -> Reply:
    record = RESOURCE.find(call)
    call.org["webhooks"].delete(str(record["webhook_id"]))
    call.org.webhook_secrets.pop(str(record["webhook_id"]), None)
    return reply(200, RESOURCE.deleted)


def create_webhook(call: Call) -> Reply:
    body = call.object_body()
    if body.get("entity") in (None, ""):
        raise invalid_field("entity", f"It is required: one of {', '.join(ENTITIES)}.")
    record = build(call, None, body)
    call.org["webhooks"].put(record)
    return reply(201, RESOURCE.created, webhook=record)


def get_webhook(call: Call) -> Reply:
    record = call.org["webhooks"].get(call.params["webhook_id"])
    if record is None:
        raise not_found("Webhook")
    return reply(200, "success", webhook=record)


@dataclass
class _Delivery:
    delivery_id: str
    url: str
    event: str
    body: bytes
    headers: dict[str, str]


class Dispatcher:
    """Delivers events on a background thread; `flush()` waits until everything queued is done."""

    def __init__(self, stats: Stats, attempts: int = 3, retry_delay: float = 0.2, timeout: float = 5.0) -> None:
        self.transport: httpx.BaseTransport | None = None  # tests may route deliveries in-process
        self.deliveries: list[dict[str, Any]] = []
        self._stats = stats
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._timeout = timeout
        self._queue: queue.Queue[_Delivery | None] = queue.Queue()
        self._pending = 0
        self._done = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def dispatch(self, org: Organization, events: list[Event]) -> None:
        for event in events:
            for hook in org["webhooks"]:
                if (
                    hook.get("is_active")
                    and hook.get("entity") == event.entity
                    and event.action in hook.get("events", ())
                ):
                    self._enqueue(hook, org.webhook_secrets.get(str(hook["webhook_id"]), ""), event)

    def _enqueue(self, hook: Record, secret: str, event: Event) -> None:
        body = dumps({event.entity: event.record})
        delivery_id = uuid.uuid4().hex
        name = f"{event.entity}.{event.action}"
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ZohoBooksEmulator-Webhook",
            "X-Zoho-Event": name,
            "X-Zoho-Delivery-Id": delivery_id,
        }
        if secret:
            headers["X-Zoho-Webhook-Signature"] = sign(body, secret)
        with self._done:
            self._pending += 1
        self._stats.count("webhooks", "queued")
        self._start()
        self._queue.put(_Delivery(delivery_id, str(hook["url"]), name, body, headers))

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="zoho-emulator-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(transport=self.transport, timeout=self._timeout) as client:
            while True:
                delivery = self._queue.get()
                if delivery is None:
                    return
                try:
                    self._deliver(client, delivery)
                finally:
                    with self._done:
                        self._pending -= 1
                        self._done.notify_all()

    def _deliver(self, client: httpx.Client, delivery: _Delivery) -> None:
        outcome: dict[str, Any] = {"delivery_id": delivery.delivery_id, "url": delivery.url, "event": delivery.event}
        for attempt in range(1, self._attempts + 1):
            self._stats.count("webhooks", "attempts")
            try:
                response = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
                outcome.update(status_code=response.status_code, attempts=attempt, error="")
                if response.is_success:
                    break
            except httpx.HTTPError as exc:
                outcome.update(status_code=None, attempts=attempt, error=type(exc).__name__)
            if self._stop.wait(self._retry_delay * attempt):
                break
        outcome["delivered"] = outcome.get("status_code") is not None and 200 <= outcome["status_code"] < 300
        self._stats.count("webhooks", "delivered" if outcome["delivered"] else "failed")
        self.deliveries.append(outcome)
        if not outcome["delivered"]:
            log.warning("webhook %s to %s failed after %s attempts", delivery.event, delivery.url, outcome["attempts"])

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has finished; False if the timeout came first."""
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)
        self._thread = None
