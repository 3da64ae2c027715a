"""What a user types: `unified emulator quickbooks`, the export lines it prints, then `unified list customers`,
`unified list bills` and `unified sync`, each its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

EXPORT = "export "


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start the emulator command and read the export lines it prints once listening."""
    home = tmp_path_factory.mktemp("home")
    command = [sys.executable, "-m", "unified", "emulator", "quickbooks", "--port", "0", "--seed", "3"]
    command += ["--contacts", "9", "--invoices", "6", "--bills", "4", "--expenses", "3", "--window-seconds", "0.5"]
    env = {**os.environ, "UNIFIED_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert process.stdout is not None
    found: dict[str, str] = {}
    try:
        for line in process.stdout:  # the banner comes once the server listens: read until its last line
            text = line.strip()
            if text.startswith(EXPORT):
                name, _, value = text[len(EXPORT) :].partition("=")
                found[name] = value.strip("'\"")
            if text.startswith("Press Ctrl-C"):
                break
        assert "UNIFIED_QUICKBOOKS_REALM_ID" in found, "the emulator printed no export lines"
        yield {**found, "UNIFIED_HOME": str(home), "UNIFIED_VAULT_KEY": "", "UNIFIED_CONNECTION": ""}
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def unified(exports: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNIFIED_ZOHO_", "UNIFIED_XERO_"))}
    return subprocess.run(
        [sys.executable, "-m", "unified", *args], env={**env, **exports}, capture_output=True, text=True, timeout=120
    )


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_list_customers_list_bills_and_sync_from_the_printed_exports(exports: dict[str, str], tmp_path: Path) -> None:
    customers = unified(exports, "list", "customers")
    assert customers.returncode == 0, customers.stderr
    listed = _lines(customers.stdout)
    assert listed and all(c["id"].startswith("customer-") and c["is_customer"] for c in listed)

    bills = unified(exports, "list", "bills", "--raw")  # a second process: the rotated token is not needed again
    assert bills.returncode == 0, bills.stderr
    rows = _lines(bills.stdout)
    assert len(rows) == 4 and all(b["supplier"]["id"].startswith("vendor-") for b in rows)
    assert all(b["_raw"]["Id"] == b["id"] and b["total"] == str(b["_raw"]["TotalAmt"]) for b in rows)

    db = tmp_path / "qbo.db"
    first = unified(exports, "sync", "--db", str(db))
    assert first.returncode == 0, first.stderr
    deleted = unified(exports, "delete", "invoices", "1")
    assert deleted.returncode == 0, deleted.stderr
    second = unified(exports, "sync", "--db", str(db), "--resources", "invoices")
    assert second.returncode == 0, second.stderr
    table = next(line for line in second.stdout.splitlines() if line.strip("│ ").startswith("invoices"))
    cells = [cell.strip() for cell in table.strip("│").split("│")]
    assert cells[1] == "incremental" and cells[4] == "1"  # the deletion, through the change feed
