"""Options shared by several commands, declared once."""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

from unified.cli._settings import ConnectionOptions, declared, flag_settings
from unified.settings import CONNECTOR_ENV

PANEL = "Connection"
F = TypeVar("F", bound=Callable[..., Any])


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
    str | None,
    typer.Option(
        "--connector",
        envvar=CONNECTOR_ENV,
        help="The connector (backend) to use; needed only where several are configured.",
        rich_help_panel=PANEL,
        show_default=False,
    ),
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

#: the connection flags of the command running now, taken off its parameters by ``connection_flags``
_FLAGS: contextvars.ContextVar[dict[str, str | None]] = contextvars.ContextVar("unified_connection_flags")


def connection_flags(function: F) -> F:
    """A command that takes a connection gets every installed connector's declared flags as options.

    The flags are added to the function's signature (typer reads it) and taken off again before the command
    runs: :func:`connection_from` reads them.
    """
    signature = inspect.signature(function, eval_str=True)
    params = list(signature.parameters.values())
    taken = {p.name for p in params}
    annotations = dict(function.__annotations__)
    added: list[str] = []
    for name, owners in sorted(flag_settings().items()):
        if name in taken:
            continue
        setting = owners[0][1]
        envs = ", ".join(f"{connector}: {declared(connector).env_name(name)}" for connector, _ in owners)
        text = setting.help if len(owners) == 1 else name.replace("_", " ").capitalize() + "."
        help_text = f"{text} (env {envs})"
        annotation = Annotated[
            str | None,
            typer.Option(setting.flag_name, help=help_text, rich_help_panel=PANEL, show_default=False),
        ]
        annotations[name] = annotation
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation))
        added.append(name)

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        token = _FLAGS.set({name: kwargs.pop(name, None) for name in added})
        try:
            return function(*args, **kwargs)
        finally:
            _FLAGS.reset(token)

    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = annotations
    return command  # type: ignore[return-value]


def connection_from(params: Mapping[str, Any]) -> ConnectionOptions:
    """The connection a command's options name: pass the command's ``locals()``."""
    flags = dict(_FLAGS.get({}))
    return ConnectionOptions(connector=params.get("connector"), connection=params.get("connection"), flags=flags)


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
