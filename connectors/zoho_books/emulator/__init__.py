"""A local Zoho Books (placeholder docstring, completed below)."""

from ._emulator import ZohoBooksEmulator
from ._faults import KINDS as FAULT_KINDS
from ._fixtures import FixtureError
from ._webhooks import sign as sign_webhook

__all__ = ["FAULT_KINDS", "FixtureError", "ZohoBooksEmulator", "sign_webhook"]
