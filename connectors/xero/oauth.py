"""Xero's OAuth 2.0 flow: the consent URL (login.xero.com), code exchange, refresh and revocation (identity.xero.com).

Xero's rules, from its documents: the client authenticates at the token endpoint with HTTP Basic; access tokens
last 30 minutes; every refresh returns a new refresh token and the old one stops working (after a grace period),
so the new one must be stored before the new access token is used (the connector's token manager does, through
its token store); ``offline_access`` is the scope that yields a refresh token.

Scopes: apps created since 2 March 2026 ask for granular scopes (``accounting.invoices``,
``accounting.banktransactions``...) instead of ``accounting.transactions``; older apps may keep the broad ones
until they migrate. :data:`SCOPES` are the granular ones the unified resources need; :data:`BROAD_SCOPES` the
older set (pass them as ``scopes`` to a connect flow).
"""

from __future__ import annotations

import httpx

from unified.secret import Secret
from unified.toolkit import OAuthClient

__all__ = ["BROAD_SCOPES", "SCOPES", "XeroOAuth"]

#: what every unified resource needs: contacts, invoices and bills, spend money, tax rates and the chart of accounts
SCOPES: tuple[str, ...] = (
    "offline_access",
    "accounting.contacts",
    "accounting.invoices",
    "accounting.banktransactions",
    "accounting.settings",
)
#: the same for apps created before 2 March 2026
BROAD_SCOPES: tuple[str, ...] = (
    "offline_access",
    "accounting.contacts",
    "accounting.transactions",
    "accounting.settings",
)


class XeroOAuth(OAuthClient):
    provider = "Xero Identity"
    reconnect_hint = "run `unified connect xero` again"
    #: Xero's access tokens last 30 minutes
    default_lifetime = 1800.0

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        identity_url: str,
        login_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        identity = identity_url.rstrip("/")
        super().__init__(
            client_id,
            client_secret,
            authorize_url=f"{login_url.rstrip('/')}/identity/connect/authorize",
            token_url=f"{identity}/connect/token",
            revoke_url=f"{identity}/connect/revocation",
            client_auth="basic",
            transport=transport,
            timeout=timeout,
        )
