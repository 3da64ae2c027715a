"""The sync engine against the Zoho Books emulator on a real socket, through the Zoho connector.

Ground truth is the emulator: the ids it holds, and the unified records a clean sync of it gives.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from connectors.zoho_books.oauth import TokenSet
from schemas import Bill, Contact, Invoice
from unified import AsyncUnifiedClient, RequestValidationError, UnifiedError
from unified.connector import ListQuery, Page
from unified.events import Event
from unified.sync import SYNC_RESOURCES, SQLiteStore, StoredRecord, SyncEngine, SyncReport

pytestmark = pytest.mark.e2e

# unified resource -> the emulator's module and id field
MODULES = {
    "contacts": ("contacts", "contact_id"),
    "invoices": ("invoices", "invoice_id"),
    "bills": ("bills", "bill_id"),
    "expenses": ("expenses", "expense_id"),
    "tax_rates": ("taxes", "tax_id"),
}
WINDOW = 0.1  # Zoho's one-minute rate window, scaled down so the tests are not paced for real minutes
SMALL: dict[str, Any] = {"contacts": 5, "invoices": 8, "bills": 3, "expenses": 3}


class Killed(BaseException):
    """Stands in for the process dying at an arbitrary step."""


class Countdown:
    def __init__(self, at: int | None) -> None:
        self.at, self.steps = at, 0

    def step(self) -> None:
        self.steps += 1
        if self.steps == self.at:
            raise Killed


class KillableConnector(ZohoBooksConnector):
    countdown = Countdown(None)

    async def list(self, resource: str, query: ListQuery) -> Page[Any]:
        self.countdown.step()
        return await super().list(resource, query)

    async def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel:
        self.countdown.step()
        return await super().get(resource, id, raw=raw)


class KillableStore(SQLiteStore):
    countdown = Countdown(None)

    def upsert(self, resource: str, record: StoredRecord) -> None:
        self.countdown.step()
        super().upsert(resource, record)

    def delete(self, resource: str, id: str) -> None:
        self.countdown.step()
        super().delete(resource, id)

    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        self.countdown.step()
        super().mark_seen(resource, ids, token)

    def save_state(self, resource: str, state: Mapping[str, Any]) -> None:
        self.countdown.step()
        super().save_state(resource, state)


# The newest access token per emulator: a restarted process reuses its stored token, as the vault's would,
# instead of minting one per run (Zoho allows 10 per refresh token per 10 minutes).
_tokens: dict[str, TokenSet] = {}


def connect(emu: ZohoBooksEmulator, cls: type[ZohoBooksConnector] = ZohoBooksConnector, **options: Any) -> Any:
    cached = _tokens.get(emu.base_url)
    if cached is not None:
        options.update(access_token=cached.access_token, expires_at=cached.expires_at)
    return cls(
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        refresh_token=emu.refresh_token,
        organization_id=emu.organization_id,
        api_url=emu.api_url,
        accounts_url=emu.accounts_url,
        window_seconds=WINDOW,
        on_token_refresh=lambda tokens: _tokens.__setitem__(emu.base_url, tokens),
        **options,
    )


async def sync(
    emu: ZohoBooksEmulator,
    store: SQLiteStore,
    events: list[Event] | None = None,
    *,
    connector: ZohoBooksConnector | None = None,
    full: bool = False,
    **options: Any,
) -> SyncReport:
    """One run, as one process would do it: its own connector, closed at the end."""
    connector = connector or connect(emu)
    engine = SyncEngine(connector, store, **options)
    if events is not None:
        engine.subscribe(events.append)
    try:
        return await engine.run(full=full)
    finally:
        await connector.aclose()


def truth_ids(emu: ZohoBooksEmulator) -> dict[str, set[str]]:
    org = emu.organization_id
    return {r: {str(row[key]) for row in emu.records(org, module)} for r, (module, key) in MODULES.items()}


def dump(store: SQLiteStore) -> dict[str, dict[str, str]]:
    return {r: {m.id: m.model_dump_json() for m in store.iter(r)} for r in SYNC_RESOURCES}  # type: ignore[attr-defined]


def clean_copy(emu: ZohoBooksEmulator) -> dict[str, dict[str, str]]:
    with SQLiteStore(":memory:") as fresh:
        asyncio.run(sync(emu, fresh))
        return dump(fresh)


def assert_mirrors(store: SQLiteStore, emu: ZohoBooksEmulator, reference: dict[str, dict[str, str]]) -> None:
    stored = dump(store)
    assert {r: set(records) for r, records in stored.items()} == truth_ids(emu)
    assert stored == reference
    for resource in SYNC_RESOURCES:
        assert store.count(resource) == len(reference[resource])  # no duplicates


def calls_by_kind(emu: ZohoBooksEmulator) -> tuple[int, int]:
    """(list calls, detail calls) the emulator served, from its own request counters."""
    endpoints: dict[str, int] = emu.stats()["by_endpoint"]
    api = {e: n for e, n in endpoints.items() if e.startswith("GET /books/v3/")}
    details = sum(n for e, n in api.items() if e.endswith("}"))
    return sum(api.values()) - details, details


class Served(NamedTuple):
    """An emulator the tests below only read from, and its clean unified copy (left out of reprs: it is big)."""

    emu: ZohoBooksEmulator
    reference: dict[str, dict[str, str]]

    def __repr__(self) -> str:
        return f"Served({self.emu!r})"


@pytest.fixture(scope="module")
def shared() -> Iterator[Served]:
    emu = ZohoBooksEmulator(seed=11, **SMALL, window_seconds=WINDOW, timeout_seconds=2)
    with emu.serve() as running:
        yield Served(running, clean_copy(running))


def test_a_sync_mirrors_the_emulator_and_reads_back_as_models(
    shared: Served,
) -> None:
    emu, reference = shared
    events: list[Event] = []
    with SQLiteStore(":memory:") as store:
        report = asyncio.run(sync(emu, store, events))
        assert_mirrors(store, emu, reference)

        invoice = next(store.iter("invoices"))
        assert isinstance(invoice, Invoice) and invoice.line_items  # details were fetched
        assert store.count("customers") + store.count("suppliers") >= store.count("contacts") > 0
        total = sum(len(records) for records in reference.values())
        assert report.created == total and Counter(e.kind for e in events) == {"created": total}
        by_id = {e.entity_id: e for e in events}
        assert by_id[invoice.id].data.model_dump_json() == invoice.model_dump_json()  # type: ignore[index]
        assert by_id[invoice.id].type == "accounting.invoice.created"  # type: ignore[index]

        again: list[Event] = []
        report = asyncio.run(sync(emu, store, again))
        assert again == [] and report.detail_calls == 0 and report.created == report.updated == 0


def test_reduced_mode_makes_no_detail_calls(shared: Served) -> None:
    emu, _ = shared
    emu.reset_stats()
    with SQLiteStore(":memory:") as store:
        report = asyncio.run(sync(emu, store, reduced=True))
        assert report.detail_calls == 0 and calls_by_kind(emu)[1] == 0
        assert {r: set(records) for r, records in dump(store).items()} == truth_ids(emu)
        assert all(not invoice.line_items for invoice in store.iter("invoices"))  # type: ignore[attr-defined]


Kill = tuple[Literal["call", "write"], int]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kills=st.lists(st.tuples(st.sampled_from(["call", "write"]), st.integers(1, 35)), min_size=1, max_size=3),
    then_full=st.booleans(),
)
def test_killed_runs_resume_and_end_equal_to_the_emulator(shared: Served, kills: list[Kill], then_full: bool) -> None:
    emu, reference = shared
    events: list[Event] = []
    with tempfile.TemporaryDirectory() as tmp:  # a file: each run reopens the store, as a new process would
        db = Path(tmp) / "sync.db"
        for kill in [*kills, None]:
            connector = connect(emu, KillableConnector)
            connector.countdown = Countdown(kill[1] if kill and kill[0] == "call" else None)
            store = KillableStore(db)
            store.countdown = Countdown(kill[1] if kill and kill[0] == "write" else None)
            try:
                asyncio.run(sync(emu, store, events, connector=connector))
            except Killed:
                continue
            finally:
                store.close()
        with SQLiteStore(db) as final:
            assert_mirrors(final, emu, reference)
            assert Counter(Counter((e.kind, e.entity_id) for e in events).values()) == {1: len(events)}
            assert len(events) == sum(len(records) for records in reference.values())
            if then_full:  # a full run over a complete store changes nothing
                report = asyncio.run(sync(emu, final, events, full=True))
                assert report.created == report.updated == report.deleted == 0
                assert_mirrors(final, emu, reference)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["500", "503", "html", "drop", "timeout", "expired_token"]),
    fraction=st.sampled_from([0.1, 0.3]),
    seed=st.integers(0, 1000),
)
def test_runs_under_faults_complete_or_fail_cleanly_and_a_rerun_completes(
    shared: Served, kind: str, fraction: float, seed: int
) -> None:
    emu, reference = shared
    events: list[Event] = []
    with SQLiteStore(":memory:") as store:
        emu.faults.fail_fraction(fraction, kind, seed=seed)
        try:
            for _ in range(2):
                try:
                    asyncio.run(sync(emu, store, events, connector=connect(emu, timeout=0.5)))
                    break
                except UnifiedError:
                    continue  # failed cleanly: nothing half-written, the next run resumes
        finally:
            emu.faults.clear()
        asyncio.run(sync(emu, store, events))
        assert_mirrors(store, emu, reference)
        assert Counter(e.entity_id for e in events) == {id: 1 for records in reference.values() for id in records}


async def second_page_invoice(emu: ZohoBooksEmulator) -> str:
    async with AsyncUnifiedClient(connect(emu)) as client:
        first = await client.invoices.page(limit=5)
        second = await client.invoices.page(first.next_cursor, limit=5)
        return str(second.data[0].id)


def test_a_run_that_fails_mid_resource_is_resumed_by_the_next(
    shared: Served,
) -> None:
    emu, reference = shared
    events: list[Event] = []
    with SQLiteStore(":memory:") as store:
        # A record of the second page fails six times in a row, past the connector's retries of one call.
        victim = asyncio.run(second_page_invoice(emu))
        emu.faults.fail_next(6, "500", path=f"/invoices/{victim}")
        try:
            with pytest.raises(UnifiedError) as raised:
                asyncio.run(sync(emu, store, events, page_size=5, detail_concurrency=1))
        finally:
            emu.faults.clear()
        assert any("run it again to resume" in note for note in raised.value.__notes__)
        report = asyncio.run(sync(emu, store, events, page_size=5))
        assert report.per_resource["invoices"].resumed
        assert_mirrors(store, emu, reference)
        assert Counter(e.entity_id for e in events) == {id: 1 for records in reference.values() for id in records}


@pytest.fixture
def own() -> Iterator[ZohoBooksEmulator]:
    """An emulator a test may change."""
    emu = ZohoBooksEmulator(seed=5, **SMALL, window_seconds=WINDOW)
    with emu.serve() as running:
        yield running


def test_an_incremental_run_after_k_changes_makes_few_calls(own: ZohoBooksEmulator) -> None:
    events: list[Event] = []

    async def change() -> set[str]:
        async with AsyncUnifiedClient(connect(own)) as client:
            invoices = (await client.invoices.page(limit=3)).data
            bills = (await client.bills.page(limit=1)).data
            contacts = (await client.contacts.page(limit=1)).data
            for invoice in invoices:
                await client.invoices.update(invoice.id, Invoice(reference=f"changed {invoice.id}"))  # type: ignore[arg-type]
            for bill in bills:
                await client.bills.update(bill.id, Bill(reference="changed"))  # type: ignore[arg-type]
            for contact in contacts:
                await client.contacts.update(contact.id, Contact(notes="changed"))  # type: ignore[arg-type]
            new = await client.contacts.create(Contact(display_name="Brand new customer", is_customer=True))
            return {str(getattr(r, "id", None)) for r in [*invoices, *bills, *contacts, new]}

    with SQLiteStore(":memory:") as store:
        asyncio.run(sync(own, store))
        changed = asyncio.run(change())
        k = len(changed)
        own.reset_stats()

        report = asyncio.run(sync(own, store, events))

        served_lists, served_details = calls_by_kind(own)
        assert (report.list_calls, report.detail_calls) == (served_lists, served_details)
        assert report.detail_calls == k
        assert report.list_calls <= math.ceil(k / 200) + len(SYNC_RESOURCES)
        assert report.per_resource["invoices"].mode == "incremental"
        assert report.per_resource["contacts"].mode == "incremental"  # newest first, down to the checkpoint
        assert {e.entity_id for e in events} == changed and len(events) == k
        assert Counter(e.kind for e in events) == {"updated": k - 1, "created": 1}
        assert_mirrors(store, own, clean_copy(own))


def test_deletions_are_found_on_full_runs_and_on_the_interval_only(own: ZohoBooksEmulator) -> None:
    now = [datetime.now(UTC)]

    def clock() -> datetime:
        return now[0]

    async def delete(resource: str) -> str:
        """Delete the first record Zoho lets go (one with payments recorded cannot be deleted)."""
        async with AsyncUnifiedClient(connect(own)) as client:
            api = client.resource(resource)
            for record in (await api.page(limit=50)).data:
                try:
                    await api.delete(str(record.id))
                except RequestValidationError:
                    continue
                return str(record.id)
        raise AssertionError(f"no deletable {resource} in the emulator")

    events: list[Event] = []
    with SQLiteStore(":memory:") as store:
        asyncio.run(sync(own, store, clock=clock))
        gone_invoice = asyncio.run(delete("invoices"))

        report = asyncio.run(sync(own, store, events, clock=clock))
        assert report.deleted == 0 and store.get("invoices", gone_invoice) is not None

        report = asyncio.run(sync(own, store, events, clock=clock, full=True))
        assert report.deleted == 1 and store.get("invoices", gone_invoice) is None
        assert [(e.type, e.entity_id) for e in events] == [("accounting.invoice.deleted", gone_invoice)]

        gone_bill = asyncio.run(delete("bills"))
        now[0] += timedelta(hours=23)
        assert asyncio.run(sync(own, store, clock=clock)).deleted == 0
        now[0] += timedelta(hours=2)
        report = asyncio.run(sync(own, store, events, clock=clock))
        assert report.per_resource["bills"].deleted == 1 and store.get("bills", gone_bill) is None
        assert_mirrors(store, own, clean_copy(own))


def test_unified_sync_says_another_run_holds_the_store_and_prints_plain_progress(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from unified.cli import app

    emu = ZohoBooksEmulator(seed=5, **SMALL, window_seconds=WINDOW)
    db = tmp_path / "sync.db"
    with emu.serve():
        env = {
            "UNIFIED_HOME": str(tmp_path / "home"),
            "UNIFIED_ZOHO_CLIENT_ID": emu.client_id,
            "UNIFIED_ZOHO_CLIENT_SECRET": emu.client_secret,
            "UNIFIED_ZOHO_REFRESH_TOKEN": emu.refresh_token,
            "UNIFIED_ZOHO_ORGANIZATION_ID": emu.organization_id,
            "UNIFIED_ZOHO_API_URL": emu.api_url,
            "UNIFIED_ZOHO_ACCOUNTS_URL": emu.accounts_url,
            "UNIFIED_ZOHO_WINDOW_SECONDS": str(WINDOW),
            "UNIFIED_VAULT_KEY": "",
            "UNIFIED_CONNECTION": "",
            "UNIFIED_DEBUG": "",
        }
        command = ["sync", "--db", str(db), "--resources", "invoices", "--format", "json"]
        with SQLiteStore(db) as other_run, other_run.lock("invoices"):
            emu.reset_stats()
            refused = CliRunner().invoke(app, command, env=env)
            calls = emu.stats()["requests"]
        assert refused.exit_code == 1
        [line] = refused.stderr.strip().splitlines()
        assert "Another sync run" in line and "syncing invoices into" in line and "--wait" in line
        assert "Traceback" not in refused.stderr
        assert calls <= 1  # at most the token: no list, no detail call
        synced = CliRunner().invoke(app, command, env=env)
    assert synced.exit_code == 0, synced.stderr
    assert f"invoices: done, {SMALL['invoices']} records" in synced.stderr  # plain lines: stderr is no terminal
