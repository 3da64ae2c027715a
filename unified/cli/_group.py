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
    return (
        bool(ctx.params.get("debug"))
        or bool(ctx.meta.get("unified_debug"))
        or os.environ.get("UNIFIED_DEBUG", "") not in ("", "0")
    )


def plain_flags(command: Any) -> Any:
    """Help shows on/off flags as they are typed (``--raw``), not as ``--raw <bool>``; subcommands too."""
    if command is None or getattr(command, "_plain_flags", False):
        return command
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""
    help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    command._plain_flags = True
    for sub in getattr(command, "commands", {}).values():
        plain_flags(sub)
    return command


class RootGroup(TyperGroup):
    """Turns any error a command raises into one line on stderr and exit code 1 (the traceback with --debug).

    ``--debug`` is taken anywhere on the line, not only before the command.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
                param.metavar = ""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if "--debug" in args:
            cut = args.index("--") if "--" in args else len(args)
            if "--debug" in args[:cut]:
                ctx.meta["unified_debug"] = True
                args = [a for a in args[:cut] if a != "--debug"] + args[cut:]
        return list(super().parse_args(ctx, args))

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _CLICK_EXCEPTION as exc:
            # typer words a bad choice "Value error, 'x' is not one of ...": the rest says it
            message = getattr(exc, "message", None)
            if isinstance(message, str):
                exc.message = message.replace("Value error, ", "")  # type: ignore[attr-defined]
            raise
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
        return plain_flags(super().get_command(ctx, cmd_name))


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
        return plain_flags(command)
