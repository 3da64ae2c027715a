"""``unified connect`` and ``unified connections``: the OAuth flow in the browser, and the vault's contents."""

from __future__ import annotations

import asyncio
import inspect
import sys
import webbrowser
from typing import Any

import typer
from rich.table import Table

from unified.cli._output import RecordFormat, dumps, stdout_console, write_line
from unified.cli._progress import stderr_console
from unified.cli._settings import ConnectionOptions, check_required, connection_from_settings, declared
from unified.connect import OAUTH_GROUP, ConnectFlow, ConnectProvider, Organization, connect_in_browser
from unified.errors import RequestValidationError
from unified.registry import load
from unified.vault import Vault

#: the settings that name the organization a connection reaches, by connector
_ORGANIZATION_KEYS = ("organization_id", "tenant_id", "realm_id")


def _say(message: str) -> None:
    stderr_console().print(message, highlight=False, soft_wrap=True)


def provider_for(options: ConnectionOptions) -> ConnectProvider:
    """The connector's connect provider, built from the settings it takes (tokens and organization come out of
    the flow)."""
    connector = options.chosen()
    cls = load(OAUTH_GROUP, connector)
    given = options.given(connector)
    takes = inspect.signature(cls).parameters
    kwargs = {key: value for key, value in given.items() if key in takes}
    check_required(cls, kwargs, connector)
    provider: ConnectProvider = cls(**kwargs)
    return provider


def organization_setting(provider: ConnectProvider) -> str:
    return str(getattr(provider, "organization_setting", "organization_id"))


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
    connector = provider.connector
    org_setting = organization_setting(provider)
    vault = Vault()

    def announce(url: str) -> None:
        action = "Opening your browser" if open_browser else "Open this URL in a browser on this machine"
        _say(f"{action} to connect {connector}; waiting for the redirect (Ctrl-C to stop):")
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
            organization_id=options.given(connector).get(org_setting),
            name=name,
            choose=prompt_organization if sys.stdin.isatty() else None,
        )
    )
    write_line(dumps(connection.describe(), indent=2))
    organization = connection.settings.get(org_setting, "?")
    _say(
        f"Connected {connection.name!r} ({org_setting.replace('_', ' ')} {organization}); saved in {vault.path}. "
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
        org_key = next((k for k in _ORGANIZATION_KEYS if k in settings), "organization_id")
        plain = ", ".join(f"{k}={v}" for k, v in settings.items() if k != org_key)
        table.add_row(
            item["name"],
            item["connector"],
            str(settings.get(org_key, "")),
            plain,
            ", ".join(item["secrets"]),
            item["updated_at"] or "",
        )
    stdout_console().print(table)


def add_connection(name: str, options: ConnectionOptions) -> None:
    connector = options.chosen()
    given = options.given(connector)
    if not given:
        settings = declared(connector)
        flags = " ".join(s.flag_name for s in settings if s.required and s.flag)
        raise RequestValidationError(
            f"Nothing to save: pass the connection's settings ({flags}, or their environment variables "
            f"{settings.env_prefix}*).",
            field="settings",
        )
    vault = Vault()
    saved = vault.save(connection_from_settings(name, connector, given))
    write_line(dumps(saved.describe(), indent=2))
    _say(f"Saved connection {name!r} in {vault.path}.")


def list_organizations(resolved: Any, fmt: RecordFormat) -> None:
    from unified.client import UnifiedClient

    with UnifiedClient(resolved.build()) as client:
        rows = client.organizations()
    if fmt is RecordFormat.json:
        write_line(dumps(rows, indent=2))
        return
    table = Table(show_header=True, header_style="bold")
    keys = [k for k in ("organization_id", "tenantId", "id", "name", "tenantName", "currency_code", "is_default_org")]
    shown = [k for k in keys if any(k in row for row in rows)] or sorted({k for row in rows for k in row})[:5]
    for key in shown:
        table.add_column(key, overflow="fold")
    for row in rows:
        table.add_row(*(str(row.get(k, "")) for k in shown))
    stdout_console().print(table)
