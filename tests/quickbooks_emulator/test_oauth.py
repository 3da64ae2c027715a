"""Intuit OAuth 2.0: consent, code exchange, rotating refresh tokens, revocation, expiry."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from connectors.quickbooks.emulator import QuickBooksEmulator

from .conftest import Api, basic, fault_code, token_response


def test_refresh_rotates_and_the_superseded_token_is_refused(emu: QuickBooksEmulator, client: httpx.Client) -> None:
    first = token_response(client, emu, emu.refresh_token)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] > 0
    assert body["refresh_token"] != emu.refresh_token
    again = token_response(client, emu, emu.refresh_token)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}
    assert token_response(client, emu, body["refresh_token"]).status_code == 200


def test_client_credentials_in_the_body_work_and_a_wrong_secret_is_invalid_client(
    emu: QuickBooksEmulator, client: httpx.Client
) -> None:
    ok = client.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": emu.refresh_token, "client_id": emu.client_id,
              "client_secret": emu.client_secret},
    )  # fmt: skip
    assert ok.status_code == 200
    wrong = client.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": ok.json()["refresh_token"]},
        headers={"Authorization": "Basic " + "bm90OnJpZ2h0"},
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"


def test_code_flow_redirects_with_code_state_and_realm(emu: QuickBooksEmulator, client: httpx.Client) -> None:
    consent = client.get(
        "/connect/oauth2",
        params={"client_id": emu.client_id, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
                "redirect_uri": "http://127.0.0.1:9/callback", "state": "xyz"},
        follow_redirects=False,
    )  # fmt: skip
    assert consent.status_code == 302
    target = urlparse(consent.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/callback"
    assert query["state"] == ["xyz"]
    assert query["realmId"] == [emu.realm_id]
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": "http://127.0.0.1:9/callback",
    }
    tokens = client.post("/oauth2/v1/tokens/bearer", data=exchange, headers={"Authorization": basic(emu)})
    assert tokens.status_code == 200
    assert tokens.json()["refresh_token"]
    reused = client.post("/oauth2/v1/tokens/bearer", data=exchange, headers={"Authorization": basic(emu)})
    assert reused.json() == {"error": "invalid_grant"}


def test_access_tokens_expire_after_an_hour_of_the_clock(api: Api, emu: QuickBooksEmulator) -> None:
    assert api.get(f"companyinfo/{emu.realm_id}").status_code == 200
    emu.advance_time(3601)
    expired = api.get(f"companyinfo/{emu.realm_id}")
    assert expired.status_code == 401
    assert fault_code(expired) == "100"
    assert expired.json()["Fault"]["type"] == "AUTHENTICATION"


def test_revoking_the_refresh_token_ends_it_and_its_access_tokens(
    emu: QuickBooksEmulator, client: httpx.Client
) -> None:
    tokens = token_response(client, emu, emu.refresh_token).json()
    revoked = client.post(
        "/oauth2/v1/tokens/revoke", json={"token": tokens["refresh_token"]}, headers={"Authorization": basic(emu)}
    )
    assert revoked.status_code == 200
    assert token_response(client, emu, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    call = client.get(
        f"/v3/company/{emu.realm_id}/companyinfo/{emu.realm_id}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert call.status_code == 401


def test_a_token_for_one_company_is_refused_for_another() -> None:
    from .conftest import make_emulator

    other = make_emulator(realms=2, contacts=3, invoices=2, bills=1, expenses=1)
    with other.serve(), httpx.Client(base_url=other.url) as second:
        code = second.get(
            "/connect/oauth2",
            params={"client_id": other.client_id, "redirect_uri": "http://127.0.0.1:9/cb", "state": "s",
                    "realmId": other.realm_ids[1]},
            follow_redirects=False,
        )  # fmt: skip
        grant = parse_qs(urlparse(code.headers["location"]).query)["code"][0]
        tokens = second.post(
            "/oauth2/v1/tokens/bearer",
            data={"grant_type": "authorization_code", "code": grant, "redirect_uri": "http://127.0.0.1:9/cb"},
            headers={"Authorization": basic(other)},
        ).json()
        refused = second.get(
            f"/v3/company/{other.realm_ids[0]}/companyinfo/{other.realm_ids[0]}",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert refused.status_code == 403
        assert fault_code(refused) == "120"


def test_discovery_document_points_at_the_emulator(client: httpx.Client) -> None:
    doc = client.get("/.well-known/openid_sandbox_configuration/").json()
    assert doc["token_endpoint"].endswith("/oauth2/v1/tokens/bearer")
    assert doc["authorization_endpoint"].endswith("/connect/oauth2")
    assert doc["revocation_endpoint"].endswith("/oauth2/v1/tokens/revoke")
