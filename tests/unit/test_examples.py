"""The examples run: the nightly sync script against the Zoho emulator, the FastAPI app through its TestClient."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified.events import Event
from unified.sync import SQLiteStore
from unified.vault import Connection, Vault

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COUNTS: dict[str, Any] = {"contacts": 6, "invoices": 4, "bills": 2, "expenses": 2}
WEBHOOK_SECRET = "exampleWebhookKey42"


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    with ZohoBooksEmulator(seed=17, **COUNTS).serve() as served:
        yield served


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)
    return tmp_path / "home"


def save_connection(emu: ZohoBooksEmulator, home: Path, name: str = "acme") -> None:
    settings = emu.connector_settings()
    secrets = {key: settings.pop(key) for key in ("client_secret", "refresh_token")}
    Vault(home).save(Connection(name, "zoho-books", settings, secrets))


def nightly(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / "nightly_sync.py"), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )


def test_the_nightly_sync_copies_each_connection_then_only_changes(
    emu: ZohoBooksEmulator, home: Path, tmp_path: Path
) -> None:
    save_connection(emu, home)
    data = tmp_path / "nightly"
    first = nightly("--data-dir", str(data))
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("acme: ") and " created" in first.stdout
    with SQLiteStore(data / "acme.db") as store:
        for resource, count in COUNTS.items():
            assert store.count(resource) == count, resource
    again = nightly("--data-dir", str(data))
    assert again.returncode == 0 and "acme: 0 created, 0 updated, 0 deleted" in again.stdout

    with SQLiteStore(data / "acme.db") as late_run, late_run.lock("contacts"):  # last night's run, still going
        skipped = nightly("--data-dir", str(data))
    assert skipped.returncode == 0 and "acme: skipped, Another sync run" in skipped.stdout
    for result in (first, again, skipped):
        assert emu.client_secret not in result.stdout + result.stderr


def test_the_nightly_sync_says_what_is_missing_and_a_revoked_connection_stops_only_itself(
    emu: ZohoBooksEmulator, home: Path, tmp_path: Path
) -> None:
    empty = nightly("--data-dir", str(tmp_path / "nightly"))
    assert empty.returncode == 1 and "No connections in the vault" in empty.stdout
    save_connection(emu, home, "acme")
    settings = emu.connector_settings()
    Vault(home).save(
        Connection("revoked", "zoho-books", {**settings, "refresh_token": None}, {"refresh_token": "revoked-token"})
    )
    result = nightly("--data-dir", str(tmp_path / "nightly"), "--connection", "revoked", "--connection", "acme")
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and lines[0].startswith("revoked: failed, ") and lines[1].startswith("acme: ")


def test_the_fastapi_app_connects_a_customer_and_receives_zoho_webhooks(emu: ZohoBooksEmulator, home: Path) -> None:
    from fastapi.testclient import TestClient

    from examples.fastapi_app import create_app

    events: list[Event] = []

    async def collect(event: Event) -> None:
        events.append(event)

    app = create_app(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        public_url="http://testserver",
        webhook_secret=WEBHOOK_SECRET,
        vault=Vault(home),
        on_event=collect,
        api_url=emu.api_url,
        accounts_url=emu.accounts_url,
    )
    with TestClient(app) as client:
        start = client.get("/connect/zoho-books", params={"customer": "globex"}, follow_redirects=False)
        assert start.status_code == 303
        consent = start.headers["location"]
        assert consent.startswith(emu.accounts_url + "/oauth/v2/auth")
        # the customer's browser at Zoho: consent is given, Zoho redirects back to the callback
        back = httpx.get(consent, follow_redirects=False, timeout=30)
        assert back.status_code == 302
        redirect = urlsplit(back.headers["location"])
        assert redirect.path == "/oauth/callback"
        done = client.get("/oauth/callback", params=dict(parse_qsl(redirect.query)))
        assert done.status_code == 200, done.text
        assert done.json() == {"connected": "globex", "organization_id": emu.organization_id}
        assert client.get("/oauth/callback", params={"code": "x", "state": "forged"}).status_code in (400, 401)

        record = emu.records(emu.organization_id, "invoices")[0]
        body = json.dumps({"invoice": record}).encode()
        signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"X-Zoho-Webhook-Signature": signature, "Content-Type": "application/json"}
        url = "/webhooks/zoho-books?customer=globex"
        received = client.post(url, content=body, headers=headers)
        redelivered = client.post(url, content=body, headers=headers)
        refused = client.post(url, content=body, headers={"X-Zoho-Webhook-Signature": "é".encode("latin-1") * 64})
    assert received.json() == {"received": 1} and redelivered.json() == {"received": 0}
    assert refused.status_code == 401
    [event] = events
    assert event.type.startswith("accounting.invoice.") and event.entity_id == str(record["invoice_id"])
    assert event.connection == "globex"

    saved = Vault(home).get("globex")
    assert saved.settings["organization_id"] == emu.organization_id and saved.secrets["refresh_token"]
