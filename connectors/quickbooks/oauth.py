"""Intuit's OAuth 2.0 for QuickBooks Online: consent at the app center, tokens at the bearer endpoint.

The client authenticates with HTTP Basic. Access tokens last an hour; every refresh answers a new refresh token
and the old one stops working, so the token manager stores the new one (through its token store) before the
new access token is used. The company comes on the redirect as ``realmId``, not in the token answer.
"""

from __future__ import annotations

import httpx

from connectors.quickbooks.settings import APPCENTER_URL, OAUTH_URL
from unified.errors import RequestValidationError
from unified.secret import Secret
from unified.toolkit import OAuthClient

__all__ = ["ACCOUNTING_SCOPE", "SCOPES", "QuickBooksOAuth"]

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
#: every unified resource is in the accounting scope
SCOPES: tuple[str, ...] = (ACCOUNTING_SCOPE,)


def base_url(url: str | None, default: str, field: str) -> str:
    """A root URL without its trailing slash; an http(s) URL or a clear error naming the setting."""
    value = (url or default).strip().rstrip("/") if isinstance(url or default, str) else ""
    parsed = httpx.URL(value) if value else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise RequestValidationError(f"{field} {url!r} is not an http(s) URL; the default is {default}.", field=field)
    return value


class QuickBooksOAuth(OAuthClient):
    """One Intuit app (client id and secret): consent URL, code exchange, refresh and revoke."""

    provider = "Intuit's token endpoint"
    reconnect_hint = "run the connect flow again (`unified connect quickbooks`)"

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        oauth_url: str | None = None,
        appcenter_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.oauth_url = base_url(oauth_url, OAUTH_URL, "oauth_url")
        self.appcenter_url = base_url(appcenter_url, APPCENTER_URL, "appcenter_url")
        super().__init__(
            client_id,
            client_secret,
            authorize_url=f"{self.appcenter_url}/connect/oauth2",
            token_url=f"{self.oauth_url}/oauth2/v1/tokens/bearer",
            revoke_url=f"{self.oauth_url}/oauth2/v1/tokens/revoke",
            client_auth="basic",
            transport=transport,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"QuickBooksOAuth(client_id={self.client_id!r}, oauth_url={self.oauth_url!r})"
