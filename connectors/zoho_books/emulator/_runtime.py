"""What is Zoho's in one emulator, shared by the app, the controls and the Python API (the rest is the kit's)."""

from __future__ import annotations

from dataclasses import dataclass

from ._oauth import Accounts
from ._store import Store
from ._webhooks import Dispatcher


@dataclass
class Runtime:
    store: Store
    accounts: Accounts
    webhooks: Dispatcher
