"""API calls of a full sync and of an incremental sync after k changes, against the fewest possible.

    python benchmarks/calls.py [--quick]

For N invoices (1,000 and 10,000; plus 300 contacts, 200 bills, 200 expenses) against the emulator in-process:
a full sync, then k changes through the unified API (updates spread over the resources, a new contact and a new
invoice), then an incremental sync. Calls are counted by the emulator (and by the connector); the lower bound is
⌈n/200⌉ list calls per resource plus a detail call per new or changed record (see ``_common.minimum_calls``).
Target: calls at most the bound plus 5, and no 429.

Time is scaled (a 2 ms rate window, so a 2.9 s "day") because pacing is not the point here; the emulator enforces
the same limits the connector paces for, so a pacing fault would still show up as 429s.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import (
    Served,
    environment,
    in_process,
    minimum_calls,
    module_counts,
    parse_args,
    print_table,
    run,
    say,
    summary,
)

from connectors.zoho_books.emulator import ZohoBooksEmulator
from schemas import Bill, Contact, Expense, Invoice, InvoiceLineItem, LinkedCustomer
from unified import AsyncUnifiedClient
from unified.sync import SQLiteStore, SyncEngine, SyncReport

WINDOW = 0.002
TOLERANCE = 5
DAILY_CAPS = {"free": 1_000, "standard": 2_000, "professional": 5_000, "premium": 10_000}  # Zoho's, per plan
# how k changes spread over the resources (the rest are invoices), besides one new contact and one new invoice
SHARES = {"contacts": 0.2, "bills": 0.1, "expenses": 0.1}
MODULE_IDS = {"contacts": "contact_id", "invoices": "invoice_id", "bills": "bill_id", "expenses": "expense_id"}


async def sync(emu: ZohoBooksEmulator, db: Path) -> tuple[SyncReport, int]:
    zoho = in_process(emu, WINDOW)
    store = SQLiteStore(db)
    try:
        report = await SyncEngine(zoho, store, connection="bench").run()
    finally:
        store.close()
        await zoho.aclose()
    return report, zoho.http.calls


async def change(emu: ZohoBooksEmulator, k: int) -> dict[str, int]:
    """k changes through the unified API; how many records of each resource are new or changed."""
    per = {name: max(1, round((k - 2) * share)) for name, share in SHARES.items()}
    per["invoices"] = k - 2 - sum(per.values())
    org = emu.organization_id
    async with AsyncUnifiedClient(in_process(emu, WINDOW)) as client:
        for resource, count in per.items():
            ids = [str(row[MODULE_IDS[resource]]) for row in emu.records(org, resource)[:count]]
            for n, record_id in enumerate(ids):
                edit: Any = {
                    "contacts": Contact(notes=f"benchmark change {n}"),
                    "invoices": Invoice(reference=f"BENCH-{n}"),
                    "bills": Bill(reference=f"BENCH-{n}"),
                    "expenses": Expense(reference=f"BENCH-{n}"),
                }[resource]
                await client.resource(resource).update(record_id, edit)
        customer: Contact = await client.contacts.create(Contact(display_name="Benchmark Customer", is_customer=True))
        await client.invoices.create(
            Invoice(
                customer=LinkedCustomer(id=customer.id),
                invoice_date=date.today(),
                line_items=[InvoiceLineItem(description="Benchmark", quantity=Decimal(1), unit_price=Decimal(100))],
            )
        )
    per["contacts"] += 1
    per["invoices"] += 1
    return per


def measure(n: int, k: int, rows: list[list[object]], misses: list[str]) -> None:
    started = time.perf_counter()
    emu = ZohoBooksEmulator(
        seed=7, contacts=300, invoices=n, bills=200, expenses=200, window_seconds=WINDOW
    ).wait_ready(600)
    say(f"N={n:,}: emulator built in {time.perf_counter() - started:.1f} s")
    totals = module_counts(emu)
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as folder:
        db = Path(folder) / "sync.db"
        for label, changed in (("full", None), (f"incr. k={k}", {})):
            if changed is not None:
                changed.update(run(change(emu, k)))
                totals = module_counts(emu)
            emu.reset_stats()
            started = time.perf_counter()
            report, connector_calls = run(sync(emu, db))
            seconds = time.perf_counter() - started
            served = Served.of(emu.stats())
            bound = minimum_calls(in_process(emu, WINDOW), totals, changed)
            over = served.books - bound
            rows.append(
                [
                    f"{n:,}",
                    label,
                    f"{sum(totals.values()):,}",
                    f"{report.list_calls:,}",
                    f"{report.detail_calls:,}",
                    f"{served.other:,}",
                    f"{served.books:,}",
                    f"{connector_calls:,}",
                    f"{bound:,}",
                    f"{over:+,}",
                    served.rejected,
                    served.oauth,
                    f"{seconds:.1f}",
                ]
            )
            if over > TOLERANCE or served.rejected:
                misses.append(f"N={n:,} {label}: {over:+} over the bound, {served.rejected} 429s")
            say(f"N={n:,} {label}: {served.books:,} calls (bound {bound:,}) in {seconds:.1f} s")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    sizes, k = ((500, 2_000), 20) if args.quick else ((1_000, 10_000), 100)
    say(environment())
    rows: list[list[object]] = []
    misses: list[str] = []
    for n in sizes:
        measure(n, k, rows, misses)
    print_table(
        "Calls per sync against the lower bound (emulator in-process; 300 contacts, 200 bills, 200 expenses)",
        [
            "invoices",
            "sync",
            "records",
            "list",
            "detail",
            "other",
            "Books calls",
            "connector calls",
            "bound",
            "over",
            "429s",
            "OAuth",
            "s",
        ],
        rows,
        labels=2,
    )
    say(
        "bound: ⌈n/200⌉ list calls per resource (incremental: ⌈k/200⌉ where Zoho filters or sorts by modification "
        "time, else every page) + one detail call per new or changed record; no metadata calls are needed to read"
    )
    biggest = max(int(str(row[6]).replace(",", "")) for row in rows)
    days = ", ".join(f"{plan} {biggest / cap:.1f}" for plan, cap in DAILY_CAPS.items())
    say(f"the largest sync, {biggest:,} calls, takes this many days of Zoho's daily cap by plan: {days}")
    worst = max(int(str(row[9]).replace(",", "")) for row in rows)
    summary(
        not misses,
        f"{len(rows)} syncs, at most {worst:+} calls over the bound (allowed +{TOLERANCE}), "
        f"{sum(int(str(row[10])) for row in rows)} 429s" + (f"; missed: {'; '.join(misses)}" if misses else ""),
    )


if __name__ == "__main__":
    main()
