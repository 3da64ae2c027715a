"""``unified worker`` (sync jobs from the PostgreSQL queue, many processes and machines, and the webhook
deliveries of the shared outbox) and ``unified schedule`` (a sync job per connection and resource)."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer

__all__ = ["schedule", "worker"]

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="The PostgreSQL database of the store and the jobs (env UNIFIED_DATABASE_URL)."),
]


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    for name, level in (("unified", logging.INFO), ("procrastinate", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Jobs this process runs at once.")] = 4,
    db: DbOption = None,
    heartbeat: Annotated[
        float, typer.Option("--heartbeat", min=0.1, help="Seconds between this worker's heartbeats.")
    ] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after", min=0.5, help="Seconds without a heartbeat after which a worker's jobs are queued again."
        ),
    ] = 30.0,
    poll: Annotated[
        float,
        typer.Option(
            "--poll", min=0.01, help="Seconds between looks for jobs another job of its connection held back."
        ),
    ] = 1.0,
    schedule_cron: Annotated[
        str,
        typer.Option(
            "--schedule",
            help="Cron of the periodic schedule (a 6th field for seconds), or 'off'. Every worker may say it: "
            "each time comes round once.",
        ),
    ] = "*/15 * * * *",
    deliver_every: Annotated[
        float,
        typer.Option(
            "--deliver-every",
            min=0,
            help="Seconds between webhook delivery rounds (retries come due in between); 0: only after syncs that "
            "found changes.",
        ),
    ] = 10.0,
    deliver_timeout: Annotated[
        float, typer.Option("--deliver-timeout", min=0.1, help="Seconds to wait for a webhook subscriber.")
    ] = 10.0,
) -> None:
    """Run sync jobs until Ctrl-C or SIGTERM: one job per connection at a time, stalled jobs recovered; and deliver
    virtual webhooks from the shared outbox (subscribers: `unified webhooks add URL --db postgresql://...`).

    Needs UNIFIED_DATABASE_URL (or --db), the vault (UNIFIED_VAULT_URL and UNIFIED_VAULT_KEY, the same on every
    machine) and, for a rate budget shared by all workers, UNIFIED_REDIS_URL.
    """
    from unified.jobs import database_url
    from unified.jobs._app import run_worker

    url = database_url(db)
    if stalled_after <= heartbeat:
        raise typer.BadParameter("must be longer than --heartbeat.", param_hint="--stalled-after")
    _logging()
    typer.echo(f"unified worker: {concurrency} at once, process {_pid()}; Ctrl-C stops it.", err=True)
    cron = None if schedule_cron.strip().lower() == "off" else schedule_cron
    asyncio.run(
        run_worker(
            url,
            concurrency=concurrency,
            heartbeat=heartbeat,
            stalled_after=stalled_after,
            schedule_cron=cron,
            poll=poll,
            deliver_every=deliver_every or None,
            deliver_timeout=deliver_timeout,
        )
    )


def schedule(
    db: DbOption = None,
    resources: Annotated[
        str | None, typer.Option("--resources", help="Comma-separated resources (default: all each connector offers).")
    ] = None,
    connections: Annotated[
        str | None, typer.Option("--connections", help="Comma-separated vault connections (default: all).")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Full syncs (and deletion scans) instead of changes.")] = False,
) -> None:
    """Defer a sync job per vault connection and resource (one already waiting is not deferred again)."""
    from unified.cli._sync import parse_resources
    from unified.jobs import database_url
    from unified.jobs._app import ensure_schema
    from unified.jobs._app import schedule as defer_all

    url = database_url(db)
    wanted = parse_resources(resources)
    names = [n.strip() for n in connections.split(",") if n.strip()] if connections else None

    async def run() -> str:
        from unified.jobs._app import build_app

        await asyncio.to_thread(ensure_schema, url)
        app = build_app(url)
        async with app.open_async():
            return str(await defer_all(app, connections=names, resources=wanted, full=full))

    typer.echo(asyncio.run(run()), err=True)


def _pid() -> int:
    import os

    return os.getpid()
