"""The Xero connector's HTTP side with httpx.MockTransport: the tenant header, write safety, Xero's error shapes,
its rate-limit feedback, token refresh with rotation, and what never shows in a message or repr."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.xero import XeroConnector
from schemas import Contact, Invoice, InvoiceLineItem, LinkedCustomer
from unified.connector import ListQuery
from unified.errors import (
    ConnectorExecutionError,
    ConnectorRateLimitError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
    UnauthorizedError,
)
from unified.ratelimit import RateLimitPolicy
from unified.secret import Secret
from unified.toolkit import MemoryTokenStore, PacedTransport, StoredTokens

Handler = Callable[[httpx.Request], httpx.Response]
CONTACT_ID = "3ff6d40c-af9a-40a3-89ce-3c1556a25591"
INVOICE_ID = "0b6e5e38-0f4f-4d8e-9a54-a2b8f3a1c0de"
CLIENT_SECRET = "client-secret-value-1234"
REFRESH = "refresh-token-value-5678"
ACCESS = "access-token-value-9012"


def connector(handler: Handler, **options: Any) -> XeroConnector:
    settings: dict[str, Any] = {
        "client_id": "CLIENT",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "tenant_id": str(uuid.uuid4()),  # a limiter of its own per test
        "api_url": "https://api.test",
        "identity_url": "https://identity.test",
        "login_url": "https://login.test",
        "access_token": ACCESS,
        "expires_at": datetime.now(UTC) + timedelta(minutes=30),
        "transport": httpx.MockTransport(handler),
        "rate_limit": RateLimitPolicy(limit=60, window=0.05, max_concurrent=5),
        **options,
    }
    return XeroConnector(**settings)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def reply(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {}, headers=headers or {})


def _contact_body(**extra: Any) -> dict[str, Any]:
    return {"Contacts": [{"ContactID": CONTACT_ID, "Name": "Acme", "ContactStatus": "ACTIVE", **extra}]}


def test_every_call_carries_the_tenant_and_the_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply(body={"Contacts": [], "pagination": {"page": 1, "pageSize": 5, "pageCount": 0, "itemCount": 0}})

    xero = connector(handler)
    page = run(xero.list("contacts", ListQuery(limit=5)))
    assert page.data == [] and page.next_cursor is None
    (request,) = seen
    assert request.headers["xero-tenant-id"] == xero.tenant_id
    assert request.headers["authorization"] == f"Bearer {ACCESS}"
    assert request.url.path == "/api.xro/2.0/Contacts"
    assert request.url.params["page"] == "1" and request.url.params["pageSize"] == "5"


def test_lists_ask_xero_for_the_resource_s_type_and_status_and_send_if_modified_since() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/TaxRates"):
            return reply(body={"TaxRates": []})
        return reply(body={"Invoices": [], "pagination": {"page": 2, "pageCount": 2}})

    since = datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)
    run(connector(handler).list("bills", ListQuery(limit=10, updated_since=since, filters={"status": "paid"})))
    request = next(r for r in seen if r.url.path.endswith("/Invoices"))
    assert request.url.params["where"] == 'Type=="ACCPAY"'
    assert request.url.params["Statuses"] == "PAID"
    assert request.url.params["unitdp"] == "4"
    # a second early and whole seconds, so Xero's > or >= both list a record changed at `since`
    assert request.headers["If-Modified-Since"] == "2024-03-01T11:59:59+00:00"


def test_a_where_filter_value_xero_cannot_quote_is_refused_before_any_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return reply()

    xero = connector(handler)
    with pytest.raises(RequestValidationError) as info:
        run(xero.list("contacts", ListQuery(filters={"display_name": 'Say "hi"'})))
    assert info.value.field == "filters.display_name" and not calls


def test_creates_carry_an_idempotency_key_and_summarize_errors_false() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply(body=_contact_body())

    xero = connector(handler)
    run(xero.create("contacts", Contact(display_name="Acme"), idempotency_key="order-1"))
    run(xero.create("contacts", Contact(display_name="Acme")))
    keyed, made = seen
    assert keyed.method == "PUT" and keyed.url.params["summarizeErrors"] == "false"
    assert keyed.headers["Idempotency-Key"] == "order-1"
    assert len(made.headers["Idempotency-Key"]) == 32  # one made per write
    assert json.loads(keyed.content) == {"Contacts": [{"Name": "Acme"}]}


def test_a_caller_key_longer_than_xero_takes_is_refused() -> None:
    xero = connector(lambda r: reply(body=_contact_body()))
    with pytest.raises(RequestValidationError) as info:
        run(xero.create("contacts", Contact(display_name="Acme"), idempotency_key="k" * 129))
    assert info.value.field == "idempotency_key" and "128" in info.value.message


def test_a_lost_answer_is_sent_again_with_the_same_key() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return reply(body=_contact_body())

    created = run(connector(handler).create("contacts", Contact(display_name="Acme"), idempotency_key="k-1"))
    assert created.id == CONTACT_ID and keys == ["k-1", "k-1"]


def test_an_element_refused_in_a_200_is_a_validation_error_naming_the_field() -> None:
    body = _contact_body(
        HasValidationErrors=True,
        StatusAttributeString="ERROR",
        ValidationErrors=[{"Message": "Email address must be valid."}],
    )
    xero = connector(lambda r: reply(body=body))
    with pytest.raises(RequestValidationError) as info:
        run(xero.create("contacts", Contact(display_name="Acme", emails=[{"email": "a@b.co"}])))
    error = info.value
    assert error.field == "emails" and "Email address must be valid." in error.message
    assert [d.message for d in error.downstream_errors] == ["Email address must be valid."]


def test_a_400_validation_exception_names_the_line_field() -> None:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Account code '999' is not a valid code for this document."}]}],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return reply(400, body)

    invoice = Invoice(
        customer=LinkedCustomer(id=CONTACT_ID),
        line_items=[InvoiceLineItem(description="x", quantity=Decimal(1), unit_price=Decimal(1))],
    )
    with pytest.raises(RequestValidationError) as info:
        run(connector(handler).create("invoices", invoice))
    assert info.value.field == "line_items.ledger_account"
    assert info.value.downstream_errors[0].code == "ValidationException"


def test_a_tenant_this_login_has_not_connected_is_forbidden_by_name() -> None:
    body = {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}
    xero = connector(lambda r: reply(403, body))
    with pytest.raises(ForbiddenError) as info:
        run(xero.get("contacts", CONTACT_ID))
    assert xero.tenant_id in info.value.message and "AuthenticationUnsuccessful" in info.value.message
    assert "unified organizations" in info.value.message


def test_a_record_xero_does_not_have_is_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="The resource you're looking for cannot be found")

    with pytest.raises(EntityNotFoundError):
        run(connector(handler).get("invoices", INVOICE_ID))
    with pytest.raises(EntityNotFoundError, match="GUID"):
        run(connector(handler).get("invoices", "42"))


def test_a_record_of_another_type_or_deleted_is_not_found() -> None:
    bill = {"Invoices": [{"InvoiceID": INVOICE_ID, "Type": "ACCPAY", "Status": "DRAFT"}]}
    with pytest.raises(EntityNotFoundError, match="a bill"):
        run(connector(lambda r: reply(body=bill)).get("invoices", INVOICE_ID))
    voided = {"Invoices": [{"InvoiceID": INVOICE_ID, "Type": "ACCREC", "Status": "VOIDED"}]}
    with pytest.raises(EntityNotFoundError, match="VOIDED"):
        run(connector(lambda r: reply(body=voided)).get("invoices", INVOICE_ID))


def test_the_day_limit_429_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return reply(429, {}, headers={"X-Rate-Limit-Problem": "day", "Retry-After": "3600"})

    xero = connector(handler)
    with pytest.raises(ConnectorRateLimitError) as info:
        run(xero.get("contacts", CONTACT_ID))
    assert info.value.retriable is False and info.value.retry_after == 3600 and info.value.resets_at is not None
    with pytest.raises(ConnectorRateLimitError):
        run(xero.get("contacts", CONTACT_ID))
    assert len(calls) == 1  # the second call was refused by the limiter, before Xero


@pytest.mark.parametrize("problem", ["minute", "concurrent", "appminute"])
def test_minute_and_concurrency_429s_are_retried(problem: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return reply(429, {}, headers={"X-Rate-Limit-Problem": problem, "Retry-After": "0"})
        return reply(body=_contact_body())

    assert run(connector(handler).get("contacts", CONTACT_ID)).id == CONTACT_ID
    assert len(calls) == 2


def test_a_spent_day_in_the_remaining_header_stops_the_next_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return reply(body=_contact_body(), headers={"X-DayLimit-Remaining": "0", "X-MinLimit-Remaining": "59"})

    xero = connector(handler)
    run(xero.get("contacts", CONTACT_ID))
    with pytest.raises(ConnectorRateLimitError, match="daily"):
        run(xero.get("contacts", CONTACT_ID))
    assert len(calls) == 1


def test_a_read_failing_with_503_is_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="Service Unavailable") if len(calls) == 1 else reply(body=_contact_body())

    assert run(connector(handler).get("contacts", CONTACT_ID)).display_name == "Acme"
    assert len(calls) == 2


def _token_handler(
    api: Handler, rotations: list[str], store: MemoryTokenStore | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "identity.test":
            assert request.headers["authorization"].startswith("Basic ")  # Xero: client credentials in Basic auth
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            assert form["grant_type"] == "refresh_token"
            number = len(rotations) + 1
            rotations.append(form["refresh_token"])
            return reply(
                body={"access_token": f"access-{number}", "refresh_token": f"refresh-{number}", "expires_in": 1800}
            )
        return api(request)

    return handler


def test_a_refused_token_is_refreshed_once_and_the_rotated_refresh_token_is_stored_before_use() -> None:
    store = MemoryTokenStore(StoredTokens(Secret(REFRESH)))
    rotations: list[str] = []
    stored_when_used: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == f"Bearer {ACCESS}":
            return reply(401, {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired: token expired"})
        current = store.load()
        stored_when_used.append(current.refresh_token.reveal() if current else "")
        return reply(body=_contact_body())

    xero = connector(_token_handler(api, rotations), token_store=store)
    assert run(xero.get("contacts", CONTACT_ID)).id == CONTACT_ID
    assert rotations == [REFRESH]
    assert stored_when_used == ["refresh-1"]  # stored before the new access token was used
    assert xero.tokens.refresh_token == Secret("refresh-1")


def test_a_token_refused_again_after_a_refresh_is_an_unauthorized_error() -> None:
    rotations: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        return reply(401, {"Title": "Unauthorized", "Status": 401, "Detail": "AuthenticationUnsuccessful"})

    with pytest.raises(UnauthorizedError, match="refreshed moments ago"):
        run(connector(_token_handler(api, rotations)).get("contacts", CONTACT_ID))
    assert len(rotations) == 1


def test_secrets_stay_out_of_reprs_and_messages() -> None:
    body = {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}
    xero = connector(lambda r: reply(403, body))
    with pytest.raises(ForbiddenError) as info:
        run(xero.get("contacts", CONTACT_ID))
    shown = " ".join([repr(xero), repr(xero.http), repr(xero.tokens), repr(xero.oauth), str(info.value)])
    shown += json.dumps(info.value.to_dict())
    for secret in (CLIENT_SECRET, REFRESH, ACCESS):
        assert secret not in shown


def test_connections_are_read_from_the_api_root_without_a_tenant() -> None:
    seen: list[httpx.Request] = []
    rows = [
        {"id": "c1", "tenantId": str(uuid.uuid4()), "tenantName": "Demo Company (NZ)", "tenantType": "ORGANISATION"}
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=rows)

    assert run(connector(handler).connections()) == rows
    assert seen[0].url.path == "/connections" and "xero-tenant-id" not in seen[0].headers


def test_an_answer_without_the_element_sent_is_an_uncertain_outcome() -> None:
    xero = connector(lambda r: reply(body={"Contacts": []}))
    with pytest.raises(ConnectorExecutionError) as info:
        run(xero.create("contacts", Contact(display_name="Acme")))
    assert info.value.outcome == "uncertain"


def test_a_tax_type_missing_from_xero_s_table_is_asked_for_once_not_on_every_page() -> None:
    tables: list[httpx.Request] = []
    row = {
        "InvoiceID": INVOICE_ID,
        "Type": "ACCREC",
        "Status": "DRAFT",
        "LineItems": [{"Description": "x", "TaxType": "GONE", "LineAmount": 1}],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/TaxRates"):
            tables.append(request)
            return reply(body={"TaxRates": [{"TaxType": "OUTPUT", "Name": "GST", "EffectiveRate": 15}]})
        return reply(body={"Invoices": [row], "pagination": {"page": 1, "pageCount": 9}})

    xero = connector(handler)
    for _ in range(3):
        page = run(xero.list("invoices", ListQuery(limit=1)))
        line = page.data[0].line_items[0]
        assert line.tax_rate.id == "GONE" and line.tax_rate.rate is None
    assert len(tables) == 2  # the first read, and one more look for GONE


def test_every_tenant_of_one_app_shares_the_app_s_minute_budget() -> None:
    first, second = connector(lambda r: reply()), connector(lambda r: reply())
    assert first.tenant_id != second.tenant_id
    assert first.http.limiter is not second.http.limiter  # each tenant its own 60 a minute
    apps = [c.http._client._transport for c in (first, second)]
    paced = [t for t in apps if isinstance(t, PacedTransport)]
    assert len(paced) == 2
    assert paced[0].limiter is paced[1].limiter and paced[0].limiter.policy.limit == 10_000
