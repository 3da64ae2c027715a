"""Zoho Books behind the unified accounting API.

``ZohoBooksConnector`` is the connector (registered as ``zoho-books``); ``ZohoOAuth`` runs the OAuth flow of
Zoho Accounts, ``TokenSet`` is what it answers, ``SCOPES``/``scopes_for`` name the scopes a connection needs,
and ``DATA_CENTERS``/``DataCenter`` list Zoho's data centers. The local emulator is
``connectors.zoho_books.emulator.ZohoBooksEmulator``.
"""

from connectors.zoho_books._datacenters import DATA_CENTERS, DataCenter
from connectors.zoho_books.connector import ZohoBooksConnector
from connectors.zoho_books.oauth import SCOPES, TokenSet, ZohoOAuth, scopes_for

__all__ = ["DATA_CENTERS", "SCOPES", "DataCenter", "TokenSet", "ZohoBooksConnector", "ZohoOAuth", "scopes_for"]
