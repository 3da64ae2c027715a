"""`unified emulator zoho-books` (and `python -m connectors.zoho_books.emulator`): serve in the foreground."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ._fixtures import FixtureError


class Plan(StrEnum):
    free = "free"
    standard = "standard"
    professional = "professional"
    premium = "premium"


def emulator_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: a free one).")] = 8765,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated data and credentials.")] = 7,
    contacts: Annotated[int, typer.Option("--contacts", min=0, help="Contacts to generate.")] = 300,
    invoices: Annotated[int, typer.Option("--invoices", min=0, help="Invoices to generate.")] = 1000,
    bills: Annotated[int, typer.Option("--bills", min=0, help="Bills to generate.")] = 200,
    expenses: Annotated[int, typer.Option("--expenses", min=0, help="Expenses to generate.")] = 200,
    fixture: Annotated[
        Path | None,
        typer.Option("--fixture", metavar="FILE", help="Serve captured Zoho records from this JSON file instead."),
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="OAuth client id (default: from the seed).")
    ] = None,
    client_secret: Annotated[
        str | None, typer.Option("--client-secret", help="OAuth client secret (default: from the seed).")
    ] = None,
    refresh_token: Annotated[
        str | None, typer.Option("--refresh-token", help="A refresh token to accept (default: from the seed).")
    ] = None,
    organization_id: Annotated[
        str | None, typer.Option("--organization-id", help="Id of the first organization (default: from the seed).")
    ] = None,
    plan: Annotated[Plan, typer.Option("--plan", help="Zoho plan: sets the daily cap and concurrency.")] = Plan.premium,
    window_seconds: Annotated[
        float,
        typer.Option("--window-seconds", min=0.001, help="Length of the 100-request window (Zoho: 60); scales time."),
    ] = 60.0,
) -> None:
    """Run a local Zoho Books (Accounts OAuth + Books API v3) until Ctrl-C."""
    from ._app import with_abort
    from ._emulator import ZohoBooksEmulator
    from ._server import listen, uvicorn_server

    try:
        emulator = ZohoBooksEmulator(
            seed=seed,
            contacts=contacts,
            invoices=invoices,
            bills=bills,
            expenses=expenses,
            fixture=fixture,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            organization_id=organization_id,
            plan=plan.value,
            window_seconds=window_seconds,
        )
    except FixtureError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fixture") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--port") from None
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    base = f"http://{shown_host}:{bound_port}"
    others = [o for o in emulator.organization_ids if o != emulator.organization_id]
    lines = [
        f"Zoho Books emulator (seed {seed}, plan {plan.value}, {window_seconds:g} s window) on {base}",
        f"  accounts server   {base}            (/oauth/v2/auth, /oauth/v2/token, /oauth/serverinfo)",
        f"  API               {base}/books/v3",
        f"  controls          {base}/__emulator/stats  (faults, reset, time, tokens: see the docs)",
        f"  client id         {emulator.client_id}",
        f"  client secret     {emulator.client_secret}",
        f"  refresh token     {emulator.refresh_token}",
        f"  organization id   {emulator.organization_id}" + (f"  (also {', '.join(others)})" if others else ""),
        "",
        "For the unified CLI:",
        f"  export UNIFIED_ZOHO_API_URL={base}/books/v3 UNIFIED_ZOHO_ACCOUNTS_URL={base}",
        f"  export UNIFIED_ZOHO_CLIENT_ID={emulator.client_id} UNIFIED_ZOHO_CLIENT_SECRET={emulator.client_secret}",
        f"  export UNIFIED_ZOHO_REFRESH_TOKEN={emulator.refresh_token}"
        f" UNIFIED_ZOHO_ORGANIZATION_ID={emulator.organization_id}",
        "Press Ctrl-C to stop.",
    ]
    typer.echo("\n".join(lines))
    server = uvicorn_server(with_abort(emulator.app))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: stopping is the normal end here
        pass
    finally:
        emulator.close()
        sock.close()
    typer.echo("Zoho Books emulator stopped.")


def main() -> None:
    app = typer.Typer(add_completion=False)
    app.command()(emulator_command)
    app()
