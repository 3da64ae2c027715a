"""A subscriber URL's token (query string, user info) appears nowhere: httpx's INFO log, reprs, the CLI's output."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from schemas import Invoice
from unified.cli import app
from unified.events import make_events
from unified.webhooks import Deliverer, RetryPolicy, WebhookStore

TOKEN = "t0ps3cretT0ken"
URL = f"https://hooks.example.com/in?token={TOKEN}"
SECRET = "subscriber-secret-0123456789"
T0 = 1_714_564_800.0


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))  # the vault key that encrypts secrets
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)
    return tmp_path / "home"


@pytest.fixture
def webhooks(tmp_path: Path) -> Iterator[WebhookStore]:
    with WebhookStore(tmp_path / "unified.webhooks.db") as store:
        yield store


def queue_one(webhooks: WebhookStore) -> None:
    record = Invoice(id="46001", number="INV-1", updated_at=datetime(2024, 5, 1, tzinfo=UTC))
    webhooks.add_events(make_events("invoices", record, "created", connection="acme"), now=T0)


def test_httpx_info_lines_of_deliveries_show_the_url_redacted(
    webhooks: WebhookStore, caplog: pytest.LogCaptureFixture
) -> None:
    webhooks.add_subscriber(URL, SECRET)
    queue_one(webhooks)
    answers = [500, 200]
    transport = httpx.MockTransport(lambda request: httpx.Response(answers.pop(0)))

    async def twice() -> None:
        deliverer = Deliverer(webhooks, retry=RetryPolicy(base=1, cap=1), transport=transport, clock=lambda: T0 + 100)
        await deliverer.deliver_due()  # 500: retried later, logged at INFO by us and by httpx
        deliverer._clock = lambda: T0 + 200
        await deliverer.deliver_due()
        await deliverer.aclose()

    with caplog.at_level(logging.INFO):
        asyncio.run(twice())
    requests = [r for r in caplog.records if r.name == "httpx"]
    assert len(requests) == 2 and all("hooks.example.com/in?***" in r.getMessage() for r in requests)
    assert any(r.name == "unified.webhooks" for r in caplog.records)
    assert TOKEN not in caplog.text and SECRET not in caplog.text
    assert webhooks.counts()["delivered"] == 1


def test_other_httpx_requests_are_logged_as_httpx_logs_them(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with caplog.at_level(logging.INFO), httpx.Client(transport=transport) as client:
        client.get("https://api.example.com/v3/items?page=2")
    assert "https://api.example.com/v3/items?page=2" in caplog.text  # the filter touches deliveries only


def test_reprs_and_listings_hide_the_token(webhooks: WebhookStore) -> None:
    subscriber = webhooks.add_subscriber(URL, SECRET)
    queue_one(webhooks)
    [due] = webhooks.due(URL, now=T0)
    [listed] = webhooks.deliveries()
    for text in (repr(subscriber), repr(webhooks.subscribers()), repr(due), repr(listed), json.dumps(listed.to_dict())):
        assert TOKEN not in text and SECRET not in text, text
        assert "hooks.example.com/in?***" in text
    assert subscriber.url == URL and listed.subscriber == URL  # the program still has the real URL
    assert webhooks.subscriber_url("https://hooks.example.com/in?***") == URL


def test_the_cli_shows_subscribers_redacted_and_takes_them_back_as_shown(tmp_path: Path) -> None:
    db = str(tmp_path / "unified.db")
    cli = CliRunner()
    added = cli.invoke(app, ["webhooks", "add", URL, "--secret", SECRET, "--db", db])
    assert added.exit_code == 0, added.stderr
    with WebhookStore(tmp_path / "unified.webhooks.db") as store:
        queue_one(store)
    listed = cli.invoke(app, ["webhooks", "list", "--db", db, "--format", "json"])
    table = cli.invoke(app, ["webhooks", "list", "--db", db])
    deliveries = cli.invoke(app, ["webhooks", "deliveries", "--db", db, "--format", "json"])
    shown = json.loads(listed.stdout)[0]["url"]
    assert shown == "https://hooks.example.com/in?***"
    narrowed = cli.invoke(app, ["webhooks", "deliveries", "--db", db, "--subscriber", shown, "--format", "json"])
    assert [d["subscriber"] for d in json.loads(narrowed.stdout)] == [shown]
    removed = cli.invoke(app, ["webhooks", "remove", shown, "--db", db])
    assert removed.exit_code == 0, removed.stderr
    for result in (added, listed, table, deliveries, narrowed, removed):
        assert TOKEN not in result.stdout + result.stderr and SECRET not in result.stdout + result.stderr
    assert json.loads(cli.invoke(app, ["webhooks", "list", "--db", db, "--format", "json"]).stdout) == []
