import typer

from ._cli import emulator_command

typer.run(emulator_command)
