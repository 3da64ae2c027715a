"""The Zoho transport against the local Zoho Books: OAuth, one refresh for 50 callers, pacing under the real
limits, 429 codes 44/45/1070, retried reads, ambiguous creates, and no secret in any log line.

Most tests run the emulator in-process (httpx.ASGITransport); those that need real connections (timeouts,
dropped sockets, the full logged flow) serve it on 127.0.0.1 and are marked e2e.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.zoho_books._http import ZohoHttp, policy_for_plan
from connectors.zoho_books.emulator import ZohoBooksEmulator
from connectors.zoho_books.oauth import TokenSet, ZohoOAuth, scopes_for
from unified.emulator import Clock
from unified.errors import (
    ConnectorExecutionError,
    ConnectorRateLimitError,
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

BASE = "http://zoho.test"  # the in-process emulator answers for any host
TOKEN_ENDPOINT = "POST /oauth/v2/token"
RELAXED = RateLimitPolicy(limit=10_000, window=60.0, max_concurrent=10)
FAST = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05)


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def emulator(**kwargs: Any) -> ZohoBooksEmulator:
    settings: dict[str, Any] = {
        "seed": 11,
        "contacts": 5,
        "invoices": 3,
        "bills": 0,
        "expenses": 0,
        "rate_limit": 10_000,
    }
    return ZohoBooksEmulator(**{**settings, **kwargs})


def connect(
    emu: ZohoBooksEmulator,
    *,
    served: bool = False,
    rate_limit: RateLimitPolicy = RELAXED,
    retry: RetryPolicy = FAST,
    timeout: float = 30.0,
    on_refresh: Any = None,
    organization_id: str | None = None,
    app: Any = None,
) -> ZohoHttp:
    base = emu.base_url if served else BASE
    transport = None if served else httpx.ASGITransport(app=app or emu.app)
    oauth = ZohoOAuth(emu.client_id, emu.client_secret, accounts_url=base, transport=transport)
    tokens = TokenManager(oauth, refresh_token=emu.refresh_token, on_refresh=on_refresh)
    return ZohoHttp(
        tokens=tokens,
        api_url=f"{base}/books/v3",
        organization_id=organization_id or emu.organization_id,
        transport=transport,
        rate_limit=rate_limit,
        retry=retry,
        timeout=timeout,
    )


def refreshes(emu: ZohoBooksEmulator) -> int:
    return int(emu.stats()["by_endpoint"].get(TOKEN_ENDPOINT, 0))


def count_429(emu: ZohoBooksEmulator) -> int:
    return int(emu.stats()["by_status"].get("429", 0))


def contact_lookup(http: ZohoHttp, name: str) -> Any:
    async def lookup() -> dict[str, Any] | None:
        found = (await http.request("GET", "/contacts", params={"contact_name": name}))["contacts"]
        return {"code": 0, "message": "found", "contact": found[0]} if found else None

    return lookup


def named(emu: ZohoBooksEmulator, name: str) -> list[dict[str, Any]]:
    return [c for c in emu.records(emu.organization_id, "contacts") if c.get("contact_name") == name]


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    RateLimiter.forget()


# -- OAuth ----------------------------------------------------------------------------------------------------


def authorize(oauth: ZohoOAuth, client: httpx.Client, redirect_uri: str) -> tuple[dict[str, str], str]:
    url, state = oauth.authorization_url(redirect_uri=redirect_uri, scopes=scopes_for(["contacts", "invoices"]))
    answer = client.get(url)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(redirect_uri)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, state


def test_code_flow_refresh_and_revoke_against_the_emulator() -> None:
    emu = emulator()
    transport = httpx.ASGITransport(app=emu.app)
    oauth = ZohoOAuth(emu.client_id, emu.client_secret, accounts_url=BASE, transport=transport)

    async def flow() -> tuple[TokenSet, TokenSet]:
        async with httpx.AsyncClient(transport=transport) as client:
            url, state = oauth.authorization_url(redirect_uri="https://app.example/cb", scopes=scopes_for(["contacts"]))
            answer = await client.get(url)
        redirect = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
        ZohoOAuth.check_state(state, redirect.get("state"))
        assert redirect["location"] == "us" and redirect["accounts-server"] == BASE
        tokens = await oauth.exchange_code(
            redirect["code"],
            redirect_uri="https://app.example/cb",
            accounts_server=redirect["accounts-server"],
            location=redirect["location"],
        )
        with pytest.raises(UnauthorizedError, match="used or expired"):
            await oauth.exchange_code(redirect["code"], redirect_uri="https://app.example/cb")
        assert tokens.refresh_token is not None
        refreshed = await oauth.refresh(tokens.refresh_token)
        await oauth.revoke(tokens.refresh_token)
        with pytest.raises(UnauthorizedError, match="connect flow again"):
            await oauth.refresh(tokens.refresh_token)
        return tokens, refreshed

    tokens, refreshed = run(flow())
    assert tokens.api_domain == BASE and tokens.accounts_url == BASE
    assert refreshed.refresh_token == tokens.refresh_token
    assert refreshed.access_token != tokens.access_token


def test_token_errors_from_the_emulator() -> None:
    emu = emulator(window_seconds=1.0)
    transport = httpx.ASGITransport(app=emu.app)
    wrong = ZohoOAuth(emu.client_id, "not-the-secret", accounts_url=BASE, transport=transport)
    with pytest.raises(UnauthorizedError) as info:
        run(wrong.refresh(emu.refresh_token))
    assert "invalid_client" in info.value.message and emu.client_id in info.value.message

    oauth = ZohoOAuth(emu.client_id, emu.client_secret, accounts_url=BASE, transport=transport)

    async def too_many() -> UnifiedError:
        for _ in range(10):  # Zoho allows 10 access tokens per refresh token per 10 minutes
            await oauth.refresh(emu.refresh_token)
        with pytest.raises(ConnectorRateLimitError) as info:
            await oauth.refresh(emu.refresh_token)
        return info.value

    error = run(too_many())
    assert error.retriable is False and "10 access tokens" in error.message


# -- the API through ZohoHttp ---------------------------------------------------------------------------------


def test_calls_errors_and_the_proxy_against_the_emulator() -> None:
    emu = emulator()
    http = connect(emu)

    async def calls() -> None:
        organizations = await http.organizations()
        assert emu.organization_id in [o["organization_id"] for o in organizations]
        taxes = await http.request("GET", "/settings/taxes")
        assert taxes["code"] == 0 and taxes["taxes"]
        with pytest.raises(EntityNotFoundError) as missing:
            await http.request("GET", "/invoices/460000000000099999")
        assert missing.value.downstream_errors[0].code == "1002"
        with pytest.raises(RequestValidationError):
            await http.request("GET", "/invoices", params={"filter_by": "Status.Nonsense"})
        response = await http.raw("GET", "/chartofaccounts")
        assert response.status_code == 200 and response.json()["chartofaccounts"]
        assert (await http.raw("GET", "/contacts/460000000000099999")).status_code == 404

        stranger = ZohoHttp(
            tokens=http.tokens,
            api_url=http.api_url,
            organization_id="999999",
            transport=httpx.ASGITransport(app=emu.app),
        )
        with pytest.raises(ForbiddenError) as forbidden:
            await stranger.request("GET", "/contacts")
        assert "999999" in forbidden.value.message and "organizations" in forbidden.value.message
        assert forbidden.value.downstream_errors[0].code == "6041"

    run(calls())
    assert refreshes(emu) == 1  # one token for the whole run
    assert all(
        entry["query"].get("organization_id") for entry in emu.request_log if "/books/v3/settings" in entry["path"]
    )


def test_fifty_concurrent_calls_with_an_expired_token_cause_exactly_one_refresh() -> None:
    emu = emulator()
    http = connect(emu)
    run(http.request("GET", "/settings/taxes"))
    emu.expire_tokens()
    emu.reset_stats()

    async def burst() -> list[dict[str, Any]]:
        return await asyncio.gather(*(http.request("GET", "/settings/taxes") for _ in range(50)))

    assert all(body["code"] == 0 for body in run(burst()))
    assert refreshes(emu) == 1
    assert http.tokens.refresh_count == 2  # the first token, and the one after expiry
    assert emu.stats()["by_status"]["200"] == 50 + 1


def test_two_threads_sharing_a_token_manager_refresh_once() -> None:
    emu = emulator()
    one = connect(emu)
    two = ZohoHttp(
        tokens=one.tokens,
        api_url=one.api_url,
        organization_id=emu.organization_id,
        transport=httpx.ASGITransport(app=emu.app),
        rate_limit=RELAXED,
        retry=FAST,
    )
    results: list[int] = []

    def worker(http: ZohoHttp) -> None:
        async def burst() -> list[dict[str, Any]]:
            return await asyncio.gather(*(http.request("GET", "/settings/taxes") for _ in range(10)))

        results.extend(body["code"] for body in asyncio.run(burst()))

    threads = [threading.Thread(target=worker, args=(http,)) for http in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [0] * 20
    assert refreshes(emu) == 1


# -- pacing and 429s ------------------------------------------------------------------------------------------


def test_three_hundred_requests_under_the_real_limits_get_no_429() -> None:
    window = 2.0
    emu = emulator(plan="premium", window_seconds=window, rate_limit=100)
    http = connect(emu, rate_limit=policy_for_plan("premium", window_seconds=window))

    async def load() -> list[dict[str, Any]]:
        return await asyncio.gather(*(http.request("GET", "/settings/taxes") for _ in range(300)))

    assert all(body["code"] == 0 for body in run(load()))
    stats = emu.stats()
    assert count_429(emu) == 0, stats["by_status"]
    assert stats["by_status"]["200"] == 300 + 1  # and the token call
    assert http.limiter.stats.waits > 0  # the client held itself back
    assert http.limiter.stats.daily_remaining is not None and http.limiter.stats.daily_remaining <= 10_000 - 300


def test_code_45_is_not_retried() -> None:
    emu = emulator(daily_limit=2)
    http = connect(emu)

    async def day() -> ConnectorRateLimitError:
        token = (await http.tokens.token()).reveal()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app)) as client:
            for _ in range(2):  # another program spends the day's budget
                answer = await client.get(
                    f"{BASE}/books/v3/settings/taxes",
                    params={"organization_id": emu.organization_id},
                    headers={"Authorization": f"Zoho-oauthtoken {token}"},
                )
                assert answer.status_code == 200
        emu.reset_stats()
        with pytest.raises(ConnectorRateLimitError) as info:
            await http.request("GET", "/settings/taxes")
        with pytest.raises(ConnectorRateLimitError):
            await http.request("GET", "/settings/taxes")  # refused before any call
        return info.value

    error = run(day())
    assert error.retriable is False and error.resets_at is not None
    assert error.downstream_errors[0].code == "45"
    assert emu.stats()["requests"] == 1 and count_429(emu) == 1


def test_code_44_is_honoured_via_retry_after() -> None:
    # The emulator's clock is frozen, so the five calls fall in one window however slow the machine; the window
    # passes when the emulator refuses one, while the client waits out the Retry-After it was given.
    emu = emulator(window_seconds=0.5, rate_limit=3, clock=Clock(datetime(2025, 1, 2, tzinfo=UTC)))
    inner = emu.app

    async def window_passes_on_429(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                emu.clock.advance(0.5)
            await send(message)

        await inner(scope, receive, sending)

    # the client believes in Zoho's usual 100 a window: the emulator's 3 a window surprise it
    http = connect(emu, rate_limit=RateLimitPolicy(limit=100, window=60.0, max_concurrent=10), app=window_passes_on_429)

    async def burst() -> list[dict[str, Any]]:
        return [await http.request("GET", "/settings/taxes") for _ in range(5)]

    assert all(body["code"] == 0 for body in run(burst()))
    assert count_429(emu) == 1  # one refusal, then the client waited as told
    assert http.limiter.stats.penalties == 1


def test_code_1070_is_retried_after_a_short_backoff() -> None:
    emu = emulator(concurrency=1, timeout_seconds=0.3)
    http = connect(emu, retry=RetryPolicy(max_attempts=30, base_delay=0.02, max_delay=0.1))
    emu.faults.fail_next(1, "timeout", path="/contacts")  # holds one request in flight for 0.3 s

    async def crowd() -> tuple[dict[str, Any], dict[str, Any]]:
        await http.tokens.token()
        held = asyncio.create_task(http.request("GET", "/contacts"))
        while emu.limits.in_flight(emu.organization_id) == 0:  # noqa: ASYNC110 - the emulator offers no event
            await asyncio.sleep(0)
        other = await http.request("GET", "/settings/taxes")
        return await held, other

    held, other = run(crowd())
    assert held["code"] == 0 and other["code"] == 0
    assert count_429(emu) >= 1
    codes = {entry["code"] for entry in emu.request_log if entry["status"] == 429}
    assert codes == {1070}


# -- retries of reads, and creates whose outcome is unknown --------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "html", "drop"])
def test_reads_are_retried_in_process(kind: str) -> None:
    emu = emulator()
    http = connect(emu)
    emu.faults.fail_next(2, kind, path="/settings/taxes")
    assert run(http.request("GET", "/settings/taxes"))["code"] == 0
    assert emu.stats()["by_fault"] == {kind: 2}


def test_an_ambiguous_create_is_looked_up_and_stored_once_in_process() -> None:
    emu = emulator()
    http = connect(emu)
    emu.faults.fail_next(1, "drop_after_commit", path="/contacts", method="POST")
    name = "Ambiguous Åsa Ltd"
    body = run(http.create("/contacts", json={"contact_name": name}, lookup=contact_lookup(http, name)))
    assert body["contact"]["contact_name"] == name
    assert len(named(emu, name)) == 1
    posts = [e for e in emu.request_log if e["method"] == "POST" and e["path"].endswith("/contacts")]
    assert len(posts) == 1


def test_an_ambiguous_create_whose_lookup_finds_nothing_is_uncertain_and_not_resent() -> None:
    emu = emulator()
    http = connect(emu)
    emu.faults.fail_next(1, "drop_after_commit", path="/contacts", method="POST")

    async def nothing() -> dict[str, Any] | None:
        return None

    with pytest.raises(ConnectorExecutionError) as info:
        run(http.create("/contacts", json={"contact_name": "Stored Unbeknown"}, lookup=nothing))
    assert info.value.outcome == "uncertain" and info.value.retriable is False
    assert "may still exist" in info.value.message
    assert len(named(emu, "Stored Unbeknown")) == 1  # it was stored, and the POST was not sent again


@pytest.mark.e2e
def test_reads_survive_timeouts_and_drops_on_a_real_server() -> None:
    emu = emulator(timeout_seconds=10.0)
    with emu.serve():
        http = connect(emu, served=True, timeout=0.5)
        emu.faults.fail_next(1, "timeout", path="/settings/taxes")
        emu.faults.fail_next(1, "drop", path="/settings/currencies")

        async def reads() -> list[dict[str, Any]]:
            try:
                return [await http.request("GET", "/settings/taxes"), await http.request("GET", "/settings/currencies")]
            finally:
                await http.aclose()

        assert [body["code"] for body in run(reads())] == [0, 0]
        assert emu.stats()["by_fault"] == {"timeout": 1, "drop": 1}


@pytest.mark.e2e
def test_an_ambiguous_create_on_a_real_server_produces_exactly_one_record() -> None:
    emu = emulator()
    with emu.serve():
        http = connect(emu, served=True)
        emu.faults.fail_next(1, "drop_after_commit", path="/contacts", method="POST")
        name = "Dropped After Commit GmbH"

        async def create() -> dict[str, Any]:
            try:
                return await http.create("/contacts", json={"contact_name": name}, lookup=contact_lookup(http, name))
            finally:
                await http.aclose()

        assert run(create())["contact"]["contact_name"] == name
        assert len(named(emu, name)) == 1
        assert emu.stats()["by_fault"] == {"drop_after_commit": 1}


# -- secrets --------------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_no_token_or_secret_in_logs_reprs_or_errors_over_a_full_flow(caplog: pytest.LogCaptureFixture) -> None:
    emu = emulator(timeout_seconds=5.0)
    minted: list[TokenSet] = []
    errors: list[UnifiedError] = []
    with emu.serve():
        oauth = ZohoOAuth(emu.client_id, emu.client_secret, accounts_url=emu.accounts_url)
        with httpx.Client() as browser:  # the user's browser, not this library: its logs are not ours
            redirect, state = authorize(oauth, browser, "http://127.0.0.1:9/callback")
        caplog.set_level(logging.DEBUG)
        ZohoOAuth.check_state(state, redirect["state"])

        async def flow() -> list[object]:
            tokens = await oauth.exchange_code(
                redirect["code"],
                redirect_uri="http://127.0.0.1:9/callback",
                accounts_server=redirect["accounts-server"],
                location=redirect["location"],
            )
            assert tokens.refresh_token is not None
            manager = TokenManager(
                oauth, refresh_token=tokens.refresh_token, access_token=tokens.access_token, on_refresh=minted.append
            )
            http = ZohoHttp(
                tokens=manager, api_url=emu.api_url, organization_id=emu.organization_id, retry=FAST, timeout=0.5
            )
            stranger = ZohoHttp(tokens=manager, api_url=emu.api_url, organization_id="424242", retry=FAST)
            await http.request("GET", "/contacts", params={"per_page": 2})
            emu.expire_tokens()
            await http.request("GET", "/invoices", params={"per_page": 2})  # 57, one refresh, retried
            emu.faults.fail_next(1, "timeout", path="/settings/taxes")
            emu.faults.fail_next(1, "drop_after_commit", path="/contacts", method="POST")
            attempts: list[Awaitable[Any]] = [
                http.request("GET", "/settings/taxes"),
                http.create("/contacts", json={"contact_name": "Secretive Ltd"}),
                http.request("GET", "/invoices/1"),
                stranger.request("GET", "/contacts"),
                oauth.exchange_code(redirect["code"], redirect_uri="http://127.0.0.1:9/callback"),
            ]
            for attempt in attempts:
                try:
                    await attempt
                except UnifiedError as error:
                    errors.append(error)
            await http.aclose()
            await stranger.aclose()
            return [tokens, manager, http, stranger, oauth, *minted]

        objects = run(flow())

    assert len(errors) == 4 and len(minted) == 1
    secrets = [emu.client_secret, emu.refresh_token, redirect["code"]]
    for tokens in [o for o in objects if isinstance(o, TokenSet)] + minted:
        secrets.append(tokens.access_token.reveal())
        if tokens.refresh_token is not None:
            secrets.append(tokens.refresh_token.reveal())
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(o) for o in objects] + [str(o) for o in objects]
    for error in errors:
        texts += [str(error), repr(error), json.dumps(error.to_dict(), default=str)]
        cause = error.__cause__
        while cause is not None:
            texts += [str(cause), repr(cause)]
            cause = cause.__cause__
    assert any(r.name == "connectors.zoho_books" for r in caplog.records)
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the transport's own DEBUG lines too
    for secret in secrets:
        assert len(secret) > 8
        leaks = [t for t in texts if secret in t]
        assert not leaks, f"a secret leaked: {leaks[:3]}"
