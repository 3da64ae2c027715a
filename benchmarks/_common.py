"""What the benchmark scripts share: the machine's load, plain tables, the summary line, and the emulator.

The emulator runs in-process (ASGI, no socket) where the network is not the point, or in a child process on a
loopback port (:class:`EmulatorProcess`) where it is, or where its own memory must not count against the sync's.
Connection settings travel to child processes through a pipe, never on a command line.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified.connector import Operation

PAGE_SIZE = 200  # Zoho's largest page
SPAWN = multiprocessing.get_context("spawn")  # a child starts clean: no copy of the parent's memory


def parse_args(
    description: str, *, window: float | None = None, extra: Sequence[tuple[str, str]] = ()
) -> argparse.Namespace:
    """``--quick``; ``--window`` (seconds, default ``window``) for scripts that pace against a rate window; and
    ``extra`` options taking a text value (flag, help)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a small, fast smoke run")
    if window is not None:
        parser.add_argument("--window", type=float, default=window, help=f"the rate window in seconds ({window:g})")
    for flag, text in extra:
        parser.add_argument(flag, default=None, help=text)
    return parser.parse_args()


def environment() -> str:
    """The machine and its load (other work on a shared machine slows every figure)."""
    one, five, fifteen = os.getloadavg()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"
    )


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *, labels: int = 1) -> None:
    """A table; the first ``labels`` columns are text, the others figures."""
    table = Table(title=title, title_justify="left")
    for n, column in enumerate(columns):
        table.add_column(column, justify="left" if n < labels else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    Console(width=max(160, Console().width)).print(table)


def say(text: str) -> None:
    print(text, flush=True)


def summary(met: bool, text: str) -> None:
    say(f"SUMMARY: {'target met' if met else 'target MISSED'}: {text}")


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux VmHWM), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- connections ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Where an emulator answers and the credentials it seeded."""

    api_url: str
    accounts_url: str
    client_id: str
    client_secret: str
    refresh_token: str
    organization_id: str

    def __repr__(self) -> str:
        return f"Settings(api_url={self.api_url!r}, organization_id={self.organization_id!r})"

    @classmethod
    def of(cls, emu: ZohoBooksEmulator, *, in_process: bool = False) -> Settings:
        base = "http://emulator" if in_process else emu.base_url
        return cls(
            api_url=f"{base}/books/v3",
            accounts_url=base,
            client_id=emu.client_id,
            client_secret=emu.client_secret,
            refresh_token=emu.refresh_token,
            organization_id=emu.organization_id,
        )


def connector(
    settings: Settings, window_seconds: float, transport: httpx.AsyncBaseTransport | None = None
) -> ZohoBooksConnector:
    return ZohoBooksConnector(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        refresh_token=settings.refresh_token,
        organization_id=settings.organization_id,
        api_url=settings.api_url,
        accounts_url=settings.accounts_url,
        window_seconds=window_seconds,
        transport=transport,
    )


def in_process(emu: ZohoBooksEmulator, window_seconds: float) -> ZohoBooksConnector:
    """A connector that reaches the emulator through ASGI, without a socket."""
    return connector(Settings.of(emu, in_process=True), window_seconds, httpx.ASGITransport(app=emu.app))


# -- what the emulator saw -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """The emulator's own count of Books API calls (OAuth is not part of Zoho's API budget)."""

    lists: int
    details: int
    other: int
    rejected: int  # 429s
    oauth: int

    @property
    def books(self) -> int:
        return self.lists + self.details + self.other

    @classmethod
    def of(cls, stats: Mapping[str, Any]) -> Served:
        lists = details = other = oauth = 0
        for endpoint, count in stats.get("by_endpoint", {}).items():
            method, _, path = str(endpoint).partition(" ")
            if not path.startswith("/books/"):
                oauth += int(count) if path.startswith("/oauth/") else 0
            elif method == "GET" and path.endswith("}"):
                details += int(count)
            elif method == "GET" and (path.count("/") == 3 or path == "/books/v3/settings/taxes"):
                lists += int(count)
            else:
                other += int(count)
        rejected = int(stats.get("by_status", {}).get("429", 0))
        return cls(lists, details, other, rejected, oauth)


def module_counts(emu: ZohoBooksEmulator) -> dict[str, int]:
    """Records per unified resource in the emulator's first organization."""
    modules = {"contacts": "contacts", "invoices": "invoices", "bills": "bills", "expenses": "expenses"}
    org = emu.organization_id
    counts = {name: len(emu.records(org, module)) for name, module in modules.items()}
    counts["tax_rates"] = len(emu.records(org, "taxes"))
    return counts


# -- the lower bound of a sync's calls -----------------------------------------------------------------------


def pages(records: int) -> int:
    return max(1, math.ceil(records / PAGE_SIZE))


def minimum_calls(
    zoho: ZohoBooksConnector, totals: Mapping[str, int], changed: Mapping[str, int] | None, *, reduced: bool = False
) -> int:
    """The fewest Books calls a sync can make.

    A full sync (``changed`` None) lists every record, ⌈n/200⌉ pages per resource, and fetches the detail of
    every record whose list row leaves fields out. An incremental sync lists the ⌈k/200⌉ pages of changed records
    where Zoho can filter or sort by modification time, every page where it cannot, and fetches k details. A sync
    needs no metadata calls (custom-field definitions and currencies are for writes), so none are counted.
    """
    caps = zoho.capabilities()
    total = 0
    for name, count in totals.items():
        rc = caps.for_resource(name)
        if changed is None:
            listed, fetched = pages(count), count
        elif rc.updated_since == "server" or "updated_at" in rc.sorts:
            listed, fetched = pages(changed.get(name, 0)), changed.get(name, 0)
        else:
            listed, fetched = pages(count), changed.get(name, 0)
        details = bool(rc.detail_fields) and rc.supports(Operation.GET) and not reduced
        total += listed + (fetched if details else 0)
    return total


# -- the emulator in a child process -------------------------------------------------------------------------


@dataclass
class EmulatorOptions:
    """Keyword arguments of ``ZohoBooksEmulator``, and optionally invoices cloned from the seeded ones."""

    options: dict[str, Any] = field(default_factory=dict)
    #: serve this many invoices, copied (with their own ids and numbers) from the seeded ones: quick to build
    cloned_invoices: int | None = None
    #: give each clone its own line item ids (their details are fetched)
    clone_lines: bool = False


def _status_kb(name: str) -> int:
    """A ``VmHWM``/``VmRSS`` figure of /proc/self/status, in kB (0 where there is no /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cloned(emu: ZohoBooksEmulator, count: int, clone_lines: bool, options: Mapping[str, Any]) -> ZohoBooksEmulator:
    """An emulator serving the seeded organization's records, with ``count`` invoices cloned from its own.

    Generating 50,000 invoices takes the emulator a minute; copying a few hundred takes a second. The copies go
    in through a fixture, as a customer's captured records would.
    """
    org = emu.store.get(emu.organization_id)
    assert org is not None
    seeded = emu.records(emu.organization_id, "invoices")
    first_id = 910_000_000_000_000_000  # 18 digits, clear of the seeded ids
    invoices: list[dict[str, Any]] = []
    for n in range(count):
        invoice = dict(seeded[n % len(seeded)])
        invoice["invoice_id"] = str(first_id + n)
        invoice["invoice_number"] = f"INV-{n + 1:06d}"
        if clone_lines:
            invoice["line_items"] = [
                {**line, "line_item_id": str(first_id + count + n * 100 + i)}
                for i, line in enumerate(invoice.get("line_items") or [])
            ]
        invoices.append(invoice)
    fixture = {
        "organizations": [org.record],
        "customfields": [{**d, "entity": entity} for entity, found in org.customfields.items() for d in found],
        "taxes": emu.records(emu.organization_id, "taxes"),
        "contacts": emu.records(emu.organization_id, "contacts"),
        "bills": emu.records(emu.organization_id, "bills"),
        "expenses": emu.records(emu.organization_id, "expenses"),
        "invoices": invoices,
    }
    keep = {k: v for k, v in options.items() if k in ("window_seconds", "plan", "daily_limit", "rate_limit")}
    return ZohoBooksEmulator(fixture=fixture, **keep)


def _serve(options: EmulatorOptions, pipe: Connection) -> None:
    """The child's side: build, serve, send the settings, then answer "stats" and "times"; on "stop", the end."""
    started = time.perf_counter()
    emu = ZohoBooksEmulator(**options.options).wait_ready(600)
    if options.cloned_invoices is not None:
        emu = _cloned(emu, options.cloned_invoices, options.clone_lines, options.options).wait_ready(600)
    built = time.perf_counter() - started
    with emu.serve() as running:
        pipe.send((Settings.of(running), module_counts(running), built))
        while (command := pipe.recv()) != "stop":
            if command == "times":
                pipe.send([e["time"] for e in running.request_log if str(e["path"]).startswith("/books/")])
            else:
                pipe.send(running.stats())
        pipe.send({"stats": running.stats(), "peak_rss_mb": _status_kb("VmHWM") / 1024 or peak_rss_mb()})


class EmulatorProcess:
    """A ZohoBooksEmulator served on a loopback port by a child process, until ``stop()``."""

    def __init__(self, options: EmulatorOptions) -> None:
        self._pipe, child = SPAWN.Pipe()
        self._process = SPAWN.Process(target=_serve, args=(options, child), name="zoho-emulator", daemon=True)
        self._process.start()
        child.close()
        settings, counts, built = self._recv(900)
        self.settings: Settings = settings
        self.counts: dict[str, int] = counts
        self.build_seconds: float = built
        self.final: dict[str, Any] = {}

    def _recv(self, timeout: float) -> Any:
        if not self._pipe.poll(timeout):
            self._process.kill()
            raise RuntimeError(f"the emulator process did not answer within {timeout:g} s")
        return self._pipe.recv()

    def stats(self) -> dict[str, Any]:
        self._pipe.send("stats")
        found: dict[str, Any] = self._recv(60)
        return found

    def request_times(self) -> list[float]:
        """When each Books call of the request log (the newest 10,000) arrived, on the emulator's clock."""
        self._pipe.send("times")
        found: list[float] = self._recv(60)
        return found

    def stop(self) -> dict[str, Any]:
        """Stop serving; the emulator's final stats and peak RSS."""
        if not self.final:
            self._pipe.send("stop")
            self.final = self._recv(60)
            self._process.join(30)
        return self.final

    def close(self) -> None:
        if self._process.is_alive():
            try:
                self.stop()
            except (RuntimeError, OSError, EOFError):
                self._process.kill()
                self._process.join(5)


@contextmanager
def emulator_process(options: EmulatorOptions) -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(options)
    try:
        yield process
    finally:
        process.close()


def run_in_child(target: Callable[..., Any], *args: Any, timeout: float = 600) -> Any:
    """``target(*args, pipe)`` in a fresh child process; what it sends on the pipe."""
    parent, child = SPAWN.Pipe()
    process = SPAWN.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise RuntimeError(f"{getattr(target, '__name__', 'the child')} did not finish within {timeout:g} s")
        return parent.recv()
    except EOFError:
        raise RuntimeError(f"{getattr(target, '__name__', 'the child')} died (exit code {process.exitcode})") from None
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()


def run(coro: Any) -> Any:
    return asyncio.run(coro)
