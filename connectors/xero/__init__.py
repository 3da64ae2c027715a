"""Xero behind the unified accounting API.

``XeroConnector`` is the connector (registered as ``xero``); ``XeroOAuth`` runs Xero's OAuth flow, ``SCOPES``
(granular, for apps created since March 2026) and ``BROAD_SCOPES`` name the scopes a connection needs,
``XeroConnectProvider`` is what ``unified connect xero`` uses, and ``XeroWebhookReceiver`` turns Xero's webhooks into
unified events. The local emulator is ``connectors.xero.emulator.XeroEmulator``.

The names load on first use, so importing the emulator (which lives in this package) does not pay for the
connector, its mapping and the unified models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unified._lazy import lazy_names

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

__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())
