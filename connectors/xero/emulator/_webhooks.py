"""Webhooks as Xero sends them (xero-webhooks.yaml; developer.xero.com/documentation/webhooks).

A subscription is a URL and a webhook key. Each API call that creates or changes contacts, invoices (bills
included) or credit notes sends one POST to it, on a background thread (never delaying the answer):
`{"events": [{resourceUrl, resourceId, eventDateUtc, eventType CREATE|UPDATE, eventCategory, tenantId,
tenantType}], "firstEventSequence", "lastEventSequence", "entropy"}`: the events name the record, they do
not carry it (credit notes carry `data: {Type, Status}`, as the spec shows). Sequence numbers rise across
deliveries. `x-xero-signature` is the base64 HMAC-SHA256 of the raw body keyed by the webhook key.
Deliveries that fail (no answer, or not 2xx) are tried again a few times.

Intent to receive (`intent_to_receive()`, `POST /__emulator/webhooks/intent`): an empty-events payload
signed correctly, which must be answered 200, and one signed wrongly, which must be answered 401; the
subscription is OK only if both are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import string
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from unified.emulator import Stats
from unified.emulator._delivery import Deliveries

from ._call import Event
from ._store import Tenant
from ._wire import dumps

CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")


def sign(body: bytes, key: str) -> str:
    """What Xero puts in x-xero-signature: base64(HMAC-SHA256(key, raw body))."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class Webhooks:
    def __init__(self, stats: Stats, clock: Any, key: str, *, attempts: int = 3, retry_delay: float = 0.2) -> None:
        self.app_key = key  # the app's webhook key, as developer.xero.com shows it
        self.key = key  # the key deliveries are signed with (tests may subscribe with another)
        self.url: str | None = None
        self.categories: tuple[str, ...] = CATEGORIES
        self.status = "NONE"  # NONE, OK (intent to receive passed), FAILED
        self._clock = clock
        self._sequence = 0
        self._lock = threading.Lock()
        self._rng = random.Random()
        self.outbox = Deliveries(stats, attempts=attempts, retry_delay=retry_delay)

    @property
    def transport(self) -> httpx.BaseTransport | None:
        return self.outbox.transport

    @transport.setter
    def transport(self, value: httpx.BaseTransport | None) -> None:
        """Route deliveries in-process (an ASGI app's transport, httpx.MockTransport) instead of the network."""
        self.outbox.transport = value

    def subscribe(self, url: str, key: str | None = None, categories: Sequence[str] = CATEGORIES) -> None:
        """Deliver to url, signed with key (the app's webhook key unless given)."""
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the webhook URL must be absolute http(s), not {url!r}")
        unknown = sorted(set(categories) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown event categories {unknown}; use any of {', '.join(CATEGORIES)}")
        self.url = url
        self.key = key or self.app_key
        self.categories = tuple(categories)
        self.status = "NONE"

    def unsubscribe(self) -> None:
        self.url = None
        self.status = "NONE"

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "categories": list(self.categories), "status": self.status, "sequence": self._sequence}

    def _entropy(self) -> str:
        return "".join(self._rng.choice(string.ascii_uppercase) for _ in range(20))

    def payload(self, tenant: Tenant, events: Sequence[Event], origin: str) -> bytes | None:
        """The body of one delivery for these events, or None when none is subscribed to."""
        chosen = [e for e in events if e.category in self.categories]
        if not chosen:
            return None
        now = _stamp(self._clock.now())
        with self._lock:
            first = self._sequence + 1
            self._sequence += len(chosen)
            last = self._sequence
        items = []
        for event in chosen:
            item: dict[str, Any] = {
                "resourceUrl": f"{origin}/api.xro/2.0/{event.resource}/{event.resource_id}",
                "resourceId": event.resource_id,
                "tenantId": tenant.tenant_id,
                "tenantType": "ORGANISATION",
                "eventCategory": event.category,
                "eventType": event.event_type,
                "eventDateUtc": now,
            }
            if event.data is not None:
                item["data"] = event.data
            items.append(item)
        return dumps(
            {"events": items, "firstEventSequence": first, "lastEventSequence": last, "entropy": self._entropy()}
        )

    def announce(self, tenant: Tenant, events: Sequence[Event], origin: str) -> None:
        if self.url is None:
            return
        body = self.payload(tenant, events, origin)
        if body is None:
            return
        headers = {"Content-Type": "application/json", "x-xero-signature": sign(body, self.key)}
        self.outbox.send(self.url, body, headers, label=",".join(sorted({e.category for e in events})))

    def intent_to_receive(self) -> dict[str, Any]:
        """Xero's handshake: a correctly signed empty payload (expects 200), a wrongly signed one (expects 401)."""
        if self.url is None:
            raise ValueError("no webhook is subscribed: subscribe(url, key) first")
        body = dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": self._entropy()})
        wrong = sign(body, self.key + "x")
        checks = []
        with httpx.Client(timeout=5.0, transport=self.outbox.transport) as client:
            for signature, expected in ((sign(body, self.key), 200), (wrong, 401)):
                headers = {"Content-Type": "application/json", "x-xero-signature": signature}
                try:
                    response = client.post(self.url, content=body, headers=headers)
                    status: int | str = response.status_code
                    empty = not response.content
                except httpx.HTTPError as exc:
                    status, empty = type(exc).__name__, True
                checks.append({"signed": expected == 200, "expected": expected, "status": status, "empty_body": empty})
        self.status = "OK" if all(c["status"] == c["expected"] for c in checks) else "FAILED"
        return {"status": self.status, "checks": checks}

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return self.outbox.deliveries

    def flush(self, timeout: float = 10.0) -> bool:
        return self.outbox.flush(timeout)

    def close(self) -> None:
        self.outbox.close()
