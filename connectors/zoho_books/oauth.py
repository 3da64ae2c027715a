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

import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs
import httpx

from connectors.zoho_books._datacenters import DATA_CENTERS, DataCenter, data_center_for
from connectors.zoho_books._errors import Grant, error_from_token_response
from unified.errors import (
    ConnectorConnectionError,
    ConnectorExecutionError,
    ConnectorTimeoutError,
    RequestValidationError,
    UnauthorizedError,
)
from unified.secret import Secret

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
class TokenSet:
    """What Zoho Accounts answered: an access token, maybe a refresh token, and where the account lives."""

    access_token: Secret
    refresh_token: Secret | None
    expires_at: datetime
    api_domain: str | None
    scope: str | None
    token_type: str
    #: the accounts server that issued the tokens: refresh and revoke must go there
    accounts_url: str | None = None

    @property
    def data_center(self) -> DataCenter | None:
        return data_center_for(accounts_server=self.accounts_url, api_domain=self.api_domain)

    @classmethod
    def from_response(
        cls,
        body: dict[str, Any],
        *,
        refresh_token: Secret | None = None,
        accounts_url: str | None = None,
        now: datetime | None = None,
    ) -> TokenSet:
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ConnectorExecutionError(
                "Zoho Accounts answered without an access token; the token endpoint may be misconfigured.",
                outcome="failed",
            )
        expires_in = body.get("expires_in", 3600)
        try:
            seconds = float(expires_in)
        except (TypeError, ValueError):
            seconds = 3600.0
        issued = body.get("refresh_token")
        return cls(
            access_token=Secret(access),
            refresh_token=Secret(issued) if isinstance(issued, str) and issued else refresh_token,
            expires_at=(now or datetime.now(UTC)) + timedelta(seconds=seconds),
            api_domain=_str_or_none(body.get("api_domain")),
            scope=_str_or_none(body.get("scope")),
            token_type=_str_or_none(body.get("token_type")) or "Bearer",
            accounts_url=accounts_url,
        )


class ZohoOAuth:
    """One OAuth client (client id and secret) against one data center's accounts server."""

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
        self.client_id = client_id.strip()
        self._client_secret = Secret.of(client_secret)
        self.data_center = DATA_CENTERS[key]
        self.accounts_url = _base(accounts_url) if accounts_url else self.data_center.accounts_url
        # a local or test accounts server: the redirect's location must not send us to Zoho's real ones
        self._own_server = data_center_for(accounts_server=self.accounts_url) is None
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return (
            f"ZohoOAuth(client_id={self.client_id!r}, data_center={self.data_center.key!r}, "
            f"accounts_url={self.accounts_url!r})"
        )

    # -- the browser leg -------------------------------------------------------------------------------------

    def authorization_url(
        self, *, redirect_uri: str, scopes: Sequence[str], state: str | None = None
    ) -> tuple[str, str]:
        """The URL to send the user to, and the ``state`` to check on the way back (generated if not given)."""
        if not redirect_uri:
            raise RequestValidationError(
                "redirect_uri is empty: use a redirect URI registered for the client.", field="redirect_uri"
            )
        if isinstance(scopes, str) or not scopes:
            raise RequestValidationError(
                "scopes must be a non-empty list of Zoho scopes, e.g. scopes_for(['invoices']).", field="scopes"
            )
        state = state or secrets.token_urlsafe(24)
        query = urlencode(
            {
                "scope": ",".join(scopes),
                "client_id": self.client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                # offline + consent: Zoho returns a refresh token every time, not only on the first consent
                "access_type": "offline",
                "prompt": "consent",
                "state": state,
            }
        )
        return f"{self.accounts_url}/oauth/v2/auth?{query}", state

    @staticmethod
    def check_state(expected: str, received: str | None) -> None:
        """Refuse a redirect whose ``state`` is not the one this flow started with (a forged or stale redirect)."""
        if not expected or received is None or not hmac.compare_digest(expected.encode(), received.encode()):
            raise UnauthorizedError(
                "The OAuth redirect's state does not match the one this connect flow started with: the redirect "
                "is forged or from an older attempt. Start the connect flow again.",
                outcome="failed",
            )

    # -- the token endpoint ----------------------------------------------------------------------------------

    async def exchange_code(
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
        body = await self._post(
            f"{server}/oauth/v2/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
                "client_secret": self._client_secret.reveal(),
                "redirect_uri": redirect_uri,
            },
            grant="authorization_code",
            server=server,
        )
        return TokenSet.from_response(body, accounts_url=server)

    async def refresh(self, refresh_token: str | Secret) -> TokenSet:
        """A new access token. Zoho returns no new refresh token: the given one stays in the result."""
        token = Secret.of(refresh_token)
        if not token:
            raise RequestValidationError(
                "refresh_token is empty: run the connect flow to get one.", field="refresh_token"
            )
        body = await self._post(
            f"{self.accounts_url}/oauth/v2/token",
            {
                "grant_type": "refresh_token",
                "refresh_token": token.reveal(),
                "client_id": self.client_id,
                "client_secret": self._client_secret.reveal(),
            },
            grant="refresh_token",
            server=self.accounts_url,
        )
        return TokenSet.from_response(body, refresh_token=token, accounts_url=self.accounts_url)

    async def revoke(self, token: str | Secret) -> None:
        """Revoke a refresh token (and every access token minted from it), or one access token."""
        await self._post(
            f"{self.accounts_url}/oauth/v2/token/revoke",
            {"token": Secret.of(token).reveal()},
            grant="revoke",
            server=self.accounts_url,
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

    async def _post(self, url: str, data: dict[str, str], *, grant: Grant, server: str) -> dict[str, Any]:
        # a client per call: token calls are rare, and callers may come from different event loops
        client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout)
        try:
            response = await client.post(url, data=data, headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise ConnectorTimeoutError(f"Zoho Accounts ({server}) did not answer in time.", outcome="failed") from exc
        except httpx.TransportError as exc:
            raise ConnectorConnectionError(
                f"Could not reach Zoho Accounts ({server}): {type(exc).__name__}.", outcome="failed"
            ) from exc
        finally:
            if self._transport is None:
                await client.aclose()
        content_type = response.headers.get("content-type")
        try:
            body = response.json()
        except ValueError:
            body = None
        parsed = body if isinstance(body, dict) else None
        if grant == "revoke":
            if response.is_success and (parsed is None or "error" not in parsed):
                return parsed or {}
        elif response.is_success and parsed is not None and "error" not in parsed:
            return parsed
        raise error_from_token_response(
            response.status_code,
            parsed,
            grant=grant,
            client_id=self.client_id,
            accounts_url=server,
            content_type=content_type,
        )


def _base(url: str) -> str:
    return url.strip().rstrip("/")


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
