"""``unified emulator NAME``: the options every emulator shares and the run loop, so each command stays small.

An emulator registers its command in the ``unified.emulator_commands`` entry-point group::

    def emulator_command(
        host: HostOption = "127.0.0.1", port: PortOption = 8765, seed: SeedOption = 7,
        contacts: ContactsOption = 300, invoices: InvoicesOption = 1000, bills: BillsOption = 200,
        expenses: ExpensesOption = 200, fixture: FixtureOption = None, window_seconds: WindowSecondsOption = 60.0,
        region: Annotated[str, typer.Option("--region")] = "us",        # ...its own options
    ) -> None:
        \"\"\"Run a local My Books until Ctrl-C.\"\"\"
        run_emulator(lambda: MyEmulator(seed=seed, ..., window_seconds=window_seconds), host=host, port=port)

Once listening it prints ``emulator.banner()`` and the ``export`` lines (from ``unified.settings.export_lines``
and ``emulator.connector_settings()``) after which ``unified`` commands in that shell talk to the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ._base import Emulator
from ._fixtures import FixtureError
from ._server import serve_forever

HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: a free one).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the generated data and credentials.")]
ContactsOption = Annotated[int, typer.Option("--contacts", min=0, help="Contacts to generate.")]
InvoicesOption = Annotated[int, typer.Option("--invoices", min=0, help="Invoices to generate.")]
BillsOption = Annotated[int, typer.Option("--bills", min=0, help="Bills to generate.")]
ExpensesOption = Annotated[int, typer.Option("--expenses", min=0, help="Expenses to generate.")]
FixtureOption = Annotated[
    Path | None,
    typer.Option("--fixture", metavar="FILE", help="Serve the provider's records from this JSON file instead."),
]
ClientIdOption = Annotated[str | None, typer.Option("--client-id", help="OAuth client id (default: from the seed).")]
ClientSecretOption = Annotated[
    str | None, typer.Option("--client-secret", help="OAuth client secret (default: from the seed).")
]
RefreshTokenOption = Annotated[
    str | None, typer.Option("--refresh-token", help="A refresh token to accept (default: from the seed).")
]
WindowSecondsOption = Annotated[
    float,
    typer.Option(
        "--window-seconds", min=0.001, help="Length of the rate-limit window (the provider's: 60); scales time."
    ),
]


def export_lines_for(emulator: Emulator) -> list[str]:
    """The shell lines that point ``unified`` commands at this (serving) emulator."""
    from unified.settings import export_lines

    return export_lines(emulator.connector_name, emulator.connector_settings())


def run_emulator(
    build: Callable[[], Emulator],
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    echo: Callable[[str], None] = typer.echo,
) -> None:
    """Build the emulator, serve it until Ctrl-C, print the banner and exports once it listens.

    Bad options (a ValueError from the constructor, a bad fixture, a busy port) are usage errors (exit 2)
    naming the option.
    """
    try:
        emulator = build()
    except FixtureError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fixture") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def ready(base_url: str) -> None:
        emulator._listening_at(base_url)
        lines = [*emulator.banner(), "", "For the unified CLI:"]
        lines += [f"  {line}" for line in export_lines_for(emulator)]
        lines.append("Press Ctrl-C to stop.")
        echo("\n".join(lines))

    try:
        serve_forever(emulator.app, host, port, on_ready=ready, idle_timeout=emulator.idle_timeout)
    except OSError as exc:
        raise typer.BadParameter(str(exc), param_hint="--port") from None
    finally:
        emulator.stopping = True
        emulator.faults.release()
        emulator.on_stop()
        emulator.close()
    echo(f"{emulator.title} stopped.")
