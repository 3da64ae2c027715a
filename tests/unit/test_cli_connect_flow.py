"""The generic connect flow (unified.connect) with a scripted provider: state, errors, organizations, loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from unified.connect import (
    ConnectFlow,
    ConnectProvider,
    LoopbackCallback,
    Organization,
    connect_in_browser,
)
from unified.errors import ConnectorTimeoutError, RequestValidationError, UnauthorizedError
from unified.vault import Connection, Vault


class FakeProvider:
    """Grants a code for any consent; the tokens reach the organizations it is given."""

    connector = "fake-books"

    def __init__(self, organizations: list[Organization]) -> None:
        self._organizations = organizations
        self.exchanged: list[Mapping[str, str]] = []

    def default_scopes(self) -> list[str]:
        return ["books.all"]

    def authorization_url(self, *, redirect_uri: str, state: str, scopes: Sequence[str]) -> str:
        query = urlencode({"redirect_uri": redirect_uri, "state": state, "scope": ",".join(scopes)})
        return f"https://accounts.example/auth?{query}"

    async def exchange_code(self, params: Mapping[str, str], *, redirect_uri: str) -> Any:
        self.exchanged.append(dict(params))
        return {"refresh_token": f"refresh-for-{params['code']}", "region": params.get("location")}

    async def organizations(self, grant: Any) -> list[Organization]:
        return self._organizations

    def connection(self, name: str, grant: Any, organization: Organization) -> Connection:
        return Connection(
            name=name,
            connector=self.connector,
            settings={"organization_id": organization.id, "region": grant["region"]},
            secrets={"refresh_token": grant["refresh_token"]},
        )


ONE = [Organization("100", "Acme")]
TWO = [Organization("100", "Acme"), Organization("200", "Beta", is_default=True, currency="EUR")]


def _flow(orgs: list[Organization], vault: Vault | None = None) -> ConnectFlow:
    return ConnectFlow(FakeProvider(orgs), redirect_uri="https://app.example/callback", vault=vault)


def test_provider_satisfies_the_protocol() -> None:
    assert isinstance(FakeProvider(ONE), ConnectProvider)


def test_start_makes_a_fresh_state_and_uses_default_scopes() -> None:
    flow = _flow(ONE)
    url, state = flow.start()
    _, state2 = flow.start()
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["state"] == state and len(state) >= 20 and state != state2
    assert query["scope"] == "books.all"
    assert query["redirect_uri"] == "https://app.example/callback"


def test_finish_stores_the_connection(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    flow = _flow(ONE, vault)
    _, state = flow.start()
    connection = flow.finish({"code": "c1", "state": state, "location": "eu"}, state)
    assert connection.settings == {"organization_id": "100", "region": "eu"}
    assert vault.get("fake-books").secrets == {"refresh_token": "refresh-for-c1"}


def test_wrong_or_missing_state_is_refused_before_any_exchange() -> None:
    flow = _flow(ONE)
    _, state = flow.start()
    for params in ({"code": "c", "state": "forged"}, {"code": "c"}):
        with pytest.raises(UnauthorizedError, match="state does not match"):
            flow.finish(params, state)
    assert flow.provider.exchanged == []  # type: ignore[attr-defined]


def test_refused_consent_and_missing_code() -> None:
    flow = _flow(ONE)
    _, state = flow.start()
    with pytest.raises(UnauthorizedError, match=r"refused \(access_denied\)"):
        flow.finish({"error": "access_denied", "state": state}, state)
    with pytest.raises(RequestValidationError, match="no `code`"):
        flow.finish({"state": state}, state)


def test_several_organizations_need_a_choice() -> None:
    flow = _flow(TWO)
    _, state = flow.start()
    with pytest.raises(RequestValidationError, match=r"2 organizations.*Acme, id 100.*--organization-id"):
        flow.finish({"code": "c", "state": state}, state)
    assert flow.finish({"code": "c", "state": state}, state, organization_id="200").settings["organization_id"] == "200"
    chosen = flow.finish({"code": "c", "state": state}, state, choose=lambda orgs: orgs[1], name="beta")
    assert (chosen.name, chosen.settings["organization_id"]) == ("beta", "200")
    with pytest.raises(RequestValidationError, match="'999' is not one"):
        flow.finish({"code": "c", "state": state}, state, organization_id="999")


def test_no_organization_is_a_clear_error() -> None:
    flow = _flow([])
    _, state = flow.start()
    with pytest.raises(RequestValidationError, match="no organization"):
        flow.finish({"code": "c", "state": state}, state)


def test_finish_inside_an_event_loop_points_to_afinish() -> None:
    flow = _flow(ONE)
    _, state = flow.start()

    async def inside() -> None:
        with pytest.raises(RuntimeError, match="afinish"):
            flow.finish({"code": "c", "state": state}, state)
        connection = await flow.afinish({"code": "c", "state": state}, state)
        assert connection.settings["organization_id"] == "100"

    asyncio.run(inside())


def test_loopback_receives_the_redirect_once() -> None:
    with LoopbackCallback() as callback:
        assert callback.redirect_uri.startswith("http://127.0.0.1:")
        base = callback.redirect_uri
        assert httpx.get(base.replace("/callback", "/favicon.ico")).status_code == 404
        first = httpx.get(base, params={"code": "abc", "state": "s1"})
        assert first.status_code == 200 and "close this window" in first.text
        httpx.get(base, params={"code": "replayed", "state": "s2"})
        assert callback.wait(1) == {"code": "abc", "state": "s1"}


def test_loopback_times_out_with_a_hint() -> None:
    with LoopbackCallback() as callback, pytest.raises(ConnectorTimeoutError, match="--timeout"):
        callback.wait(0.05)


def test_busy_port_is_a_clear_error() -> None:
    with LoopbackCallback() as first:
        port = int(urlsplit(first.redirect_uri).port or 0)
        with pytest.raises(RequestValidationError, match="another port with --port"), LoopbackCallback(port=port):
            pass


def test_connect_in_browser_with_a_scripted_browser(tmp_path: Path) -> None:
    """The "browser" follows the authorization URL: here the provider's consent page redirects at once."""
    vault = Vault(tmp_path)
    announced: list[str] = []

    def browser(url: str) -> None:
        query = dict(parse_qsl(urlsplit(url).query))
        redirect = f"{query['redirect_uri']}?{urlencode({'code': 'xyz', 'state': query['state']})}"
        assert httpx.get(redirect).status_code == 200

    connection = asyncio.run(
        connect_in_browser(
            lambda uri: ConnectFlow(FakeProvider(TWO), redirect_uri=uri, vault=vault),
            open_browser=browser,
            announce=announced.append,
            timeout=5,
            organization_id="100",
            name="mine",
        )
    )
    assert announced and announced[0].startswith("https://accounts.example/auth?")
    assert connection.name == "mine"
    assert vault.get("mine").secrets["refresh_token"] == "refresh-for-xyz"


def test_a_saved_zoho_connection_keeps_the_api_host_the_token_response_named() -> None:
    from datetime import UTC, datetime

    from connectors.zoho_books._connect import ZohoConnectProvider
    from connectors.zoho_books.oauth import TokenSet
    from unified.connect import Organization
    from unified.secret import Secret

    provider = ZohoConnectProvider("1000.CLIENT", "secret", data_center="eu")
    grant = TokenSet(
        access_token=Secret("1000.a"),
        refresh_token=Secret("1000.r"),
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        api_domain="https://www.zohoapis.eu",
        accounts_url="https://accounts.zoho.eu",
    )
    connection = provider.connection("eu", grant, Organization("42", "EU Org"))
    assert connection.settings["api_url"] == "https://www.zohoapis.eu/books/v3"
    assert connection.settings["organization_id"] == "42"
