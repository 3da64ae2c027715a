"""The pieces of one emulator that the app, the control endpoints and the Python API share."""

from __future__ import annotations

from dataclasses import dataclass

from ._clock import Clock
from ._faults import Faults
from ._limits import Limits
from ._oauth import Accounts
from ._stats import Stats
from ._store import Store
from ._webhooks import Dispatcher


@dataclass
class Runtime:
    clock: Clock
    store: Store
    accounts: Accounts
    limits: Limits
    faults: Faults
    stats: Stats
    webhooks: Dispatcher
    stopping: bool = False
