"""QuickBooks Online behind the unified accounting API.

``QuickBooksConnector`` is the connector (registered as ``quickbooks``); ``QuickBooksOAuth`` runs Intuit's OAuth
flow, ``QuickBooksConnectProvider`` is what ``unified connect quickbooks`` uses (the company comes on the redirect
as ``realmId``), ``SCOPES`` names the scope a connection needs, and ``QuickBooksWebhookReceiver`` reads QuickBooks'
own webhooks. The local emulator is ``connectors.quickbooks.emulator.QuickBooksEmulator``.

The names load on first use, so importing the emulator (which lives in this package) does not pay for the
connector, its mapping and the unified models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unified._lazy import lazy_names

if TYPE_CHECKING:
    from connectors.quickbooks._connect import QuickBooksConnectProvider
    from connectors.quickbooks.connector import QuickBooksConnector
    from connectors.quickbooks.oauth import SCOPES, QuickBooksOAuth
    from connectors.quickbooks.settings import SETTINGS
    from connectors.quickbooks.webhooks import QuickBooksWebhookReceiver

__all__ = [
    "SCOPES",
    "SETTINGS",
    "QuickBooksConnectProvider",
    "QuickBooksConnector",
    "QuickBooksOAuth",
    "QuickBooksWebhookReceiver",
]

_HOMES = {
    "QuickBooksConnectProvider": "connectors.quickbooks._connect",
    "QuickBooksConnector": "connectors.quickbooks.connector",
    "SCOPES": "connectors.quickbooks.oauth",
    "QuickBooksOAuth": "connectors.quickbooks.oauth",
    "SETTINGS": "connectors.quickbooks.settings",
    "QuickBooksWebhookReceiver": "connectors.quickbooks.webhooks",
}

__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())
