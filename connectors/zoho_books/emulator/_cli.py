"""`unified emulator zoho-books` (also `python -m connectors.zoho_books.emulator`): serve in the foreground."""

from __future__ import annotations

from enum import StrEnum
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


class Plan(StrEnum):
    free = "free"
    standard = "standard"
    professional = "professional"
    premium = "premium"


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
    client_id: ClientIdOption = None,
    client_secret: ClientSecretOption = None,
    refresh_token: RefreshTokenOption = None,
    organization_id: Annotated[
        str | None, typer.Option("--organization-id", help="Id of the first organization (default: from the seed).")
    ] = None,
    plan: Annotated[Plan, typer.Option("--plan", help="Zoho plan: sets the daily cap and concurrency.")] = Plan.premium,
) -> None:
    """Run a local Zoho Books (Accounts OAuth + Books API v3) until Ctrl-C."""
    from ._emulator import ZohoBooksEmulator

    run_emulator(
        lambda: ZohoBooksEmulator(
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
        ),
        host=host,
        port=port,
    )


def main() -> None:
    app = typer.Typer(add_completion=False)
    app.command()(emulator_command)
    app()
