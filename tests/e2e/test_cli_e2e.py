"""The CLI end to end against the Zoho Books emulator served on 127.0.0.1: every resource, format and error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified.cli import app

pytestmark = pytest.mark.e2e

#: emulator and connector share a short rate-limit window: paced like Zoho, but fast
WINDOW = 0.5
RESOURCES = ["contacts", "customers", "suppliers", "invoices", "bills", "expenses", "tax-rates"]


@pytest.fixture(scope="module")
def emu() -> Iterator[ZohoBooksEmulator]:
    emulator = ZohoBooksEmulator(seed=11, contacts=12, invoices=8, bills=5, expenses=5, window_seconds=WINDOW)
    with emulator.serve() as served:
        yield served


@pytest.fixture(scope="module")
def env(emu: ZohoBooksEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "UNIFIED_HOME": str(tmp_path_factory.mktemp("home")),
        "UNIFIED_ZOHO_CLIENT_ID": emu.client_id,
        "UNIFIED_ZOHO_CLIENT_SECRET": emu.client_secret,
        "UNIFIED_ZOHO_REFRESH_TOKEN": emu.refresh_token,
        "UNIFIED_ZOHO_ORGANIZATION_ID": emu.organization_id,
        "UNIFIED_ZOHO_API_URL": emu.api_url,
        "UNIFIED_ZOHO_ACCOUNTS_URL": emu.accounts_url,
        "UNIFIED_ZOHO_WINDOW_SECONDS": str(WINDOW),
        "UNIFIED_VAULT_KEY": "",
        "UNIFIED_CONNECTION": "",
        "UNIFIED_DEBUG": "",
    }


@pytest.fixture
def cli(env: dict[str, str]) -> Any:
    def run(*args: str, input: str | None = None, **extra_env: str) -> Any:
        return CliRunner().invoke(app, list(args), env={**env, **extra_env}, input=input)

    return run


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_and_get(cli: Any, resource: str) -> None:
    listed = cli("list", resource)
    assert listed.exit_code == 0, listed.stderr
    records = _lines(listed.stdout)
    assert records and all(r["id"] for r in records)
    got = cli("get", resource, records[-1]["id"], "--raw")
    assert got.exit_code == 0, got.stderr
    record = json.loads(got.stdout)
    assert record["id"] == records[-1]["id"]
    assert isinstance(record["_raw"], dict) and record["_raw"]  # Zoho's own payload


def test_every_output_format(cli: Any) -> None:
    records = _lines(cli("list", "bills").stdout)
    assert json.loads(cli("list", "bills", "--format", "json").stdout) == records
    table = cli("list", "bills", "--format", "table", "--limit", "3")
    assert table.exit_code == 0
    assert all(r["id"] in table.stdout for r in records[:3]) and records[3]["id"] not in table.stdout
    assert "3 bills" in table.stderr
    detail = cli("get", "bills", records[0]["id"], "--format", "table")
    assert detail.exit_code == 0 and "line_items" in detail.stdout


def test_views_follow_contact_type(cli: Any, emu: ZohoBooksEmulator) -> None:
    contacts = emu.records(emu.organization_id, "contacts")
    customers = {c["contact_id"] for c in contacts if c["contact_type"] == "customer"}
    listed = {r["id"] for r in _lines(cli("list", "customers").stdout)}
    assert listed == customers


def test_invoice_detail_has_line_items_and_raw_zoho_fields(cli: Any) -> None:
    first = _lines(cli("list", "invoices", "--limit", "1").stdout)[0]
    detail = json.loads(cli("get", "invoices", first["id"], "--raw").stdout)
    assert detail["line_items"]
    assert detail["_raw"]["invoice_id"] == first["id"]


def _references(emu: ZohoBooksEmulator) -> dict[str, str]:
    org = emu.organization_id
    contacts = emu.records(org, "contacts")
    accounts = emu.records(org, "chartofaccounts")
    taxes = [t for t in emu.records(org, "taxes") if t.get("tax_type") == "tax" and float(t["tax_percentage"]) > 0]
    return {
        "customer": next(c["contact_id"] for c in contacts if c["contact_type"] == "customer"),
        "supplier": next(c["contact_id"] for c in contacts if c["contact_type"] == "vendor"),
        "tax": taxes[0]["tax_id"],
        "expense_account": next(a["account_id"] for a in accounts if a["account_type"] == "expense"),
        "paid_through": next(a["account_id"] for a in accounts if a["account_type"] in ("cash", "bank")),
    }


def _payloads(refs: dict[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any], str]]:
    """resource -> (create body, update body, a field the update changes)."""
    line = {"description": "Consulting", "quantity": 2, "unit_price": "150.00", "tax_rate": {"id": refs["tax"]}}
    return {
        "contacts": ({"display_name": "CLI Contact Co", "is_customer": True}, {"notes": "via CLI"}, "notes"),
        "suppliers": ({"display_name": "CLI Supplier Co"}, {"company_name": "CLI Supplier Ltd"}, "company_name"),
        "invoices": (
            {"customer": {"id": refs["customer"]}, "line_items": [line]},
            {"reference": "REF-CLI-1"},
            "reference",
        ),
        "bills": (
            {
                "supplier": {"id": refs["supplier"]},
                "bill_number": "BILL-CLI-1",
                "line_items": [{**line, "ledger_account": {"id": refs["expense_account"]}}],
            },
            {"notes": "checked"},
            "notes",
        ),
        "expenses": (
            {
                "transaction_date": "2025-03-01T00:00:00Z",
                "account": {"id": refs["paid_through"]},
                "line_items": [{"total_amount": "42.50", "account": {"id": refs["expense_account"]}}],
            },
            {"reference": "EXP-CLI-1"},
            "reference",
        ),
        "tax-rates": ({"name": "CLI Levy", "effective_tax_rate": "3.5"}, {"name": "CLI Levy 2"}, "name"),
    }


@pytest.mark.parametrize("resource", ["contacts", "suppliers", "invoices", "bills", "expenses", "tax-rates"])
def test_create_update_delete(cli: Any, emu: ZohoBooksEmulator, tmp_path: Path, resource: str) -> None:
    create, update, field = _payloads(_references(emu))[resource]
    file = tmp_path / "record.json"
    file.write_text(json.dumps(create))
    created = cli("create", resource, "--file", str(file))
    assert created.exit_code == 0, created.stderr
    record = json.loads(created.stdout)
    assert record["id"]

    file.write_text(json.dumps(update))
    updated = cli("update", resource, record["id"], "--file", str(file))
    assert updated.exit_code == 0, updated.stderr
    assert json.loads(updated.stdout)[field] == update[field]
    assert json.loads(cli("get", resource, record["id"]).stdout)[field] == update[field]

    deleted = cli("delete", resource, record["id"])
    assert deleted.exit_code == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"id": record["id"], "deleted": True}
    gone = cli("get", resource, record["id"])
    assert gone.exit_code == 1
    assert gone.stderr.startswith("Error: ") and len(gone.stderr.strip().splitlines()) == 1


def test_created_invoice_has_line_tax_and_custom_field(cli: Any, emu: ZohoBooksEmulator, tmp_path: Path) -> None:
    refs = _references(emu)
    file = tmp_path / "invoice.json"
    body = {
        "customer": {"id": refs["customer"]},
        "line_items": [
            {"description": "Audit", "quantity": 1, "unit_price": "1000.00", "tax_rate": {"id": refs["tax"]}}
        ],
        "custom_fields": [{"name": "Account Manager", "value": "Ada"}],
    }
    file.write_text(json.dumps(body))
    created = json.loads(cli("create", "invoices", "--file", str(file)).stdout)
    assert created["line_items"][0]["tax_rate"]["id"] == refs["tax"]
    assert created["total_tax"] != "0" and created["total"] != created["sub_total"]
    assert {"name": "Account Manager", "value": "Ada"}.items() <= next(
        f for f in created["custom_fields"] if f["name"] == "Account Manager"
    ).items()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"display_name": "x", "favourite_colour": "red"}, "favourite_colour: unknown field"),
        ({"display_name": "x" * 201, "is_customer": True}, "200"),
        ({"display_name": "Both", "is_customer": True, "is_supplier": True}, "customer"),
        ({"display_name": "x", "custom_fields": [{"name": "No Such Field", "value": 1}]}, "No Such Field"),
    ],
)
def test_bad_input_is_one_clear_line(cli: Any, tmp_path: Path, body: dict[str, Any], expected: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(body))
    result = cli("create", "contacts", "--file", str(file))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_not_found_and_bad_usage(cli: Any) -> None:
    missing = cli("get", "invoices", "460000000000999999")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: ")
    assert cli("get", "widgets", "1").exit_code == 2
    assert cli("list", "invoices", "--format", "yaml").exit_code == 2


def test_wrong_credentials_say_what_to_do(cli: Any) -> None:
    result = cli("list", "contacts", UNIFIED_ZOHO_REFRESH_TOKEN="1000.revoked.or.wrong")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "1000.revoked.or.wrong" not in result.stderr


def test_updated_since(cli: Any) -> None:
    records = _lines(cli("list", "invoices").stdout)
    newest = max(r["updated_at"] for r in records)
    recent = _lines(cli("list", "invoices", "--updated-since", newest).stdout)
    assert recent and all(r["updated_at"] >= newest for r in recent)
    assert len(recent) < len(records)


def test_saved_connection_and_sync(cli: Any, env: dict[str, str], tmp_path: Path) -> None:
    added = cli("connections", "add", "emu")
    assert added.exit_code == 0, added.stderr
    blank = {k: "" for k in env if k.startswith("UNIFIED_ZOHO_") and k != "UNIFIED_ZOHO_WINDOW_SECONDS"}
    db = tmp_path / "sync.db"
    synced = cli("sync", "--connection", "emu", "--db", str(db), "--format", "json", **blank)
    assert synced.exit_code == 0, synced.stderr
    report = json.loads(synced.stdout)
    assert report["resources"]["invoices"]["created"] >= 8
    assert report["detail_calls"] >= report["resources"]["invoices"]["created"]
    again = json.loads(cli("sync", "--connection", "emu", "--db", str(db), "--format", "json", **blank).stdout)
    assert again["created"] == 0 and again["detail_calls"] == 0
    table = cli("sync", "--connection", "emu", "--db", str(db), "--resources", "contacts,tax-rates", **blank)
    assert table.exit_code == 0 and "contacts" in table.stdout and "invoices" not in table.stdout
    assert cli("sync", "--resources", "widgets", "--db", str(db)).exit_code == 2


def test_access_token_is_reused_across_runs(cli: Any, emu: ZohoBooksEmulator) -> None:
    def token_calls() -> int:
        return int(emu.stats()["by_endpoint"].get("POST /oauth/v2/token", 0))

    cli("list", "tax-rates")
    before = token_calls()
    for _ in range(3):
        assert cli("list", "tax-rates").exit_code == 0
    assert token_calls() == before
