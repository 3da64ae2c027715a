"""Webhooks: registration under /settings/webhooks, and signed deliveries for creates, updates and deletes."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho

SECRET = "s3cretWebhookKey42"


def _signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


class _Inbox:
    """Captures deliveries made through an in-process transport."""

    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[httpx.Request] = []
        self._fail = fail_first

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._fail:
            self._fail -= 1
            return httpx.Response(500)
        return httpx.Response(200)


async def _register(zoho: Zoho, entity: str, **extra: Any) -> dict[str, Any]:
    body = {
        "webhook_name": f"{entity} hook",
        "url": "http://receiver.test/hook",
        "entity": entity,
        "secret": SECRET,
        **extra,
    }
    response = await zoho.call("POST", "/settings/webhooks", json=body)
    assert response.status_code == 201, response.json()
    webhook: dict[str, Any] = response.json()["webhook"]
    return webhook


@pytest.mark.anyio
async def test_invoice_events_are_signed_and_named(zoho: Zoho) -> None:
    inbox = _Inbox()
    zoho.emu.webhooks.transport = httpx.MockTransport(inbox)
    webhook = await _register(zoho, "invoice")
    assert "secret" not in webhook and webhook["has_secret"] is True
    customer = zoho.emu.records(zoho.org, "contacts")[0]
    customer_id = next(
        c["contact_id"] for c in zoho.emu.records(zoho.org, "contacts") if c["contact_type"] == "customer"
    )
    created = await zoho.ok("POST", "/invoices", json={"customer_id": customer_id, "line_items": [{"rate": 5}]})
    invoice_id = created["invoice"]["invoice_id"]
    await zoho.ok("PUT", f"/invoices/{invoice_id}", json={"reference_number": "HOOKED"})
    await zoho.ok("DELETE", f"/invoices/{invoice_id}")
    await zoho.ok("PUT", f"/contacts/{customer['contact_id']}", json={"notes": "not an invoice"})
    assert zoho.emu.webhooks.flush(timeout=10)
    assert [r.headers["X-Zoho-Event"] for r in inbox.requests] == [
        "invoice.created",
        "invoice.updated",
        "invoice.deleted",
    ]
    for request in inbox.requests:
        assert request.headers["X-Zoho-Webhook-Signature"] == _signature(request.content)
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Zoho-Delivery-Id"]
        assert json.loads(request.content)["invoice"]["invoice_id"] == invoice_id
    assert json.loads(inbox.requests[1].content)["invoice"]["reference_number"] == "HOOKED"
    assert zoho.emu.stats()["webhooks"] == {"queued": 3, "delivered": 3, "failed": 0, "attempts": 3}


@pytest.mark.anyio
async def test_failed_delivery_is_retried(zoho: Zoho) -> None:
    inbox = _Inbox(fail_first=1)
    zoho.emu.webhooks.transport = httpx.MockTransport(inbox)
    await _register(zoho, "contact", events=["created"])
    await zoho.ok("POST", "/contacts", json={"contact_name": "Retried"})
    assert zoho.emu.webhooks.flush(timeout=10)
    assert len(inbox.requests) == 2
    assert inbox.requests[0].content == inbox.requests[1].content
    assert zoho.emu.webhooks.deliveries[-1]["delivered"] is True
    assert zoho.emu.webhooks.deliveries[-1]["attempts"] == 2


@pytest.mark.anyio
async def test_registry_validation_and_crud(zoho: Zoho) -> None:
    bad_secret = await zoho.call(
        "POST", "/settings/webhooks", json={"url": "http://x.test", "entity": "bill", "secret": "short"}
    )
    assert "secret" in bad_secret.json()["message"]
    no_entity = await zoho.call("POST", "/settings/webhooks", json={"url": "http://x.test"})
    assert "entity" in no_entity.json()["message"]
    bad_url = await zoho.call("POST", "/settings/webhooks", json={"url": "ftp://x", "entity": "bill"})
    assert "url" in bad_url.json()["message"]
    webhook = await _register(zoho, "bill")
    listed = (await zoho.ok("GET", "/settings/webhooks"))["webhooks"]
    assert [w["webhook_id"] for w in listed] == [webhook["webhook_id"]]
    updated = await zoho.ok("PUT", f"/settings/webhooks/{webhook['webhook_id']}", json={"events": ["deleted"]})
    assert updated["webhook"]["events"] == ["deleted"]
    await zoho.ok("DELETE", f"/settings/webhooks/{webhook['webhook_id']}")
    assert (await zoho.call("GET", f"/settings/webhooks/{webhook['webhook_id']}")).status_code == 404


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/zoho", _Receiver.received
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_real_receiver_gets_a_valid_signature(receiver: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, received = receiver
    emu = ZohoBooksEmulator(contacts=5, invoices=0, bills=0, expenses=0)
    with emu.serve() as running, httpx.Client(base_url=running.base_url) as http:
        token = http.post(
            "/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": emu.refresh_token,
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        params = {"organization_id": emu.organization_id}
        hook = {"url": url, "entity": "contact", "secret": SECRET, "events": ["created"]}
        assert http.post("/books/v3/settings/webhooks", params=params, headers=headers, json=hook).status_code == 201
        created = http.post(
            "/books/v3/contacts", params=params, headers=headers, json={"contact_name": "Über Receiver"}
        )
        assert created.status_code == 201
        assert emu.webhooks.flush(timeout=10)
    assert len(received) == 1
    headers_seen, body = received[0]
    lowered = {k.lower(): v for k, v in headers_seen.items()}
    assert lowered["x-zoho-webhook-signature"] == _signature(body)
    assert lowered["x-zoho-event"] == "contact.created"
    assert json.loads(body)["contact"]["contact_name"] == "Über Receiver"
