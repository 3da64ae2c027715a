"""``unified sync``: the sync engine with progress on stderr (bars on a terminal, plain lines elsewhere), and its
report as a table or JSON."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from unified.cli._output import RecordFormat, dumps, stdout_console, write_line
from unified.cli._progress import PlainProgress, SyncProgress, make_progress, pace_of, stderr_console
from unified.cli._settings import Resolved
from unified.connector import RESOURCES, Connector, Operation


def parse_resources(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [part.strip().replace("-", "_") for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in RESOURCES]
    if unknown or not names:
        raise typer.BadParameter(
            f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(RESOURCES)} (comma-separated).",
            param_hint="--resources",
        )
    return names


def calls_per_record(
    connector: Connector, resources: list[str], *, reduced: bool, page_size: int = 200
) -> dict[str, float]:
    """API calls a record costs: its share of a list page, plus a detail call when the list leaves fields out."""
    caps = connector.capabilities()
    costs: dict[str, float] = {}
    for name in resources:
        if not caps.supports(name, Operation.LIST):
            continue
        rc = caps.for_resource(name)
        detail = bool(rc.detail_fields) and rc.supports(Operation.GET) and not reduced
        costs[name] = 1 / min(page_size, rc.max_page_size) + (1 if detail else 0)
    return costs


async def sync_with_progress(
    engine: Any,
    connector: Connector,
    *,
    resources: list[str] | None,
    full: bool,
    expected: Mapping[str, int] | None = None,
) -> Any:
    """Run the engine with one progress bar per resource on stderr (plain lines when stderr is not a terminal);
    returns its report."""
    names: list[str] = engine.resources(resources)
    costs = calls_per_record(connector, names, reduced=engine.reduced, page_size=engine.page_size)
    console = stderr_console()
    if not console.is_terminal:

        def write(line: str) -> None:
            console.print(line, highlight=False, markup=False, soft_wrap=True)

        plain = PlainProgress(write, pace_of(connector), expected=expected, calls_per_item=costs)
        return await engine.run(names, full=full, progress=plain)
    with make_progress() as progress:
        callback = SyncProgress(progress, pace_of(connector), names, expected=expected, calls_per_item=costs)
        return await engine.run(names, full=full, progress=callback)


def report_json(report: Any) -> dict[str, Any]:
    return {
        "connection": report.connection,
        "duration": round(report.duration, 3),
        "created": report.created,
        "updated": report.updated,
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "list_calls": report.list_calls,
        "detail_calls": report.detail_calls,
        "resources": {name: dataclasses.asdict(r) for name, r in report.per_resource.items()},
    }


def report_table(report: Any, *, title: str | None = None) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for column in ("resource", "mode", "created", "updated", "deleted", "unchanged", "list calls", "detail calls"):
        table.add_column(column, justify="left" if column in ("resource", "mode") else "right")
    table.add_column("seconds", justify="right")
    for name, r in report.per_resource.items():
        table.add_row(
            name,
            r.mode,
            *(str(v) for v in (r.created, r.updated, r.deleted, r.unchanged, r.list_calls, r.detail_calls)),
            f"{r.duration:.1f}",
        )
    table.add_section()
    totals = (report.created, report.updated, report.deleted, report.unchanged, report.list_calls, report.detail_calls)
    table.add_row("total", "", *(str(v) for v in totals), f"{report.duration:.1f}", style="bold")
    return table


def run_sync(
    resolved: Resolved,
    *,
    db: str | Path,
    resources: list[str] | None,
    full: bool,
    reduced: bool,
    fmt: RecordFormat,
    wait: float = 0.0,
) -> None:
    """``wait``: seconds to wait for another run syncing the same resource into ``db`` (else it is an error)."""
    from datetime import timedelta

    from unified.sync import SyncEngine, open_store
    from unified.sync._pgdb import is_postgres_url, redact_dsn

    connector = resolved.build()
    organization = resolved.settings.get("organization_id")
    name = resolved.vault_name or (f"{resolved.connector}:{organization}" if organization else resolved.connector)
    store = open_store(str(db), connection=name)  # a postgresql:// URL, or a SQLite file
    where = redact_dsn(str(db)) if is_postgres_url(str(db)) else str(db)
    try:
        engine = SyncEngine(connector, store, connection=name, reduced=reduced, lock_wait=timedelta(seconds=wait))
        expected = {r: store.count(r) for r in engine.resources(resources)} if full else None
        report = asyncio.run(_run_and_close(engine, connector, resources=resources, full=full, expected=expected))
    finally:
        store.close()
    if fmt is RecordFormat.json:
        write_line(dumps(report_json(report), indent=2))
    else:
        stdout_console().print(report_table(report, title=f"Synced into {where}"))


async def _run_and_close(engine: Any, connector: Connector, **kwargs: Any) -> Any:
    try:
        return await sync_with_progress(engine, connector, **kwargs)
    finally:
        await connector.aclose()
