"""QuickBooks' native webhooks: signatures, both shapes, realms, redeliveries, and each change as a unified event."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from connectors.quickbooks import QuickBooksConnector
from connectors.quickbooks.webhooks import QuickBooksWebhookReceiver
from schemas import Contact, Invoice
from unified.events import Event
from unified.webhooks import WebhookEntityError, WebhookRejected, WebhookSignatureError

REALM = "9130000000000001"
TOKEN = "verifier-token-1"


def api(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/oauth2/v1/tokens/bearer"):
        return httpx.Response(200, json={"access_token": "a", "refresh_token": "r2", "expires_in": 3600})
    if request.url.path.endswith("/query"):
        return httpx.Response(200, json={"QueryResponse": {}})
    if request.url.path.endswith("/customer/5"):
        return httpx.Response(200, json={"Customer": {"Id": "5", "DisplayName": "Acme", "Active": True}})
    if request.url.path.endswith("/customer/6"):  # made inactive: QuickBooks' delete of a customer
        return httpx.Response(200, json={"Customer": {"Id": "6", "DisplayName": "Gone", "Active": False}})
    if request.url.path.endswith("/invoice/42"):
        return httpx.Response(200, json={"Invoice": {"Id": "42", "DocNumber": "1042", "TotalAmt": 10}})
    return httpx.Response(400, json={"Fault": {"Error": [{"Message": "Object Not Found", "code": "610"}]}})


def receiver(**options: Any) -> QuickBooksWebhookReceiver:
    connector = QuickBooksConnector(
        client_id="c",
        client_secret="s",
        refresh_token="r",
        realm_id=REALM,
        api_url="https://qbo.test",
        oauth_url="https://oauth.test",
        transport=httpx.MockTransport(api),
    )
    return QuickBooksWebhookReceiver(connector, TOKEN, connection="acme", **options)


def sign(body: bytes) -> dict[str, str]:
    return {"intuit-signature": base64.b64encode(hmac.new(TOKEN.encode(), body, hashlib.sha256).digest()).decode()}


def legacy(*entities: dict[str, Any], realm: str = REALM) -> bytes:
    return json.dumps(
        {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}]}
    ).encode()


def handle(
    body: bytes, headers: dict[str, str] | None = None, target: QuickBooksWebhookReceiver | None = None
) -> list[Event]:
    return asyncio.run((target or receiver()).handle(body, sign(body) if headers is None else headers))


def test_legacy_notifications_become_events_with_the_record_fetched() -> None:
    body = legacy(
        {"name": "Customer", "id": "5", "operation": "Create", "lastUpdated": "2024-05-01T10:00:00.000Z"},
        {"name": "Invoice", "id": "42", "operation": "Update", "lastUpdated": "2024-05-01T10:00:01.000Z"},
        {"name": "Invoice", "id": "43", "operation": "Delete", "lastUpdated": "2024-05-01T10:00:02.000Z"},
        {"name": "Payment", "id": "9", "operation": "Create", "lastUpdated": "2024-05-01T10:00:03.000Z"},
    )
    events = handle(body)
    assert [(e.type, e.entity_id) for e in events] == [
        ("accounting.customer.created", "customer-5"),
        ("accounting.invoice.updated", "42"),
        ("accounting.invoice.deleted", "43"),
    ]
    assert isinstance(events[0].data, Contact) and events[0].data.display_name == "Acme"
    assert isinstance(events[1].data, Invoice) and events[1].data.number == "1042" and events[1].raw is not None
    assert all(e.connection == "acme" for e in events)


def test_a_merge_updates_the_survivor_and_deletes_the_merged_one_and_an_inactive_fetch_is_a_deletion() -> None:
    body = legacy(
        {"name": "Customer", "id": "5", "operation": "Merge", "deletedId": "8", "lastUpdated": "2024-05-01T10:00:00Z"},
        {"name": "Customer", "id": "6", "operation": "Update", "lastUpdated": "2024-05-01T10:00:00Z"},
    )
    assert [(e.type, e.entity_id) for e in handle(body)] == [
        ("accounting.customer.updated", "customer-5"),
        ("accounting.customer.deleted", "customer-8"),
        ("accounting.customer.deleted", "customer-6"),
    ]


def test_cloud_events_are_read_and_a_carried_record_is_not_fetched() -> None:
    body = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "evt-1",
                "type": "qbo.invoice.created.v1",
                "time": "2024-05-01T10:00:00Z",
                "intuitentityid": "77",
                "intuitaccountid": REALM,
                "data": {"Invoice": {"Id": "77", "DocNumber": "1077", "TotalAmt": 5}},
            },
            {
                "specversion": "1.0",
                "id": "evt-2",
                "type": "qbo.vendor.deleted.v1",
                "intuitentityid": "3",
                "intuitaccountid": REALM,
                "data": {},
            },
        ]
    ).encode()
    events = handle(body)
    assert [(e.type, e.entity_id) for e in events] == [
        ("accounting.invoice.created", "77"),
        ("accounting.supplier.deleted", "vendor-3"),
    ]
    assert isinstance(events[0].data, Invoice) and events[0].data.number == "1077"


def test_a_redelivery_gives_no_second_event_and_other_companies_are_skipped() -> None:
    target = receiver()
    body = legacy({"name": "Invoice", "id": "42", "operation": "Update", "lastUpdated": "2024-05-01T10:00:01Z"})
    assert len(handle(body, target=target)) == 1
    assert handle(body, target=target) == []
    other = legacy({"name": "Invoice", "id": "42", "operation": "Update", "lastUpdated": "x"}, realm="123")
    assert handle(other, target=target) == []


@pytest.mark.parametrize(
    ("body", "headers", "error"),
    [
        (b"{}", {}, WebhookSignatureError),
        (b"{}", {"intuit-signature": "bm9wZQ=="}, WebhookSignatureError),
        (b"{}", {"intuit-signature": "ünïcode"}, WebhookSignatureError),
        (b"not json", None, WebhookRejected),
        (b'{"something": "else"}', None, WebhookEntityError),
    ],
)
def test_refused_deliveries(body: bytes, headers: dict[str, str] | None, error: type[WebhookRejected]) -> None:
    with pytest.raises(error):
        handle(body, headers)


def test_the_asgi_app_answers_200_401_and_500_and_lets_a_failed_delivery_through_again() -> None:
    seen: list[Event] = []
    failing = {"on": True}

    def on_event(event: Event) -> None:
        if failing["on"]:
            raise RuntimeError("downstream is down")
        seen.append(event)

    target = receiver()
    body = legacy({"name": "Invoice", "id": "42", "operation": "Update", "lastUpdated": "2024-05-01T10:00:01Z"})

    async def deliver(headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=target.asgi_app(on_event))
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            return await client.post("/qbo", content=body, headers=headers)

    assert asyncio.run(deliver({"intuit-signature": "bad"})).status_code == 401
    assert asyncio.run(deliver(sign(body))).status_code == 500
    failing["on"] = False
    answer = asyncio.run(deliver(sign(body)))
    assert answer.status_code == 200 and answer.json()["received"] == 1 and len(seen) == 1
