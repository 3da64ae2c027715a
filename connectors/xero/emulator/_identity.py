"""Xero's identity service and connections, on the kit's OAuthServer.

- `GET /identity/connect/authorize` (login.xero.com): consent is given at once for every tenant; redirects
  to `redirect_uri` with `code`, `scope`, `state` and `session_state`. An unknown client or a redirect_uri
  that is not absolute is an error page (400), as OAuth says it must not redirect; other problems
  (`response_type` other than code, no scope) redirect with `?error=`.
- `POST /connect/token` (identity.xero.com), form-encoded, client authentication by HTTP Basic or by
  `client_id`/`client_secret` fields: `authorization_code` and `refresh_token`. Access tokens last 30
  minutes; a refresh token is given when the scope has `offline_access`, lives 60 days unused, and
  ROTATES: each refresh answers a new one and retires the old, which still works once more within 30
  minutes (the grace Xero documents for a lost answer) and is `invalid_grant` after. Errors are
  `{"error": "invalid_grant"}` / `invalid_client` / `unsupported_grant_type` / `invalid_request` (400).
- `POST /connect/revocation`: revokes a refresh token (with its access tokens) and disconnects the
  user's tenants, as Xero does; 200 whatever the token (RFC 7009).
- `GET /connections` (api.xero.com): the connected tenants `[{id, authEventId, tenantId, tenantType,
  tenantName, createdDateUtc, updatedDateUtc}]`, optional `?authEventId=`; `DELETE /connections/{id}`
  disconnects one tenant (204; 404 when unknown). A disconnected tenant answers 403 until consent again.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import RedirectResponse, Response

from unified.emulator import Exchange, OAuthError, inject_fault

from ._errors import XeroError, not_found, unauthorized
from ._store import Connection
from ._wire import dumps

if TYPE_CHECKING:
    from ._emulator import XeroEmulator

JSON = "application/json; charset=utf-8"
ACCESS_SECONDS = 1800
REFRESH_SECONDS = 60 * 24 * 3600
GRACE_SECONDS = 1800
CODE_SECONDS = 300


# Which scopes open which collections: the broad ones of the OAS and the granular ones of apps created since
# March 2026 (XERO_FACTS: scopes); a ".read" scope opens GET only.
SCOPE_FAMILIES = {
    "Contacts": ("accounting.contacts",),
    "Invoices": ("accounting.transactions", "accounting.invoices"),
    "CreditNotes": ("accounting.transactions", "accounting.invoices"),
    "Payments": ("accounting.transactions", "accounting.payments", "accounting.invoices"),
    "BankTransactions": ("accounting.transactions", "accounting.banktransactions"),
    "TaxRates": ("accounting.settings",),
    "Accounts": ("accounting.settings",),
    "Items": ("accounting.settings",),
    "TrackingCategories": ("accounting.settings",),
    "Organisation": ("accounting.settings",),
    "Organisations": ("accounting.settings",),
    "Currencies": ("accounting.settings",),
}


def scope_allows(granted: tuple[str, ...], collection: str, method: str) -> bool:
    family = SCOPE_FAMILIES.get(collection)
    if family is None:
        return True
    wanted = set(family) | ({f"{s}.read" for s in family} if method == "GET" else set())
    return bool(wanted & set(granted))


def _json(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(payload), status_code=status, media_type=JSON, headers=headers)


def _oauth_error(error: str, description: str = "") -> Response:
    payload = {"error": error}
    if description:
        payload["error_description"] = description
    return _json(400, payload, {"Cache-Control": "no-store"})


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class Identity:
    def __init__(self, emulator: XeroEmulator) -> None:
        self.emulator = emulator

    def authenticate(self, header: str | None) -> tuple[str, ...]:
        """The scopes of an API call's bearer token, or the 401 Xero answers."""
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized()
        try:
            return self.emulator.oauth.authenticate(token.strip()).scopes
        except OAuthError as exc:
            if exc.reason == "expired":
                raise unauthorized("TokenExpired: token expired") from None
            raise unauthorized() from None

    async def handle(self, exchange: Exchange) -> Response:
        request, entry = exchange.request, exchange.entry
        path = request.url.path.rstrip("/").lower()
        method = request.method
        if path == "/identity/connect/authorize" and method in ("GET", "POST"):
            entry["endpoint"] = f"{method} /identity/connect/authorize"
            return await self._fault(exchange) or await self.authorize(exchange)
        if path == "/connect/token" and method == "POST":
            entry["endpoint"] = "POST /connect/token"
            return await self._fault(exchange) or await self.token(exchange)
        if path == "/connect/revocation" and method == "POST":
            entry["endpoint"] = "POST /connect/revocation"
            return await self._fault(exchange) or await self.revoke(exchange)
        if path == "/connections" and method == "GET":
            entry["endpoint"] = "GET /connections"
            return await self._fault(exchange) or self.connections(exchange)
        if path.startswith("/connections/") and path.count("/") == 2 and method == "DELETE":
            entry["endpoint"] = "DELETE /connections/{id}"
            return await self._fault(exchange) or self.disconnect(exchange, request.url.path.rstrip("/").split("/")[-1])
        exc = not_found()
        return Response(exc.body(), status_code=404, media_type=exc.media_type)

    async def _fault(self, exchange: Exchange) -> Response | None:
        from ._app import fault_response

        kind = await inject_fault(self.emulator, exchange)
        return fault_response(kind) if kind else None

    async def _form(self, exchange: Exchange) -> dict[str, str]:
        request = exchange.request
        params = dict(request.query_params)
        if request.method == "POST":
            raw = await exchange.body()
            params.update(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
        return params

    # --- authorize ------------------------------------------------------------------------------------

    async def authorize(self, exchange: Exchange) -> Response:
        params = await self._form(exchange)
        emulator = self.emulator
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        try:
            emulator.oauth.client(client_id)
        except OAuthError:
            return Response("Error: unauthorized_client (unknown client_id)", status_code=400, media_type="text/html")
        if not redirect_uri.startswith(("http://", "https://")):
            return Response("Error: invalid redirect_uri", status_code=400, media_type="text/html")
        state = params.get("state")
        extra = {"state": state} if state is not None else {}
        if params.get("response_type") != "code":
            return RedirectResponse(_with_query(redirect_uri, {"error": "unsupported_response_type", **extra}), 302)
        scopes = tuple(s for s in params.get("scope", "").split() if s)
        if not scopes:
            return RedirectResponse(_with_query(redirect_uri, {"error": "invalid_scope", **extra}), 302)
        try:
            code = emulator.oauth.authorize(client_id, redirect_uri, scopes, organizations=emulator.tenant_ids)
        except OAuthError as exc:
            return Response(f"Error: {exc.error}", status_code=400, media_type="text/html")
        emulator.connect_all(str(uuid.uuid4()))
        answer = {"code": code, "scope": " ".join(scopes), **extra, "session_state": uuid.uuid4().hex}
        return RedirectResponse(_with_query(redirect_uri, answer), 302)

    # --- token ----------------------------------------------------------------------------------------

    def _client(self, exchange: Exchange, params: dict[str, str]) -> tuple[str, str] | None:
        header = exchange.request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic" and value.strip():
            try:
                client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            return client_id, secret
        if params.get("client_id"):
            return params["client_id"], params.get("client_secret", "")
        return None

    async def token(self, exchange: Exchange) -> Response:
        params = await self._form(exchange)
        oauth = self.emulator.oauth
        client = self._client(exchange, params)
        if client is None:
            return _oauth_error("invalid_client")
        client_id, secret = client
        grant = params.get("grant_type", "")
        try:
            if grant == "authorization_code":
                code = params.get("code", "")
                if not code:
                    return _oauth_error("invalid_request", "code is required")
                pending = oauth.peek_code(code)
                offline = pending is not None and "offline_access" in pending.scopes
                tokens = oauth.exchange_code(
                    client_id, secret, code, params.get("redirect_uri") or None, issue_refresh=offline
                )
            elif grant == "refresh_token":
                refresh = params.get("refresh_token", "")
                if not refresh:
                    return _oauth_error("invalid_request", "refresh_token is required")
                tokens = oauth.refresh(client_id, secret, refresh)
            else:
                return _oauth_error("unsupported_grant_type")
        except OAuthError as exc:
            if exc.error == "invalid_client":
                return _oauth_error("invalid_client")
            return _oauth_error("invalid_grant")
        payload: dict[str, object] = {
            "access_token": tokens.access_token,
            "expires_in": tokens.expires_in,
            "token_type": "Bearer",
        }
        if tokens.refresh_token:
            payload["refresh_token"] = tokens.refresh_token
        payload["scope"] = " ".join(tokens.scopes)
        return _json(200, payload, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def revoke(self, exchange: Exchange) -> Response:
        params = await self._form(exchange)
        client = self._client(exchange, params)
        if client is None:
            return _oauth_error("invalid_client")
        try:
            self.emulator.oauth.client(client[0], client[1])
        except OAuthError:
            return _oauth_error("invalid_client")
        if self.emulator.oauth.revoke(params.get("token", "")):
            self.emulator.disconnect_all()
        return Response(b"", status_code=200)

    # --- connections ----------------------------------------------------------------------------------

    def _bearer(self, exchange: Exchange) -> Response | None:
        try:
            self.authenticate(exchange.request.headers.get("authorization"))
        except XeroError as exc:
            return Response(exc.body(), status_code=exc.status, media_type=exc.media_type, headers=exc.headers)
        return None

    def connections(self, exchange: Exchange) -> Response:
        refused = self._bearer(exchange)
        if refused is not None:
            return refused
        wanted = exchange.request.query_params.get("authEventId", "").strip().lower()
        store = self.emulator.store_now
        with store.lock:
            found: list[Connection] = list(store.connections.values())
        if wanted:
            found = [c for c in found if c.auth_event_id.lower() == wanted]
        return _json(200, [c.wire() for c in found])

    def disconnect(self, exchange: Exchange, connection_id: str) -> Response:
        refused = self._bearer(exchange)
        if refused is not None:
            return refused
        store = self.emulator.store_now
        with store.lock:
            if store.connections.pop(connection_id.lower(), None) is None:
                exc = not_found()
                return Response(exc.body(), status_code=404, media_type=exc.media_type)
        return Response(status_code=204)
