"""The ``unified`` command line: ``unified demo``, ``unified list invoices``, ``unified connect NAME``...

Run ``unified --help`` for the commands. The console script calls :func:`main`.
"""

from unified.cli._app import app, main

__all__ = ["app", "main"]
