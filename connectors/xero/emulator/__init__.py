"""A local Xero (docstring to come)."""

from ._emulator import XeroEmulator
from ._webhooks import sign as sign_webhook

__all__ = ["XeroEmulator", "sign_webhook"]
