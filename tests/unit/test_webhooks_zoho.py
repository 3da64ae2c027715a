"""Zoho Books inbound webhooks: signatures, payloads of each module, event kinds, dedupe, the ASGI app, and the
checks registration makes before any call. Payloads are Zoho's documented samples (shared/reference)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books import _mapping as mapping
from connectors.zoho_books.webhooks import ZohoWebhookReceiver, register_webhook
from schemas import Bill, Contact, Expense, Invoice
from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.events import Event
from unified.webhooks import (
    MemoryDedupe,
    SQLiteDedupe,
    WebhookEntityError,
    WebhookRejected,
    WebhookSignatureError,
)

SAMPLES = Path("/work/shared/reference/zoho_samples")
LOCAL = Path(__file__).resolve().parents[1] / "fixtures" / "zoho"
SECRET = "s3cretWebhookKey42"


def sample(name: str) -> dict[str, Any]:
    for folder in (SAMPLES, LOCAL):
        if (folder / f"{name}.json").exists():
            data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text())
            return data
    pytest.skip(f"the Zoho sample {name}.json is not on this machine")


def delivery(module: str, record: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({module: record, **extra}).encode()


def signed(body: bytes, secret: str = SECRET, **headers: str) -> dict[str, str]:
    return {"X-Zoho-Webhook-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), **headers}


@pytest.fixture
def receiver() -> ZohoWebhookReceiver:
    return ZohoWebhookReceiver(SECRET, connection="acme")


# ----- payloads of each module -----


@pytest.mark.parametrize(
    ("name", "module", "model", "event_type"),
    [
        ("invoice_get", "invoice", Invoice, "accounting.invoice"),
        ("contact_get", "contact", Contact, "accounting.customer"),
        ("bill_get", "bill", Bill, "accounting.bill"),
        ("expense_get", "expense", Expense, "accounting.expense"),
    ],
)
def test_each_default_payload_becomes_one_unified_event(
    receiver: ZohoWebhookReceiver, name: str, module: str, model: type[Any], event_type: str
) -> None:
    record = sample(name)[module]
    body = delivery(module, record)
    [event] = receiver.handle(body, signed(body))
    assert isinstance(event, Event) and isinstance(event.data, model)
    assert event.type.startswith(event_type + ".")
    assert event.entity_id == str(record[f"{module}_id"]) == event.data.id
    assert event.raw == record and event.connection == "acme"
    assert event.id.startswith("zoho_")
    json.dumps(event.to_dict())  # JSON-ready


def test_a_vendor_is_a_supplier_event(receiver: ZohoWebhookReceiver) -> None:
    record = {**sample("contact_get")["contact"], "contact_type": "vendor"}
    body = delivery("contact", record)
    [event] = receiver.handle(body, signed(body, **{"X-Zoho-Event": "contact.updated"}))
    assert event.type == "accounting.supplier.updated"
    assert isinstance(event.data, Contact) and event.data.is_supplier


# ----- the kind of change -----


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("invoice.created", "created"),
        ("invoice.updated", "updated"),
        ("invoice.deleted", "deleted"),
        ("edit", "updated"),
    ],
)
def test_the_event_header_names_the_change(receiver: ZohoWebhookReceiver, header: str, kind: str) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    [event] = receiver.handle(body, signed(body, **{"x-zoho-event": header}))
    assert event.type == f"accounting.invoice.{kind}"


def test_a_workflow_field_in_the_body_names_the_change(receiver: ZohoWebhookReceiver) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"], event_type="deleted")
    [event] = receiver.handle(body, signed(body))
    assert event.type == "accounting.invoice.deleted"


def test_without_a_name_the_timestamps_decide_then_the_receiver_s_memory(receiver: ZohoWebhookReceiver) -> None:
    bill = sample("bill_get")["bill"]  # created_time == last_modified_time
    body = delivery("bill", bill)
    assert [e.kind for e in receiver.handle(body, signed(body))] == ["created"]
    edited = {**bill, "last_modified_time": "2013-09-12T10:00:00+0530"}
    body = delivery("bill", edited)
    assert [e.kind for e in receiver.handle(body, signed(body))] == ["updated"]

    expense = sample("expense_get")["expense"]  # no timestamps: first seen is created, then updated
    first = delivery("expense", expense)
    second = delivery("expense", {**expense, "description": "changed"})
    assert [e.kind for e in receiver.handle(first, signed(first))] == ["created"]
    assert [e.kind for e in receiver.handle(second, signed(second))] == ["updated"]


# ----- signatures -----


def test_a_tampered_body_or_a_wrong_signature_is_401_and_no_event(receiver: ZohoWebhookReceiver) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    headers = signed(body)
    tampered = body.replace(b'"total": 10000', b'"total": 1')
    assert tampered != body
    for bad_body, bad_headers in [
        (tampered, headers),
        (body, signed(body, secret="anotherSecret12")),
        (body, {}),
        (body, {"X-Zoho-Webhook-Signature": ""}),
    ]:
        with pytest.raises(WebhookSignatureError) as caught:
            receiver.handle(bad_body, bad_headers)
        assert caught.value.status_code == 401 and SECRET not in str(caught.value)
    assert [e.kind for e in receiver.handle(body, headers)] == ["updated"]  # nothing was remembered


def test_base64_and_zoho_billing_s_query_prefixed_signatures_are_accepted(receiver: ZohoWebhookReceiver) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    assert receiver.handle(body, {"X-Zoho-Webhook-Signature": base64.b64encode(digest).decode()})
    query = {"subscription_id": "90343", "name": "basic"}
    other = body.replace(b"}", b" }", 1)
    billing = hmac.new(SECRET.encode(), b"namebasicsubscription_id90343" + other, hashlib.sha256).hexdigest()
    assert receiver.handle(other, {"X-Zoho-Webhook-Signature": billing}, query=query)
    with pytest.raises(WebhookSignatureError):
        receiver.handle(other, {"X-Zoho-Webhook-Signature": billing})  # the query is part of what was signed


@pytest.mark.parametrize("junk", ["é" * 64, "ü", "\u0663" * 64, "\x00", "=" * 44])
def test_a_non_ascii_or_junk_signature_is_a_401_not_a_crash(receiver: ZohoWebhookReceiver, junk: str) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    with pytest.raises(WebhookSignatureError) as caught:
        receiver.handle(body, {"X-Zoho-Webhook-Signature": junk})
    assert caught.value.status_code == 401 and "Zoho Books" in caught.value.message


@pytest.mark.anyio
async def test_the_asgi_app_answers_a_non_ascii_signature_with_401() -> None:
    seen: list[Event] = []
    app = ZohoWebhookReceiver(SECRET, connection="acme").asgi_app(seen.append)
    body = delivery("invoice", sample("invoice_get")["invoice"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        answer = await client.post(
            "/zoho/hooks", content=body, headers=[(b"X-Zoho-Webhook-Signature", "é".encode("latin-1") * 64)]
        )
    assert answer.status_code == 401 and answer.json()["error"] == "WebhookSignatureError" and not seen


def test_without_a_secret_unsigned_deliveries_are_accepted() -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    assert len(ZohoWebhookReceiver(connection="dev").handle(body, {})) == 1


# ----- bodies that are refused -----


@pytest.mark.parametrize(
    ("body", "error", "status", "message"),
    [
        (b"invoice_id=1&total=5", WebhookRejected, 400, "not JSON"),
        (b"\xff\xfe", WebhookRejected, 400, "not JSON"),
        (b'[{"invoice": {}}]', WebhookRejected, 400, "JSON list, not an object"),
        (b'{"item": {"item_id": "1"}}', WebhookEntityError, 422, r"found: item.*contact, invoice, bill, expense"),
        (b'{"invoice": {"total": 5}}', WebhookEntityError, 422, "has no invoice_id"),
        (b'{"invoice": {"invoice_id": {"id": 1}}}', WebhookEntityError, 422, "has no invoice_id"),
    ],
)
def test_bodies_that_are_not_a_known_module_s_record_are_refused(
    receiver: ZohoWebhookReceiver, body: bytes, error: type[WebhookRejected], status: int, message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        receiver.handle(body, signed(body))
    assert type(caught.value) is error and caught.value.status_code == status


def test_a_record_the_mapping_cannot_represent_is_422(
    receiver: ZohoWebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(payload: Any, *, raw: bool = False) -> Any:
        raise ConnectorExecutionError("Zoho Books sent a Invoice this library cannot represent: total: not a number")

    monkeypatch.setitem(mapping.READERS, "invoices", unreadable)
    body = delivery("invoice", {"invoice_id": "1"})
    with pytest.raises(WebhookEntityError, match=r"cannot be read: .*total: not a number") as caught:
        receiver.handle(body, signed(body))
    assert caught.value.status_code == 422


def test_an_oversized_body_is_refused_before_it_is_read() -> None:
    receiver = ZohoWebhookReceiver(connection="acme", max_body=100)
    with pytest.raises(WebhookRejected, match="more than the 100"):
        receiver.handle(b"{" + b" " * 200 + b"}", {})


# ----- redelivery -----


def test_the_same_delivery_twice_gives_one_event_by_delivery_id_or_by_content(receiver: ZohoWebhookReceiver) -> None:
    invoice = sample("invoice_get")["invoice"]
    body = delivery("invoice", invoice)
    with_id = signed(body, **{"X-Zoho-Delivery-Id": "d-1", "X-Zoho-Event": "invoice.updated"})
    [first] = receiver.handle(body, with_id)
    assert receiver.handle(body, with_id) == []
    [other] = receiver.handle(body, {**with_id, "X-Zoho-Delivery-Id": "d-2"})  # another delivery of Zoho's
    assert other.id != first.id

    fresh = ZohoWebhookReceiver(SECRET, connection="acme")
    assert len(fresh.handle(body, signed(body))) == 1
    assert fresh.handle(body, signed(body)) == []
    changed = delivery("invoice", {**invoice, "last_modified_time": "2013-11-19T09:00:00-0800"})
    assert len(fresh.handle(changed, signed(changed))) == 1


def test_forget_lets_a_redelivery_through_after_processing_failed(receiver: ZohoWebhookReceiver) -> None:
    body = delivery("invoice", sample("invoice_get")["invoice"])
    events = receiver.handle(body, signed(body))
    assert receiver.handle(body, signed(body)) == []
    receiver.forget(events)
    assert [e.id for e in receiver.handle(body, signed(body))] == [e.id for e in events]


def test_dedupe_memories_are_bounded_and_sqlite_survives_a_restart(tmp_path: Path) -> None:
    memory = MemoryDedupe(maxsize=2)
    assert memory.add("a") and memory.add("b") and not memory.add("a")
    assert memory.add("c")  # evicts b, the least recently seen
    assert memory.add("b") and len(memory) == 2
    memory.discard("b")
    assert memory.add("b")
    with pytest.raises(RequestValidationError, match="maxsize"):
        MemoryDedupe(maxsize=0)

    path = tmp_path / "seen.db"
    first = SQLiteDedupe(path)
    assert first.add("zoho_1") and not first.add("zoho_1")
    first.close()
    again = SQLiteDedupe(path)
    body = delivery("invoice", sample("invoice_get")["invoice"])
    receiver = ZohoWebhookReceiver(SECRET, connection="acme", dedupe=again)
    assert not again.add("zoho_1") and len(receiver.handle(body, signed(body))) == 1
    restarted = ZohoWebhookReceiver(SECRET, connection="acme", dedupe=SQLiteDedupe(path))
    assert restarted.handle(body, signed(body)) == []

    bounded = SQLiteDedupe(tmp_path / "bounded.db", maxsize=10)
    assert all(bounded.add(f"k{n}") for n in range(1000))  # trimmed every 1000 adds, oldest first
    assert len(bounded) == 10 and bounded.add("k0") and not bounded.add("k999")


def test_the_receiver_s_repr_and_errors_keep_the_secret_out() -> None:
    receiver = ZohoWebhookReceiver(SECRET, connection="acme")
    assert SECRET not in repr(receiver) and "signed" in repr(receiver)
    with pytest.raises(RequestValidationError, match="secret is empty"):
        ZohoWebhookReceiver("")
    with pytest.raises(RequestValidationError, match="dedupe must have"):
        ZohoWebhookReceiver(dedupe=object())  # type: ignore[arg-type]


# ----- the ASGI app -----


async def _post(app: Any, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        return await client.post("/zoho/hooks", content=body, headers=headers)


@pytest.mark.anyio
async def test_the_asgi_app_answers_2xx_after_on_event_and_4xx_for_refusals() -> None:
    receiver = ZohoWebhookReceiver(SECRET, connection="acme")
    seen: list[Event] = []
    app = receiver.asgi_app(seen.append)
    body = delivery("invoice", sample("invoice_get")["invoice"])
    ok = await _post(app, body, signed(body))
    assert ok.status_code == 200 and ok.json()["received"] == 1 and len(seen) == 1
    again = await _post(app, body, signed(body))
    assert again.status_code == 200 and again.json()["received"] == 0 and len(seen) == 1
    bad = await _post(app, body + b" ", signed(body))
    assert bad.status_code == 401 and bad.json()["error"] == "WebhookSignatureError" and len(seen) == 1
    unknown = b'{"item": {"item_id": "1"}}'
    assert (await _post(app, unknown, signed(unknown))).status_code == 422
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        assert (await client.get("/zoho/hooks")).status_code == 405


@pytest.mark.anyio
async def test_a_failing_handler_gives_500_and_zoho_s_retry_is_not_dropped() -> None:
    receiver = ZohoWebhookReceiver(SECRET, connection="acme")
    calls: list[str] = []

    async def flaky(event: Event) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("database down")

    app = receiver.asgi_app(flaky)
    body = delivery("invoice", sample("invoice_get")["invoice"])
    assert (await _post(app, body, signed(body))).status_code == 500
    retry = await _post(app, body, signed(body))
    assert retry.status_code == 200 and retry.json()["received"] == 1
    assert calls[0] == calls[1]


# ----- registration: refused before any call -----


@pytest.fixture
def offline() -> ZohoBooksConnector:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no call expected, got {request.method} {request.url}")

    return ZohoBooksConnector(
        client_id="1000.X",
        client_secret="client-secret",
        refresh_token="1000.refresh",
        organization_id="1",
        api_url="http://zoho.test/books/v3",
        accounts_url="http://zoho.test",
        transport=httpx.MockTransport(refuse),
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"entity": "item"}, "entity", "choose one of: contact, invoice, bill, expense"),
        ({"events": ["voided"]}, "events", "use any of: created, updated, deleted"),
        ({"events": []}, "events", "at least one"),
        ({"secret": "short"}, "secret", "12 to 50 letters and digits"),
        ({"secret": "has-a-dash-in-it"}, "secret", "12 to 50 letters and digits"),
        ({"url": "/relative/hook"}, "url", "absolute http"),
    ],
)
async def test_registration_refuses_bad_settings_before_any_call(
    offline: ZohoBooksConnector, kwargs: dict[str, Any], field: str, message: str
) -> None:
    settings: dict[str, Any] = {"url": "https://hooks.example.com/zoho", "secret": SECRET, "entity": "invoice"}
    settings.update(kwargs)
    with pytest.raises(RequestValidationError, match=message) as caught:
        await register_webhook(offline, **settings)
    assert caught.value.field == field and SECRET not in str(caught.value)
    await offline.aclose()
