"""``unified emulator quickbooks``: run a local QuickBooks Online until Ctrl-C."""

from __future__ import annotations

from typing import Annotated

import typer

from unified.emulator import (
    BillsOption,
    ContactsOption,
    ExpensesOption,
    FixtureOption,
    HostOption,
    InvoicesOption,
    PortOption,
    SeedOption,
    WindowSecondsOption,
    run_emulator,
)

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
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth client id (seeded otherwise).")] = None,
    client_secret: Annotated[str | None, typer.Option("--client-secret", help="OAuth client secret.")] = None,
    refresh_token: Annotated[str | None, typer.Option("--refresh-token", help="A refresh token to accept.")] = None,
    realm_id: Annotated[str | None, typer.Option("--realm-id", help="The first company's id (digits).")] = None,
    webhook_url: Annotated[str | None, typer.Option("--webhook-url", help="POST change events here.")] = None,
    webhook_format: Annotated[
        str, typer.Option("--webhook-format", help=f"Webhook payloads: {' or '.join(FORMATS)}.")
    ] = "legacy",
) -> None:
    """Run a local QuickBooks Online (Intuit OAuth 2.0 and the Accounting API v3) until Ctrl-C."""
    run_emulator(
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
