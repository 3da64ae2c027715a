"""``python -m connectors.quickbooks.emulator``: the same as ``unified emulator quickbooks``."""

import typer

from ._cli import emulator_command

typer.run(emulator_command)
