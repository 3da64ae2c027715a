"""A local QuickBooks Online (work in progress; see the module docstring once written)."""

from unified.emulator import FixtureError

from ._emulator import QuickBooksEmulator
from ._errors import QBOFault
from ._query import QueryError
from ._webhooks import sign as sign_webhook
from ._webhooks import verify as verify_webhook

__all__ = ["FixtureError", "QBOFault", "QueryError", "QuickBooksEmulator", "sign_webhook", "verify_webhook"]
