"""Peak memory of a sync: 50,000 invoices in reduced mode, and 5,000 with line items.

    python benchmarks/memory.py [--quick]

The emulator runs in one child process on a loopback port and the sync in another, into an SQLite file, so
neither's memory counts against the other's. The sync's peak RSS so far (VmHWM) is read after its imports,
when 10,000, 25,000 and 50,000 invoices have been synced (1,000, 2,500 and 5,000 with lines), and at the end;
the peak at 10,000 is what a sync of 10,000 would peak at, so one run shows how the peak grows with N. The
emulator's own peak is shown beside it; it serves the seeded invoices cloned up to N (generating 50,000 would
take it a minute). Target: the sync's peak under 200 MB, and flat as N grows (the peak at N within 10% of the
peak at N/5): records are streamed page by page, never held all at once.
"""

from __future__ import annotations

import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _common import (
    EmulatorOptions,
    Served,
    Settings,
    connector,
    emulator_process,
    environment,
    parse_args,
    peak_rss_mb,
    print_table,
    run_in_child,
    say,
    summary,
)

from unified.sync import SQLiteStore, SyncEngine

WINDOW = 0.002  # time scaled: a 2 ms rate window (Zoho: 60 s); the emulator enforces it, the connector paces for it
LIMIT_MB = 200.0
FLAT = 0.10
OTHERS = {"contacts": 100, "bills": 50, "expenses": 50}
MARKS = (0.2, 0.5, 1.0)  # of the invoices: when the peak so far is read


def sync_child(settings: Settings, reduced: bool, invoices: int, pipe: Connection) -> None:
    """The measured process: one full sync into a fresh SQLite file; sends its figures."""
    after_imports = peak_rss_mb()
    due = [round(invoices * share) for share in MARKS]
    marks: dict[int, float] = {}

    def progress(resource: str, done: int, total: int | None, phase: str) -> None:
        while resource == "invoices" and phase in ("listing", "done") and due and done >= due[0]:
            marks[due.pop(0)] = peak_rss_mb()

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        zoho = connector(settings, WINDOW)
        store = SQLiteStore(Path(folder) / "sync.db")
        started = time.perf_counter()
        with SyncEngine(zoho, store, connection="bench", reduced=reduced) as engine:
            report = engine.run_sync(progress=progress)
            engine.close(close_connector=True)
        seconds = time.perf_counter() - started
        records = sum(store.count(name) for name in report.per_resource)
        store.close()
    pipe.send(
        {
            "after_imports": after_imports,
            "peak": peak_rss_mb(),
            "marks": marks,
            "seconds": seconds,
            "records": records,
            "calls": zoho.http.calls,
        }
    )


def measure(invoices: int, reduced: bool) -> dict[str, Any]:
    options = EmulatorOptions(
        options={"seed": 7, **OTHERS, "invoices": 500, "window_seconds": WINDOW},
        cloned_invoices=invoices,
        clone_lines=not reduced,
    )
    with emulator_process(options) as emu:
        say(f"{invoices:,} invoices: emulator ready in {emu.build_seconds:.1f} s; syncing")
        result: dict[str, Any] = run_in_child(sync_child, emu.settings, reduced, invoices)
        final = emu.stop()
    result["served"] = Served.of(final["stats"])
    result["emulator_peak"] = final["peak_rss_mb"]
    return result


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    runs = ((5_000, True), (500, False)) if args.quick else ((50_000, True), (5_000, False))
    say(environment())
    rows: list[list[object]] = []
    peaks: list[float] = []
    growths: list[str] = []
    rejected = 0
    worst_growth = 0.0
    for invoices, reduced in runs:
        result = measure(invoices, reduced)
        served: Served = result["served"]
        rejected += served.rejected
        peaks.append(result["peak"])
        found = sorted(result["marks"].items())
        growth = found[-1][1] / found[0][1] - 1
        worst_growth = max(worst_growth, growth)
        growths.append(
            f"{found[0][0]:,} -> {found[-1][0]:,} invoices {'reduced' if reduced else 'with lines'}: "
            f"{found[0][1]:.0f} -> {found[-1][1]:.0f} MB ({growth:+.0%})"
        )
        marks = " · ".join(f"{n:,}: {mb:.0f}" for n, mb in found)
        rows.append(
            [
                "reduced" if reduced else "with lines",
                f"{invoices:,}",
                f"{result['records']:,}",
                f"{served.books:,}",
                served.rejected,
                f"{result['seconds']:.1f}",
                f"{result['after_imports']:.0f}",
                marks,
                f"{result['peak']:.0f}",
                f"{result['emulator_peak']:.0f}",
            ]
        )
    print_table(
        "Peak RSS of a full sync into SQLite, MB (emulator in its own process; "
        f"{OTHERS['contacts']} contacts, {OTHERS['bills']} bills, {OTHERS['expenses']} expenses)",
        [
            "mode",
            "invoices",
            "records",
            "Books calls",
            "429s",
            "sync s",
            "after imports",
            "peak after N invoices: MB",
            "sync peak",
            "emulator peak",
        ],
        rows,
    )
    highest = max(peaks)
    met = highest < LIMIT_MB and worst_growth <= FLAT and not rejected
    summary(
        met,
        f"sync peak at most {highest:.0f} MB (target < {LIMIT_MB:.0f}); {'; '.join(growths)} "
        f"(target within {FLAT:.0%}); {rejected} 429s",
    )


if __name__ == "__main__":
    main()
