"""Xero behind the unified accounting API.

``XeroConnector`` is the connector (registered as ``xero``); ``XeroOAuth`` runs Xero's OAuth flow, ``SCOPES``
(granular, for apps created since March 2026) and ``BROAD_SCOPES`` name the scopes a connection needs,
``XeroConnectProvider`` is what ``unified connect xero`` uses, and ``XeroWebhookReceiver`` turns Xero's webhooks into
unified events. The local emulator is ``connectors.xero.emulator.XeroEmulator``.

The names load on first use, so importing the emulator (which lives in this package) does not pay for the
connector, its mapping and the unified models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.xero._connect import XeroConnectProvider
    from connectors.xero.connector import XeroConnector
    from connectors.xero.oauth import BROAD_SCOPES, SCOPES, XeroOAuth
    from connectors.xero.webhooks import XeroWebhookReceiver

__all__ = ["BROAD_SCOPES", "SCOPES", "XeroConnectProvider", "XeroConnector", "XeroOAuth", "XeroWebhookReceiver"]

_HOMES = {
    "XeroConnector": "connectors.xero.connector",
    "XeroConnectProvider": "connectors.xero._connect",
    "XeroOAuth": "connectors.xero.oauth",
    "SCOPES": "connectors.xero.oauth",
    "BROAD_SCOPES": "connectors.xero.oauth",
    "XeroWebhookReceiver": "connectors.xero.webhooks",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
