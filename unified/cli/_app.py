"""The ``unified`` command: read and write unified records, sync, connect accounts, run the demo and emulators."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from unified.cli._group import RootGroup
from unified.cli._options import (
    ConnectionOpt,
    ConnectorOpt,
    ResourceArg,
    ResourceName,
    connection_flags,
    connection_from,
    parse_since,
)
from unified.cli._output import (
    ListFormat,
    RecordFormat,
    dumps,
    iter_json,
    record_json,
    write_line,
    write_record,
    write_records,
)
from unified.cli._progress import make_progress, stderr_console
from unified.cli._serve import keys_app, serve
from unified.cli._settings import ConnectionOptions, Resolved, resolve
from unified.cli._watch import watch, webhooks_app
from unified.cli._worker import schedule, worker
from unified.errors import RequestValidationError
from unified.settings import CONNECTOR_ENV

app = typer.Typer(
    name="unified",
    cls=RootGroup,
    help="A unified accounting API over the installed accounting backends: read, write and sync "
    "contacts, invoices, bills, expenses and tax rates. Start with `unified demo`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
connections_app = typer.Typer(help="The connections saved in the vault ($UNIFIED_HOME, default ~/.unified).")
app.add_typer(connections_app, name="connections")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"unified {version('unified-accounting')}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (env UNIFIED_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Errors are one line on stderr (exit code 1; 2 for bad usage). Records go to stdout."""


def _say(message: str) -> None:
    stderr_console().print(message, highlight=False, soft_wrap=True)


def _client(resolved: Resolved) -> Any:
    from unified.client import UnifiedClient

    return UnifiedClient(resolved.build())


# -- records -------------------------------------------------------------------------------------------------


@app.command("list")
@connection_flags
def list_records(
    resource: ResourceArg,
    updated_since: Annotated[
        str | None,
        typer.Option(
            "--updated-since", help="Only records changed since this ISO 8601 date or time (UTC if no offset)."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Stop after this many records (default: all).")
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help='Add "_raw": the provider\'s own payload.')] = False,
    fmt: Annotated[
        ListFormat, typer.Option("--format", help="jsonl: one record per line; json: one array; table.")
    ] = ListFormat.jsonl,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """List records, page after page, as unified JSON."""
    since = parse_since(updated_since)
    options = connection_from(locals())
    with _client(resolve(options)) as client:
        res = client.resource(resource.value)
        page_size = min(limit or res.capabilities.max_page_size, res.capabilities.max_page_size)
        kwargs: dict[str, Any] = {"limit": page_size, "raw": raw}
        if since is not None:
            kwargs["updated_since"] = since
        records = res.list(**kwargs)
        with make_progress(transient=True) as progress:
            task = progress.add_task(f"Listing {resource.value}", total=limit)

            def counted() -> Any:
                for n, record in enumerate(records, start=1):
                    yield record
                    progress.update(task, completed=n)
                    if limit is not None and n >= limit:
                        return

            count = write_records(iter_json(counted(), raw=raw), fmt, resource.value)
    _say(f"{count} {resource.value}")


@app.command("get")
@connection_flags
def get_record(
    resource: ResourceArg,
    id: Annotated[str, typer.Argument(help="The record's id.", show_default=False)],
    raw: Annotated[bool, typer.Option("--raw", help='Add "_raw": the provider\'s own payload.')] = False,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="json or table.")] = RecordFormat.json,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Get one record, with everything the provider has on it (line items included)."""
    options = connection_from(locals())
    with _client(resolve(options)) as client:
        record = client.resource(resource.value).get(id, raw=raw)
    write_record(record_json(record, raw=raw), fmt)


FileOpt = Annotated[
    str,
    typer.Option(
        "--file", "-f", help="The record as unified JSON (`unified schema RESOURCE` shows the fields); - for stdin."
    ),
]


def _read_record(path: str) -> dict[str, Any]:
    if path == "-":
        text, name = sys.stdin.read(), "stdin"
    else:
        file = Path(path)
        if not file.is_file():
            raise typer.BadParameter(f"no such file: {path}", param_hint="--file")
        text, name = file.read_text(encoding="utf-8"), path
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix it and try again.",
            field="file",
        ) from None
    if not isinstance(data, dict):
        raise RequestValidationError(
            f"{name} must hold one JSON object (the record), not a {type(data).__name__}.", field="file"
        )
    return data


@app.command("create")
@connection_flags
def create_record(
    resource: ResourceArg,
    file: FileOpt,
    raw: Annotated[bool, typer.Option("--raw", help='Add "_raw": the provider\'s own payload.')] = False,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="json or table.")] = RecordFormat.json,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Create a record from a JSON file; prints the record as created."""
    data = _read_record(file)
    options = connection_from(locals())
    with _client(resolve(options)) as client:
        record = client.resource(resource.value).create(data, raw=raw)
    write_record(record_json(record, raw=raw), fmt)
    _say(f"Created {resource.value} {getattr(record, 'id', '')}")


@app.command("update")
@connection_flags
def update_record(
    resource: ResourceArg,
    id: Annotated[str, typer.Argument(help="The record's id.", show_default=False)],
    file: FileOpt,
    raw: Annotated[bool, typer.Option("--raw", help='Add "_raw": the provider\'s own payload.')] = False,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="json or table.")] = RecordFormat.json,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Update a record with the fields the JSON file sets (others stay as they are); prints the result."""
    data = _read_record(file)
    options = connection_from(locals())
    with _client(resolve(options)) as client:
        record = client.resource(resource.value).update(id, data, raw=raw)
    write_record(record_json(record, raw=raw), fmt)
    _say(f"Updated {resource.value} {id}")


@app.command("delete")
@connection_flags
def delete_record(
    resource: ResourceArg,
    id: Annotated[str, typer.Argument(help="The record's id.", show_default=False)],
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Delete a record; prints {"id": ..., "deleted": true}."""
    options = connection_from(locals())
    with _client(resolve(options)) as client:
        client.resource(resource.value).delete(id)
    write_line(dumps({"id": id, "deleted": True}))
    _say(f"Deleted {resource.value} {id}")


@app.command("schema")
def schema(resource: ResourceArg) -> None:
    """Print the JSON Schema of a unified model (fields the provider sets are marked readOnly)."""
    from schemas import RESOURCE_MODELS

    write_line(dumps(RESOURCE_MODELS[resource.value].model_json_schema(), indent=2))


# -- sync ----------------------------------------------------------------------------------------------------


@app.command("sync")
@connection_flags
def sync(
    db: Annotated[
        str, typer.Option("--db", help="The SQLite file to sync into, or a postgresql:// URL (many processes).")
    ] = "unified.db",
    resources: Annotated[
        str | None,
        typer.Option("--resources", help="Comma-separated resources (default: all), e.g. contacts,invoices."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Fetch everything again instead of changes since last time.")
    ] = False,
    reduced: Annotated[
        bool, typer.Option("--reduced", help="Skip the per-record detail calls (no line items); far fewer calls.")
    ] = False,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="The report as a table or JSON.")] = RecordFormat.table,
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, help="Seconds to wait for another run syncing the same resource into --db."),
    ] = 0.0,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """Copy records into a local SQLite file; later runs fetch only what changed. One run per resource at a time."""
    from unified.cli._sync import parse_resources, run_sync

    options = connection_from(locals())
    wanted = parse_resources(resources)
    resolved = resolve(options)
    run_sync(resolved, db=db, resources=wanted, full=full, reduced=reduced, fmt=fmt, wait=wait)


app.command("watch")(watch)
app.add_typer(webhooks_app, name="webhooks")
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")
app.command("worker")(worker)
app.command("schedule")(schedule)


@app.command("organizations")
@connection_flags
def organizations(
    fmt: Annotated[RecordFormat, typer.Option("--format", help="json or table.")] = RecordFormat.table,
    connector: ConnectorOpt = None,
    connection: ConnectionOpt = None,
) -> None:
    """The organizations (companies, tenants) the connection's credentials reach, with their ids."""
    from unified.cli._connect import list_organizations

    list_organizations(resolve(connection_from(locals()), need_organization=False), fmt)


# -- connections ---------------------------------------------------------------------------------------------


@app.command("connect")
@connection_flags
def connect(
    provider: Annotated[
        str | None,
        typer.Argument(help="The backend to connect, needed where several are installed.", show_default=False),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name of the saved connection (default: the backend's name).")
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="An OAuth scope to ask for (repeatable; default: all needed).")
    ] = None,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="Port of the local callback http://127.0.0.1:PORT/callback (0: a free one). Register that "
            "redirect URI with the provider.",
        ),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL; do not open a browser.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for the redirect.")] = 300.0,
) -> None:
    """Connect an account with OAuth in the browser; the tokens go into the vault, encrypted."""
    from unified.cli._connect import run_connect

    options = connection_from({"connector": provider})
    run_connect(options, name=name, scopes=scope, port=port, open_browser=not no_browser, timeout=timeout)


@connections_app.command("list")
def connections_list(
    fmt: Annotated[RecordFormat, typer.Option("--format", help="table or json.")] = RecordFormat.table,
) -> None:
    """The saved connections (secrets are never shown)."""
    from unified.cli._connect import list_connections

    list_connections(fmt)


@connections_app.command("add")
@connection_flags
def connections_add(
    name: Annotated[str, typer.Argument(help="Name of the connection.", show_default=False)],
    connector: ConnectorOpt = None,
) -> None:
    """Save a connection from settings you already have (e.g. a self-client refresh token, or an emulator's)."""
    from unified.cli._connect import add_connection

    options = connection_from(locals())
    add_connection(name, options)


@connections_app.command("delete")
def connections_delete(
    name: Annotated[str, typer.Argument(help="Name of the connection.", show_default=False)],
) -> None:
    """Remove a connection from the vault (the provider's tokens are not revoked)."""
    from unified.vault import Vault

    vault = Vault()
    vault.delete(name)
    _say(f"Deleted connection {name!r} from {vault.path}")


# -- demo ----------------------------------------------------------------------------------------------------


@app.command("demo")
def demo(
    window_seconds: Annotated[
        float,
        typer.Option(
            "--window-seconds",
            min=0.1,
            help="Length of the emulator's rate-limit window (the providers': 60 s); scales time.",
        ),
    ] = 1.5,
    contacts: Annotated[int, typer.Option("--contacts", min=1, help="Contacts to seed.")] = 200,
    invoices: Annotated[int, typer.Option("--invoices", min=0, help="Invoices to seed.")] = 1000,
    bills: Annotated[int, typer.Option("--bills", min=0, help="Bills to seed.")] = 200,
    expenses: Annotated[int, typer.Option("--expenses", min=0, help="Expenses to seed.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated organization.")] = 7,
    db: Annotated[Path, typer.Option("--db", help="The SQLite file to sync into (replaced).")] = Path(
        "unified-demo.db"
    ),
    connector: Annotated[
        str | None,
        typer.Option(
            "--connector",
            envvar=CONNECTOR_ENV,
            help="The backend to run it against (default: the first).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The whole job on a local provider: OAuth, a full sync under real rate limits, writes, an incremental sync."""
    from unified.cli._demo import DemoSettings, run_demo

    run_demo(
        DemoSettings(
            window_seconds=window_seconds,
            contacts=contacts,
            invoices=invoices,
            bills=bills,
            expenses=expenses,
            seed=seed,
            db=db,
            connector=connector,
        )
    )


def main() -> None:
    """The console script ``unified``."""
    app(prog_name="unified")


__all__ = ["ConnectionOptions", "ResourceName", "app", "main"]
