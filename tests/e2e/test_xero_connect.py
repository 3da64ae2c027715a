"""Connecting a Xero login against the emulator's identity server: the library's web-callback flow (tenants listed
after consent, one chosen, the connection saved in the vault) and `unified connect xero` with a scripted browser."""

from __future__ import annotations

import asyncio
import json
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from connectors.xero import SCOPES, XeroConnectProvider
from connectors.xero.emulator import XeroEmulator
from unified import UnifiedClient
from unified.cli import app
from unified.connect import ConnectFlow
from unified.errors import RequestValidationError
from unified.vault import Vault

pytestmark = pytest.mark.e2e

WINDOW = 0.2


@pytest.fixture(scope="module")
def emu() -> Iterator[XeroEmulator]:
    with XeroEmulator(
        seed=4, contacts=4, invoices=3, bills=2, expenses=1, tenants=2, window_seconds=WINDOW
    ).serve() as e:
        yield e


def _provider(emu: XeroEmulator) -> XeroConnectProvider:
    s = emu.connector_settings()
    return XeroConnectProvider(
        s["client_id"],
        s["client_secret"],
        api_url=s["api_url"],
        identity_url=s["identity_url"],
        login_url=s["login_url"],
    )


def _consent(url: str) -> dict[str, str]:
    """The browser's part: the emulator consents at once and redirects with the code."""
    answer = httpx.get(url, follow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    return dict(parse_qsl(urlsplit(answer.headers["location"]).query))


def test_the_web_callback_flow_lists_the_tenants_and_saves_the_chosen_one(emu: XeroEmulator, tmp_path: Path) -> None:
    vault = Vault(tmp_path / "home")
    flow = ConnectFlow(_provider(emu), redirect_uri="https://app.example/xero/callback", vault=vault)
    url, state = flow.start()
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["scope"].split() == list(SCOPES) and query["redirect_uri"] == "https://app.example/xero/callback"
    params = _consent(url)

    with pytest.raises(RequestValidationError, match="2 organizations") as info:
        asyncio.run(flow.afinish(params, state))  # several tenants and no choice: the error lists them
    assert all(t in info.value.message for t in emu.tenant_ids)

    url, state = flow.start()
    second = emu.tenant_ids[1]
    connection = asyncio.run(flow.afinish(_consent(url), state, organization_id=second, name="acme"))
    assert connection.settings["tenant_id"] == second and connection.connector == "xero"
    assert set(connection.secrets) == {"client_secret", "refresh_token", "access_token"}
    assert connection.settings["api_url"] == emu.connector_settings()["api_url"]
    with UnifiedClient(vault.connector("acme")) as client:
        assert client.tax_rates.page(limit=2).data  # the second tenant: its own books
        assert {row["tenantId"] for row in client.organizations()} == set(emu.tenant_ids)


def test_unified_connect_xero_with_a_scripted_browser(
    emu: XeroEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = emu.connector_settings()
    env = {
        "UNIFIED_HOME": str(tmp_path / "home"),
        "UNIFIED_VAULT_KEY": "",
        "UNIFIED_CONNECTOR": "xero",
        "UNIFIED_XERO_CLIENT_ID": s["client_id"],
        "UNIFIED_XERO_CLIENT_SECRET": s["client_secret"],
        "UNIFIED_XERO_API_URL": s["api_url"],
        "UNIFIED_XERO_IDENTITY_URL": s["identity_url"],
        "UNIFIED_XERO_LOGIN_URL": s["login_url"],
        "UNIFIED_XERO_WINDOW_SECONDS": str(WINDOW),
        "UNIFIED_XERO_REFRESH_TOKEN": "",
        "UNIFIED_XERO_TENANT_ID": "",
    }
    opened: list[str] = []

    def browser(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    tenant = emu.tenant_ids[0]
    runner = CliRunner()
    connected = runner.invoke(
        app, ["connect", "xero", "--tenant-id", tenant, "--name", "books", "--port", "0"], env=env
    )
    assert connected.exit_code == 0, connected.stderr
    assert opened and f"tenant id {tenant}" in connected.stderr
    saved = json.loads(connected.stdout)
    assert saved["settings"]["tenant_id"] == tenant and "refresh_token" in saved["secrets"]
    listed = runner.invoke(app, ["list", "bills", "--connection", "books", "--limit", "2"], env=env)
    assert listed.exit_code == 0, listed.stderr
    assert 1 <= len(listed.stdout.strip().splitlines()) <= 2
    tenants = runner.invoke(app, ["organizations", "--connection", "books", "--format", "json"], env=env)
    assert tenants.exit_code == 0, tenants.stderr
    assert {row["tenantId"] for row in json.loads(tenants.stdout)} == set(emu.tenant_ids)
