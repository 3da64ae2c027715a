"""Connecting a QuickBooks company through the OAuth code flow against the emulator: the realm comes on the redirect
and is the connection's one organization, named by CompanyInfo; the saved connection works."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from connectors.quickbooks import QuickBooksConnectProvider
from connectors.quickbooks.emulator import QuickBooksEmulator
from unified import UnifiedClient
from unified.connect import ConnectFlow
from unified.errors import RequestValidationError
from unified.registry import load
from unified.vault import Vault

pytestmark = pytest.mark.e2e

REDIRECT = "http://127.0.0.1:8767/callback"


def test_the_connect_flow_names_the_realm_of_the_redirect(tmp_path: Path) -> None:
    emulator = QuickBooksEmulator(seed=9, contacts=4, invoices=2, bills=1, expenses=1, window_seconds=0.5)
    with emulator.serve() as emu:
        settings = emu.connector_settings()
        provider_class = load("unified.oauth", "quickbooks")
        assert provider_class is QuickBooksConnectProvider
        provider = provider_class(
            settings["client_id"],
            settings["client_secret"],
            api_url=settings["api_url"],
            oauth_url=settings["oauth_url"],
            appcenter_url=settings["appcenter_url"],
        )
        vault = Vault(tmp_path / "home")
        flow = ConnectFlow(provider, redirect_uri=REDIRECT, vault=vault)
        url, state = flow.start()
        assert url.startswith(f"{settings['appcenter_url']}/connect/oauth2?")
        assert "com.intuit.quickbooks.accounting" in dict(parse_qsl(urlsplit(url).query))["scope"]
        consent = httpx.get(url, follow_redirects=False)
        assert consent.status_code in (302, 303, 307)
        params = dict(parse_qsl(urlsplit(consent.headers["location"]).query))
        assert params["realmId"] == settings["realm_id"]

        with pytest.raises(RequestValidationError) as no_realm:
            asyncio.run(flow.afinish({k: v for k, v in params.items() if k != "realmId"}, state, name="nope"))
        assert no_realm.value.field == "realmId"
        consent = httpx.get(url, follow_redirects=False)  # the refused attempt spent nothing: consent again
        params = dict(parse_qsl(urlsplit(consent.headers["location"]).query))

        authorization = asyncio.run(flow.authorize(params, state))
        (company,) = authorization.organizations
        info = emu.records("CompanyInfo")[0]
        assert (company.id, company.name) == (settings["realm_id"], info["CompanyName"])
        connection = vault.save(authorization.connection(authorization.choose(), name="acme"))
        assert connection.connector == "quickbooks" and connection.settings["realm_id"] == settings["realm_id"]
        assert "refresh_token" in connection.secrets and "refresh_token" not in connection.settings

        with UnifiedClient(vault.connector("acme")) as client:
            assert client.invoices.page(limit=1).data
