"""`unified emulator xero` (and `python -m connectors.xero.emulator`): serve in the foreground."""

from __future__ import annotations

from typing import Annotated

import typer

from unified.emulator import (
    BillsOption,
    ClientIdOption,
    ClientSecretOption,
    ContactsOption,
    ExpensesOption,
    FixtureOption,
    HostOption,
    InvoicesOption,
    PortOption,
    RefreshTokenOption,
    SeedOption,
    WindowSecondsOption,
    run_emulator,
)


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
    tenants: Annotated[int, typer.Option("--tenants", min=1, help="Organisations connected to the app.")] = 2,
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    refresh_token: RefreshTokenOption = None,
) -> None:
    """Run a local Xero (identity, connections, Accounting API) until Ctrl-C."""
    from ._emulator import XeroEmulator

    run_emulator(
        lambda: XeroEmulator(
            seed=seed,
            contacts=contacts,
            invoices=invoices,
            bills=bills,
            expenses=expenses,
            fixture=fixture,
            tenants=tenants,
            window_seconds=window_seconds,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
        ),
        host=host,
        port=port,
    )
