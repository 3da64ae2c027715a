"""The QuickBooks dialect and request loop with httpx.MockTransport: Fault codes as unified errors, retries,
``minorversion`` and ``requestid``, token refresh with Basic auth and rotation through the token store."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.quickbooks import QuickBooksConnector
from schemas import Contact
from unified.errors import (
    ConflictError,
    ConnectorRateLimitError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
    UnauthorizedError,
)
from unified.ratelimit import RateLimiter
from unified.retry import RetryPolicy
from unified.secret import Secret
from unified.toolkit import MemoryTokenStore, StoredTokens

REALM = "9130000000000001"
Handler = Callable[[httpx.Request], httpx.Response]


def fault(code: str, message: str = "Refused", *, element: str | None = None, status: int = 400) -> httpx.Response:
    error: dict[str, Any] = {"Message": message, "Detail": f"{message} detail", "code": code}
    if element:
        error["element"] = element
    return httpx.Response(status, json={"Fault": {"Error": [error], "type": "ValidationFault"}, "time": "t"})


def token_answer(request: httpx.Request, n: int) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "token_type": "bearer",
            "access_token": f"access-{n}",
            "expires_in": 3600,
            "refresh_token": f"refresh-{n}",
        },
    )


class Recorder:
    """A MockTransport handler: the token endpoint answers rotated tokens, the API answers what the test says."""

    def __init__(self, api: Handler) -> None:
        self.api = api
        self.requests: list[httpx.Request] = []
        self.refreshes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth2/v1/tokens/bearer":
            self.refreshes += 1
            return token_answer(request, self.refreshes)
        return self.api(request)

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/v3/")]


def connector(handler: Recorder, **options: Any) -> QuickBooksConnector:
    settings: dict[str, Any] = {
        "client_id": "client",
        "client_secret": "secret",
        "refresh_token": "refresh-0",
        "realm_id": REALM,
        "api_url": "https://qbo.test",
        "oauth_url": "https://oauth.test",
        "transport": httpx.MockTransport(handler),
    }
    made = QuickBooksConnector(**{**settings, **options})
    made.http.retry = RetryPolicy(base_delay=0.0, max_delay=0.0)
    return made


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(autouse=True)
def fresh_limiters() -> Iterator[None]:
    """Limiters are shared per realm in the process: each test starts with a fresh budget."""
    RateLimiter.forget()
    yield
    RateLimiter.forget()


def customer(**extra: Any) -> dict[str, Any]:
    return {"Customer": {"Id": "7", "SyncToken": "3", "DisplayName": "Acme", "Active": True, **extra}, "time": "t"}


def test_every_call_carries_the_minor_version_and_the_realm_path() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=customer()))
    found = run(connector(recorder, minorversion=80).get("customers", "customer-7"))
    assert found.display_name == "Acme" and found.row_version == "3"
    (request,) = recorder.api_requests
    assert request.url.path == f"/v3/company/{REALM}/customer/7"
    assert request.url.params["minorversion"] == "80"
    assert request.headers["Authorization"] == "Bearer access-1"


def test_the_token_endpoint_gets_basic_auth_and_the_rotated_token_is_stored_before_use() -> None:
    store = MemoryTokenStore(StoredTokens(Secret("refresh-0")))
    recorder = Recorder(lambda request: httpx.Response(200, json=customer()))
    run(connector(recorder, token_store=store).get("customers", "7"))
    token_call = recorder.requests[0]
    assert token_call.headers["Authorization"] == "Basic " + base64.b64encode(b"client:secret").decode()
    assert dict(x.split("=") for x in token_call.content.decode().split("&"))["grant_type"] == "refresh_token"
    stored = store.load()
    assert stored is not None and stored.refresh_token == Secret("refresh-1")
    assert stored.access_token == Secret("access-1")


def test_a_refused_token_is_refreshed_once_and_the_call_sent_again() -> None:
    answers = [fault("100", "message=AuthenticationFailed", status=401), httpx.Response(200, json=customer())]
    recorder = Recorder(lambda request: answers.pop(0))
    expires = datetime.now(UTC) + timedelta(hours=1)
    found = run(connector(recorder, access_token="old", expires_at=expires).get("customers", "7"))
    assert found.id == "customer-7" and recorder.refreshes == 1
    assert [r.headers["Authorization"] for r in recorder.api_requests] == ["Bearer old", "Bearer access-1"]


def test_a_stale_sync_token_is_a_conflict_never_retried() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=customer())
        return fault("5010", "Stale Object Error")

    recorder = Recorder(api)
    with pytest.raises(ConflictError) as refused:
        run(connector(recorder).update("customers", "customer-7", Contact(notes="x", row_version="2")))
    assert refused.value.downstream_errors[0].code == "5010"
    posts = [r for r in recorder.api_requests if r.method == "POST"]
    assert len(posts) == 1
    body = json.loads(posts[0].content)
    assert body == {"Notes": "x", "Id": "7", "SyncToken": "2", "sparse": True}


@pytest.mark.parametrize(
    ("answer", "error", "field"),
    [
        (fault("610", "Object Not Found"), EntityNotFoundError, None),
        (fault("6240", "Duplicate Name Exists Error"), RequestValidationError, "display_name"),
        (fault("2050", "String too long", element="CompanyName"), RequestValidationError, "company_name"),
        (fault("120", "AuthorizationFailure", status=403), ForbiddenError, None),
    ],
)
def test_faults_map_to_unified_errors(answer: httpx.Response, error: type[Exception], field: str | None) -> None:
    recorder = Recorder(lambda request: answer)
    with pytest.raises(error) as raised:
        run(connector(recorder).get("invoices", "12"))
    assert getattr(raised.value, "field", None) == field
    assert len(recorder.api_requests) == 1  # a refusal is not retried


def test_lower_case_fault_keys_are_read_too() -> None:
    body = {"fault": {"error": [{"message": "Unauthorized", "detail": "x", "code": "3100"}], "type": "AUTHORIZATION"}}
    recorder = Recorder(lambda request: httpx.Response(403, json=body))
    with pytest.raises(ForbiddenError):
        run(connector(recorder).get("bills", "3"))


def test_throttling_is_retried_after_retry_after() -> None:
    throttled = fault("3001", "ThrottleExceeded", status=429)
    throttled.headers["Retry-After"] = "0"
    answers = [throttled, httpx.Response(200, json={"Invoice": {"Id": "12"}, "time": "t"})]

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/query"):  # the tax tables the invoice reader needs
            return httpx.Response(200, json={"QueryResponse": {}, "time": "t"})
        return answers.pop(0)

    found = run(connector(Recorder(api)).get("invoices", "12"))
    assert found.id == "12" and not answers


def test_a_throttle_that_persists_is_a_rate_limit_error() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        throttled = fault("3001", "ThrottleExceeded", status=429)
        throttled.headers["Retry-After"] = "0"
        return throttled

    recorder = Recorder(api)
    made = connector(recorder)
    made.http.retry = RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0)
    with pytest.raises(ConnectorRateLimitError) as refused:
        run(made.get("tax_rates", "1"))
    assert refused.value.retriable and len(recorder.api_requests) == 2


def test_a_write_retried_after_a_server_error_keeps_its_request_id() -> None:
    answers = [httpx.Response(503, text="busy"), httpx.Response(200, json=customer())]
    recorder = Recorder(lambda request: answers.pop(0))
    created = run(connector(recorder).create("customers", Contact(display_name="Acme", is_customer=True)))
    assert created.id == "customer-7"
    ids = [r.url.params["requestid"] for r in recorder.api_requests]
    assert len(ids) == 2 and ids[0] == ids[1] and len(ids[0]) <= 50


def test_the_callers_idempotency_key_is_the_request_id() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json=customer()))
    contact = Contact(display_name="Acme", is_customer=True)
    run(connector(recorder).create("customers", contact, idempotency_key="order-42"))
    assert recorder.api_requests[0].url.params["requestid"] == "order-42"
    with pytest.raises(RequestValidationError):
        run(connector(recorder).create("customers", contact, idempotency_key="k" * 51))


def test_queries_are_posted_as_text_and_page_over_customers_then_vendors() -> None:
    def api(request: httpx.Request) -> httpx.Response:
        text = request.content.decode()
        entity = "Customer" if "from Customer" in text else "Vendor"
        start = int(text.split("startposition ")[1].split()[0])
        rows = {"Customer": [{"Id": str(i), "DisplayName": f"C{i}"} for i in (1, 2, 3)], "Vendor": [{"Id": "1"}]}
        page = rows[entity][start - 1 : start + 1]
        return httpx.Response(200, json={"QueryResponse": {entity: page} if page else {}, "time": "t"})

    recorder = Recorder(api)
    made = connector(recorder)
    from unified import AsyncUnifiedClient

    async def everything() -> list[str]:
        return [c.id async for c in AsyncUnifiedClient(made).contacts.list(limit=2)]

    assert run(everything()) == ["customer-1", "customer-2", "customer-3", "vendor-1"]
    first = recorder.api_requests[0]
    assert first.headers["Content-Type"] == "application/text"
    assert first.content.decode() == (
        "select * from Customer where Active = true orderby Id startposition 1 maxresults 2"
    )


def test_a_non_digit_id_is_not_found_before_any_call() -> None:
    recorder = Recorder(lambda request: httpx.Response(500))
    with pytest.raises(EntityNotFoundError):
        run(connector(recorder).get("invoices", "../companyinfo"))
    with pytest.raises(EntityNotFoundError):
        run(connector(recorder).get("customers", "vendor-3"))
    assert recorder.requests == []


def test_settings_are_checked_with_clear_errors() -> None:
    recorder = Recorder(lambda request: httpx.Response(500))
    with pytest.raises(RequestValidationError) as realm:
        connector(recorder, realm_id="acme")
    assert realm.value.field == "realm_id"
    with pytest.raises(RequestValidationError) as window:
        connector(recorder, window_seconds=0)
    assert window.value.field == "window_seconds"
    with pytest.raises(UnauthorizedError):
        made = QuickBooksConnector(
            client_id="c",
            client_secret="s",
            refresh_token="r",
            realm_id=REALM,
            oauth_url="https://oauth.test",
            api_url="https://qbo.test",
            transport=httpx.MockTransport(lambda request: httpx.Response(400, json={"error": "invalid_grant"})),
        )
        run(made.get("invoices", "1"))


def test_secrets_stay_out_of_reprs() -> None:
    made = connector(Recorder(lambda request: httpx.Response(500)))
    shown = repr(made) + repr(made.http) + repr(made.oauth) + repr(made.tokens)
    assert "secret" not in shown and "refresh-0" not in shown
