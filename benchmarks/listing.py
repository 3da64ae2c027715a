"""Listing 10,000 contacts: the unified client beside an independent Zoho client doing the least it can.

    python benchmarks/listing.py [--quick] [--zohopy PYTHON]

The emulator serves 10,000 contacts on a loopback port from a child process, with a rate window so short that
no client is paced. Each repetition lists them all, the clients taking turns so the machine's load weighs on all
alike; the figure is the median of the repetitions, after one warm-up each (tokens fetched, connections open):

- unified: ``UnifiedClient(ZohoBooksConnector(...)).contacts.list()``, every row a validated ``Contact``;
- httpx loop: what zohopy (an independent Zoho client on PyPI) does, written out here: a synchronous
  ``httpx.Client``, ``GET /books/v3/contacts`` with ``page``, ``per_page=200`` and ``organization_id``, the
  body read with ``response.json()``, until ``page_context.has_more_page`` is false. Rows stay plain dicts;
- zohopy itself, with ``--zohopy PYTHON``: the interpreter of a virtualenv where ``pip install zohopy`` was
  run (it is not a dependency of this project). Its fixed Zoho host names are pointed at the emulator; the
  settings reach it on a pipe, never on its command line.

Target: the unified client no slower than the independent one (ratio <= 1).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from _common import (
    EmulatorOptions,
    Settings,
    connector,
    emulator_process,
    environment,
    parse_args,
    print_table,
    say,
    summary,
)

from connectors.zoho_books._mapping import contact_from_zoho
from unified import UnifiedClient

CONTACTS = 10_000
WINDOW = 0.05  # 100 calls per 50 ms: no client here makes calls that fast, so none is paced
PAGE = 200
TARGET = 1.0

ZOHOPY = r"""
import json, sys, time
from zohopy import DataCenter, SyncZohoClient, ZohoConfig
from zohopy import config as zconfig
from zohopy.products.books import ZohoBooks

settings = json.loads(sys.stdin.readline())
root = settings["accounts_url"]
zconfig._API_URLS[DataCenter.US] = root  # zohopy knows only Zoho's own hosts
zconfig._ACCOUNTS_URLS[DataCenter.US] = root
config = ZohoConfig(
    client_id=settings["client_id"], client_secret=settings["client_secret"],
    refresh_token=settings["refresh_token"], organization_id=settings["organization_id"], data_center="us",
)
with SyncZohoClient(config) as client:
    books = ZohoBooks(client)
    for line in sys.stdin:
        started = time.perf_counter()
        rows = sum(len(page["contacts"]) for page in books.contacts.list_all(per_page=200))
        print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}), flush=True)
"""


class HttpxLoop:
    """An independent client's way to list contacts, with nothing on top."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        token = httpx.post(
            f"{settings.accounts_url}/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.refresh_token,
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
            },
        ).json()["access_token"]
        self._client = httpx.Client(
            base_url=settings.accounts_url, headers={"Authorization": f"Zoho-oauthtoken {token}"}, timeout=30
        )

    def rows(self) -> int:
        count, page = 0, 1
        while True:
            params: dict[str, str | int] = {
                "page": page,
                "per_page": PAGE,
                "organization_id": self._settings.organization_id,
            }
            response = self._client.get("/books/v3/contacts", params=params)
            response.raise_for_status()
            data = response.json()
            count += sum(1 for _ in data["contacts"])
            if not data.get("page_context", {}).get("has_more_page", False):
                return count
            page += 1

    def close(self) -> None:
        self._client.close()


class Zohopy:
    """zohopy in its own interpreter: one listing per line sent to it."""

    def __init__(self, python: str, settings: Settings) -> None:
        self._process = subprocess.Popen(
            [python, "-c", ZOHOPY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdin is not None
        fields = ("api_url", "accounts_url", "client_id", "client_secret", "refresh_token", "organization_id")
        self._process.stdin.write(json.dumps({name: getattr(settings, name) for name in fields}) + "\n")
        self._process.stdin.flush()

    def rows(self) -> int:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("go\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"zohopy stopped (exit code {self._process.wait()})")
        return int(json.loads(line)["rows"])

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(30)


def mapping_seconds(settings: Settings, contacts: int) -> float:
    """The connector's reader alone over ``contacts`` list rows (one page, parsed as the connector parses it)."""
    loop = HttpxLoop(settings)
    try:
        params: dict[str, str | int] = {"page": 1, "per_page": PAGE, "organization_id": settings.organization_id}
        text = loop._client.get("/books/v3/contacts", params=params).content
    finally:
        loop.close()
    rows = json.loads(text, parse_float=Decimal)["contacts"]
    started = time.perf_counter()
    for _ in range(contacts // len(rows)):
        for row in rows:
            contact_from_zoho(row)
    return time.perf_counter() - started


def timed(count: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    rows = count()
    return rows, time.perf_counter() - started


def ratio(ours: float, theirs: float) -> float:
    """Our time over theirs: below 1 is faster."""
    return ours / theirs


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], extra=[("--zohopy", "the python of a virtualenv with zohopy")])
    contacts, repeats = (2_000, 3) if args.quick else (CONTACTS, 5)
    say(environment())
    options = EmulatorOptions(
        options={"seed": 7, "contacts": contacts, "invoices": 0, "bills": 0, "expenses": 0, "window_seconds": WINDOW}
    )
    with emulator_process(options) as emu:
        unified = UnifiedClient(connector(emu.settings, WINDOW))
        loop = HttpxLoop(emu.settings)
        clients: dict[str, Callable[[], int]] = {
            "unified": lambda: sum(1 for _ in unified.contacts.list()),
            "httpx loop (zohopy's way)": loop.rows,
        }
        closers: list[Callable[[], None]] = [unified.close, loop.close]
        if args.zohopy:
            zohopy = Zohopy(args.zohopy, emu.settings)
            clients["zohopy"] = zohopy.rows
            closers.append(zohopy.close)
        try:
            seconds: dict[str, list[float]] = {name: [] for name in clients}
            for name, count in clients.items():  # warm-up: tokens, connections
                rows = count()
                if rows != contacts:
                    raise RuntimeError(f"{name} listed {rows} contacts, not {contacts}")
            for _ in range(repeats):
                for name, count in clients.items():
                    rows, took = timed(count)
                    assert rows == contacts
                    seconds[name].append(took)
        finally:
            for close in closers:
                close()
        mapped = mapping_seconds(emu.settings, contacts)
        served: dict[str, Any] = emu.stop()["stats"]
    median = {name: statistics.median(values) for name, values in seconds.items()}
    rows_out = [
        [
            name,
            f"{median[name]:.2f}",
            f"{min(values):.2f}",
            f"{contacts / median[name]:,.0f}",
            f"{ratio(median['unified'], median[name]):.2f}",
        ]
        for name, values in seconds.items()
    ]
    print_table(
        f"Listing {contacts:,} contacts, {contacts // PAGE} pages of {PAGE}, median of {repeats}",
        ["client", "s", "best s", "contacts/s", "unified / this"],
        rows_out,
    )
    say(f"emulator: {served.get('requests', '?')} requests, 429s: {served.get('by_status', {}).get('429', 0)}")
    say(
        f"of the unified client's time, {mapped:.2f} s is the mapping of {contacts:,} rows into validated Contacts "
        "(the others hand out the rows as parsed)"
    )
    others = {name: value for name, value in median.items() if name != "unified"}
    worst = max(ratio(median["unified"], value) for value in others.values())
    summary(
        worst <= TARGET,
        f"the unified client takes {worst:.2f}x the time of the fastest independent client (target <= {TARGET:g}x)",
    )


if __name__ == "__main__":
    main()
