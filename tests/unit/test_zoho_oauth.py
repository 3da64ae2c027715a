"""Zoho OAuth: data centers, the authorization URL and state, code exchange, refresh, revoke, token errors, and
the TokenManager's one-refresh-for-all-callers (async tasks and threads)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.zoho_books._datacenters import DATA_CENTERS, data_center_for
from connectors.zoho_books.oauth import SCOPES, TokenSet, ZohoOAuth, scope_for_path, scopes_for
from unified.errors import (
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    RequestValidationError,
    UnauthorizedError,
)
from unified.secret import Secret
from unified.toolkit import TokenManager

T = TypeVar("T")

CLIENT_ID = "1000.CLIENTID"
CLIENT_SECRET = "client-secret-value-123"
REFRESH = "1000.refresh.token"


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


class FakeAccounts:
    """Zoho Accounts' token endpoint, recording what it was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.forms: list[dict[str, str]] = []
        self.reply: Callable[[dict[str, str]], httpx.Response] | None = None
        self.gate: asyncio.Event | None = None
        self.issued = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        if self.reply is not None:
            return self.reply(form)
        if request.url.path.endswith("/revoke"):
            return httpx.Response(200, json={"status": "success"})
        self.issued += 1
        body: dict[str, Any] = {
            "access_token": f"1000.access{self.issued}.token",
            "api_domain": "https://www.zohoapis.eu",
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        if form.get("grant_type") == "authorization_code":
            body["refresh_token"] = REFRESH
        return httpx.Response(200, json=body)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


class GatedAccounts(FakeAccounts):
    """Holds each refresh until ``release`` is set (a threading.Event: callers may run on other threads)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def transport(self) -> httpx.MockTransport:
        async def handler(request: httpx.Request) -> httpx.Response:
            self.entered.set()
            await asyncio.to_thread(self.release.wait, 10)
            return self.handler(request)

        return httpx.MockTransport(handler)


def oauth_for(accounts: FakeAccounts, **kwargs: Any) -> ZohoOAuth:
    return ZohoOAuth(CLIENT_ID, CLIENT_SECRET, transport=accounts.transport(), **kwargs)


# -- data centers ---------------------------------------------------------------------------------------------


def test_every_data_center_is_found_by_location_accounts_server_and_api_domain() -> None:
    assert set(DATA_CENTERS) == {"us", "eu", "in", "au", "jp", "ca", "sa", "uk", "cn"}
    for key, dc in DATA_CENTERS.items():
        assert data_center_for(location=key) is dc
        assert data_center_for(location=key.upper()) is dc
        assert data_center_for(accounts_server=dc.accounts_url) is dc
        assert data_center_for(accounts_server=dc.accounts_url + "/") is dc
        assert data_center_for(api_domain=dc.api_domain) is dc
        assert dc.api_url == dc.api_domain + "/books/v3"


def test_data_center_facts_and_precedence() -> None:
    assert DATA_CENTERS["ca"].accounts_url == "https://accounts.zohocloud.ca"
    assert DATA_CENTERS["au"].api_url == "https://www.zohoapis.com.au/books/v3"
    assert data_center_for(api_domain="https://api.zoho.eu") is DATA_CENTERS["eu"]
    # the redirect's location wins over the other hints
    assert data_center_for(location="in", accounts_server="https://accounts.zoho.eu") is DATA_CENTERS["in"]
    assert data_center_for(location="mars", accounts_server="https://accounts.zoho.jp") is DATA_CENTERS["jp"]
    assert data_center_for(location="mars") is None
    assert data_center_for(accounts_server="http://127.0.0.1:8765") is None
    assert data_center_for() is None


# -- scopes ---------------------------------------------------------------------------------------------------


def test_scopes_for_resources() -> None:
    assert scopes_for(["invoices", "contacts"]) == [
        "ZohoBooks.invoices.ALL",
        "ZohoBooks.contacts.ALL",
        "ZohoBooks.settings.READ",
    ]
    assert scopes_for(["customers", "suppliers", "tax-rates"]) == ["ZohoBooks.contacts.ALL", "ZohoBooks.settings.ALL"]
    assert SCOPES["chart_of_accounts"] == "ZohoBooks.accountants.ALL"
    with pytest.raises(RequestValidationError) as info:
        scopes_for(["invoices", "payrolls"])
    assert "payrolls" in info.value.message and "invoices" in info.value.message
    assert info.value.field == "resources"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/invoices", "ZohoBooks.invoices.READ"),
        ("GET", "/invoices/4600000000000000001?accept=json", "ZohoBooks.invoices.READ"),
        ("PUT", "/invoice/46/customfields", "ZohoBooks.invoices.UPDATE"),
        ("POST", "/chartofaccounts", "ZohoBooks.accountants.CREATE"),
        ("GET", "/settings/taxes", "ZohoBooks.settings.READ"),
        ("DELETE", "/contacts/1", "ZohoBooks.contacts.DELETE"),
        ("GET", "/vendorcredits", "ZohoBooks.debitnotes.READ"),
        ("GET", "/nowhere", None),
    ],
)
def test_scope_for_path(method: str, path: str, scope: str | None) -> None:
    assert scope_for_path(method, path) == scope


# -- the authorization URL and state --------------------------------------------------------------------------


def test_authorization_url_carries_what_zoho_needs() -> None:
    oauth = ZohoOAuth(CLIENT_ID, CLIENT_SECRET, data_center="eu")
    url, state = oauth.authorization_url(redirect_uri="https://app.example/cb", scopes=scopes_for(["invoices"]))
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.zoho.eu/oauth/v2/auth"
    assert query == {
        "scope": "ZohoBooks.invoices.ALL,ZohoBooks.settings.READ",
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": "https://app.example/cb",
        "access_type": "offline",
        "prompt": "consent",
        "state": state,
    }
    assert len(state) >= 24
    assert CLIENT_SECRET not in url
    _, other = oauth.authorization_url(redirect_uri="https://app.example/cb", scopes=["ZohoBooks.bills.ALL"])
    assert other != state
    url, given = oauth.authorization_url(redirect_uri="https://x/cb", scopes=["a.b.ALL"], state="abc")
    assert given == "abc" and "state=abc" in url


def test_authorization_url_refuses_bad_input() -> None:
    oauth = ZohoOAuth(CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(RequestValidationError) as info:
        oauth.authorization_url(redirect_uri="https://x/cb", scopes=[])
    assert info.value.field == "scopes"
    with pytest.raises(RequestValidationError) as info:
        oauth.authorization_url(redirect_uri="", scopes=["ZohoBooks.bills.ALL"])
    assert info.value.field == "redirect_uri"


def test_check_state() -> None:
    ZohoOAuth.check_state("s3cr3t-state", "s3cr3t-state")
    for received in ("other", None, ""):
        with pytest.raises(UnauthorizedError, match="state"):
            ZohoOAuth.check_state("s3cr3t-state", received)


def test_oauth_constructor_checks_its_inputs() -> None:
    with pytest.raises(RequestValidationError) as info:
        ZohoOAuth(CLIENT_ID, CLIENT_SECRET, data_center="mars")
    assert info.value.field == "data_center" and "eu" in info.value.message
    with pytest.raises(RequestValidationError) as info:
        ZohoOAuth("", CLIENT_SECRET)
    assert info.value.field == "client_id"
    with pytest.raises(RequestValidationError) as info:
        ZohoOAuth(CLIENT_ID, "")
    assert info.value.field == "client_secret"


# -- code exchange --------------------------------------------------------------------------------------------


def test_exchange_follows_the_accounts_server_of_the_redirect() -> None:
    accounts = FakeAccounts()
    oauth = oauth_for(accounts)  # built for us; the user lives in eu
    tokens = run(
        oauth.exchange_code(
            "1000.code", redirect_uri="https://app.example/cb", accounts_server="https://accounts.zoho.eu"
        )
    )
    request = accounts.requests[0]
    assert str(request.url) == "https://accounts.zoho.eu/oauth/v2/token"
    assert request.method == "POST"
    # secrets travel in the form body, never in the URL
    assert accounts.forms[0] == {
        "grant_type": "authorization_code",
        "code": "1000.code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": "https://app.example/cb",
    }
    assert tokens.access_token == Secret("1000.access1.token")
    assert tokens.refresh_token == Secret(REFRESH)
    assert tokens.api_domain == "https://www.zohoapis.eu"
    assert tokens.accounts_url == "https://accounts.zoho.eu"
    assert tokens.data_center is DATA_CENTERS["eu"]
    assert tokens.token_type == "Bearer"
    left = tokens.expires_at - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)


def test_exchange_follows_location_and_refuses_a_foreign_accounts_server() -> None:
    accounts = FakeAccounts()
    oauth = oauth_for(accounts)
    run(oauth.exchange_code("c", redirect_uri="https://x/cb", location="jp"))
    assert accounts.requests[-1].url.host == "accounts.zoho.jp"
    with pytest.raises(RequestValidationError) as info:
        run(oauth.exchange_code("c", redirect_uri="https://x/cb", accounts_server="https://accounts.evil.example"))
    assert info.value.field == "accounts_server"
    with pytest.raises(RequestValidationError):
        run(oauth.exchange_code("c", redirect_uri="https://x/cb", location="mars"))
    assert len(accounts.requests) == 1  # nothing was sent to the foreign server


def test_a_local_accounts_server_is_kept_whatever_the_location() -> None:
    accounts = FakeAccounts()
    oauth = oauth_for(accounts, accounts_url="http://127.0.0.1:8765/")
    run(oauth.exchange_code("c", redirect_uri="https://x/cb", location="us"))
    run(oauth.exchange_code("c", redirect_uri="https://x/cb", location="us", accounts_server="http://127.0.0.1:8765"))
    assert [str(r.url) for r in accounts.requests] == ["http://127.0.0.1:8765/oauth/v2/token"] * 2


# -- refresh and revoke ---------------------------------------------------------------------------------------


def test_refresh_keeps_the_refresh_token() -> None:
    accounts = FakeAccounts()
    tokens = run(oauth_for(accounts, data_center="in").refresh(REFRESH))
    assert str(accounts.requests[0].url) == "https://accounts.zoho.in/oauth/v2/token"
    assert accounts.forms[0] == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert tokens.refresh_token == Secret(REFRESH)  # Zoho sends none back
    assert tokens.access_token.reveal() == "1000.access1.token"


def test_revoke_posts_the_token_in_the_body() -> None:
    accounts = FakeAccounts()
    run(oauth_for(accounts).revoke(Secret(REFRESH)))
    request = accounts.requests[0]
    assert request.url.path == "/oauth/v2/token/revoke" and REFRESH not in str(request.url)
    assert accounts.forms[0] == {"token": REFRESH}
    accounts.reply = lambda form: httpx.Response(400, json={"error": "invalid_code"})
    with pytest.raises(UnauthorizedError):
        run(oauth_for(accounts).revoke(REFRESH))


# -- token errors ---------------------------------------------------------------------------------------------


def refused(status: int, body: Any, *, grant: str = "code", **headers: str) -> Exception:
    accounts = FakeAccounts()
    accounts.reply = lambda form: (
        httpx.Response(status, json=body, headers=headers)
        if not isinstance(body, str)
        else httpx.Response(status, text=body, headers=headers)
    )
    oauth = oauth_for(accounts, data_center="eu")
    with pytest.raises(Exception) as info:
        if grant == "code":
            run(oauth.exchange_code("1000.used", redirect_uri="https://x/cb"))
        else:
            run(oauth.refresh(REFRESH))
    return info.value


def test_invalid_code_says_to_connect_again() -> None:
    error = refused(200, {"error": "invalid_code"})
    assert isinstance(error, UnauthorizedError)
    assert error.message == "The authorization code is used or expired: run the connect flow again."
    assert error.downstream_errors[0].code == "invalid_code"
    error = refused(400, {"error": "invalid_code"}, grant="refresh")
    assert isinstance(error, UnauthorizedError) and "refresh token" in error.message
    assert "connect" in error.message


def test_invalid_client_names_the_client_and_the_data_center() -> None:
    error = refused(200, {"error": "invalid_client"})
    assert isinstance(error, UnauthorizedError)
    assert CLIENT_ID in error.message and "accounts.zoho.eu" in error.message and "data center" in error.message


@pytest.mark.parametrize("status", [200, 400])
def test_access_denied_throttle_is_a_clear_rate_limit(status: int) -> None:
    body = {
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "error": "Access Denied",
    }
    error = refused(status, body, grant="refresh")
    assert isinstance(error, ConnectorRateLimitError)
    assert error.retriable is False
    assert "10 access tokens per refresh token per 10 minutes" in error.message
    assert "too often" in error.message
    assert error.downstream_errors[0].message == body["error_description"]


def test_other_token_errors() -> None:
    error = refused(400, {"error": "invalid_redirect_uri"})
    assert isinstance(error, RequestValidationError) and error.field == "redirect_uri"
    error = refused(400, {"error": "something_new", "error_description": "New thing."})
    assert isinstance(error, UnauthorizedError) and "something_new" in error.message and "New thing." in error.message
    error = refused(502, "<html>Bad gateway</html>", **{"content-type": "text/html"})
    assert isinstance(error, ConnectorExecutionError) and "502" in error.message and "text/html" in error.message
    assert error.retriable is True
    error = refused(200, {"token_type": "Bearer"})
    assert isinstance(error, ConnectorExecutionError) and "access token" in error.message


def test_token_endpoint_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    oauth = ZohoOAuth(CLIENT_ID, CLIENT_SECRET, transport=httpx.MockTransport(handler))
    with pytest.raises(ConnectorTimeoutError) as info:
        run(oauth.refresh(REFRESH))
    assert info.value.retriable and info.value.outcome == "failed"


# -- reprs hide secrets ---------------------------------------------------------------------------------------


def test_secret_and_token_set_reprs_hide_values() -> None:
    secret = Secret("hunter2-value")
    assert repr(secret) == str(secret) == f"{secret}" == "Secret('****')"
    assert secret.reveal() == "hunter2-value"
    assert secret == Secret("hunter2-value") and secret != Secret("other") and secret != "hunter2-value"
    assert hash(secret) == hash(Secret("hunter2-value"))
    assert Secret.of(secret) is secret and not Secret("")
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]
    tokens = TokenSet(
        access_token=Secret("1000.aaaa"),
        refresh_token=Secret("1000.rrrr"),
        expires_at=datetime.now(UTC),
        api_domain=None,
        scope=None,
        token_type="Bearer",
    )
    oauth = ZohoOAuth(CLIENT_ID, CLIENT_SECRET)
    text = repr(tokens) + str(tokens) + repr(oauth) + repr(vars(oauth))
    for value in ("1000.aaaa", "1000.rrrr", CLIENT_SECRET):
        assert value not in text


# -- TokenManager ---------------------------------------------------------------------------------------------


async def revealed(manager: TokenManager) -> str:
    return (await manager.token()).reveal()


def expired_manager(accounts: FakeAccounts, **kwargs: Any) -> TokenManager:
    return TokenManager(
        oauth_for(accounts),
        refresh_token=REFRESH,
        access_token="1000.old",
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
        **kwargs,
    )


def test_fifty_concurrent_callers_with_an_expired_token_cause_one_refresh() -> None:
    accounts = GatedAccounts()
    seen: list[TokenSet] = []
    manager = expired_manager(accounts, on_refresh=seen.append)

    async def main() -> list[str]:
        tasks = [asyncio.create_task(revealed(manager)) for _ in range(50)]
        await asyncio.to_thread(accounts.entered.wait, 10)  # the refresh is in flight...
        await asyncio.sleep(0)  # ...and every caller has reached its wait
        assert not any(task.done() for task in tasks)
        accounts.release.set()
        return await asyncio.gather(*tasks)

    tokens = run(main())
    assert set(tokens) == {"1000.access1.token"}
    assert manager.refresh_count == 1 and len(accounts.requests) == 1
    assert len(seen) == 1 and seen[0].access_token.reveal() == "1000.access1.token"


def test_callers_on_two_threads_share_one_refresh() -> None:
    accounts = GatedAccounts()
    manager = expired_manager(accounts)
    results: dict[str, list[str]] = {}

    def first() -> None:
        async def main() -> list[str]:
            return await asyncio.gather(*(revealed(manager) for _ in range(10)))

        results["first"] = asyncio.run(main())

    def second() -> None:
        async def main() -> list[str]:
            tasks = [asyncio.create_task(revealed(manager)) for _ in range(10)]
            await asyncio.sleep(0)  # every task is now waiting on the other thread's refresh
            accounts.release.set()
            return await asyncio.gather(*tasks)

        results["second"] = asyncio.run(main())

    one = threading.Thread(target=first)
    one.start()
    assert accounts.entered.wait(10)  # the first thread's refresh is in flight
    two = threading.Thread(target=second)
    two.start()
    one.join(10)
    two.join(10)
    assert results["first"] == results["second"] == ["1000.access1.token"] * 10
    assert manager.refresh_count == 1 and len(accounts.requests) == 1


def test_refresh_ahead_of_expiry_and_not_before() -> None:
    accounts = FakeAccounts()
    now = datetime.now(UTC)
    fresh = TokenManager(
        oauth_for(accounts), refresh_token=REFRESH, access_token="1000.ok", expires_at=now + timedelta(hours=1)
    )
    assert run(revealed(fresh)) == "1000.ok" and fresh.refresh_count == 0
    nearly = TokenManager(
        oauth_for(accounts), refresh_token=REFRESH, access_token="1000.old", expires_at=now + timedelta(seconds=200)
    )
    assert run(revealed(nearly)) == "1000.access1.token" and nearly.refresh_count == 1
    assert nearly.expires_at is not None and nearly.expires_at > now + timedelta(minutes=59)
    assert run(revealed(nearly)) == "1000.access1.token" and nearly.refresh_count == 1


def test_a_token_without_expiry_is_used_until_rejected() -> None:
    accounts = FakeAccounts()
    manager = TokenManager(oauth_for(accounts), refresh_token=REFRESH, access_token="1000.given")
    assert run(revealed(manager)) == "1000.given"
    run(manager.invalidate("1000.someone-elses"))  # not ours: nothing happens
    assert run(revealed(manager)) == "1000.given" and manager.refresh_count == 0
    run(manager.invalidate("1000.given"))
    assert run(revealed(manager)) == "1000.access1.token" and manager.refresh_count == 1
    run(manager.invalidate("1000.given"))  # a late rejection of the old token does not refresh again
    assert run(revealed(manager)) == "1000.access1.token" and manager.refresh_count == 1


def test_a_failed_refresh_reaches_every_caller_and_the_next_call_tries_again() -> None:
    accounts = GatedAccounts()
    accounts.reply = lambda form: httpx.Response(400, json={"error": "invalid_code"})
    manager = expired_manager(accounts)

    async def main() -> list[BaseException | str]:
        tasks = [asyncio.create_task(revealed(manager)) for _ in range(5)]
        await asyncio.to_thread(accounts.entered.wait, 10)
        await asyncio.sleep(0)
        accounts.release.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = run(main())
    assert all(isinstance(o, UnauthorizedError) for o in outcomes)
    assert len(accounts.requests) == 1
    accounts.reply = None
    assert run(revealed(manager)) == "1000.access1.token"
    assert len(accounts.requests) == 2


def test_a_cancelled_refresher_hands_over_to_a_waiting_caller() -> None:
    accounts = GatedAccounts()
    manager = expired_manager(accounts)

    async def main() -> str:
        leader = asyncio.create_task(revealed(manager))
        await asyncio.to_thread(accounts.entered.wait, 10)
        follower = asyncio.create_task(revealed(manager))
        await asyncio.sleep(0)
        leader.cancel()
        accounts.release.set()
        with pytest.raises(asyncio.CancelledError):
            await leader
        return await follower

    assert run(main()) == "1000.access1.token"
    assert manager.refresh_count == 1


def test_token_manager_checks_its_inputs() -> None:
    oauth = oauth_for(FakeAccounts())
    with pytest.raises(RequestValidationError) as info:
        TokenManager(oauth, refresh_token="")
    assert info.value.field == "refresh_token"
    with pytest.raises(RequestValidationError) as info:
        TokenManager(oauth, refresh_token=REFRESH, expires_at=datetime(2030, 1, 1))
    assert info.value.field == "expires_at"
    manager = TokenManager(oauth, refresh_token=REFRESH, access_token="1000.visible")
    assert "1000.visible" not in repr(manager) and REFRESH not in repr(manager)


def test_a_token_refused_right_after_replacing_a_refused_one_is_kept() -> None:
    accounts = FakeAccounts()
    now = [datetime.now(UTC)]
    manager = TokenManager(oauth_for(accounts), refresh_token=REFRESH, access_token="1000.old", clock=lambda: now[0])
    assert run(manager.invalidate("1000.old")) is True
    assert run(revealed(manager)) == "1000.access1.token"
    # refused again within a minute: a scope problem, not an expiry; no new token is minted
    assert run(manager.invalidate("1000.access1.token")) is False
    assert run(revealed(manager)) == "1000.access1.token" and manager.refresh_count == 1
    now[0] += timedelta(minutes=2)
    assert run(manager.invalidate("1000.access1.token")) is True
    assert run(revealed(manager)) == "1000.access2.token" and manager.refresh_count == 2
