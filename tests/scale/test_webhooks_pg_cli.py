"""``unified watch`` and ``unified webhooks ...`` with ``--db postgresql://...``: subscribers kept in the shared
outbox, a silent baseline then each change delivered, deliveries listed and replayed; no secret and no database
password in any output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from schemas import Contact
from tests.scale._webhooks import Subscribers, own_database
from unified import AsyncUnifiedClient
from unified.cli import app

SECRET = "subscriber-secret-0123456789"


@pytest.fixture
def database(pg_database: str) -> Iterator[str]:
    """A database of this test's own, with a password in its URL (trust auth ignores it; outputs must not show it)."""
    for url in own_database():
        yield url.replace("postgres@", "postgres:hunter2@", 1)


@pytest.mark.e2e
def test_watch_and_webhooks_commands_on_the_shared_outbox(database: str, tmp_path: Path) -> None:
    from connectors.zoho_books import ZohoBooksConnector
    from connectors.zoho_books.emulator import ZohoBooksEmulator

    endpoints = Subscribers()
    url = endpoints.urls[0]
    emu = ZohoBooksEmulator(seed=11, contacts=3, invoices=2, bills=0, expenses=0)
    with emu.serve():
        env = {
            "UNIFIED_HOME": str(tmp_path / "home"),
            "UNIFIED_VAULT_KEY": Fernet.generate_key().decode(),
            "UNIFIED_VAULT_URL": "",
            "UNIFIED_CONNECTION": "",
            "UNIFIED_WEBHOOK_SECRET": "",
            **{f"UNIFIED_ZOHO_{k.upper()}": str(v) for k, v in emu.connector_settings().items()},
        }
        cli = CliRunner()
        watch = ["watch", "--once", "--db", database, "--resources", "contacts"]
        try:
            added = cli.invoke(app, ["webhooks", "add", url, "--secret", SECRET, "--db", database], env=env)
            assert added.exit_code == 0, added.stderr
            assert "saved in postgresql://postgres:***@127.0.0.1" in added.stderr

            first = cli.invoke(app, watch, env=env)
            assert first.exit_code == 0, first.stderr
            assert json.loads(first.stdout)["baseline"] == ["contacts"] and json.loads(first.stdout)["events"] == 0

            async def change() -> str:
                connector = ZohoBooksConnector(**emu.connector_settings())
                created = await AsyncUnifiedClient(connector).customers.create(
                    Contact(display_name="Seen On PostgreSQL", is_customer=True)
                )
                await connector.aclose()
                assert created.id is not None
                return created.id

            new_id = asyncio.run(change())
            second = cli.invoke(app, watch, env=env)
            assert second.exit_code == 0, second.stderr
            assert json.loads(second.stdout)["delivered"] == 1

            listed = cli.invoke(app, ["webhooks", "list", "--db", database, "--format", "json"], env=env)
            [row] = json.loads(listed.stdout)
            assert (row["url"], row["delivered"], row["pending"]) == (url, 1, 0)
            shown = cli.invoke(app, ["webhooks", "deliveries", "--db", database, "--format", "json"], env=env)
            [delivery] = json.loads(shown.stdout)
            assert (delivery["entity_id"], delivery["event_type"]) == (new_id, "accounting.customer.created")

            replayed = cli.invoke(app, ["webhooks", "replay", "--all", "--db", database], env=env)
            assert replayed.exit_code == 0 and "Re-queued 1 deliveries" in replayed.stderr
            sent = cli.invoke(app, ["webhooks", "deliver", "--db", database], env=env)
            assert sent.exit_code == 0, sent.stderr
            assert json.loads(sent.stdout)["delivered"] == 1
            assert endpoints.received.got == {(url, delivery["event_id"]): 2}  # the change, and its replay

            for result in (added, first, second, listed, shown, replayed, sent):
                assert SECRET not in result.stdout + result.stderr and "hunter2" not in result.stdout + result.stderr
        finally:
            endpoints.close()
