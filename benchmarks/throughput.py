"""Throughput of a full sync under the emulator's rate limit, against the ceiling that limit allows.

    python benchmarks/throughput.py [--quick]

The emulator serves on a loopback port from a child process (1,000 invoices, 100 contacts, 100 bills, 100
expenses; every record needs a detail call); the sync runs in this process into an SQLite file. Two runs:

1. capacity: a 2 ms rate window, so the limit never binds: how many calls a second this machine manages;
2. paced: a window scaled so that Zoho's 100 calls a window allow 60% of that capacity: the limit binds, and
   the figure is how close the client's pacing comes to the ceiling of 100 calls per window without a 429.

"Busiest window" is the most Books calls the emulator saw in any sliding window, from its request log.
Target: no 429, and at least 85% of the ceiling. Zoho's daily cap (10,000 calls on premium, 1,000 on free) is
the ceiling of a long sync; the day here is 1,440 windows, as Zoho's, and it does not bind in these runs.
"""

from __future__ import annotations

import bisect
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    EmulatorOptions,
    Served,
    connector,
    emulator_process,
    environment,
    parse_args,
    print_table,
    say,
    summary,
)

from unified.sync import SQLiteStore, SyncEngine

LIMIT = 100  # Zoho's calls per window
CAPACITY_WINDOW = 0.002
SHARE = 0.6  # the paced run's ceiling, as a share of the measured capacity
TARGET = 0.85


def busiest_window(times: list[float], window: float) -> int:
    """The most calls that arrived within any sliding ``window`` seconds."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)


def sync_run(counts: dict[str, Any], window: float) -> dict[str, Any]:
    options = EmulatorOptions(options={**counts, "seed": 7, "window_seconds": window})
    with emulator_process(options) as emu, tempfile.TemporaryDirectory(prefix="bench-throughput-") as folder:
        zoho = connector(emu.settings, window)
        store = SQLiteStore(Path(folder) / "sync.db")
        with SyncEngine(zoho, store, connection="bench") as engine:
            started = time.perf_counter()
            report = engine.run_sync()
            seconds = time.perf_counter() - started
            engine.close(close_connector=True)
        records = sum(store.count(name) for name in report.per_resource)
        store.close()
        times = emu.request_times()
        served = Served.of(emu.stop()["stats"])
    return {
        "window": window,
        "seconds": seconds,
        "records": records,
        "served": served,
        "busiest": busiest_window(times, window),
        "waits": zoho.http.limiter.stats.waits,
    }


def row(label: str, result: dict[str, Any], *, binding: bool) -> list[object]:
    served: Served = result["served"]
    ceiling = LIMIT / result["window"]
    rate = served.books / result["seconds"]
    share = f"{rate / ceiling:.1%}" if binding else "(not binding)"
    return [
        label,
        f"{result['window']:g} s",
        f"{ceiling:,.0f}",
        f"{served.books:,}",
        served.rejected,
        f"{result['seconds']:.1f}",
        f"{rate:,.1f}",
        share,
        f"{result['records'] / result['seconds']:,.1f}",
        f"{result['busiest']} / {LIMIT}",
    ]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    counts = (
        {"contacts": 50, "invoices": 200, "bills": 25, "expenses": 25}
        if args.quick
        else {"contacts": 100, "invoices": 1000, "bills": 100, "expenses": 100}
    )
    say(environment())
    capacity = sync_run(counts, CAPACITY_WINDOW)
    rate = capacity["served"].books / capacity["seconds"]
    say(f"capacity: {rate:.1f} calls/s unpaced; pacing at {SHARE:.0%} of it")
    window = round(LIMIT / (rate * SHARE), 3)
    paced = sync_run(counts, window)
    print_table(
        "Full sync over loopback under the rate limit (emulator in its own process)",
        [
            "run",
            "window",
            "ceiling calls/s",
            "Books calls",
            "429s",
            "s",
            "calls/s",
            "of ceiling",
            "records/s",
            "busiest window",
        ],
        [row("capacity", capacity, binding=False), row("paced", paced, binding=True)],
    )
    served: Served = paced["served"]
    share = served.books / paced["seconds"] / (LIMIT / window)
    rejected = served.rejected + capacity["served"].rejected
    summary(
        share >= TARGET and not rejected,
        f"paced at {share:.1%} of the ceiling of {LIMIT} calls per window (target >= {TARGET:.0%}), busiest window "
        f"{paced['busiest']} of {LIMIT}, {rejected} 429s; {paced['records'] / paced['seconds']:,.1f} records/s",
    )


if __name__ == "__main__":
    main()
