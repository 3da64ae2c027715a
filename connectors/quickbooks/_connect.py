"""Connect a QuickBooks Online company: the provider ``unified connect quickbooks`` and ``ConnectFlow`` use.

Intuit sends the user back with ``code``, ``state`` and ``realmId``: the company the user picked at consent. That
realm is the one organization of the grant; CompanyInfo names it. The connection keeps the realm, the rotating
refresh token and the URLs given (a local emulator's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.quickbooks._http import QuickBooksHttp
from connectors.quickbooks.oauth import SCOPES, QuickBooksOAuth, base_url
from connectors.quickbooks.settings import API_URL
from unified.connect import OAuthConnectProvider, Organization
from unified.errors import RequestValidationError
from unified.secret import Secret
from unified.toolkit import TokenManager, TokenSet

__all__ = ["QuickBooksConnectProvider", "QuickBooksGrant"]


@dataclass
class QuickBooksGrant:
    """The tokens of a code exchange and the realm the redirect named (tokens refreshed meanwhile replace them)."""

    tokens: TokenSet
    realm_id: str

    @property
    def access_token(self) -> Secret:
        return self.tokens.access_token

    @property
    def refresh_token(self) -> Secret | None:
        return self.tokens.refresh_token

    @property
    def expires_at(self) -> datetime:
        return self.tokens.expires_at


class QuickBooksConnectProvider(OAuthConnectProvider):
    connector = "quickbooks"
    organization_setting = "realm_id"

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        api_url: str | None = None,
        oauth_url: str | None = None,
        appcenter_url: str | None = None,
    ) -> None:
        oauth = QuickBooksOAuth(client_id, client_secret, oauth_url=oauth_url, appcenter_url=appcenter_url)
        super().__init__(
            oauth,
            scopes=SCOPES,
            client_secret=Secret.of(client_secret),
            settings={"api_url": api_url, "oauth_url": oauth_url, "appcenter_url": appcenter_url},
        )
        self.api_url = base_url(api_url, API_URL, "api_url")

    async def exchange_code(self, params: Mapping[str, str], *, redirect_uri: str) -> QuickBooksGrant:
        realm = (params.get("realmId") or "").strip()
        if not realm.isdigit():
            raise RequestValidationError(
                "The redirect carries no realmId (the company the user chose): pass every query parameter of the "
                "redirect, and connect again if Intuit sent none.",
                field="realmId",
            )
        tokens = await self.oauth.exchange_code(params.get("code", ""), redirect_uri=redirect_uri)
        return QuickBooksGrant(tokens, realm)

    async def organizations(self, grant: Any) -> list[Organization]:
        """The realm of the redirect, named by its CompanyInfo."""
        assert isinstance(grant, QuickBooksGrant)

        def keep(tokens: TokenSet) -> None:  # a refresh here rotates the refresh token: the grant keeps the new one
            grant.tokens = tokens

        refresh = grant.refresh_token
        if not refresh:
            return [Organization(id=grant.realm_id, name="")]
        manager = TokenManager(
            self.oauth,
            refresh_token=refresh,
            access_token=grant.access_token,
            expires_at=grant.expires_at,
            on_refresh=keep,
        )
        http = QuickBooksHttp(tokens=manager, api_url=self.api_url, realm_id=grant.realm_id)
        try:
            body = await http.request("GET", f"/companyinfo/{grant.realm_id}")
        finally:
            await http.aclose()
        info = body.get("CompanyInfo") if isinstance(body, Mapping) else None
        info = info if isinstance(info, Mapping) else {}
        extra = {key: info[key] for key in ("LegalName", "Country", "CompanyStartDate") if key in info}
        return [Organization(id=grant.realm_id, name=str(info.get("CompanyName") or ""), is_default=True, extra=extra)]
