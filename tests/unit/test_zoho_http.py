"""ZohoHttp against a scripted Books API (httpx.MockTransport): organization_id and auth on every call, the
envelope, the error mapping, 401 refresh-and-retry, 429 codes 44/45/1070, retries of reads, ambiguous creates,
the proxy, pacing, and no secret in any log line, repr or exception text."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.zoho_books._errors import error_from_response
from connectors.zoho_books._http import ZohoHttp, policy_for_plan
from connectors.zoho_books.oauth import ZohoOAuth
from unified.errors import (
    ConflictError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    EntityNotFoundError,
    ForbiddenError,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)
from unified.ratelimit import RateLimiter, RateLimitPolicy
from unified.retry import RetryPolicy
from unified.toolkit import TokenManager

T = TypeVar("T")

API = "https://www.zohoapis.com/books/v3"
ORG = "10234695"
CLIENT_SECRET = "client-secret-abc-987"
REFRESH = "1000.refreshrefresh.refresh"
ACCESS = "1000.accessaccess.access"
FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005)

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def zoho(status: int, code: int, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message}, headers=headers)


class FakeBooks:
    """A scripted Books API plus its accounts server. Steps in ``script`` answer API calls first, in order."""

    def __init__(self) -> None:
        self.script: list[Step] = []
        self.requests: list[httpx.Request] = []
        self.refreshes = 0
        self.valid = {ACCESS}

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth/"):
            self.refreshes += 1
            token = f"1000.fresh{self.refreshes}.token"
            self.valid.add(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": 3600, "api_domain": API[:-9]})
        self.requests.append(request)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            return step if isinstance(step, httpx.Response) else step(request)
        token = request.headers.get("Authorization", "").removeprefix("Zoho-oauthtoken ")
        if token not in self.valid:
            return zoho(401, 57, "You are not authorized to perform this operation")
        if request.method == "POST":
            return httpx.Response(201, json={"code": 0, "message": "The invoice has been created.", "invoice": {}})
        return httpx.Response(200, json={"code": 0, "message": "success", "invoices": []})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def http(self, *, access: str = ACCESS, organization_id: str | None = ORG, **kwargs: Any) -> ZohoHttp:
        transport = self.transport()
        oauth = ZohoOAuth("1000.client", CLIENT_SECRET, transport=transport)
        tokens = TokenManager(
            oauth, refresh_token=REFRESH, access_token=access, expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
        kwargs.setdefault("retry", FAST)
        return ZohoHttp(tokens=tokens, api_url=API, organization_id=organization_id, transport=transport, **kwargs)


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    RateLimiter.forget()


def query_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


def failing(coro: Awaitable[Any]) -> UnifiedError:
    with pytest.raises(UnifiedError) as info:
        run(coro)
    return info.value


# -- the basics -----------------------------------------------------------------------------------------------


def test_every_call_carries_auth_and_organization_id() -> None:
    books = FakeBooks()
    http = books.http()
    body = run(http.request("GET", "/invoices", params={"page": 2}))
    assert body == {"code": 0, "message": "success", "invoices": []}
    request = books.requests[0]
    assert str(request.url).startswith(f"{API}/invoices?")
    assert query_of(request) == {"page": "2", "organization_id": ORG}
    assert request.headers["Authorization"] == f"Zoho-oauthtoken {ACCESS}"
    assert http.calls == 1


def test_organizations_are_listed_without_organization_id() -> None:
    books = FakeBooks()
    books.script.append(
        httpx.Response(200, json={"code": 0, "message": "success", "organizations": [{"organization_id": ORG}]})
    )
    http = books.http(organization_id=None)
    assert run(http.organizations()) == [{"organization_id": ORG}]
    assert "organization_id" not in query_of(books.requests[0])
    error = failing(http.request("GET", "/invoices"))
    assert isinstance(error, RequestValidationError) and error.field == "organization_id"
    assert "GET /organizations" in error.message


def test_envelope_code_is_checked_even_on_a_2xx() -> None:
    books = FakeBooks()
    books.script += [zoho(200, 2, "Invalid value passed for filter_by"), zoho(200, 123456, "Something Zoho says.")]
    http = books.http()
    error = failing(http.request("GET", "/invoices", params={"filter_by": "x"}))
    assert isinstance(error, RequestValidationError) and "Invalid value passed for filter_by" in error.message
    assert error.downstream_errors[0].code == "2" and error.downstream_errors[0].status_code == 200
    error = failing(http.request("GET", "/invoices"))
    assert isinstance(error, ConnectorExecutionError) and "Something Zoho says." in error.message
    assert error.downstream_errors[0].code == "123456"


def test_a_non_json_answer_names_status_and_content_type() -> None:
    books = FakeBooks()
    page = httpx.Response(502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"})
    books.script += [page] * 4
    error = failing(books.http().request("GET", "/invoices"))
    assert isinstance(error, ConnectorExecutionError)
    assert "502" in error.message and "text/html" in error.message
    assert len(books.requests) == FAST.max_attempts  # a 5xx page on a read is retried


# -- the error mapping ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind", "retriable", "words"),
    [
        (
            401,
            {"code": 14, "message": "The request could not be authenticated"},
            UnauthorizedError,
            False,
            ["credentials"],
        ),
        (
            401,
            {"code": 57, "message": "You are not authorized to perform this operation"},
            UnauthorizedError,
            False,
            ["scope", "ZohoBooks.invoices.READ", "reconnect"],
        ),
        (
            400,
            {"code": 6041, "message": "This user is not associated with the CompanyID/CompanyName:63XX."},
            ForbiddenError,
            False,
            [ORG, "organizations"],
        ),
        (
            404,
            {"code": 1002, "message": "Invoice does not exist."},
            EntityNotFoundError,
            False,
            ["Invoice does not exist."],
        ),
        (400, {"code": 1002, "message": "Invoice does not exist."}, EntityNotFoundError, False, []),
        (404, {"code": 9, "message": "Not here"}, EntityNotFoundError, False, ["Not here"]),
        (
            400,
            {"code": 2, "message": "Invalid value passed for filter_by"},
            RequestValidationError,
            False,
            ["filter_by"],
        ),
        (
            400,
            {"code": 4, "message": "Invalid value passed for contact_name."},
            RequestValidationError,
            False,
            ["contact_name"],
        ),
        (
            429,
            {"code": 44, "message": "For security reasons your organization has been blocked"},
            ConnectorRateLimitError,
            True,
            ["per-minute"],
        ),
        (
            429,
            {"code": 1070, "message": "You have reached the maximum number of in process requests"},
            ConnectorRateLimitError,
            True,
            ["in flight"],
        ),
        (
            429,
            {
                "code": 45,
                "message": "The API call for this organization has exceeded the maximum call rate limit of 1000.",
            },
            ConnectorRateLimitError,
            False,
            ["daily", "1000"],
        ),
        (500, {"code": 1000, "message": "Internal error"}, ConnectorExecutionError, True, ["Internal error"]),
        (200, {"code": 1000, "message": "Internal error"}, ConnectorExecutionError, True, []),
        (503, {"code": 99, "message": "Down for maintenance"}, ConnectorExecutionError, True, ["Down for maintenance"]),
        (409, {"code": 3001, "message": "Already voided"}, ConflictError, False, ["Already voided"]),
        (403, {"code": 3002, "message": "Not for you"}, ForbiddenError, False, ["Not for you"]),
        (422, {"code": 777777, "message": "A new Zoho rule"}, RequestValidationError, False, ["A new Zoho rule"]),
        (200, {"code": 777777, "message": "A new Zoho rule"}, ConnectorExecutionError, False, ["A new Zoho rule"]),
    ],
)
def test_every_zoho_code_maps_onto_the_unified_tree(
    status: int, body: dict[str, Any], kind: type[UnifiedError], retriable: bool, words: list[str]
) -> None:
    error = error_from_response(
        status, body, method="GET", path="/invoices", organization_id=ORG, scope="ZohoBooks.invoices.READ"
    )
    assert type(error) is kind
    assert error.retriable is retriable
    assert error.downstream_errors[0].code == str(body["code"])
    assert error.downstream_errors[0].message == body["message"]
    assert error.downstream_errors[0].status_code == status
    for word in words:
        assert word in error.message


def test_outcomes_of_errors() -> None:
    assert error_from_response(500, {"code": 1000, "message": "x"}, method="POST").outcome == "uncertain"
    assert error_from_response(500, {"code": 1000, "message": "x"}, method="GET").outcome == "unknown"
    assert error_from_response(400, {"code": 2, "message": "x"}, method="POST").outcome == "failed"
    assert error_from_response(429, {"code": 44, "message": "x"}, method="POST").outcome == "failed"
    html = error_from_response(404, None, content_type="text/html", method="GET", path="/nope")
    assert isinstance(html, ConnectorExecutionError) and "api_url" in html.message and not html.retriable


# -- 401: refresh once and retry ------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_call_retried() -> None:
    books = FakeBooks()
    http = books.http(access="1000.expired")
    assert run(http.request("GET", "/invoices"))["code"] == 0
    assert books.refreshes == 1 and http.tokens.refresh_count == 1
    assert [r.headers["Authorization"] for r in books.requests] == [
        "Zoho-oauthtoken 1000.expired",
        "Zoho-oauthtoken 1000.fresh1.token",
    ]


def test_fifty_concurrent_calls_with_an_expired_token_refresh_once() -> None:
    books = FakeBooks()
    http = books.http(access="1000.expired")

    async def main() -> list[dict[str, Any]]:
        return await asyncio.gather(*(http.request("GET", "/invoices") for _ in range(50)))

    assert all(body["code"] == 0 for body in run(main()))
    assert books.refreshes == 1 and http.tokens.refresh_count == 1


def test_code_57_with_a_fresh_token_says_the_scope_may_be_missing() -> None:
    books = FakeBooks()
    denied = zoho(401, 57, "You are not authorized to perform this operation")
    books.script += [denied, denied, denied]
    http = books.http()
    error = failing(http.request("GET", "/chartofaccounts"))
    assert isinstance(error, UnauthorizedError)
    assert "scope" in error.message and "ZohoBooks.accountants.READ" in error.message
    assert len(books.requests) == 2 and books.refreshes == 1
    # the token minted moments ago is refused again: no refresh per call (Zoho allows 10 per 10 minutes)
    error = failing(http.request("GET", "/chartofaccounts"))
    assert isinstance(error, UnauthorizedError) and "scope" in error.message
    assert len(books.requests) == 3 and books.refreshes == 1
    # an ordinary call with the same token still works
    assert run(http.request("GET", "/invoices"))["code"] == 0


# -- 429s -----------------------------------------------------------------------------------------------------


def test_code_44_waits_for_retry_after_then_retries_even_a_post() -> None:
    books = FakeBooks()
    books.script.append(zoho(429, 44, "blocked", **{"Retry-After": "0.05"}))
    http = books.http()
    assert run(http.create("/invoices", json={"customer_id": "1"}))["code"] == 0
    assert [r.method for r in books.requests] == ["POST", "POST"]
    assert http.limiter.stats.penalties == 1


def test_code_1070_backs_off_and_retries() -> None:
    books = FakeBooks()
    books.script += [zoho(429, 1070, "too many in process"), zoho(429, 1070, "too many in process")]
    http = books.http()
    assert run(http.request("POST", "/contacts", json={"contact_name": "A"}))["code"] == 0
    assert len(books.requests) == 3
    assert http.limiter.stats.penalties == 0  # a short backoff, not a block of the whole organization


def test_code_45_is_not_retried_and_blocks_until_the_day_resets() -> None:
    books = FakeBooks()
    message = "The API call for this organization has exceeded the maximum call rate limit of 1000."
    books.script.append(zoho(429, 45, message, **{"Retry-After": "3600"}))
    http = books.http()
    before = datetime.now(UTC)
    error = failing(http.request("GET", "/invoices"))
    assert isinstance(error, ConnectorRateLimitError) and error.retriable is False
    assert error.resets_at is not None
    assert before + timedelta(minutes=59) < error.resets_at < before + timedelta(minutes=61)
    assert len(books.requests) == 1
    # the limiter now refuses without calling Zoho
    again = failing(http.request("GET", "/invoices"))
    assert isinstance(again, ConnectorRateLimitError) and not again.retriable
    assert len(books.requests) == 1


def test_a_long_retry_after_surfaces_instead_of_blocking() -> None:
    books = FakeBooks()
    books.script.append(zoho(429, 44, "blocked", **{"Retry-After": "600"}))
    error = failing(books.http().request("GET", "/invoices"))
    assert isinstance(error, ConnectorRateLimitError) and error.retry_after == 600
    assert len(books.requests) == 1


def test_daily_remaining_header_feeds_the_budget() -> None:
    books = FakeBooks()
    ok = httpx.Response(200, json={"code": 0, "message": "success"}, headers={"X-Rate-Limit-Remaining": "7"})
    books.script.append(ok)
    http = books.http()
    run(http.request("GET", "/invoices"))
    assert http.limiter.stats.daily_remaining == 7


# -- retries of reads; writes that may have happened ----------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        lambda r: httpx.ReadTimeout("timed out", request=r),
        lambda r: httpx.RemoteProtocolError("Server disconnected without sending a response.", request=r),
        lambda r: httpx.ConnectError("refused", request=r),
        lambda r: zoho(500, 1000, "Internal error"),
        lambda r: zoho(503, 1000, "Service Unavailable"),
    ],
)
def test_reads_are_retried_on_5xx_timeouts_and_drops(fault: Callable[[httpx.Request], Any]) -> None:
    books = FakeBooks()

    def once(request: httpx.Request) -> httpx.Response:
        outcome = fault(request)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, httpx.Response)
        return outcome

    books.script += [once, once]
    http = books.http()
    assert run(http.request("GET", "/invoices"))["code"] == 0
    assert len(books.requests) == 3 and http.calls == 3


def test_a_read_that_keeps_timing_out_gives_up_with_a_timeout_error() -> None:
    books = FakeBooks()
    books.script += [httpx.ReadTimeout("timed out", request=httpx.Request("GET", API))] * FAST.max_attempts
    error = failing(books.http(timeout=2.0).request("GET", "/invoices"))
    assert isinstance(error, ConnectorTimeoutError) and "2 s" in error.message
    assert len(books.requests) == FAST.max_attempts


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        zoho(500, 1000, "Internal error"),
    ],
)
def test_an_unconfirmed_create_is_looked_up_not_resent(fault: Any) -> None:
    books = FakeBooks()
    books.script.append(fault)
    looked: list[bool] = []

    async def lookup() -> dict[str, Any] | None:
        looked.append(True)
        return {"code": 0, "invoice": {"invoice_id": "46", "reference_number": "R-1"}}

    result = run(books.http().create("/invoices", json={"reference_number": "R-1"}, lookup=lookup))
    assert result["invoice"]["invoice_id"] == "46"
    assert looked == [True]
    assert [r.method for r in books.requests] == ["POST"]


def test_an_unconfirmed_create_that_is_not_found_is_uncertain() -> None:
    books = FakeBooks()
    books.script.append(httpx.RemoteProtocolError("Server disconnected without sending a response."))

    async def lookup() -> dict[str, Any] | None:
        return None

    error = failing(books.http().create("/invoices", json={}, lookup=lookup))
    assert isinstance(error, ConnectorExecutionError)
    assert error.outcome == "uncertain" and error.retriable is False
    assert "may still exist" in error.message and "uncertain" in str(error)
    assert [r.method for r in books.requests] == ["POST"]


def test_an_unconfirmed_create_without_lookup_or_with_a_failing_lookup_is_uncertain() -> None:
    books = FakeBooks()
    books.script.append(zoho(500, 1000, "Internal error"))
    error = failing(books.http().create("/invoices", json={}))
    assert error.outcome == "uncertain" and not error.retriable

    books.script.append(httpx.ReadTimeout("timed out"))

    async def lookup() -> dict[str, Any] | None:
        raise EntityNotFoundError("lookup broke")

    error = failing(books.http().create("/invoices", json={}, lookup=lookup))
    assert error.outcome == "uncertain" and "lookup broke" in error.message


def test_a_create_that_never_left_is_retried_and_a_refused_one_is_not() -> None:
    books = FakeBooks()
    books.script.append(httpx.ConnectError("connection refused"))
    http = books.http()
    assert run(http.create("/invoices", json={}))["code"] == 0
    assert [r.method for r in books.requests] == ["POST", "POST"]
    books.script.append(zoho(400, 4, "Invalid value passed for customer_id."))
    error = failing(http.create("/invoices", json={}, lookup=lambda: pytest.fail("no lookup on a refusal")))
    assert isinstance(error, RequestValidationError) and error.outcome == "failed"


def test_a_post_through_request_is_never_resent_after_a_5xx() -> None:
    books = FakeBooks()
    books.script.append(zoho(500, 1000, "Internal error"))
    error = failing(books.http().request("POST", "/invoices/1/status/void"))
    assert error.outcome == "uncertain" and len(books.requests) == 1


# -- the proxy ------------------------------------------------------------------------------------------------


def test_raw_returns_zohos_answer_with_auth_and_organization_filled_in() -> None:
    books = FakeBooks()
    books.script.append(zoho(404, 1002, "Item does not exist."))
    http = books.http()
    response = run(http.raw("GET", "/items/1", params={"x": "1"}))
    assert response.status_code == 404 and response.json()["code"] == 1002
    assert query_of(books.requests[0]) == {"x": "1", "organization_id": ORG}
    assert books.requests[0].headers["Authorization"] == f"Zoho-oauthtoken {ACCESS}"
    books.script.append(zoho(429, 1070, "too many"))
    assert run(http.raw("POST", "/items", json={"name": "A"})).status_code == 201  # retried like any call


def test_paths_must_stay_under_the_api() -> None:
    http = FakeBooks().http()
    for path in ("https://evil.example/steal", "//evil.example/x", "/../../oauth/v2/token"):
        error = failing(http.raw("GET", path))
        assert isinstance(error, RequestValidationError) and error.field == "path"


# -- pacing ---------------------------------------------------------------------------------------------------


def test_policy_for_plan() -> None:
    free = policy_for_plan("free")
    assert (free.limit, free.window, free.max_concurrent, free.daily_limit) == (100, 60.0, 5, 1000)
    premium = policy_for_plan("Premium", window_seconds=3.0)
    assert (premium.max_concurrent, premium.daily_limit, premium.window, premium.day) == (10, 10000, 3.0, 4320.0)
    assert policy_for_plan("standard").daily_limit == 2000 and policy_for_plan("professional").daily_limit == 5000
    with pytest.raises(RequestValidationError) as info:
        policy_for_plan("platinum")
    assert info.value.field == "plan" and "premium" in info.value.message
    with pytest.raises(RequestValidationError):
        policy_for_plan("free", window_seconds=0)


def test_clients_of_one_organization_share_one_limiter() -> None:
    books = FakeBooks()
    one, two = books.http(), books.http()
    other = books.http(organization_id="999")
    assert one.limiter is two.limiter and one.limiter is not other.limiter


def test_calls_stay_under_the_concurrency_cap_and_the_window() -> None:
    in_flight = 0
    peak = 0
    served = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak, served
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        in_flight -= 1
        served += 1
        return httpx.Response(200, json={"code": 0, "message": "success"})

    transport = httpx.MockTransport(handler)
    tokens = TokenManager(ZohoOAuth("c", "s", transport=transport), refresh_token="r", access_token="a")
    policy = RateLimitPolicy(limit=8, window=0.05, max_concurrent=3, daily_limit=1000, day=72.0)
    http = ZohoHttp(tokens=tokens, api_url=API, organization_id=ORG, transport=transport, rate_limit=policy)

    async def main() -> None:
        await asyncio.gather(*(http.request("GET", "/invoices") for _ in range(20)))

    run(main())
    assert served == 20 and peak <= 3
    assert http.limiter.stats.waits > 0  # the window held callers back
    assert http.limiter.stats.daily_used == 20


# -- secrets stay secret --------------------------------------------------------------------------------------


def test_no_secret_in_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code = "1000.grantcodegrantcode.code"
    books = FakeBooks()

    def accounts(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        if "authorization_code" in form.get("grant_type", []):
            return httpx.Response(200, json={"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 3600})
        return books.handler(request)

    def handler(request: httpx.Request) -> httpx.Response:
        return accounts(request) if request.url.path.startswith("/oauth/") else books.handler(request)

    transport = httpx.MockTransport(handler)
    oauth = ZohoOAuth("1000.client", CLIENT_SECRET, transport=transport)
    errors: list[UnifiedError] = []

    async def flow() -> list[Any]:
        tokens = await oauth.exchange_code(code, redirect_uri="https://app/cb")
        manager = TokenManager(oauth, refresh_token=tokens.refresh_token or REFRESH, access_token="1000.stale")
        http = ZohoHttp(tokens=manager, api_url=API, organization_id=ORG, transport=transport, retry=FAST)
        await http.request("GET", "/invoices", params={"search_text": "x"})  # 57 -> refresh -> retry
        books.script += [
            zoho(400, 6041, "This user is not associated with the CompanyID/CompanyName:63XX."),
            zoho(401, 57, "You are not authorized"),
            zoho(401, 57, "You are not authorized"),
            httpx.ReadTimeout("timed out"),
        ]
        for call in (
            http.request("GET", "/invoices"),
            http.request("GET", "/invoices"),
            http.create("/invoices", json={}),
        ):
            try:
                await call
            except UnifiedError as error:
                errors.append(error)
        bad = ZohoOAuth("1000.client", CLIENT_SECRET, transport=httpx.MockTransport(lambda r: zoho(200, 0, "")))
        try:
            await bad.refresh(REFRESH)
        except UnifiedError as error:
            errors.append(error)
        return [tokens, manager, http, oauth]

    objects = run(flow())
    assert len(errors) == 4
    secrets = [CLIENT_SECRET, REFRESH, ACCESS, "1000.fresh1.token", "1000.stale", code]
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(o) for o in objects] + [str(o) for o in objects]
    for error in errors:
        texts += [str(error), repr(error), json.dumps(error.to_dict()), str(error.__cause__), repr(error.__cause__)]
    assert any("GET /invoices -> HTTP 401 code 57" in t for t in texts)  # requests are logged...
    for secret in secrets:
        leaks = [t for t in texts if secret in t]
        assert not leaks, f"a secret leaked: {leaks}"  # ...without a secret
