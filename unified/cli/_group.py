"""The root command group: one-line errors with exit code 1, and the lazily loaded ``emulator`` commands."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from unified.errors import UnifiedError
from unified.registry import load

EMULATOR_COMMANDS_GROUP = "unified.emulator_commands"

# click's ClickException (usage errors, exit 2), wherever this typer version keeps click
_CLICK_EXCEPTION: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_PASS_THROUGH = (_CLICK_EXCEPTION, typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit, BrokenPipeError)


def error_line(exc: BaseException) -> str:
    """What went wrong, in one line; the message of our own errors already says what to do."""
    if isinstance(exc, UnifiedError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.strerror or exc}: {exc.filename}"
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)"
    return "Error: " + " ".join(text.split())


def debug_enabled(ctx: Any) -> bool:
    return bool(ctx.params.get("debug")) or os.environ.get("UNIFIED_DEBUG", "") not in ("", "0")


class RootGroup(TyperGroup):
    """Turns any error a command raises into one line on stderr and exit code 1 (the traceback with --debug)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            if debug_enabled(ctx):
                traceback.print_exc(file=sys.stderr)
            sys.stderr.write(error_line(exc) + "\n")
            sys.stderr.flush()
            raise typer.Exit(1) from None

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return names if "emulator" in names else [*names, "emulator"]

    def get_command(self, ctx: Any, cmd_name: str) -> Any | None:
        if cmd_name == "emulator":
            return EmulatorGroup(name="emulator", help="Run a local stand-in of a provider.")
        return super().get_command(ctx, cmd_name)


class EmulatorGroup(TyperGroup):
    """``unified emulator NAME``: each backend's emulator command, imported only when it is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        from importlib.metadata import entry_points

        return sorted(ep.name for ep in entry_points(group=EMULATOR_COMMANDS_GROUP))

    def get_command(self, ctx: Any, cmd_name: str) -> Any | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        function = load(EMULATOR_COMMANDS_GROUP, cmd_name)
        single = typer.Typer(add_completion=False)
        single.command(cmd_name)(function)
        command = typer.main.get_command(single)
        command.name = cmd_name
        return command
