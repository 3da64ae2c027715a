"""Connect a Xero login: the provider ``unified connect xero`` and ``unified.connect.ConnectFlow`` use.

After consent Xero's ``GET /connections`` lists the organisations (tenants) the login reached; the user picks one
and the connection is (credentials, tenant): its ``tenant_id`` setting says which. Another tenant of the same login
is another connection (connect again, or copy the connection with another ``tenant_id``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.xero._http import XeroDialect
from connectors.xero.oauth import SCOPES, XeroOAuth
from connectors.xero.settings import API_URL, IDENTITY_URL, LOGIN_URL
from unified.connect import OAuthConnectProvider, Organization
from unified.errors import ConnectorExecutionError, UnauthorizedError
from unified.ratelimit import RateLimitPolicy
from unified.secret import Secret
from unified.toolkit import ApiClient, TokenManager, TokenSet

__all__ = ["XeroConnectProvider"]


class XeroConnectProvider(OAuthConnectProvider):
    """The OAuth code flow against Xero Identity, and the tenants a grant reaches.

    ``api_url``, ``identity_url`` and ``login_url`` replace Xero's hosts (a local Xero); they are kept in the
    connection.
    """

    connector = "xero"
    organization_setting = "tenant_id"

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        api_url: str | None = None,
        identity_url: str | None = None,
        login_url: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> None:
        oauth = XeroOAuth(
            client_id, client_secret, identity_url=identity_url or IDENTITY_URL, login_url=login_url or LOGIN_URL
        )
        super().__init__(
            oauth,
            scopes=list(scopes or SCOPES),
            client_secret=Secret.of(client_secret),
            settings={"api_url": api_url, "identity_url": identity_url, "login_url": login_url},
        )
        self.api_url = (api_url or API_URL).rstrip("/")

    async def organizations(self, grant: TokenSet) -> list[Organization]:
        if not grant.refresh_token:
            raise UnauthorizedError(
                "Xero answered the code exchange without a refresh token: connect again with the offline_access scope.",
                outcome="failed",
            )
        tokens = TokenManager(
            self.oauth, refresh_token=grant.refresh_token, access_token=grant.access_token, expires_at=grant.expires_at
        )
        http = ApiClient(
            dialect=XeroDialect(),
            base_url=self.api_url,
            auth=tokens,
            limiter_key=f"xero-connections:{self.api_url}:{self.oauth.client_id}",
            rate_limit=RateLimitPolicy(limit=60, window=60, max_concurrent=5),
        )
        try:
            rows = await http.request("GET", "/connections")
        finally:
            await http.aclose()
        if not isinstance(rows, list):
            raise ConnectorExecutionError("Xero answered GET /connections without a list of connections.")
        return [_organization(row) for row in rows if isinstance(row, Mapping) and row.get("tenantId")]


def _organization(row: Mapping[str, Any]) -> Organization:
    return Organization(
        id=str(row["tenantId"]),
        name=str(row.get("tenantName") or ""),
        extra={k: row[k] for k in ("id", "tenantType", "createdDateUtc", "updatedDateUtc") if k in row},
    )
