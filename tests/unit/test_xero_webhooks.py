"""The Xero webhook receiver on its own: signatures, the handshake, events turned into unified events by fetching
the record (with httpx.MockTransport standing in for Xero), skipped categories and tenants, and redeliveries."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from connectors.xero.webhooks import XeroWebhookReceiver
from schemas import Bill, Contact
from tests.unit.test_xero_http import CONTACT_ID, INVOICE_ID, connector, reply
from unified.webhooks import WebhookRejected, WebhookSignatureError

KEY = "webhook-key-of-the-app-0123456789"


def sign(body: bytes, key: str = KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def delivery(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {"events": list(events), "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "S0m3r4Nd0mt3xt"}
    ).encode()


def event(tenant: str, category: str = "INVOICE", kind: str = "CREATE", resource: str = INVOICE_ID) -> dict[str, Any]:
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource}",
        "resourceId": resource,
        "eventDateUtc": "2024-06-21T01:15:39.902",
        "eventType": kind,
        "eventCategory": category,
        "tenantId": tenant,
        "tenantType": "ORGANISATION",
    }


class Xero:
    """Answers the receiver's fetches; counts them."""

    def __init__(self, invoice: dict[str, Any]) -> None:
        self.invoice = invoice
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if "/Contacts/" in request.url.path:
            return reply(body={"Contacts": [{"ContactID": CONTACT_ID, "Name": "Acme", "IsCustomer": True}]})
        if request.url.path.endswith("/TaxRates"):
            return reply(body={"TaxRates": []})
        return reply(body={"Invoices": [self.invoice]})


def receiver_for(invoice: dict[str, Any]) -> tuple[XeroWebhookReceiver, Xero, str]:
    xero = Xero(invoice)
    tenant_connector = connector(xero)
    return XeroWebhookReceiver(KEY, tenant_connector, connection="acme"), xero, tenant_connector.tenant_id


def test_a_bad_or_missing_signature_is_refused_with_401() -> None:
    receiver, xero, tenant = receiver_for({"InvoiceID": INVOICE_ID, "Type": "ACCREC"})
    body = delivery(event(tenant))
    for headers in ({"x-xero-signature": sign(body, "another-key")}, {}, {"x-xero-signature": "ÿ-not-ascii"}):
        with pytest.raises(WebhookSignatureError) as info:
            asyncio.run(receiver.handle(body, headers))
        assert info.value.status_code == 401
    assert xero.calls == []


def test_the_handshake_has_no_events_and_fetches_nothing() -> None:
    receiver, xero, _ = receiver_for({})
    body = delivery()
    assert asyncio.run(receiver.handle(body, {"X-Xero-Signature": sign(body)})) == []
    assert xero.calls == []


def test_an_invoice_event_is_fetched_and_typed_by_xero_s_type_and_status() -> None:
    invoice = {"InvoiceID": INVOICE_ID, "Type": "ACCPAY", "Status": "AUTHORISED", "InvoiceNumber": "B-1"}
    receiver, _, tenant = receiver_for(invoice)
    body = delivery(event(tenant, kind="UPDATE"))
    (bill,) = asyncio.run(receiver.handle(body, {"x-xero-signature": sign(body)}))
    assert (bill.type, bill.entity_id, bill.connection) == ("accounting.bill.updated", INVOICE_ID, "acme")
    assert isinstance(bill.data, Bill) and bill.raw == invoice and bill.data.bill_number == "B-1"
    voided, _, tenant = receiver_for({**invoice, "Type": "ACCREC", "Status": "VOIDED"})
    body = delivery(event(tenant, kind="UPDATE"))
    (gone,) = asyncio.run(voided.handle(body, {"x-xero-signature": sign(body)}))
    assert gone.type == "accounting.invoice.deleted"


def test_a_contact_event_is_typed_by_its_roles() -> None:
    receiver, _, tenant = receiver_for({})
    body = delivery(event(tenant, category="CONTACT", resource=CONTACT_ID))
    (created,) = asyncio.run(receiver.handle(body, {"x-xero-signature": sign(body)}))
    assert isinstance(created.data, Contact) and created.data.display_name == "Acme"
    assert created.type == "accounting.customer.created"


def test_other_categories_and_tenants_are_skipped_and_a_redelivery_gives_nothing() -> None:
    receiver, xero, tenant = receiver_for({"InvoiceID": INVOICE_ID, "Type": "ACCREC", "Status": "DRAFT"})
    body = delivery(
        event(tenant, category="CREDITNOTE"),
        event("99999999-9999-4999-8999-999999999999"),
        event(tenant),
    )
    headers = {"x-xero-signature": sign(body)}
    assert [e.type for e in asyncio.run(receiver.handle(body, headers))] == ["accounting.invoice.created"]
    assert asyncio.run(receiver.handle(body, headers)) == []
    assert sum(1 for r in xero.calls if "/Invoices/" in r.url.path) == 1


def test_a_body_that_is_not_a_payload_is_refused() -> None:
    receiver, _, _ = receiver_for({})
    for body in (b"not json", b"[1, 2]", b'{"events": "x"}'):
        with pytest.raises(WebhookRejected) as info:
            asyncio.run(receiver.handle(body, {"x-xero-signature": sign(body)}))
        assert info.value.status_code == 400


def test_the_asgi_app_answers_at_once_with_an_empty_body_and_hands_out_events_after() -> None:
    invoice = {"InvoiceID": INVOICE_ID, "Type": "ACCREC", "Status": "DRAFT"}
    receiver, _, tenant = receiver_for(invoice)
    handed: list[str] = []
    app = receiver.asgi_app(lambda e: handed.append(e.type))

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hooks") as client:
            good = delivery(event(tenant))
            handshake = delivery()
            return [
                await client.post("/xero", content=good, headers={"x-xero-signature": sign(good)}),
                await client.post("/xero", content=handshake, headers={"x-xero-signature": sign(handshake)}),
                await client.post("/xero", content=handshake, headers={"x-xero-signature": sign(b"other")}),
            ]

    delivered, shaken, refused = asyncio.run(main())
    assert (delivered.status_code, shaken.status_code, refused.status_code) == (200, 200, 401)
    assert delivered.content == shaken.content == refused.content == b""
    assert handed == ["accounting.invoice.created"]


def test_a_receiver_needs_a_key() -> None:
    with pytest.raises(Exception, match="key"):
        XeroWebhookReceiver("", connector(Xero({})))
