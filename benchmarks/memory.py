"""Peak memory of a sync: 10,000 to 50,000 invoices in reduced mode, and 5,000 with line items.

    python benchmarks/memory.py [--quick]

The emulator runs in one child process on a loopback port and the sync in another, into an SQLite file, so
neither's memory counts against the other's. The sync's peak RSS (VmHWM) is read after its imports, at every
10,000 invoices listed, and at the end; the emulator's own peak is shown beside it. The emulator serves the
seeded invoices cloned up to N (generating 50,000 would take it a minute). Target: the sync's peak under 200 MB,
and flat as N grows (the largest run's peak within 10% of the smallest's): records are streamed page by page.
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
MARK_EVERY = 10_000


def sync_child(settings: Settings, reduced: bool, pipe: Connection) -> None:
    """The measured process: one full sync into a fresh SQLite file; sends its figures."""
    after_imports = peak_rss_mb()
    marks: dict[int, float] = {}

    def progress(resource: str, done: int, total: int | None, phase: str) -> None:
        if resource == "invoices" and phase == "listing" and done // MARK_EVERY * MARK_EVERY not in marks:
            marks[done // MARK_EVERY * MARK_EVERY] = peak_rss_mb()

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
            "marks": {n: mb for n, mb in marks.items() if n},
            "seconds": seconds,
            "records": records,
            "calls": zoho.http.calls,
        }
    )


def measure(invoices: int, reduced: bool) -> dict[str, Any]:
    options = EmulatorOptions(
        options={"seed": 7, "contacts": 300, "invoices": 500, "bills": 200, "expenses": 200, "window_seconds": WINDOW},
        cloned_invoices=invoices,
        clone_lines=not reduced,
    )
    with emulator_process(options) as emu:
        say(f"{invoices:,} invoices: emulator ready in {emu.build_seconds:.1f} s; syncing")
        result: dict[str, Any] = run_in_child(sync_child, emu.settings, reduced)
        final = emu.stop()
    result["served"] = Served.of(final["stats"])
    result["emulator_peak"] = final["peak_rss_mb"]
    return result


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    reduced_sizes, detailed = ((2_000, 5_000), 1_000) if args.quick else ((10_000, 25_000, 50_000), 5_000)
    say(environment())
    runs = [(n, True) for n in reduced_sizes] + [(detailed, False)]
    rows: list[list[object]] = []
    peaks: dict[tuple[int, bool], float] = {}
    rejected = 0
    for invoices, reduced in runs:
        result = measure(invoices, reduced)
        served: Served = result["served"]
        rejected += served.rejected
        peaks[invoices, reduced] = result["peak"]
        marks = ", ".join(f"{n // 1000}k: {mb:.0f}" for n, mb in sorted(result["marks"].items())) or "-"
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
        "Peak RSS of a full sync into SQLite, MB (emulator in its own process; 300 contacts, 200 bills, 200 expenses)",
        [
            "mode",
            "invoices",
            "records",
            "Books calls",
            "429s",
            "sync s",
            "after imports",
            "peak after N invoices",
            "sync peak",
            "emulator peak",
        ],
        rows,
    )
    reduced_peaks = [peaks[n, True] for n in reduced_sizes]
    growth = reduced_peaks[-1] / reduced_peaks[0] - 1
    highest = max(peaks.values())
    met = highest < LIMIT_MB and growth <= FLAT and not rejected
    summary(
        met,
        f"sync peak at most {highest:.0f} MB (target < {LIMIT_MB:.0f}); reduced mode "
        f"{reduced_sizes[0]:,} -> {reduced_sizes[-1]:,} invoices: {reduced_peaks[0]:.0f} -> {reduced_peaks[-1]:.0f} MB "
        f"({growth:+.0%}, target within {FLAT:.0%}); {rejected} 429s",
    )


if __name__ == "__main__":
    main()
