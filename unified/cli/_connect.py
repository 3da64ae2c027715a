"""``unified connect`` and ``unified connections``: the OAuth flow in the browser, and the vault's contents."""

from __future__ import annotations

import asyncio
import sys
import webbrowser
from typing import Any

import typer
from rich.table import Table

from unified.cli._output import RecordFormat, dumps, stdout_console, write_line
from unified.cli._progress import stderr_console
from unified.cli._settings import ConnectionOptions, check_required, connection_from_settings
from unified.connect import OAUTH_GROUP, ConnectFlow, ConnectProvider, Organization, connect_in_browser
from unified.errors import RequestValidationError
from unified.registry import load
from unified.vault import Vault

#: connection settings a connect provider takes (the rest, tokens and organization, come out of the flow)
PROVIDER_SETTINGS = ("client_id", "client_secret", "data_center", "api_url", "accounts_url")


def _say(message: str) -> None:
    stderr_console().print(message, highlight=False, soft_wrap=True)


def provider_for(options: ConnectionOptions) -> ConnectProvider:
    cls = load(OAUTH_GROUP, options.connector)
    given = options.given()
    kwargs = {key: given[key] for key in PROVIDER_SETTINGS if key in given}
    check_required(cls, kwargs, options.connector)
    provider: ConnectProvider = cls(**kwargs)
    return provider


def prompt_organization(organizations: list[Organization]) -> Organization:
    """Ask which organization to connect (only on a terminal; elsewhere --organization-id is required)."""
    _say("The account has several organizations:")
    default = 1
    for number, org in enumerate(organizations, start=1):
        _say(f"  {number}. {org.label()}")
        if org.is_default:
            default = number
    while True:
        choice = int(typer.prompt("Organization to connect (number)", type=int, default=default, err=True))
        if 1 <= choice <= len(organizations):
            return organizations[choice - 1]
        _say(f"Choose a number from 1 to {len(organizations)}.")


def run_connect(
    options: ConnectionOptions,
    *,
    name: str | None,
    scopes: list[str] | None,
    port: int,
    open_browser: bool,
    timeout: float,
) -> None:
    provider = provider_for(options)
    vault = Vault()

    def announce(url: str) -> None:
        action = "Opening your browser" if open_browser else "Open this URL in a browser on this machine"
        _say(f"{action} to connect {options.connector}; waiting for the redirect (Ctrl-C to stop):")
        # the bare URL on its own line, unwrapped, so it can be copied
        sys.stderr.write(url + "\n")
        sys.stderr.flush()

    def browser(url: str) -> Any:
        return webbrowser.open(url)

    connection = asyncio.run(
        connect_in_browser(
            lambda redirect_uri: ConnectFlow(provider, redirect_uri=redirect_uri, vault=vault, scopes=scopes),
            port=port,
            open_browser=browser if open_browser else None,
            announce=announce,
            timeout=timeout,
            organization_id=options.given().get("organization_id"),
            name=name,
            choose=prompt_organization if sys.stdin.isatty() else None,
        )
    )
    write_line(dumps(connection.describe(), indent=2))
    organization = connection.settings.get("organization_id", "?")
    _say(
        f"Connected {connection.name!r} (organization {organization}); saved in {vault.path}. "
        f"Use it with --connection {connection.name}."
    )


def list_connections(fmt: RecordFormat) -> None:
    vault = Vault()
    described = [c.describe() for c in vault.list()]
    if fmt is RecordFormat.json:
        write_line(dumps(described, indent=2))
        return
    table = Table(show_header=True, header_style="bold", caption=str(vault.path))
    for column in ("name", "connector", "organization", "settings", "secrets", "updated_at"):
        table.add_column(column, overflow="fold")
    for item in described:
        settings = item["settings"]
        plain = ", ".join(f"{k}={v}" for k, v in settings.items() if k != "organization_id")
        table.add_row(
            item["name"],
            item["connector"],
            str(settings.get("organization_id", "")),
            plain,
            ", ".join(item["secrets"]),
            item["updated_at"] or "",
        )
    stdout_console().print(table)


def add_connection(name: str, options: ConnectionOptions) -> None:
    given = options.given()
    if not given:
        raise RequestValidationError(
            "Nothing to save: pass the connection's settings (--client-id --client-secret --refresh-token "
            "--organization-id, or their environment variables).",
            field="settings",
        )
    vault = Vault()
    saved = vault.save(connection_from_settings(name, options.connector, given))
    write_line(dumps(saved.describe(), indent=2))
    _say(f"Saved connection {name!r} in {vault.path}.")
