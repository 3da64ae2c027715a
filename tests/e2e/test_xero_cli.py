"""The CLI against `unified emulator xero` run as its own process, configured only by the export lines it prints:
list invoices and bills, get with Xero's payload, write, and sync (incremental, then a deletion found by a full run)."""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from unified.cli import app

pytestmark = pytest.mark.e2e

WINDOW = "0.2"


@pytest.fixture(scope="module")
def exports() -> Iterator[dict[str, str]]:
    command = [sys.executable, "-m", "unified", "emulator", "xero", "--port", "0", "--seed", "9"]
    command += ["--contacts", "12", "--invoices", "10", "--bills", "6", "--expenses", "4", "--window-seconds", WINDOW]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: dict[str, str] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the emulator prints its exports once it listens
            words = shlex.split(line.strip())
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, value = words[1].split("=", 1)
                found[name] = value
            if line.startswith("Press Ctrl-C"):
                break
        assert "UNIFIED_XERO_REFRESH_TOKEN" in found, "the emulator printed no export lines"
        yield found
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def env(exports: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    return {
        **exports,
        "UNIFIED_HOME": str(home),
        "UNIFIED_VAULT_KEY": "",
        "UNIFIED_CONNECTION": "",
        "UNIFIED_DEBUG": "",
    }


@pytest.fixture
def cli(env: dict[str, str]) -> Any:
    def run(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(app, list(args), env=env, input=input)

    return run


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(("resource", "xero_type"), [("invoices", "ACCREC"), ("bills", "ACCPAY")])
def test_list_and_get_invoices_and_bills(cli: Any, resource: str, xero_type: str) -> None:
    listed = cli("list", resource)
    assert listed.exit_code == 0, listed.stderr
    records = _lines(listed.stdout)
    assert records and len({r["id"] for r in records}) == len(records)
    got = cli("get", resource, records[0]["id"], "--raw")
    assert got.exit_code == 0, got.stderr
    record = json.loads(got.stdout)
    assert record["_raw"]["Type"] == xero_type and record["_raw"]["InvoiceID"] == records[0]["id"]
    assert record["line_items"] and all("total_amount" in line for line in record["line_items"])


def test_every_resource_lists(cli: Any) -> None:
    for resource in ("contacts", "customers", "suppliers", "expenses", "tax-rates"):
        listed = cli("list", resource, "--limit", "3")
        assert listed.exit_code == 0, (resource, listed.stderr)
        assert 1 <= len(_lines(listed.stdout)) <= 3, resource


def test_creating_a_customer_is_refused_in_one_line(cli: Any, tmp_path: Path) -> None:
    body = tmp_path / "customer.json"
    body.write_text(json.dumps({"display_name": "Via the view"}))
    refused = cli("create", "customers", "--file", str(body))
    assert refused.exit_code == 1
    assert len(refused.stderr.strip().splitlines()) == 1 and "cannot create customers" in refused.stderr


def test_sync_incremental_then_a_full_run_finds_a_deletion(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "xero.db"
    first = cli("sync", "--db", str(db), "--format", "json")
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["resources"]["invoices"]["created"] >= 5 and report["resources"]["bills"]["created"] >= 3
    again = json.loads(cli("sync", "--db", str(db), "--format", "json").stdout)
    assert again["created"] == 0 and again["updated"] == 0

    customer = _lines(cli("list", "contacts", "--limit", "1").stdout)[0]["id"]
    body = tmp_path / "invoice.json"
    line = {"description": "Consulting", "quantity": "2", "unit_price": "150.00", "ledger_account": {"code": "200"}}
    body.write_text(json.dumps({"customer": {"id": customer}, "reference": "CLI-SYNC", "line_items": [line]}))
    created = cli("create", "invoices", "--file", str(body))
    assert created.exit_code == 0, created.stderr
    invoice = json.loads(created.stdout)
    assert invoice["total"] == "300.00" or float(invoice["total"]) >= 300

    changed = json.loads(cli("sync", "--db", str(db), "--format", "json", "--resources", "invoices").stdout)
    assert changed["resources"]["invoices"]["created"] == 1

    deleted = cli("delete", "invoices", invoice["id"])
    assert deleted.exit_code == 0, deleted.stderr
    full = json.loads(cli("sync", "--db", str(db), "--format", "json", "--resources", "invoices", "--full").stdout)
    assert full["resources"]["invoices"]["deleted"] == 1
    with sqlite3.connect(db) as conn:
        ids = {row[0] for row in conn.execute("select id from invoices")}
    assert invoice["id"] not in ids
