"""``unified watch`` (virtual webhooks: sync on an interval, deliver each change to subscriber URLs) and
``unified webhooks ...`` (subscribers, deliveries, replay).

The subscribers, the outbox and the deliveries live in the webhook database next to the sync database
(``--db unified.db`` -> ``unified.webhooks.db``), readable by its owner only: it holds the signing secrets; or,
with ``--db postgresql://...``, in the tables beside the PostgreSQL store that every worker delivers from.
Subscriber URLs are shown redacted (a query string or user info often holds a token); commands that take a URL
accept it whole or as the lists show it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from unified.cli._options import (
    ConnectionOpt,
    ConnectorOpt,
    connection_flags,
    connection_from,
)
from unified.cli._output import RecordFormat, dumps, stdout_console, write_line
from unified.cli._progress import stderr_console
from unified.cli._settings import Resolved, resolve
from unified.errors import RequestValidationError

if TYPE_CHECKING:
    from unified.sync import Store
    from unified.webhooks import WatchRound, WebhookStore

SECRET_ENV = "UNIFIED_WEBHOOK_SECRET"


class StatusName(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


webhooks_app = typer.Typer(
    help="Virtual webhook subscribers and deliveries (the database next to --db; see `unified watch`).",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str,
    typer.Option(
        "--db",
        help="The sync database; the webhook database is next to it (unified.db -> unified.webhooks.db), or a "
        "postgresql:// URL: the outbox every worker shares (`unified worker`).",
    ),
]
SecretOpt = Annotated[
    str | None,
    typer.Option(
        "--secret",
        envvar=SECRET_ENV,
        help=f"The subscriber's signing secret (env {SECRET_ENV}); it signs X-Unified-Signature.",
        show_default=False,
        show_envvar=False,
    ),
]


def _say(message: str) -> None:
    stderr_console().print(message, highlight=False, soft_wrap=True)


def _open(db: str) -> WebhookStore:
    from unified.webhooks import open_webhooks

    return open_webhooks(db)


def _subscribe(webhooks: WebhookStore, urls: list[str], secret: str | None) -> None:
    """Add the ``--subscriber`` URLs (or change their secret); a known URL may come without ``--secret``."""
    from unified.webhooks import redact_url

    for url in urls:
        if secret:
            webhooks.add_subscriber(url, secret)
        elif webhooks.subscriber(url) is None:
            raise RequestValidationError(
                f"The subscriber {redact_url(url)} is new and has no secret: pass --secret S (or set {SECRET_ENV}) "
                "with a long random string the subscriber also knows.",
                field="secret",
            )
    if not webhooks.subscribers():
        raise RequestValidationError(
            "No subscribers: pass --subscriber URL --secret S, or add one with `unified webhooks add URL --secret S`.",
            field="subscriber",
        )


def _round_line(number: int, result: WatchRound, pending: int) -> str:
    stamp = datetime.now().strftime("%H:%M:%S")
    delivery = result.delivery
    sent = f"delivered {delivery.delivered}, retrying {delivery.retrying}, failed {delivery.failed}, pending {pending}"
    if result.sync is None:
        return f"{stamp} retries: {sent}"
    sync = result.sync
    parts = [f"{stamp} round {number}: {sync.created} created, {sync.updated} updated, {sync.deleted} deleted"]
    if result.baseline:
        parts.append(f"baseline of {', '.join(result.baseline)} taken (no events)")
    parts.append(f"{result.events} event{'' if result.events == 1 else 's'}; {sent}")
    if result.error is not None:
        parts.append(f"the sync failed ({result.error}); the next round resumes it")
    return " · ".join(parts)


def _round_json(result: WatchRound, pending: int) -> dict[str, Any]:
    sync = result.sync
    return {
        "created": sync.created if sync else 0,
        "updated": sync.updated if sync else 0,
        "deleted": sync.deleted if sync else 0,
        "baseline": result.baseline,
        "events": result.events,
        "delivered": result.delivery.delivered,
        "retrying": result.delivery.retrying,
        "failed": result.delivery.failed,
        "pending": pending,
        "error": str(result.error) if result.error is not None else None,
    }


def _connection_name(resolved: Resolved) -> str:
    organization = resolved.settings.get("organization_id")
    return resolved.vault_name or (f"{resolved.connector}:{organization}" if organization else resolved.connector)


@connection_flags
def watch(
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between syncs; retries go out in between.")
    ] = 60.0,
    subscriber: Annotated[
        list[str] | None,
        typer.Option(
            "--subscriber", help="A URL to deliver events to (repeatable); kept for later runs.", show_default=False
        ),
    ] = None,
    secret: SecretOpt = None,
    db: DbOpt = "unified.db",
    once: Annotated[
        bool, typer.Option("--once", help="One round (a sync, then the deliveries due), then exit.")
    ] = False,
    resources: Annotated[
        str | None,
        typer.Option("--resources", help="Comma-separated resources (default: all), e.g. contacts,invoices."),
    ] = None,
    reduced: Annotated[
        bool, typer.Option("--reduced", help="Skip the per-record detail calls (events without line items).")
    ] = False,
    backfill: Annotated[
        bool,
        typer.Option(
            "--backfill", help="Deliver every existing record as created on the first run (default: a silent baseline)."
        ),
    ] = False,
    deletions_every: Annotated[
        float,
        typer.Option(
            "--deletions-every",
            min=0,
            help="Seconds between deletion scans (a full listing; deletions are found only then).",
        ),
    ] = 86400.0,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", min=1, help="Attempts per delivery before it is kept as failed.")
    ] = 10,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for a subscriber.")] = 10.0,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Virtual webhooks: sync every --interval seconds and POST each change to the subscribers as signed JSON.

    Each event goes to every subscriber at least once, with an Idempotency-Key, signed in X-Unified-Signature
    (t=<unix>,v1=<hex HMAC-SHA256 of "t.body">). Failed deliveries are retried with backoff, and kept after
    --max-attempts (see `unified webhooks deliveries` and `unified webhooks replay`). Ctrl-C stops.
    """
    from unified.cli._sync import parse_resources
    from unified.webhooks import RetryPolicy, Watcher, redact_url

    options = connection_from(locals())
    wanted = parse_resources(resources)
    resolved = resolve(options)
    store, webhooks = _stores(db, _connection_name(resolved))
    try:
        _subscribe(webhooks, subscriber or [], secret)
        built = resolved.build()
        try:
            watcher = Watcher(
                built,
                store,
                webhooks,
                connection=_connection_name(resolved),
                resources=wanted,
                interval=interval,
                backfill=backfill,
                retry=RetryPolicy(max_attempts=max_attempts),
                timeout=timeout,
                reduced=reduced,
                deletion_scan_interval=timedelta(seconds=deletions_every),
            )
            urls = ", ".join(redact_url(s.url) for s in webhooks.subscribers())
            _say(f"Watching every {interval:g} s into {_where(db)}; delivering to {urls}. Ctrl-C stops.")
            rounds = 0

            def report(result: WatchRound) -> None:
                nonlocal rounds
                rounds += result.sync is not None
                pending = webhooks.counts()["pending"]
                _say(_round_line(rounds, result, pending))
                if once:
                    write_line(dumps(_round_json(result, pending)))

            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a watch ends
                asyncio.run(_run(watcher, built, report, once))
            counts = webhooks.counts()
            _say(
                f"Stopped. Deliveries pending: {counts['pending']}, failed: {counts['failed']} "
                f"(kept in {webhooks.path}; the next `unified watch` or `unified webhooks deliver` sends them)."
            )
        finally:
            webhooks.close()
    finally:
        store.close()


def _stores(db: str, connection: str) -> tuple[Store, WebhookStore]:
    """The sync store and the webhook store of ``--db``: in PostgreSQL both on one session, so each page and its
    events commit together; else the SQLite file and the webhook database next to it."""
    from unified.sync import PostgresStore, SQLiteStore
    from unified.sync._pgdb import is_postgres_url
    from unified.webhooks import PostgresWebhookStore

    if is_postgres_url(db):
        store = PostgresStore(db.strip(), connection=connection)
        try:
            return store, PostgresWebhookStore.sharing(store)
        except BaseException:
            store.close()
            raise
    sqlite = SQLiteStore(db)
    try:
        return sqlite, _open(db)
    except BaseException:
        sqlite.close()
        raise


def _where(db: str) -> str:
    from unified.sync._pgdb import is_postgres_url, redact_dsn

    return redact_dsn(db) if is_postgres_url(db) else db


async def _run(watcher: Any, connector: Any, report: Any, once: bool) -> None:
    try:
        await watcher.run(on_round=report, rounds=1 if once else None)
    finally:
        await watcher.aclose()
        await connector.aclose()


# -- unified webhooks ... ------------------------------------------------------------------------------------


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="The subscriber's URL (http:// or https://).", show_default=False)],
    secret: SecretOpt = None,
    db: DbOpt = "unified.db",
) -> None:
    """Add a subscriber (or change its secret); it receives the events found from now on."""
    if not secret:
        raise typer.BadParameter(f"a signing secret is required (or set {SECRET_ENV}).", param_hint="--secret")
    from unified.webhooks import redact_url

    with _open(db) as webhooks:
        added = webhooks.add_subscriber(url, secret)
        _say(f"Subscriber {redact_url(added.url)} saved in {webhooks.path}.")


@webhooks_app.command("remove")
def webhooks_remove(
    url: Annotated[str, typer.Argument(help="The subscriber's URL.", show_default=False)],
    db: DbOpt = "unified.db",
) -> None:
    """Remove a subscriber and its deliveries (its URL whole, or as `unified webhooks list` shows it)."""
    from unified.webhooks import redact_url

    with _open(db) as webhooks:
        webhooks.remove_subscriber(url)
        _say(f"Removed subscriber {redact_url(url)}.")


@webhooks_app.command("list")
def webhooks_list(
    db: DbOpt = "unified.db",
    fmt: Annotated[RecordFormat, typer.Option("--format", help="table or json.")] = RecordFormat.table,
) -> None:
    """The subscribers and how many of their deliveries are pending, delivered and failed (secrets not shown, URLs
    redacted)."""
    from unified.webhooks import redact_url

    with _open(db) as webhooks:
        rows = [
            {"url": redact_url(s.url), "created_at": s.created_at.isoformat(), **webhooks.counts(s.url)}
            for s in webhooks.subscribers()
        ]
    if fmt is RecordFormat.json:
        write_line(dumps(rows, indent=2))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("url", "created_at", "pending", "delivered", "failed"):
        table.add_column(column, justify="left" if column in ("url", "created_at") else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("url", "created_at", "pending", "delivered", "failed")))
    stdout_console().print(table)


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    db: DbOpt = "unified.db",
    status: Annotated[
        StatusName | None, typer.Option("--status", help="Only pending, delivered or failed ones.", show_default=False)
    ] = None,
    subscriber: Annotated[
        str | None, typer.Option("--subscriber", help="Only this subscriber's.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 50,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="table or json.")] = RecordFormat.table,
) -> None:
    """Deliveries, newest event first: status, attempts, the last answer or error."""
    with _open(db) as webhooks:
        url = None if subscriber is None else webhooks.subscriber_url(subscriber)
        records = webhooks.deliveries(status=None if status is None else status.value, subscriber=url, limit=limit)
    rows = [r.to_dict() for r in records]
    if fmt is RecordFormat.json:
        write_line(dumps(rows, indent=2))
        return
    columns = ("event_id", "event_type", "entity_id", "subscriber", "status", "attempts", "last_status", "last_error")
    table = Table(show_header=True, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    stdout_console().print(table)


@webhooks_app.command("replay")
def webhooks_replay(
    db: DbOpt = "unified.db",
    include_delivered: Annotated[
        bool, typer.Option("--all", help="Also replay deliveries that succeeded (default: the failed ones).")
    ] = False,
    subscriber: Annotated[
        str | None, typer.Option("--subscriber", help="Only this subscriber's.", show_default=False)
    ] = None,
    event: Annotated[str | None, typer.Option("--event", help="Only this event id.", show_default=False)] = None,
) -> None:
    """Queue failed deliveries again, due at once with fresh attempts; `unified watch` or `deliver` sends them."""
    with _open(db) as webhooks:
        url = None if subscriber is None else webhooks.subscriber_url(subscriber)
        count = webhooks.replay(include_delivered=include_delivered, subscriber=url, event_id=event)
    _say(f"Re-queued {count} deliveries; `unified webhooks deliver` or the next `unified watch` round sends them.")


@webhooks_app.command("deliver")
def webhooks_deliver(
    db: DbOpt = "unified.db",
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for a subscriber.")] = 10.0,
) -> None:
    """Send the deliveries that are due now (no sync); prints what happened as JSON."""
    from unified.webhooks import Deliverer

    async def once(webhooks: WebhookStore) -> Any:
        deliverer = Deliverer(webhooks, timeout=timeout)
        try:
            return await deliverer.deliver_due()
        finally:
            await deliverer.aclose()

    with _open(db) as webhooks:
        report = asyncio.run(once(webhooks))
        counts = webhooks.counts()
    write_line(
        dumps(
            {
                "delivered": report.delivered,
                "retrying": report.retrying,
                "failed": report.failed,
                "pending": counts["pending"],
                "at": datetime.now(UTC).isoformat(),
            }
        )
    )


__all__ = ["SECRET_ENV", "watch", "webhooks_app"]
