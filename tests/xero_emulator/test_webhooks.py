"""Webhooks as Xero sends them: signed x-xero-signature, the intent-to-receive handshake, events that name
the changed record without carrying it, rising sequence numbers, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator, sign_webhook

from .conftest import Xero, invoice

pytestmark = pytest.mark.anyio
HOOK = "https://app.example/xero/webhooks"


class Receiver:
    """A webhook endpoint as Xero's guide asks for: 200 for a good signature, 401 otherwise."""

    def __init__(self, key: str, fail_first: int = 0, check: bool = True) -> None:
        self.key = key
        self.bodies: list[dict[str, object]] = []
        self.fail_first = fail_first
        self.check = check
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.fail_first:
            return httpx.Response(500)
        expected = base64.b64encode(hmac.new(self.key.encode(), request.content, hashlib.sha256).digest()).decode()
        if self.check and request.headers.get("x-xero-signature") != expected:
            return httpx.Response(401)
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200)


def _subscribe(emu: XeroEmulator, receiver: Receiver) -> None:
    emu.webhooks.transport = httpx.MockTransport(receiver)
    emu.webhooks.subscribe(HOOK, receiver.key)


def test_the_signature_is_base64_hmac_sha256_of_the_body() -> None:
    body = b'{"events":[]}'
    digest = hmac.new(b"secret-key", body, hashlib.sha256).digest()
    assert sign_webhook(body, "secret-key") == base64.b64encode(digest).decode()


async def test_changes_are_announced_by_reference(emu: XeroEmulator, xero: Xero) -> None:
    receiver = Receiver("k3y-for-tests")
    _subscribe(emu, receiver)
    contact = emu.records("Contacts")[0]["ContactID"]
    created = await xero.ok("PUT", "/Invoices", json={"Invoices": [invoice(contact)]})
    invoice_id = created["Invoices"][0]["InvoiceID"]
    await xero.ok("POST", f"/Contacts/{contact}", json={"Contacts": [{"EmailAddress": "new@example.com"}]})
    assert emu.webhooks.flush(timeout=60)
    assert len(receiver.bodies) == 2
    first, second = receiver.bodies
    event = first["events"][0]  # type: ignore[index]
    assert set(event) == {
        "resourceUrl",
        "resourceId",
        "eventDateUtc",
        "eventType",
        "eventCategory",
        "tenantId",
        "tenantType",
    }
    assert event["resourceId"] == invoice_id and event["eventCategory"] == "INVOICE"
    assert event["eventType"] == "CREATE" and event["tenantId"] == emu.tenant_id
    assert event["resourceUrl"].endswith(f"/api.xro/2.0/Invoices/{invoice_id}")
    assert first["firstEventSequence"] == 1 and first["lastEventSequence"] == 1 and first["entropy"]
    assert second["firstEventSequence"] == 2
    assert second["events"][0]["eventCategory"] == "CONTACT"  # type: ignore[index]
    assert second["events"][0]["eventType"] == "UPDATE"  # type: ignore[index]


async def test_credit_note_events_carry_type_and_status(emu: XeroEmulator, xero: Xero) -> None:
    receiver = Receiver("another-key")
    _subscribe(emu, receiver)
    contact = emu.records("Contacts")[0]["ContactID"]
    note = invoice(contact, Type="ACCRECCREDIT")
    await xero.ok("PUT", "/CreditNotes", json={"CreditNotes": [note]})
    assert emu.webhooks.flush(timeout=60)
    assert receiver.bodies[0]["events"][0]["data"] == {"Type": "ACCRECCREDIT", "Status": "DRAFT"}  # type: ignore[index]


async def test_failed_deliveries_are_tried_again(emu: XeroEmulator, xero: Xero) -> None:
    receiver = Receiver("retry-key", fail_first=1)
    _subscribe(emu, receiver)
    emu.webhooks.outbox.retry_delay = 0
    contact = emu.records("Contacts")[0]["ContactID"]
    await xero.ok("POST", f"/Contacts/{contact}", json={"Contacts": [{"FirstName": "Ana"}]})
    assert emu.webhooks.flush(timeout=60)
    assert receiver.calls == 2 and len(receiver.bodies) == 1
    assert emu.webhooks.deliveries[-1]["attempts"] == 2 and emu.webhooks.deliveries[-1]["status"] == 200


def test_intent_to_receive_passes_only_a_verifying_endpoint(emu: XeroEmulator) -> None:
    good = Receiver("intent-key")
    _subscribe(emu, good)
    result = emu.webhooks.intent_to_receive()
    assert result["status"] == "OK"
    assert [c["status"] for c in result["checks"]] == [200, 401]
    assert good.bodies[0]["events"] == [] and good.bodies[0]["firstEventSequence"] == 0
    careless = Receiver("intent-key", check=False)
    _subscribe(emu, careless)
    assert emu.webhooks.intent_to_receive()["status"] == "FAILED"


async def test_webhook_controls(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    receiver = Receiver("control-key")
    emu.webhooks.transport = httpx.MockTransport(receiver)
    subscribed = await http.post("/__emulator/webhooks", json={"url": HOOK, "key": "control-key"})
    assert subscribed.json()["url"] == HOOK
    intent = await http.post("/__emulator/webhooks/intent")
    assert intent.json()["status"] == "OK"
    assert (await http.get("/__emulator/webhooks")).json()["status"] == "OK"
    assert (await http.post("/__emulator/webhooks", json={"url": "ftp://nope"})).status_code == 400
    assert (await http.delete("/__emulator/webhooks")).json()["url"] is None
