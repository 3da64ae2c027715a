"""Zoho Books behind the unified accounting API.

``ZohoBooksConnector`` is the connector (registered as ``zoho-books``); ``ZohoOAuth`` runs the OAuth flow of
Zoho Accounts, ``TokenSet`` is what it answers, ``SCOPES``/``scopes_for`` name the scopes a connection needs,
and ``DATA_CENTERS``/``DataCenter`` list Zoho's data centers. The local emulator is
``connectors.zoho_books.emulator.ZohoBooksEmulator``.

The names load on first use, so importing the emulator (which lives in this package) does not pay for the
connector, its mapping and the unified models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unified._lazy import lazy_names

if TYPE_CHECKING:
    from connectors.zoho_books._datacenters import DATA_CENTERS, DataCenter
    from connectors.zoho_books.connector import ZohoBooksConnector
    from connectors.zoho_books.oauth import SCOPES, TokenSet, ZohoOAuth, scopes_for

__all__ = ["DATA_CENTERS", "SCOPES", "DataCenter", "TokenSet", "ZohoBooksConnector", "ZohoOAuth", "scopes_for"]

_HOMES = {
    "DATA_CENTERS": "connectors.zoho_books._datacenters",
    "DataCenter": "connectors.zoho_books._datacenters",
    "ZohoBooksConnector": "connectors.zoho_books.connector",
    "SCOPES": "connectors.zoho_books.oauth",
    "TokenSet": "connectors.zoho_books.oauth",
    "ZohoOAuth": "connectors.zoho_books.oauth",
    "scopes_for": "connectors.zoho_books.oauth",
}

__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())
