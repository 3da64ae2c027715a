"""``unified demo`` as a user runs it: the console script in a fresh directory, against its in-process emulator."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import Contact, Invoice
from unified.sync import SQLiteStore

pytestmark = pytest.mark.e2e

SEED = 3
COUNTS = {"contacts": 12, "invoices": 15, "bills": 4, "expenses": 4}


def test_demo_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "unified-demo.db").write_bytes(b"left over from an earlier demo")  # replaced, not reused
    script = Path(sys.executable).with_name("unified")
    command = [str(script), "demo", "--window-seconds", "0.2", "--seed", str(SEED)]
    for name, count in COUNTS.items():
        command += [f"--{name}", str(count)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIFIED_")}
    env["UNIFIED_HOME"] = str(tmp_path / "home")
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out, err = done.stdout, done.stderr

    # the steps, on stderr
    assert "OAuth code flow" in err and "code exchanged" in err
    assert "created customer 'Demo Customer" in err and "custom field" in err

    # the summary, on stdout: records per resource, calls against the minimum, 429s, time
    same = ZohoBooksEmulator(seed=SEED, contacts=12, invoices=15, bills=4, expenses=4)  # the demo's organization
    taxes = len(same.records(same.organization_id, "taxes"))
    row = re.compile(r"│ (\w+) +│ +([\d,]+) │ +([\d,]+) │ +(\d+) / (\d+) │")
    rows = {m.group(1): m.groups()[1:] for m in row.finditer(out)}
    assert rows["contacts"] == (str(COUNTS["contacts"] + 1), str(COUNTS["contacts"]), "1", "0")
    assert rows["invoices"] == (str(COUNTS["invoices"] + 1), str(COUNTS["invoices"]), "1", "0")
    assert rows["bills"][:3] == (str(COUNTS["bills"]), str(COUNTS["bills"]), "0")
    assert rows["expenses"][:3] == (str(COUNTS["expenses"]), str(COUNTS["expenses"]), "0")
    assert rows["tax_rates"][:2] == (str(taxes), str(taxes))

    first_sync = sum(math.ceil(n / 200) + n for n in COUNTS.values()) + 1  # details for all but tax rates
    second_sync = 5 + 2  # a list call per resource, details of the new contact and invoice
    minimum = int(re.search(r"([\d,]+) the minimum possible", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert minimum == first_sync + second_sync + 2  # the two creates
    used = int(re.search(r"API calls: ([\d,]+) used", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    rejected = int(re.search(r"429s received: (\d+)", out).group(1))  # type: ignore[union-attr]
    # beyond the minimum: the connector's own look-ups before writes (definitions, taxes) and retried 429s
    assert minimum <= used - rejected <= minimum + 8
    assert re.search(r"Elapsed: [\d.]+ s", out)
    assert "100 calls per 0.2 s window" in out

    # the database holds what the summary says, the demo's writes included
    store = SQLiteStore(tmp_path / "unified-demo.db")
    try:
        assert store.count("invoices") == COUNTS["invoices"] + 1
        contacts = [c for c in store.iter("contacts") if isinstance(c, Contact)]
        demo_contacts = [c for c in contacts if (c.display_name or "").startswith("Demo Customer")]
        assert len(contacts) == COUNTS["contacts"] + 1 and len(demo_contacts) == 1
        invoices = [i for i in store.iter("invoices") if isinstance(i, Invoice) and i.customer]
        demo_invoice = next(i for i in invoices if i.customer and i.customer.id == demo_contacts[0].id)
        assert demo_invoice.line_items and all(line.tax_rate for line in demo_invoice.line_items)
        assert demo_invoice.total_tax and demo_invoice.total_tax > 0
        assert demo_invoice.custom_fields and any(f.value for f in demo_invoice.custom_fields)
    finally:
        store.close()


@pytest.mark.parametrize("connector", ["xero", "quickbooks"])
def test_demo_runs_against_every_backend(tmp_path: Path, connector: str) -> None:
    script = Path(sys.executable).with_name("unified")
    command = [str(script), "demo", "--connector", connector, "--window-seconds", "0.2", "--seed", "3"]
    command += ["--contacts", "10", "--invoices", "12", "--bills", "4", "--expenses", "4"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIFIED_")}
    env["UNIFIED_HOME"] = str(tmp_path / "home")
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "code exchanged" in done.stderr and "created customer 'Demo Customer" in done.stderr
    assert "and invoice" in done.stderr
    assert "429s received: 0" in done.stdout
    with SQLiteStore(tmp_path / "unified-demo.db") as store:
        names = [c.display_name for c in store.iter("contacts") if isinstance(c, Contact)]
        assert sum(1 for n in names if n and n.startswith("Demo Customer")) == 1  # the second sync brought it in
        assert store.count("invoices") >= 1
