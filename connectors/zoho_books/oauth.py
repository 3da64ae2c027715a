"""Zoho's OAuth 2.0 flow for Books: the authorization URL, the code exchange, refresh and revoke.

Used by the CLI's ``unified connect`` and by a product's own web callback::

    oauth = ZohoOAuth(client_id, client_secret)                      # data_center="us" by default
    url, state = oauth.authorization_url(redirect_uri=..., scopes=scopes_for(["invoices", "contacts"]))
    # ... the user consents; Zoho redirects to redirect_uri?code=...&location=eu&accounts-server=...&state=...
    ZohoOAuth.check_state(state, received_state)
    tokens = await oauth.exchange_code(code, redirect_uri=..., accounts_server=..., location=...)
    # tokens.api_domain names the data center's API host; keep tokens.refresh_token in the vault

Tokens and the client secret are :class:`unified.secret.Secret` values: they never show in a repr or a log.
The code exchange goes to the accounts server the redirect names, but only if it is one of Zoho's (or the one
this object was built with): the client secret is never sent to a host a redirect made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from connectors.zoho_books._datacenters import DATA_CENTERS, DataCenter, data_center_for
from connectors.zoho_books._errors import error_from_token_response
from unified.errors import RequestValidationError, UnifiedError
from unified.secret import Secret
from unified.toolkit import Grant, OAuthClient
from unified.toolkit import TokenSet as BaseTokenSet

__all__ = ["SCOPES", "TokenSet", "ZohoOAuth", "scope_for_path", "scopes_for"]

_FAMILIES = (
    "contacts",
    "invoices",
    "bills",
    "expenses",
    "settings",
    "accountants",
    "customerpayments",
    "vendorpayments",
    "creditnotes",
    "debitnotes",
    "estimates",
    "salesorders",
    "purchaseorders",
    "banking",
    "projects",
)

#: resource -> the Zoho Books scope it needs. Zoho's scope families, plus the unified resource names.
SCOPES: dict[str, str] = {
    **{family: f"ZohoBooks.{family}.ALL" for family in _FAMILIES},
    "custommodules": "ZohoBooks.custommodules.ALL",
    "fullaccess": "ZohoBooks.fullaccess.all",
    "customers": "ZohoBooks.contacts.ALL",
    "suppliers": "ZohoBooks.contacts.ALL",
    "tax_rates": "ZohoBooks.settings.ALL",
    "organizations": "ZohoBooks.settings.ALL",
    "items": "ZohoBooks.settings.ALL",
    "custom_fields": "ZohoBooks.settings.ALL",
    "chart_of_accounts": "ZohoBooks.accountants.ALL",
    "journals": "ZohoBooks.accountants.ALL",
    "vendor_credits": "ZohoBooks.debitnotes.ALL",
}

# Every connection reads organizations, taxes and custom field definitions.
_ALWAYS = "ZohoBooks.settings.READ"

# first path segment -> scope family, from Zoho's OpenAPI documents (ENDPOINTS.tsv)
_PATH_FAMILY: dict[str, str] = {
    **{family: family for family in _FAMILIES},
    **dict.fromkeys(
        ("organizations", "items", "item", "itemdetails", "users", "locations", "pricebooks", "tasks"), "settings"
    ),
    **dict.fromkeys(("reportingtags", "openingbalances", "share"), "settings"),
    **dict.fromkeys(("chartofaccounts", "journals", "recurringjournals", "basecurrencyadjustment"), "accountants"),
    **dict.fromkeys(("transactionlock", "transactionlocks", "registers", "accountingperiods"), "accountants"),
    **dict.fromkeys(("invoice", "recurringinvoices", "retainerinvoices", "salesreceipts"), "invoices"),
    **dict.fromkeys(("bill", "recurringbills", "recurring_bills"), "bills"),
    **dict.fromkeys(("recurringexpenses", "employees", "employee"), "expenses"),
    **dict.fromkeys(("bankaccounts", "banktransactions", "bankstatements"), "banking"),
    "customerpayment": "customerpayments",
    "estimate": "estimates",
    "salesorder": "salesorders",
    "purchaseorder": "purchaseorders",
    "vendorcredits": "debitnotes",
    "fixedassets": "fixedasset",
    "fixedassettypes": "fixedasset",
    "deliverychallans": "deliverychallans",
}
_OPERATION = {"GET": "READ", "HEAD": "READ", "POST": "CREATE", "PUT": "UPDATE", "PATCH": "UPDATE", "DELETE": "DELETE"}


def scopes_for(resources: Iterable[str]) -> list[str]:
    """The scopes to ask for to use ``resources`` (names of :data:`SCOPES`), plus ``ZohoBooks.settings.READ``."""
    scopes: list[str] = []
    for resource in resources:
        key = resource.strip().lower().replace("-", "_")
        if key not in SCOPES:
            known = ", ".join(sorted(SCOPES))
            raise RequestValidationError(
                f"No Zoho Books scope is known for resource {resource!r}; known resources: {known}.",
                field="resources",
            )
        if SCOPES[key] not in scopes:
            scopes.append(SCOPES[key])
    if not any(s in scopes for s in (_ALWAYS, SCOPES["settings"], SCOPES["fullaccess"])):
        scopes.append(_ALWAYS)
    return scopes


def scope_for_path(method: str, path: str) -> str | None:
    """The scope a Books API endpoint needs (e.g. ``ZohoBooks.invoices.READ`` for ``GET /invoices``), if known."""
    segment = urlsplit(path).path.strip("/").split("/", 1)[0].lower()
    family = _PATH_FAMILY.get(segment)
    operation = _OPERATION.get(method.upper())
    if family is None or operation is None:
        return None
    return f"ZohoBooks.{family}.{operation}"


@attrs.frozen
class TokenSet(BaseTokenSet):
    """What Zoho Accounts answered: the toolkit's token set, plus where the account lives."""

    api_domain: str | None = None
    #: the accounts server that issued the tokens: refresh and revoke must go there
    accounts_url: str | None = None

    @property
    def data_center(self) -> DataCenter | None:
        return data_center_for(accounts_server=self.accounts_url, api_domain=self.api_domain)

    @classmethod
    def from_response(  # type: ignore[override]
        cls,
        body: dict[str, Any],
        *,
        refresh_token: Secret | None = None,
        accounts_url: str | None = None,
        now: datetime | None = None,
    ) -> TokenSet:
        base = BaseTokenSet.from_response(body, refresh_token=refresh_token, now=now, provider="Zoho Accounts")
        return cls(
            access_token=base.access_token,
            refresh_token=base.refresh_token,
            expires_at=base.expires_at,
            scope=base.scope,
            token_type=base.token_type,
            extra=base.extra,
            api_domain=_str_or_none(body.get("api_domain")),
            accounts_url=accounts_url,
        )


class ZohoOAuth(OAuthClient):
    """One OAuth client (client id and secret) against one data center's accounts server."""

    provider = "Zoho Accounts"
    reconnect_hint = "run the connect flow again (`unified connect zoho-books`)"
    scope_separator = ","

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        data_center: str = "us",
        accounts_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not client_id or not client_id.strip():
            raise RequestValidationError(
                "client_id is empty: use the Client ID from the Zoho API console.", field="client_id"
            )
        if not Secret.of(client_secret):
            raise RequestValidationError(
                "client_secret is empty: use the Client Secret from the Zoho API console.", field="client_secret"
            )
        key = data_center.strip().lower()
        if key not in DATA_CENTERS:
            raise RequestValidationError(
                f"Unknown Zoho data center {data_center!r}; use one of: {', '.join(DATA_CENTERS)}.",
                field="data_center",
            )
        self.data_center = DATA_CENTERS[key]
        self.accounts_url = _base(accounts_url) if accounts_url else self.data_center.accounts_url
        super().__init__(
            client_id,
            client_secret,
            authorize_url=f"{self.accounts_url}/oauth/v2/auth",
            token_url=f"{self.accounts_url}/oauth/v2/token",
            revoke_url=f"{self.accounts_url}/oauth/v2/token/revoke",
            client_auth="body",
            # offline + consent: Zoho returns a refresh token every time, not only on the first consent
            extra_authorize_params={"access_type": "offline", "prompt": "consent"},
            transport=transport,
            timeout=timeout,
        )
        # a local or test accounts server: the redirect's location must not send us to Zoho's real ones
        self._own_server = data_center_for(accounts_server=self.accounts_url) is None

    def __repr__(self) -> str:
        return (
            f"ZohoOAuth(client_id={self.client_id!r}, data_center={self.data_center.key!r}, "
            f"accounts_url={self.accounts_url!r})"
        )

    def authorization_url(
        self, *, redirect_uri: str, scopes: Sequence[str], state: str | None = None
    ) -> tuple[str, str]:
        """The URL to send the user to, and the ``state`` to check on the way back (generated if not given)."""
        if not isinstance(scopes, str) and scopes:
            return super().authorization_url(redirect_uri=redirect_uri, scopes=scopes, state=state)
        raise RequestValidationError(
            "scopes must be a non-empty list of Zoho scopes, e.g. scopes_for(['invoices']).", field="scopes"
        )

    async def exchange_code(  # type: ignore[override]
        self,
        code: str,
        *,
        redirect_uri: str,
        accounts_server: str | None = None,
        location: str | None = None,
    ) -> TokenSet:
        """Trade the redirect's ``code`` for tokens at the accounts server the redirect names."""
        if not code:
            raise RequestValidationError(
                "The authorization code is empty: pass the `code` query parameter of the redirect.", field="code"
            )
        server = self._token_server(accounts_server, location)
        body = await self.post_token(
            f"{server}/oauth/v2/token",
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            grant="authorization_code",
        )
        return TokenSet.from_response(body, accounts_url=server)

    async def refresh(self, refresh_token: str | Secret) -> TokenSet:
        """A new access token. Zoho returns no new refresh token: the given one stays in the result."""
        token = Secret.of(refresh_token)
        if not token:
            raise RequestValidationError(
                "refresh_token is empty: run the connect flow to get one.", field="refresh_token"
            )
        body = await self.post_token(
            self.token_url, {"grant_type": "refresh_token", "refresh_token": token.reveal()}, grant="refresh_token"
        )
        return TokenSet.from_response(body, refresh_token=token, accounts_url=self.accounts_url)

    async def revoke(self, token: str | Secret) -> None:
        """Revoke a refresh token (and every access token minted from it), or one access token."""
        url = f"{self.accounts_url}/oauth/v2/token/revoke"
        await self.post_token(url, {"token": Secret.of(token).reveal()}, grant="revoke", authenticate=False)

    def token_error(
        self, status: int, body: Mapping[str, Any] | None, *, grant: Grant, content_type: str | None, url: str
    ) -> UnifiedError:
        server = url.split("/oauth/", 1)[0]
        return error_from_token_response(
            status, body, grant=grant, client_id=self.client_id, accounts_url=server, content_type=content_type
        )

    # -- helpers ---------------------------------------------------------------------------------------------

    def _token_server(self, accounts_server: str | None, location: str | None) -> str:
        if accounts_server:
            server = _base(accounts_server)
            if server == self.accounts_url:
                return server
            dc = data_center_for(accounts_server=server)
            if dc is None or urlsplit(server).scheme != "https":
                raise RequestValidationError(
                    f"The redirect names accounts server {server!r}, which is not a Zoho accounts server; the "
                    "code is not sent there. Check the redirect, or build ZohoOAuth with accounts_url= for a "
                    "local server.",
                    field="accounts_server",
                )
            return dc.accounts_url
        if location:
            dc = data_center_for(location=location)
            if dc is None:
                raise RequestValidationError(
                    f"The redirect names an unknown Zoho location {location!r}; known: {', '.join(DATA_CENTERS)}.",
                    field="location",
                )
            return self.accounts_url if self._own_server else dc.accounts_url
        return self.accounts_url


def _base(url: str) -> str:
    return url.strip().rstrip("/")


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
