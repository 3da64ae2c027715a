"""Zoho Accounts: the code flow, refresh, revoke, serverinfo, and the token limits."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator

from .conftest import Zoho

pytestmark = pytest.mark.anyio
REDIRECT = "https://app.example.com/callback"


async def _grant(zoho: Zoho, scope: str = "ZohoBooks.fullaccess.all", **extra: str) -> dict[str, list[str]]:
    params = {
        "scope": scope,
        "client_id": zoho.emu.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "access_type": "offline",
        "prompt": "consent",
        "state": "xyz-42",
        **extra,
    }
    response = await zoho.http.get("/oauth/v2/auth", params=params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


async def _exchange(zoho: Zoho, code: str, *, in_query: bool = False) -> dict[str, object]:
    params = {
        "code": code,
        "client_id": zoho.emu.client_id,
        "client_secret": zoho.emu.client_secret,
        "redirect_uri": REDIRECT,
        "grant_type": "authorization_code",
    }
    if in_query:
        response = await zoho.http.post("/oauth/v2/token", params=params)
    else:
        response = await zoho.http.post("/oauth/v2/token", data=params)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_code_flow_redirect_carries_code_location_accounts_server_and_state(zoho: Zoho) -> None:
    query = await _grant(zoho)
    assert query["state"] == ["xyz-42"]
    assert query["location"] == ["us"]
    assert query["accounts-server"] == ["http://books.test"]
    assert query["code"][0].startswith("1000.")


@pytest.mark.parametrize("in_query", [False, True])
async def test_exchange_returns_zoho_token_response(zoho: Zoho, in_query: bool) -> None:
    code = (await _grant(zoho))["code"][0]
    body = await _exchange(zoho, code, in_query=in_query)
    assert set(body) == {"access_token", "refresh_token", "api_domain", "token_type", "expires_in"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert body["api_domain"] == "http://books.test"
    response = await zoho.call("GET", "/contacts", token=str(body["access_token"]))
    assert response.status_code == 200


async def test_used_or_expired_code_is_invalid_code(zoho: Zoho) -> None:
    code = (await _grant(zoho))["code"][0]
    assert "access_token" in await _exchange(zoho, code)
    assert await _exchange(zoho, code) == {"error": "invalid_code"}
    late = (await _grant(zoho))["code"][0]
    zoho.emu.advance_time(61)  # grant codes live 60 seconds
    assert await _exchange(zoho, late) == {"error": "invalid_code"}


async def test_offline_without_prompt_consent_gives_no_new_refresh_token(zoho: Zoho) -> None:
    code = (await _grant(zoho, prompt=""))["code"][0]
    body = await _exchange(zoho, code)
    assert "access_token" in body
    assert "refresh_token" not in body  # the client already holds the seeded refresh token


async def test_refresh_returns_access_token_without_refresh_token(zoho: Zoho) -> None:
    response = await zoho.refresh()
    body = response.json()
    assert response.status_code == 200
    assert "refresh_token" not in body
    assert body["expires_in"] == 3600
    assert body["api_domain"] == "http://books.test"
    assert body["access_token"].count(".") == 2


async def test_refresh_in_query_string_works(zoho: Zoho) -> None:
    params = {
        "refresh_token": zoho.emu.refresh_token,
        "client_id": zoho.emu.client_id,
        "client_secret": zoho.emu.client_secret,
        "grant_type": "refresh_token",
    }
    response = await zoho.http.post("/oauth/v2/token", params=params)
    assert "access_token" in response.json()


async def test_eleventh_refresh_in_ten_minutes_is_access_denied(zoho: Zoho) -> None:
    for _ in range(10):
        assert "access_token" in (await zoho.refresh()).json()
    throttled = await zoho.refresh()
    assert throttled.status_code == 400
    assert throttled.json() == {
        "error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time.",
    }
    zoho.emu.advance_time(601)
    assert "access_token" in (await zoho.refresh()).json()


async def test_throttle_window_scales_with_window_seconds() -> None:
    emu = ZohoBooksEmulator(contacts=0, invoices=0, bills=0, expenses=0, window_seconds=6)
    from .conftest import asgi_client

    async with asgi_client(emu) as http:
        zoho = Zoho(emu, http)
        for _ in range(10):
            await zoho.refresh()
        assert (await zoho.refresh()).status_code == 400
        emu.advance_time(61)  # 10 "minutes" of a 6-second window
        assert "access_token" in (await zoho.refresh()).json()


async def test_sixteenth_access_token_invalidates_the_oldest(zoho: Zoho) -> None:
    tokens = []
    for n in range(16):
        if n == 10:
            zoho.emu.advance_time(601)  # stay under the refresh throttle
        tokens.append((await zoho.refresh()).json()["access_token"])
    assert (await zoho.call("GET", "/contacts", token=tokens[0])).json()["code"] == 57
    assert (await zoho.call("GET", "/contacts", token=tokens[1])).status_code == 200


async def test_bad_client_and_bad_refresh_token(zoho: Zoho) -> None:
    assert (await zoho.refresh(client_secret="wrong")).json() == {"error": "invalid_client"}
    assert (await zoho.refresh(refresh_token="1000.nope.nope")).json() == {"error": "invalid_code"}
    assert (await zoho.refresh(grant_type="password")).json() == {"error": "unsupported_grant_type"}


async def test_revoke_refresh_token_kills_its_access_tokens(zoho: Zoho) -> None:
    code = (await _grant(zoho))["code"][0]
    body = await _exchange(zoho, code)
    access, refresh = str(body["access_token"]), str(body["refresh_token"])
    revoked = await zoho.http.post("/oauth/v2/token/revoke", params={"token": refresh})
    assert revoked.status_code == 200
    assert (await zoho.call("GET", "/contacts", token=access)).json()["code"] == 57
    again = await zoho.http.post("/oauth/v2/token/revoke", params={"token": refresh})
    assert again.status_code == 400


async def test_auth_errors_redirect_or_refuse(zoho: Zoho) -> None:
    unknown = await zoho.http.get("/oauth/v2/auth", params={"client_id": "nope", "redirect_uri": REDIRECT})
    assert unknown.status_code == 400
    assert "invalid_client" in unknown.text
    bad_scope = await _grant(zoho, scope="not a scope")
    assert bad_scope["error"] == ["invalid_scope"]
    assert bad_scope["state"] == ["xyz-42"]


async def test_serverinfo_lists_locations(zoho: Zoho) -> None:
    body = (await zoho.http.get("/oauth/serverinfo")).json()
    assert body["result"] == "success"
    assert body["locations"]["us"] == "http://books.test"
    assert {"eu", "in", "au", "jp", "ca", "sa", "uk"} <= set(body["locations"])
