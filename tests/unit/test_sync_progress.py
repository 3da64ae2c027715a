"""`unified sync` progress: the provider's totals reach it, an ETA from the rate budget, plain lines off a terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.cli._progress import PlainProgress, eta_seconds
from unified.cli._sync import sync_with_progress
from unified.connector import ListQuery, Page
from unified.sync import SQLiteStore, SyncEngine


class Totals(ReferenceConnector):
    """A provider that says how many records a listing holds (as QuickBooks' count query or Xero's itemCount do)."""

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        page = await super().list(resource, query)
        return Page(data=page.data, next_cursor=page.next_cursor, total=len(self._rows(resource)))


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def plain(lines: list[str], clock: Ticks, **options: Any) -> PlainProgress:
    return PlainProgress(lines.append, lambda: 0.6, clock=clock, stamp=lambda: "12:00:00", **options)


def test_the_engine_passes_the_provider_s_total_to_progress(tmp_path: Path) -> None:
    backend = ReferenceBackend().seed()
    calls: list[tuple[str, int, int | None, str]] = []
    with SQLiteStore(tmp_path / "sync.db") as store, SyncEngine(Totals(backend), store, page_size=2) as engine:
        engine.run_sync(["contacts"], progress=lambda *args: calls.append(args))
    total = len(backend.tables["contacts"])
    assert calls and all(c[2] == total for c in calls)
    assert calls[-1] == ("contacts", total, total, "done")


def test_plain_lines_carry_the_total_and_an_eta_at_the_rate_budget() -> None:
    lines: list[str] = []
    clock = Ticks()
    progress = plain(lines, clock, calls_per_item={"invoices": 1.005})
    progress("invoices", 200, 1000, "listing")
    assert lines == ["12:00:00 invoices: 200 of 1,000 listed, about 8:03 left at the rate budget"]  # 800*1.005*0.6


def test_plain_lines_are_spaced_out_and_the_end_is_always_written() -> None:
    lines: list[str] = []
    clock = Ticks()
    progress = plain(lines, clock, every=5.0)
    progress("contacts", 200, None, "listing")
    clock.now += 1
    progress("contacts", 400, None, "listing")  # within 5 s of the last line: not written
    clock.now += 5
    progress("contacts", 600, None, "deletions")
    clock.now += 0.5
    progress("contacts", 601, None, "done")
    assert lines == [
        "12:00:00 contacts: 200 listed",
        "12:00:00 contacts: 600 listed, looking for deletions",
        "12:00:00 contacts: done, 601 records in 6.5 s",
    ]


def test_without_a_rate_budget_the_eta_follows_the_pace_so_far() -> None:
    lines: list[str] = []
    clock = Ticks()
    progress = PlainProgress(lines.append, lambda: None, expected={"bills": 300}, clock=clock, stamp=lambda: "t")
    progress("bills", 0, None, "listing")
    clock.now += 10
    progress("bills", 100, None, "listing")
    assert lines[-1] == "t bills: 100 of 300 listed, about 0:20 left at the pace so far"
    assert eta_seconds(5, pace=None, calls_per_item=None) is None


def test_unified_sync_writes_plain_lines_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = ReferenceBackend().seed()
    connector = Totals(backend)
    with SQLiteStore(tmp_path / "sync.db") as store, SyncEngine(connector, store) as engine:
        report = asyncio.run(sync_with_progress(engine, connector, resources=["contacts", "tax_rates"], full=False))
    err = capsys.readouterr().err
    contacts, taxes = len(backend.tables["contacts"]), len(backend.tables["tax_rates"])
    assert f"contacts: {contacts} of {contacts} listed" in err and f"contacts: done, {contacts} records" in err
    assert f"tax_rates: done, {taxes} records" in err
    assert report.created == contacts + taxes
