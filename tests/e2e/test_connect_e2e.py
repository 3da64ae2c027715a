"""The OAuth connect flow against the emulator's Zoho Accounts: CLI loopback, library web callback, the vault."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from connectors.zoho_books._connect import ZohoConnectProvider
from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified import UnifiedClient
from unified.cli import app
from unified.connect import ConnectFlow
from unified.errors import UnauthorizedError
from unified.registry import load
from unified.vault import Vault, build_connector

pytestmark = pytest.mark.e2e

WINDOW = 0.5


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    emulator = ZohoBooksEmulator(
        seed=5, contacts=6, invoices=3, bills=2, expenses=2, organizations=2, window_seconds=WINDOW
    )
    with emulator.serve() as served:
        yield served


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _env(emu: ZohoBooksEmulator, home: Path) -> dict[str, str]:
    return {
        "UNIFIED_HOME": str(home),
        "UNIFIED_ZOHO_CLIENT_ID": emu.client_id,
        "UNIFIED_ZOHO_CLIENT_SECRET": emu.client_secret,
        "UNIFIED_ZOHO_API_URL": emu.api_url,
        "UNIFIED_ZOHO_ACCOUNTS_URL": emu.accounts_url,
        "UNIFIED_ZOHO_WINDOW_SECONDS": str(WINDOW),
        "UNIFIED_ZOHO_REFRESH_TOKEN": "",
        "UNIFIED_ZOHO_ORGANIZATION_ID": "",
        "UNIFIED_VAULT_KEY": "",
    }


def _follow(url: str) -> None:
    """The scripted browser: the emulator grants consent at once and redirects to the loopback callback."""
    response = httpx.get(url, follow_redirects=True, timeout=10)
    assert response.status_code == 200, response.text


def _browser_in_background(monkeypatch: pytest.MonkeyPatch, step: Any = _follow) -> list[str]:
    opened: list[str] = []

    def open_browser(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        threading.Thread(target=step, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_browser)
    return opened


def test_cli_connect_with_scripted_browser(emu: ZohoBooksEmulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = _browser_in_background(monkeypatch)
    second = emu.organization_ids[1]
    result = CliRunner().invoke(
        app, ["connect", "zoho-books", "--organization-id", second, "--name", "acme"], env=_env(emu, home)
    )
    assert result.exit_code == 0, result.stderr
    assert len(opened) == 1
    query = dict(parse_qsl(urlsplit(opened[0]).query))
    assert query["access_type"] == "offline" and query["prompt"] == "consent" and query["state"]
    assert query["redirect_uri"].startswith("http://127.0.0.1:") and query["redirect_uri"].endswith("/callback")
    assert opened[0] in result.stderr  # printed as well as opened
    described = json.loads(result.stdout)
    assert described["settings"]["organization_id"] == second
    assert described["secrets"] == ["access_token", "client_secret", "refresh_token"]

    connection = Vault(home).get("acme")
    assert connection.settings["organization_id"] == second
    # nothing secret in plain text in the vault file, nor on the terminal
    stored = (home / "vault.db").read_bytes()
    for secret in connection.secrets.values():
        assert secret.encode() not in stored
        assert secret not in result.stdout + result.stderr

    listed = CliRunner().invoke(app, ["list", "contacts", "--connection", "acme"], env={"UNIFIED_HOME": str(home)})
    assert listed.exit_code == 0, listed.stderr
    expected = {c["contact_id"] for c in emu.records(second, "contacts")}
    assert {json.loads(line)["id"] for line in listed.stdout.splitlines()} == expected


def test_several_organizations_without_a_choice_lists_them(
    emu: ZohoBooksEmulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _browser_in_background(monkeypatch)
    result = CliRunner().invoke(app, ["connect", "zoho-books"], env=_env(emu, home))
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: The account has 2 organizations")
    assert all(org in line for org in emu.organization_ids) and "--organization-id" in line
    assert Vault(home).names() == []


def test_forged_state_is_refused(emu: ZohoBooksEmulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forge(url: str) -> None:
        consent = httpx.get(url, follow_redirects=False, timeout=10)
        location = consent.headers["location"]
        params = dict(parse_qsl(urlsplit(location).query))
        params["state"] = "forged-" + params["state"]
        httpx.get(location.split("?", 1)[0] + "?" + urlencode(params), timeout=10)

    _browser_in_background(monkeypatch, forge)
    result = CliRunner().invoke(app, ["connect", "--organization-id", emu.organization_id], env=_env(emu, home))
    assert result.exit_code == 1
    assert "state does not match" in result.stderr
    assert Vault(home).names() == []


def test_missing_client_id_names_flag_and_env(emu: ZohoBooksEmulator, home: Path) -> None:
    env = {**_env(emu, home), "UNIFIED_ZOHO_CLIENT_ID": ""}
    result = CliRunner().invoke(app, ["connect", "zoho-books", "--no-browser"], env=env)
    assert result.exit_code == 1
    assert "--client-id (env UNIFIED_ZOHO_CLIENT_ID)" in result.stderr


def test_console_script_connect_without_browser(emu: ZohoBooksEmulator, home: Path) -> None:
    """A real process: it prints the URL, a "browser" (this test) opens it, the process saves and exits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIFIED_")}
    env.update({k: v for k, v in _env(emu, home).items() if v})
    command = [sys.executable, "-m", "unified", "connect", "zoho-books", "--no-browser", "--timeout", "30"]
    command += ["--organization-id", emu.organization_id]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        url = ""
        for line in process.stderr:
            if line.startswith(emu.accounts_url + "/oauth/v2/auth?"):
                url = line.strip()
                break
        assert url, "the process printed no authorization URL"
        _follow(url)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert json.loads(out)["name"] == "zoho-books"
    assert Vault(home).get("zoho-books").settings["organization_id"] == emu.organization_id


def test_refreshed_tokens_are_written_back(emu: ZohoBooksEmulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _browser_in_background(monkeypatch)
    env = _env(emu, home)
    assert CliRunner().invoke(app, ["connect", "--organization-id", emu.organization_id], env=env).exit_code == 0
    before = Vault(home).get("zoho-books")
    emu.expire_tokens()
    listed = CliRunner().invoke(app, ["list", "tax-rates"], env={"UNIFIED_HOME": str(home)})
    assert listed.exit_code == 0, listed.stderr
    after = Vault(home).get("zoho-books")
    assert after.secrets["access_token"] != before.secrets["access_token"]
    assert after.secrets["refresh_token"] == before.secrets["refresh_token"]
    assert after.settings["expires_at"] != before.settings["expires_at"]


def test_library_flow_for_a_web_callback(emu: ZohoBooksEmulator, tmp_path: Path) -> None:
    """What a SaaS product does in its own OAuth callback: start, redirect the user, finish with the query."""
    assert load("unified.oauth", "zoho-books") is ZohoConnectProvider
    provider = ZohoConnectProvider(emu.client_id, emu.client_secret, api_url=emu.api_url, accounts_url=emu.accounts_url)
    vault = Vault(tmp_path)
    flow = ConnectFlow(provider, redirect_uri="https://app.example.com/oauth/zoho/callback", vault=vault)
    url, state = flow.start()
    # the user's browser goes to `url`; Zoho sends it back to our callback with these query parameters
    consent = httpx.get(url, follow_redirects=False, timeout=10)
    assert consent.status_code == 302
    location = urlsplit(consent.headers["location"])
    assert location.netloc == "app.example.com"
    params = dict(parse_qsl(location.query))
    assert {"code", "location", "accounts-server", "state"} <= set(params)

    authorization = asyncio.run(flow.authorize(params, state))
    assert sorted(o.id for o in authorization.organizations) == sorted(emu.organization_ids)
    chosen = authorization.choose(emu.organization_id)
    connection = vault.save(authorization.connection(chosen, name="customer-42"))
    assert connection.settings["data_center"] == "us"
    assert connection.settings["api_url"] == emu.api_url

    with UnifiedClient(build_connector(vault.get("customer-42"), None, window_seconds=WINDOW)) as client:
        assert len(list(client.contacts.list())) == len(emu.records(emu.organization_id, "contacts"))
    # a code is good once: replaying the redirect fails with a clear error
    with pytest.raises(UnauthorizedError, match="code is used or expired"):
        flow.finish(params, state, organization_id=emu.organization_id)
