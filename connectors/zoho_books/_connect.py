"""Connect a Zoho Books account: the provider ``unified connect zoho-books`` and ``unified.connect.ConnectFlow`` use.

Zoho's multi-data-center rules: the user is sent to the accounts server of the configured data center (US by
default), the redirect's ``accounts-server``/``location`` name the account's own data center, the code is
exchanged there, and the connection records that data center so refreshes go there too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.zoho_books._http import ZohoHttp
from connectors.zoho_books.connector import _books_url
from connectors.zoho_books.oauth import TokenSet, ZohoOAuth, scopes_for
from unified.connect import Organization
from unified.connector import RESOURCES
from unified.errors import UnauthorizedError
from unified.secret import Secret
from unified.toolkit import TokenManager
from unified.vault import Connection

__all__ = ["ZohoConnectProvider"]


class ZohoConnectProvider:
    """The OAuth code flow against Zoho Accounts, and the organizations a grant reaches.

    ``api_url`` and ``accounts_url`` replace Zoho's hosts (a local emulator); they are kept in the connection.
    """

    connector = "zoho-books"
    organization_setting = "organization_id"

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        data_center: str = "us",
        api_url: str | None = None,
        accounts_url: str | None = None,
    ) -> None:
        self.oauth = ZohoOAuth(client_id, client_secret, data_center=data_center, accounts_url=accounts_url)
        self._client_secret = Secret.of(client_secret)
        self.api_url = api_url.strip().rstrip("/") if api_url else None
        self.accounts_url = accounts_url.strip().rstrip("/") if accounts_url else None

    def __repr__(self) -> str:
        return f"ZohoConnectProvider(client_id={self.oauth.client_id!r}, accounts_url={self.oauth.accounts_url!r})"

    def default_scopes(self) -> list[str]:
        return scopes_for(RESOURCES)

    def authorization_url(self, *, redirect_uri: str, state: str, scopes: Sequence[str]) -> str:
        url, _ = self.oauth.authorization_url(redirect_uri=redirect_uri, scopes=scopes, state=state)
        return url

    async def exchange_code(self, params: Mapping[str, str], *, redirect_uri: str) -> TokenSet:
        return await self.oauth.exchange_code(
            params.get("code", ""),
            redirect_uri=redirect_uri,
            accounts_server=params.get("accounts-server") or None,
            location=params.get("location") or None,
        )

    def _api_url(self, grant: TokenSet) -> str:
        if self.api_url:
            return self.api_url
        if grant.api_domain:  # the token response names the account's API host
            return grant.api_domain.rstrip("/") + "/books/v3"
        return (grant.data_center or self.oauth.data_center).api_url

    async def organizations(self, grant: TokenSet) -> list[Organization]:
        tokens = TokenManager(
            self.oauth,
            refresh_token=_refresh_token(grant),
            access_token=grant.access_token,
            expires_at=grant.expires_at,
        )
        http = ZohoHttp(tokens=tokens, api_url=self._api_url(grant), organization_id=None)
        try:
            rows = await http.organizations()
        finally:
            await http.aclose()
        return [_organization(row) for row in rows if isinstance(row, Mapping) and row.get("organization_id")]

    def connection(self, name: str, grant: TokenSet, organization: Organization) -> Connection:
        data_center = grant.data_center or self.oauth.data_center
        settings: dict[str, Any] = {
            "client_id": self.oauth.client_id,
            "organization_id": organization.id,
            "data_center": data_center.key,
            "expires_at": grant.expires_at.isoformat(),
        }
        # the token response names the account's API host: keep it, or a rebuilt connector would guess the US one
        api_url = self.api_url or (_books_url(grant.api_domain) if grant.api_domain else None)
        if api_url:
            settings["api_url"] = api_url
        if self.accounts_url:
            settings["accounts_url"] = self.accounts_url
        secrets = {
            "client_secret": self._client_secret.reveal(),
            "refresh_token": _refresh_token(grant).reveal(),
            "access_token": grant.access_token.reveal(),
        }
        return Connection(name=name, connector=self.connector, settings=settings, secrets=secrets)


def _refresh_token(grant: TokenSet) -> Secret:
    if grant.refresh_token:
        return grant.refresh_token
    raise UnauthorizedError(
        "Zoho answered the code exchange without a refresh token: connect again (the flow asks for "
        "access_type=offline and prompt=consent, which makes Zoho issue one).",
        outcome="failed",
    )


def _organization(row: Mapping[str, Any]) -> Organization:
    return Organization(
        id=str(row["organization_id"]),
        name=str(row.get("name") or ""),
        is_default=bool(row.get("is_default_org")),
        currency=str(row["currency_code"]) if row.get("currency_code") else None,
        extra={k: row[k] for k in ("country", "time_zone", "plan_name", "account_created_date") if k in row},
    )
