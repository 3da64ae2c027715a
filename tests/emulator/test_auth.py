"""Books API authentication: 401 code 14 without credentials, code 57 for bad, expired or under-scoped tokens."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Zoho

pytestmark = pytest.mark.anyio


async def test_missing_or_garbled_authorization_is_code_14(zoho: Zoho) -> None:
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Basic abc"}, {"Authorization": "Zoho-oauthtoken"}):
        response = await zoho.http.get("/books/v3/contacts", params={"organization_id": zoho.org}, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == 14


async def test_unknown_token_is_code_57(zoho: Zoho) -> None:
    response = await zoho.call("GET", "/contacts", token="1000.aaaa.bbbb")
    assert response.status_code == 401
    assert response.json() == {"code": 57, "message": "You are not authorized to perform this operation"}


async def test_bearer_scheme_is_accepted(zoho: Zoho) -> None:
    token = await zoho.token()
    response = await zoho.http.get(
        "/books/v3/contacts", params={"organization_id": zoho.org}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def test_expired_token_is_code_57_and_refresh_fixes_it(zoho: Zoho) -> None:
    token = await zoho.token()
    zoho.emu.expire_tokens()
    assert (await zoho.call("GET", "/contacts", token=token)).json()["code"] == 57
    fresh = (await zoho.refresh()).json()["access_token"]
    assert (await zoho.call("GET", "/contacts", token=fresh)).status_code == 200


async def test_token_expires_after_an_hour(zoho: Zoho) -> None:
    token = await zoho.token()
    zoho.emu.advance_time(3599)
    assert (await zoho.call("GET", "/contacts", token=token)).status_code == 200
    zoho.emu.advance_time(2)
    assert (await zoho.call("GET", "/contacts", token=token)).status_code == 401


async def _scoped_token(zoho: Zoho, scope: str) -> str:
    redirect = "http://localhost/cb"
    grant = await zoho.http.get(
        "/oauth/v2/auth",
        params={"scope": scope, "client_id": zoho.emu.client_id, "response_type": "code", "redirect_uri": redirect},
    )
    code = parse_qs(urlsplit(grant.headers["location"]).query)["code"][0]
    exchange = await zoho.http.post(
        "/oauth/v2/token",
        data={
            "code": code,
            "client_id": zoho.emu.client_id,
            "client_secret": zoho.emu.client_secret,
            "redirect_uri": redirect,
            "grant_type": "authorization_code",
        },
    )
    token: str = exchange.json()["access_token"]
    return token


async def test_scope_per_endpoint_is_enforced(zoho: Zoho) -> None:
    token = await _scoped_token(zoho, "ZohoBooks.contacts.READ,ZohoBooks.settings.READ")
    assert (await zoho.call("GET", "/contacts", token=token)).status_code == 200
    assert (await zoho.call("GET", "/settings/taxes", token=token)).status_code == 200
    assert (await zoho.call("GET", "/items", token=token)).status_code == 200  # items are settings.* in Zoho
    denied = await zoho.call("POST", "/contacts", token=token, json={"contact_name": "Nope"})
    assert denied.status_code == 401
    assert denied.json()["code"] == 57
    assert (await zoho.call("GET", "/invoices", token=token)).json()["code"] == 57
    assert (await zoho.call("GET", "/chartofaccounts", token=token)).json()["code"] == 57  # accountants.*


async def test_all_operation_scope_covers_the_family(zoho: Zoho) -> None:
    token = await _scoped_token(zoho, "ZohoBooks.contacts.ALL")
    created = await zoho.call("POST", "/contacts", token=token, json={"contact_name": "Scoped Ltd"})
    assert created.status_code == 201
    contact_id = created.json()["contact"]["contact_id"]
    assert (await zoho.call("POST", f"/contacts/{contact_id}/inactive", token=token)).status_code == 200
    assert (await zoho.call("GET", "/bills", token=token)).json()["code"] == 57
