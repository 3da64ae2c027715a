"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from unified.cli._settings import DEFAULT_CONNECTOR, ConnectionOptions

PANEL = "Connection"


class ResourceName(StrEnum):
    contacts = "contacts"
    customers = "customers"
    suppliers = "suppliers"
    invoices = "invoices"
    bills = "bills"
    expenses = "expenses"
    tax_rates = "tax-rates"


ResourceArg = Annotated[ResourceName, typer.Argument(help="The unified resource.", show_default=False)]

ConnectorOpt = Annotated[
    str, typer.Option("--connector", help="The connector (backend) to use.", rich_help_panel=PANEL)
]
ConnectionOpt = Annotated[
    str | None,
    typer.Option(
        "--connection",
        envvar="UNIFIED_CONNECTION",
        help="A saved connection from the vault (see `unified connections list`).",
        rich_help_panel=PANEL,
        show_default=False,
    ),
]
ClientIdOpt = Annotated[
    str | None,
    typer.Option("--client-id", help="OAuth client id (env UNIFIED_ZOHO_CLIENT_ID).", rich_help_panel=PANEL),
]
ClientSecretOpt = Annotated[
    str | None,
    typer.Option(
        "--client-secret", help="OAuth client secret (env UNIFIED_ZOHO_CLIENT_SECRET).", rich_help_panel=PANEL
    ),
]
RefreshTokenOpt = Annotated[
    str | None,
    typer.Option(
        "--refresh-token", help="OAuth refresh token (env UNIFIED_ZOHO_REFRESH_TOKEN).", rich_help_panel=PANEL
    ),
]
OrganizationIdOpt = Annotated[
    str | None,
    typer.Option(
        "--organization-id", help="Organization id (env UNIFIED_ZOHO_ORGANIZATION_ID).", rich_help_panel=PANEL
    ),
]
DataCenterOpt = Annotated[
    str | None,
    typer.Option(
        "--data-center",
        help="Data center: us, eu, in, au, jp, ca, sa, uk, cn (env UNIFIED_ZOHO_DATA_CENTER).",
        rich_help_panel=PANEL,
    ),
]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--api-url", help="API base URL, e.g. an emulator's (env UNIFIED_ZOHO_API_URL).", rich_help_panel=PANEL
    ),
]
AccountsUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--accounts-url",
        help="OAuth accounts server URL, e.g. an emulator's (env UNIFIED_ZOHO_ACCOUNTS_URL).",
        rich_help_panel=PANEL,
    ),
]


def connection_options(
    connector: str = DEFAULT_CONNECTOR,
    connection: str | None = None,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    refresh_token: str | None = None,
    organization_id: str | None = None,
    data_center: str | None = None,
    api_url: str | None = None,
    accounts_url: str | None = None,
) -> ConnectionOptions:
    return ConnectionOptions(
        connector=connector,
        connection=connection,
        flags={
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "organization_id": organization_id,
            "data_center": data_center,
            "api_url": api_url,
            "accounts_url": accounts_url,
        },
    )


CONNECTION_FLAGS = (
    "client_id",
    "client_secret",
    "refresh_token",
    "organization_id",
    "data_center",
    "api_url",
    "accounts_url",
)


def connection_from(params: Mapping[str, Any]) -> ConnectionOptions:
    """The connection a command's options name: pass the command's ``locals()`` (missing names count as unset)."""
    return connection_options(
        params.get("connector", DEFAULT_CONNECTOR),
        params.get("connection"),
        **{name: params.get(name) for name in CONNECTION_FLAGS},
    )


def parse_since(value: str | None) -> datetime | None:
    """ISO 8601 date or datetime; without an offset it is UTC."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or datetime; use e.g. 2024-05-01 or 2024-05-01T12:00:00Z.",
            param_hint="--updated-since",
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
