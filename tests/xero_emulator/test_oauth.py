"""OAuth 2.0 as Xero's identity service does it: the code flow, rotating refresh tokens with a grace period,
revocation, and 30-minute access tokens."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator

from .conftest import API, Xero

pytestmark = pytest.mark.anyio
CALLBACK = "https://app.example/callback"


async def _api(http: httpx.AsyncClient, token: str, tenant: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant, "Accept": "application/json"}
    return await http.get(f"{API}/Organisation", headers=headers)


async def _code(
    http: httpx.AsyncClient,
    emu: XeroEmulator,
    scope: str = "openid accounting.settings accounting.transactions offline_access",
) -> str:
    params = {
        "response_type": "code",
        "client_id": emu.client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": "s-123",
    }
    response = await http.get("/identity/connect/authorize", params=params)
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    query = parse_qs(target.query)
    assert query["state"] == ["s-123"]
    assert query["scope"] == [scope]
    return query["code"][0]


async def test_code_flow_gives_tokens_once(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    code = await _code(http, emu)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    response = await http.post("/connect/token", data=form, auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["refresh_token"] and body["access_token"]
    assert (await _api(http, body["access_token"], emu.tenant_id)).status_code == 200
    again = await http.post("/connect/token", data=form, auth=(emu.client_id, emu.client_secret))
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


async def test_no_refresh_token_without_offline_access(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    code = await _code(http, emu, scope="openid accounting.transactions")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    body = (await http.post("/connect/token", data=form, auth=(emu.client_id, emu.client_secret))).json()
    assert "refresh_token" not in body and body["access_token"]


async def test_authorize_refuses_unknown_clients_without_redirecting(
    emu: XeroEmulator, http: httpx.AsyncClient
) -> None:
    params = {"response_type": "code", "client_id": "nope", "redirect_uri": CALLBACK, "scope": "openid"}
    response = await http.get("/identity/connect/authorize", params=params)
    assert response.status_code == 400 and "location" not in response.headers
    bad_type = {**params, "client_id": emu.client_id, "response_type": "token", "state": "x"}
    redirected = await http.get("/identity/connect/authorize", params=bad_type)
    assert parse_qs(urlsplit(redirected.headers["location"]).query) == {
        "error": ["unsupported_response_type"],
        "state": ["x"],
    }


async def test_refresh_rotates_and_the_old_token_has_one_grace_use(emu: XeroEmulator, xero: Xero) -> None:
    first = emu.refresh_token
    rotated = (await xero.refresh(first)).json()
    assert rotated["refresh_token"] != first
    # The answer was "lost": the old token works once more within the grace, handing the current one back.
    grace = (await xero.refresh(first)).json()
    assert grace["refresh_token"] == rotated["refresh_token"]
    reused = await xero.refresh(first)
    assert reused.status_code == 400 and reused.json() == {"error": "invalid_grant"}
    newer = (await xero.refresh(rotated["refresh_token"])).json()
    assert newer["refresh_token"] not in (first, rotated["refresh_token"])


async def test_the_grace_ends_after_thirty_minutes(emu: XeroEmulator, xero: Xero) -> None:
    first = emu.refresh_token
    assert (await xero.refresh(first)).status_code == 200
    emu.advance_time(30 * 60 + 1)
    late = await xero.refresh(first)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


async def test_client_authentication_by_basic_or_form_fields(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    basic = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    by_header = await http.post(
        "/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": emu.refresh_token},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert by_header.status_code == 200
    form = {
        "grant_type": "refresh_token",
        "refresh_token": by_header.json()["refresh_token"],
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
    }
    assert (await http.post("/connect/token", data=form)).status_code == 200
    wrong = await http.post("/connect/token", data={**form, "client_secret": "wrong"})
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_client"}
    unsupported = await http.post("/connect/token", data={**form, "grant_type": "password"})
    assert unsupported.json() == {"error": "unsupported_grant_type"}


async def test_access_tokens_expire_after_thirty_minutes(
    emu: XeroEmulator, xero: Xero, http: httpx.AsyncClient
) -> None:
    token = await xero.token()
    assert (await _api(http, token, emu.tenant_id)).status_code == 200
    emu.advance_time(1801)
    expired = await _api(http, token, emu.tenant_id)
    assert expired.status_code == 401
    body = expired.json()
    assert body["Title"] == "Unauthorized" and body["Status"] == 401
    assert body["Detail"].startswith("TokenExpired")


async def test_garbled_tokens_are_unauthorized_in_xeros_shape(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    response = await _api(http, "not-a-token", emu.tenant_id)
    assert response.status_code == 401
    assert {k: response.json()[k] for k in ("Title", "Status", "Detail")} == {
        "Title": "Unauthorized",
        "Status": 401,
        "Detail": "AuthenticationUnsuccessful",
    }
    missing = await http.get(f"{API}/Invoices", headers={"xero-tenant-id": emu.tenant_id})
    assert missing.status_code == 401


async def test_revoking_the_refresh_token_ends_its_tokens_and_connections(
    emu: XeroEmulator, xero: Xero, http: httpx.AsyncClient
) -> None:
    token = await xero.token()
    revoked = await http.post(
        "/connect/revocation", data={"token": xero.refresh_token}, auth=(emu.client_id, emu.client_secret)
    )
    assert revoked.status_code == 200
    assert (await _api(http, token, emu.tenant_id)).status_code == 401
    assert (await xero.refresh()).json() == {"error": "invalid_grant"}
    assert emu.store.connections == {}


async def test_token_paths_answer_in_lower_and_xeros_case(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": emu.refresh_token}
    response = await http.post("/Connect/Token", data=form, auth=(emu.client_id, emu.client_secret))
    assert response.status_code == 200


async def test_tokens_open_only_what_their_scopes_allow(emu: XeroEmulator, http: httpx.AsyncClient) -> None:
    def headers(*scopes: str) -> dict[str, str]:
        token = emu.oauth.issue_access(emu.client_id, scopes).access_token
        return {"Authorization": f"Bearer {token}", "xero-tenant-id": emu.tenant_id}

    granular = headers("accounting.invoices", "accounting.settings")
    assert (await http.get(f"{API}/Invoices", headers=granular)).status_code == 200
    assert (await http.get(f"{API}/TaxRates", headers=granular)).status_code == 200
    refused = await http.get(f"{API}/Contacts", headers=granular)
    assert refused.status_code == 401 and refused.json()["Detail"] == "AuthorizationUnsuccessful"
    read_only = headers("accounting.contacts.read")
    assert (await http.get(f"{API}/Contacts", headers=read_only)).status_code == 200
    written = await http.put(f"{API}/Contacts", json={"Contacts": [{"Name": "Nope"}]}, headers=read_only)
    assert written.status_code == 401
