"""``unified demo [--connector NAME]``: the whole job against a local provider, with no account and no flags.

The provider is any installed connector with an emulator (group ``unified.emulators``); the distribution's
default backend unless told.

1. start the emulator in-process on a free loopback port, seeded with an organization;
2. connect with the real OAuth code flow (the "browser" follows the consent redirect to our loopback);
3. sync everything into ./unified-demo.db under the emulator's rate limits, with time scaled;
4. create a contact and an invoice with a custom field and line-item tax through the unified API;
5. sync again, incrementally, and print what it took.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from schemas import (
    Contact,
    CustomField,
    Email,
    Invoice,
    InvoiceLineItem,
    LinkedCustomer,
    LinkedInvoiceItem,
    LinkedTaxRate,
    TaxRate,
)
from unified.cli._output import stdout_console
from unified.cli._progress import stderr_console
from unified.cli._sync import sync_with_progress
from unified.client import AsyncUnifiedClient
from unified.connect import OAUTH_GROUP, ConnectFlow, connect_in_browser
from unified.connector import Connector, Operation
from unified.errors import ConnectorExecutionError, UnifiedError
from unified.registry import EMULATOR_GROUP, load
from unified.vault import build_connector

#: the providers' limits are per minute; the demo scales that window down
PROVIDER_WINDOW = 60.0


@dataclass(frozen=True)
class DemoSettings:
    window_seconds: float = 1.5
    contacts: int = 200
    invoices: int = 1000
    bills: int = 200
    expenses: int = 200
    seed: int = 7
    db: Path = Path("unified-demo.db")
    connector: str | None = None


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
    name = settings.connector or default_connector()
    emulator_class = load(EMULATOR_GROUP, name)
    emulator = emulator_class(
        seed=settings.seed,
        contacts=settings.contacts,
        invoices=settings.invoices,
        bills=settings.bills,
        expenses=settings.expenses,
        window_seconds=settings.window_seconds,
    )
    with emulator.serve() as emu:
        per_window = emu.calls_per_window()
        pace = f"; {per_window} calls per {settings.window_seconds:g} s window" if per_window else ""
        _say(
            f"[bold]1.[/] {emu.title} at {emu.base_url}: {settings.contacts:,} contacts, {settings.invoices:,} "
            f"invoices, {settings.bills:,} bills, {settings.expenses:,} expenses{pace} "
            f"(the provider's window: {PROVIDER_WINDOW:g} s)."
        )
        connection = await _connect(name, emu)
        connector = build_connector(connection, None, window_seconds=settings.window_seconds)
        _remove_db(settings.db)
        store = SQLiteStore(settings.db)
        try:
            engine = SyncEngine(connector, store, connection="demo")
            expected = emu.seeded_counts() or None
            _say(f"[bold]3.[/] Full sync into {settings.db} (lists, then details for line items):")
            first = await sync_with_progress(engine, connector, resources=None, full=False, expected=expected)
            first_stats = emu.stats()
            first_calls = emu.api_calls()
            _say("[bold]4.[/] Writing through the unified API:")
            client = AsyncUnifiedClient(connector)
            writes = await _write(client, store)
            _say("[bold]5.[/] Incremental sync:")
            second = await sync_with_progress(engine, connector, resources=None, full=False)
            counts = {resource: store.count(resource) for resource in first.per_resource}
        finally:
            store.close()
            await connector.aclose()
        stats = emu.stats()
        calls = emu.api_calls()
    elapsed = time.monotonic() - started
    summary = Summary(settings, connector, first, second, counts, first_stats, stats, elapsed)
    summary.per_window = per_window
    summary.api_calls = calls
    summary.first_calls = first_calls
    summary.writes = writes
    summary.print()


def default_connector() -> str:
    """The distribution's default backend (entry point ``unified.defaults:connector``), else the only one."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="unified.defaults"):
        if entry.name == "connector":
            value = entry.load()
            if isinstance(value, str):
                return value
    installed = sorted(ep.name for ep in entry_points(group=EMULATOR_GROUP))
    if not installed:
        raise ConnectorExecutionError("No emulator is installed: `unified demo` needs one (group unified.emulators).")
    return installed[0]


async def _connect(name: str, emu: Any) -> Any:
    settings = emu.connector_settings()
    provider_class = load(OAUTH_GROUP, name)
    takes = inspect.signature(provider_class).parameters
    provider = provider_class(**{k: v for k, v in settings.items() if k in takes})
    org_setting = str(getattr(provider, "organization_setting", "organization_id"))

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
        organization_id=settings.get(org_setting),
        name="demo",
    )
    chosen = connection.settings.get(org_setting)
    _say(f"   code exchanged, {org_setting.replace('_', ' ')} {chosen} chosen, tokens in hand")
    return connection


def _text_custom_field(store: Any, resource: str) -> str | None:
    """A free-text custom field records of ``resource`` carry, from the synced store (no API call).

    Free text, as far as values show: letters in them (not a date, number or address), mostly different from
    record to record (not a dropdown's few options), and not a unique key.
    """
    values: dict[str, list[str]] = {}
    for record in store.iter(resource):
        for field in getattr(record, "custom_fields", None) or []:
            value = field.value
            if not (field.name and isinstance(value, str) and any(c.isalpha() for c in value)):
                continue
            if "@" in value or "://" in value or "unique" in field.name.lower():
                continue
            values.setdefault(str(field.name), []).append(value)
    varied = [(len(set(v)) / len(v), name) for name, v in values.items() if len(v) >= 2 and len(set(v)) / len(v) > 0.5]
    return max(varied)[1] if varied else None


def _an_item(store: Any) -> LinkedInvoiceItem | None:
    """An item synced invoices already sell, where the provider's lines carry items (none: lines without)."""
    for invoice in store.iter("invoices"):
        for line in getattr(invoice, "line_items", None) or []:
            if line.item is not None and line.item.id:
                return LinkedInvoiceItem(id=line.item.id)
    return None


def _two_tax_rates(store: Any) -> list[TaxRate]:
    """Two different non-zero simple rates, from the synced store (no API call needed)."""
    rates: list[TaxRate] = [r for r in store.iter("tax_rates") if isinstance(r, TaxRate)]
    simple = [r for r in rates if r.effective_tax_rate and str(r.type or "tax") == "tax"] or rates
    chosen: list[TaxRate] = []
    for rate in simple:
        if all(rate.effective_tax_rate != c.effective_tax_rate for c in chosen):
            chosen.append(rate)
    return chosen[:2]


async def _write(client: AsyncUnifiedClient, store: Any) -> list[str]:
    """A customer and an invoice with line-item tax (and a custom field where the provider has them)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    done: list[str] = []
    contact_field = _text_custom_field(store, "contacts")
    fields: dict[str, Any] = {
        "display_name": f"Demo Customer {stamp}",
        "company_name": "Demo Customer Ltd",
        "emails": [Email(email=f"billing+{stamp}@demo.example")],
    }
    if contact_field:
        fields["custom_fields"] = [CustomField(name=contact_field, value=f"DEMO-C-{stamp}")]
    # where the provider sets roles itself (a contact becomes a customer with its first invoice), write a contact
    by_role = client.capabilities.supports("customers", "create")
    view = client.customers if by_role else client.contacts
    writable = view.capabilities.writable_fields
    fields = {name: value for name, value in fields.items() if name in writable}
    try:
        created_contact = await view.create(Contact(**fields), idempotency_key=f"demo-contact-{stamp}")
    except UnifiedError as error:
        _say(f"   could not create a customer: {error.message}")
        return done
    done.append("customer")
    invoice_field = _text_custom_field(store, "invoices")
    rates = _two_tax_rates(store)
    item = _an_item(store)  # some providers want every line to name an item the books already have
    lines = [
        InvoiceLineItem(
            description="Implementation workshop (2 days)",
            quantity=Decimal("2"),
            unit_price=Decimal("1250.00"),
            tax_rate=LinkedTaxRate(id=rates[0].id) if rates else None,
            item=item,
        ),
        InvoiceLineItem(
            description="Support plan, first month",
            quantity=Decimal("1"),
            unit_price=Decimal("399.90"),
            tax_rate=LinkedTaxRate(id=rates[-1].id) if rates else None,
            item=item,
        ),
    ]
    today = datetime.now(UTC).date()
    invoice = Invoice(
        customer=LinkedCustomer(id=created_contact.id),
        invoice_date=today,
        due_date=today + timedelta(days=30),
        line_items=lines,
        custom_fields=[CustomField(name=invoice_field, value=f"DEMO-{stamp}")] if invoice_field else None,
    )
    try:
        created = await client.invoices.create(invoice, idempotency_key=f"demo-invoice-{stamp}")
    except UnifiedError as error:
        _say(f"   created customer {created_contact.display_name!r}; could not create the invoice: {error.message}")
        return done
    done.append("invoice")
    field = f", custom field {invoice_field!r}" if invoice_field else ""
    _say(
        f"   created customer {created_contact.display_name!r} ({created_contact.id}) and invoice "
        f"{created.number or created.id}: total {created.total} {created.currency or ''}, "
        f"tax {created.total_tax}{field}"
    )
    return done


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
        self.per_window: int | None = None
        self.api_calls = 0
        self.first_calls = 0
        self.writes: list[str] = []

    def _needs_detail(self, resource: str) -> bool:
        caps = self.connector.capabilities().for_resource(resource)
        return bool(caps.detail_fields) and caps.supports(Operation.GET)

    def minimum_sync_calls(self, report: Any, *, first: bool) -> int:
        """A list call per full page and, where lists leave out line items, a detail call per new record."""
        total = 0
        for name, r in report.per_resource.items():
            seen = r.created + r.updated + r.unchanged if first else r.created + r.updated
            page = self.connector.capabilities().for_resource(name).max_page_size
            total += max(1, math.ceil(seen / page)) + (r.created + r.updated if self._needs_detail(name) else 0)
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

        api_calls = self.api_calls
        # the writes: one call each (look-ups of links the connector caches are not counted)
        minimum = self.minimum_sync_calls(self.first, first=True) + self.minimum_sync_calls(self.second, first=False)
        minimum += len(self.writes)
        window = self.settings.window_seconds
        rejected = int(self.stats.get("by_status", {}).get("429", 0))
        lines = [
            f"API calls: {api_calls:,} used, {minimum:,} the minimum possible",
            "  minimum: a list call per full page per resource, a detail call per new or changed record whose list "
            f"leaves out line items, {len(self.writes)} create(s)",
            f"429s received: {rejected}" + (" (each waited out as Retry-After said, then retried)" if rejected else ""),
        ]
        if self.per_window:
            floor = minimum / self.per_window * window
            lines.append(
                f"Rate limit: {self.per_window} calls per {window:g} s window (the provider: per {PROVIDER_WINDOW:g} "
                f"s, so time runs {PROVIDER_WINDOW / window:g}x faster): {minimum:,} calls need at least "
                f"{floor:.1f} s here, {minimum / self.per_window:.0f} min against the real provider"
            )
        lines += [
            f"Elapsed: {self.elapsed:.1f} s",
            f"Database: {self.settings.db} (e.g. sqlite3 {self.settings.db} 'select count(*) from invoices')",
        ]
        for line in lines:
            console.print(line, highlight=False, soft_wrap=True)
