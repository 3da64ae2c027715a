"""``unified emulator quickbooks``: run a local QuickBooks Online until Ctrl-C."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Annotated

import typer

from unified.emulator import (
    BillsOption,
    ClientIdOption,
    ClientSecretOption,
    ContactsOption,
    Emulator,
    ExpensesOption,
    FixtureError,
    FixtureOption,
    HostOption,
    InvoicesOption,
    PortOption,
    RefreshTokenOption,
    SeedOption,
    WindowSecondsOption,
    run_emulator,
    serve_forever,
)
from unified.registry import connector_names

from ._emulator import QuickBooksEmulator
from ._webhooks import FORMATS


def emulator_command(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8765,
    seed: SeedOption = 7,
    contacts: ContactsOption = 300,
    invoices: InvoicesOption = 1000,
    bills: BillsOption = 200,
    expenses: ExpensesOption = 200,
    fixture: FixtureOption = None,
    window_seconds: WindowSecondsOption = 60.0,
    realms: Annotated[int, typer.Option("--realms", min=1, help="Companies to serve.")] = 1,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    refresh_token: RefreshTokenOption = None,
    realm_id: Annotated[str | None, typer.Option("--realm-id", help="The first company's id (digits).")] = None,
    webhook_url: Annotated[str | None, typer.Option("--webhook-url", help="POST change events here.")] = None,
    webhook_format: Annotated[
        str, typer.Option("--webhook-format", help=f"Webhook payloads: {' or '.join(FORMATS)}.")
    ] = "legacy",
) -> None:
    """Run a local QuickBooks Online (Intuit OAuth 2.0 and the Accounting API v3) until Ctrl-C."""
    run = run_emulator if QuickBooksEmulator.connector_name in connector_names() else _run_without_connector
    run(
        lambda: QuickBooksEmulator(
            seed=seed,
            contacts=contacts,
            invoices=invoices,
            bills=bills,
            expenses=expenses,
            fixture=fixture,
            realms=realms,
            window_seconds=window_seconds,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            realm_id=realm_id,
            webhook_url=webhook_url,
            webhook_format=webhook_format,
        ),
        host=host,
        port=port,
    )


def _run_without_connector(build: Callable[[], Emulator], *, host: str, port: int) -> None:
    """Until the QuickBooks connector is installed (it declares the settings the kit's export lines come
    from), print the exports its settings will have: UNIFIED_QUICKBOOKS_<SETTING>."""
    try:
        emulator = build()
    except FixtureError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fixture") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def ready(base_url: str) -> None:
        emulator._listening_at(base_url)
        exports = [f"export UNIFIED_CONNECTOR={emulator.connector_name}"]
        exports += [f"export UNIFIED_QUICKBOOKS_{k.upper()}={shlex.quote(f'{v:g}' if isinstance(v, float) else str(v))}"
                    for k, v in emulator.connector_settings().items()]  # fmt: skip
        typer.echo("\n".join([*emulator.banner(), "", "For the unified CLI:", *(f"  {e}" for e in exports),
                              "Press Ctrl-C to stop."]))  # fmt: skip

    try:
        serve_forever(emulator.app, host, port, on_ready=ready, idle_timeout=emulator.idle_timeout)
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--port") from None
    finally:
        emulator.stopping = True
        emulator.faults.release()
        emulator.close()
    typer.echo(f"{emulator.title} stopped.")
