"""``unified demo``: the whole job against a local Zoho Books, with no account and no flags.

1. start the emulator in-process on a free loopback port, seeded with an organization;
2. connect with the real OAuth code flow (the "browser" follows the consent redirect to our loopback);
3. sync everything into ./unified-demo.db under the emulator's rate limits, with time scaled;
4. create a contact and an invoice with a custom field and line-item tax through the unified API;
5. sync again, incrementally, and print what it took.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from schemas import Contact, CustomField, Email, Invoice, InvoiceLineItem, LinkedCustomer, LinkedTaxRate, TaxRate
from unified.cli._output import stdout_console
from unified.cli._progress import stderr_console
from unified.cli._settings import DEFAULT_CONNECTOR
from unified.cli._sync import sync_with_progress
from unified.client import AsyncUnifiedClient
from unified.connect import OAUTH_GROUP, ConnectFlow, connect_in_browser
from unified.connector import Connector, Operation
from unified.errors import ConnectorExecutionError
from unified.registry import EMULATOR_GROUP, load
from unified.vault import build_connector

#: Zoho's own limit: 100 calls a minute per organization
ZOHO_WINDOW = 60.0
CALLS_PER_WINDOW = 100
PAGE_SIZE = 200


@dataclass(frozen=True)
class DemoSettings:
    window_seconds: float = 1.5
    contacts: int = 200
    invoices: int = 1000
    bills: int = 200
    expenses: int = 200
    seed: int = 7
    db: Path = Path("unified-demo.db")


def _say(message: str) -> None:
    stderr_console().print(message, highlight=False, soft_wrap=True)


def run_demo(settings: DemoSettings) -> None:
    asyncio.run(_demo(settings))


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _demo(settings: DemoSettings) -> None:
    from unified.sync import SQLiteStore, SyncEngine

    started = time.monotonic()
    emulator_class = load(EMULATOR_GROUP, DEFAULT_CONNECTOR)
    emulator = emulator_class(
        seed=settings.seed,
        contacts=settings.contacts,
        invoices=settings.invoices,
        bills=settings.bills,
        expenses=settings.expenses,
        window_seconds=settings.window_seconds,
    )
    with emulator.serve() as emu:
        _say(
            f"[bold]1.[/] Local Zoho Books at {emu.base_url}: organization {emu.organization_id} with "
            f"{settings.contacts:,} contacts, {settings.invoices:,} invoices, {settings.bills:,} bills, "
            f"{settings.expenses:,} expenses; {CALLS_PER_WINDOW} calls per {settings.window_seconds:g} s window "
            f"(Zoho: per {ZOHO_WINDOW:g} s)."
        )
        connection = await _connect(emu)
        connector = build_connector(connection, None, window_seconds=settings.window_seconds)
        _remove_db(settings.db)
        store = SQLiteStore(settings.db)
        try:
            engine = SyncEngine(connector, store, connection="demo")
            expected = _seeded_counts(emu)
            _say(f"[bold]3.[/] Full sync into {settings.db} (lists, then a detail call per record for line items):")
            first = await sync_with_progress(engine, connector, resources=None, full=False, expected=expected)
            first_stats = emu.stats()
            _say("[bold]4.[/] Writing through the unified API:")
            client = AsyncUnifiedClient(connector)
            contact, invoice, field_name = await _write(client, store, emu)
            _say(
                f"   created contact {contact.display_name!r} ({contact.id}) and invoice {invoice.number} "
                f"({invoice.id}): total {invoice.total} {invoice.currency or ''}, tax {invoice.total_tax}, "
                f"custom field {field_name!r}"
            )
            _say("[bold]5.[/] Incremental sync:")
            second = await sync_with_progress(engine, connector, resources=None, full=False)
            counts = {name: store.count(name) for name in first.per_resource}
        finally:
            store.close()
            await connector.aclose()
        stats = emu.stats()
    elapsed = time.monotonic() - started
    summary = Summary(settings, connector, first, second, counts, first_stats, stats, elapsed)
    summary.print()


async def _connect(emu: Any) -> Any:
    provider = load(OAUTH_GROUP, DEFAULT_CONNECTOR)(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        api_url=emu.api_url,
        accounts_url=emu.accounts_url,
    )

    def announce(url: str) -> None:
        _say(f"[bold]2.[/] OAuth code flow: consent at {url.split('?', 1)[0]}, redirect to a loopback callback")

    def browser(url: str) -> None:
        # the emulator's consent page grants at once and redirects to our loopback, as a browser would follow
        response = httpx.get(url, follow_redirects=True, timeout=30)
        if response.status_code != 200:
            raise ConnectorExecutionError(f"The emulator's consent step failed with HTTP {response.status_code}.")

    connection = await connect_in_browser(
        lambda redirect_uri: ConnectFlow(provider, redirect_uri=redirect_uri),
        open_browser=browser,
        announce=announce,
        timeout=30,
        organization_id=emu.organization_id,
        name="demo",
    )
    _say(f"   code exchanged, organization {connection.settings['organization_id']} chosen, tokens in hand")
    return connection


def _seeded_counts(emu: Any) -> dict[str, int]:
    modules = {"contacts": "contacts", "invoices": "invoices", "bills": "bills", "expenses": "expenses"}
    counts = {name: len(emu.records(emu.organization_id, module)) for name, module in modules.items()}
    counts["tax_rates"] = len(emu.records(emu.organization_id, "taxes"))
    return counts


async def _custom_field_name(client: AsyncUnifiedClient, entity: str) -> tuple[str, bool] | None:
    """A text custom field of ``entity`` by its label (and whether its values must be unique)."""
    response = await client.proxy("GET", "/settings/customfields", params={"entity": entity})
    body = response.json()
    found = body.get("customfields") if isinstance(body, dict) else None
    definitions = found.get(entity, []) if isinstance(found, dict) else found or []
    text = [
        d
        for d in definitions
        if isinstance(d, dict) and d.get("is_active", True) and d.get("data_type") in ("string", "text")
    ]
    text.sort(key=lambda d: bool(d.get("is_unique")))  # a plain field first
    return (str(text[0]["label"]), bool(text[0].get("is_unique"))) if text else None


def _two_tax_rates(store: Any) -> list[TaxRate]:
    """Two different non-zero simple rates, from the synced store (no API call needed)."""
    rates: list[TaxRate] = [r for r in store.iter("tax_rates") if isinstance(r, TaxRate)]
    simple = [r for r in rates if r.effective_tax_rate and str(r.type or "tax") == "tax"] or rates
    chosen: list[TaxRate] = []
    for rate in simple:
        if all(rate.effective_tax_rate != c.effective_tax_rate for c in chosen):
            chosen.append(rate)
    return chosen[:2]


async def _write(client: AsyncUnifiedClient, store: Any, emu: Any) -> tuple[Contact, Invoice, str]:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    contact_field = await _custom_field_name(client, "contact")
    contact = Contact(
        display_name=f"Demo Customer {stamp}",
        company_name="Demo Customer Ltd",
        is_customer=True,
        emails=[Email(email=f"billing+{stamp}@demo.example")],
        custom_fields=[CustomField(name=contact_field[0], value=f"DEMO-C-{stamp}")] if contact_field else None,
    )
    created_contact = await client.contacts.create(contact)
    invoice_field = await _custom_field_name(client, "invoice")
    field_name = invoice_field[0] if invoice_field else "(none defined)"
    rates = _two_tax_rates(store)
    lines = [
        InvoiceLineItem(
            description="Implementation workshop (2 days)",
            quantity=Decimal("2"),
            unit_price=Decimal("1250.00"),
            tax_rate=LinkedTaxRate(id=rates[0].id) if rates else None,
        ),
        InvoiceLineItem(
            description="Support plan, first month",
            quantity=Decimal("1"),
            unit_price=Decimal("399.90"),
            tax_rate=LinkedTaxRate(id=rates[-1].id) if rates else None,
        ),
    ]
    today = datetime.now(UTC).date()
    invoice = Invoice(
        customer=LinkedCustomer(id=created_contact.id),
        invoice_date=today,
        due_date=today + timedelta(days=30),
        line_items=lines,
        custom_fields=[CustomField(name=field_name, value=f"DEMO-{stamp}")] if invoice_field else None,
    )
    created_invoice = await client.invoices.create(invoice)
    return created_contact, created_invoice, field_name


class Summary:
    """Records per resource, API calls used against the minimum possible, 429s, time."""

    def __init__(
        self,
        settings: DemoSettings,
        connector: Connector,
        first: Any,
        second: Any,
        counts: dict[str, int],
        first_stats: dict[str, Any],
        stats: dict[str, Any],
        elapsed: float,
    ) -> None:
        self.settings = settings
        self.connector = connector
        self.first = first
        self.second = second
        self.counts = counts
        self.first_stats = first_stats
        self.stats = stats
        self.elapsed = elapsed

    def _needs_detail(self, resource: str) -> bool:
        caps = self.connector.capabilities().for_resource(resource)
        return bool(caps.detail_fields) and caps.supports(Operation.GET)

    def minimum_sync_calls(self, report: Any, *, first: bool) -> int:
        """A list call per page of 200 and, where lists leave out line items, a detail call per new record."""
        total = 0
        for name, r in report.per_resource.items():
            seen = r.created + r.updated + r.unchanged if first else r.created + r.updated
            total += max(1, math.ceil(seen / PAGE_SIZE)) + (r.created + r.updated if self._needs_detail(name) else 0)
        return total

    def print(self) -> None:
        console = stdout_console()
        table = Table(title="unified demo: summary", show_header=True, header_style="bold")
        for column in ("resource", "records", "first sync: new", "then: new / changed", "list calls", "detail calls"):
            table.add_column(column, justify="left" if column == "resource" else "right")
        for name, r1 in self.first.per_resource.items():
            r2 = self.second.per_resource[name]
            table.add_row(
                name,
                f"{self.counts.get(name, 0):,}",
                f"{r1.created:,}",
                f"{r2.created} / {r2.updated}",
                f"{r1.list_calls + r2.list_calls:,}",
                f"{r1.detail_calls + r2.detail_calls:,}",
            )
        console.print(table)

        api_calls = _api_calls(self.stats)
        # connect: GET /organizations; writes: custom field definitions of 2 entities and 2 creates
        minimum = self.minimum_sync_calls(self.first, first=True) + self.minimum_sync_calls(self.second, first=False)
        minimum += 1 + 2 + 2
        window = self.settings.window_seconds
        floor = minimum / CALLS_PER_WINDOW * window
        rejected = int(self.stats.get("by_status", {}).get("429", 0))
        lines = [
            f"API calls: {api_calls:,} used, {minimum:,} the minimum possible",
            f"  minimum: ⌈records/{PAGE_SIZE}⌉ list calls per resource, a detail call per new or changed record "
            "whose list leaves out line items, GET /organizations, 2 custom field look-ups, 2 creates",
            f"429s received: {rejected}" + (" (each waited out as Retry-After said, then retried)" if rejected else ""),
            f"Rate limit: {CALLS_PER_WINDOW} calls per {window:g} s window (Zoho: {ZOHO_WINDOW:g} s, so time runs "
            f"{ZOHO_WINDOW / window:g}x faster): {minimum:,} calls need at least {floor:.1f} s here, "
            f"{minimum / CALLS_PER_WINDOW:.0f} min against real Zoho",
            f"Elapsed: {self.elapsed:.1f} s",
            f"Database: {self.settings.db} (e.g. sqlite3 {self.settings.db} 'select count(*) from invoices')",
        ]
        for line in lines:
            console.print(line, highlight=False, soft_wrap=True)


def _api_calls(stats: dict[str, Any]) -> int:
    """Books API calls the emulator served (its OAuth endpoints are not part of the rate budget)."""
    return sum(int(n) for endpoint, n in stats.get("by_endpoint", {}).items() if "/books/" in endpoint)
