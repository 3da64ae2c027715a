"""Intuit OAuth 2.0: ``/connect/oauth2`` (consent), ``/oauth2/v1/tokens/bearer``, ``/oauth2/v1/tokens/revoke``,
and the OpenID discovery documents that point intuit-oauth at them.

Errors as Intuit's token endpoint words them: 400 ``{"error": "invalid_grant"}`` for an unknown, expired, used
or superseded code or refresh token; 401 ``{"error": "invalid_client"}`` for bad client credentials; 400
``{"error": "unsupported_grant_type"}`` / ``"invalid_request"``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import JSONResponse, RedirectResponse, Response

from unified.emulator import Exchange, OAuthError, inject_fault

if TYPE_CHECKING:
    from ._emulator import QuickBooksEmulator

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
REFRESH_LIFETIME = 100 * 24 * 3600  # Intuit: refresh tokens roll over 100 days
NO_STORE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str = "") -> Response:
    body: dict[str, str] = {"error": error}
    if description:
        body["error_description"] = description
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def _client_credentials(authorization: str | None, params: dict[str, str]) -> tuple[str, str] | None:
    """HTTP Basic (what Intuit documents), else client_id / client_secret in the body."""
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None
    if params.get("client_id") and params.get("client_secret"):
        return params["client_id"], params["client_secret"]
    return None


async def _params(exchange: Exchange) -> dict[str, str]:
    request = exchange.request
    params = dict(request.query_params)
    if request.method == "POST":
        raw = await exchange.body()
        kind = request.headers.get("content-type", "")
        text = raw.decode("utf-8", errors="replace")
        if "json" in kind:
            try:
                data = json.loads(text) if text.strip() else {}
            except ValueError:
                data = {}
            if isinstance(data, dict):
                params.update({str(k): str(v) for k, v in data.items()})
        else:
            params.update(parse_qsl(text, keep_blank_values=True))
    return params


def discovery(emulator: QuickBooksEmulator, base: str) -> dict[str, Any]:
    return {
        "issuer": "https://oauth.platform.intuit.com/op/v1",
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone", ACCOUNTING_SCOPE],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def _base(exchange: Exchange) -> str:
    request = exchange.request
    return f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"


async def handle(emulator: QuickBooksEmulator, exchange: Exchange) -> Response:
    request = exchange.request
    path = request.url.path.rstrip("/").lower()
    exchange.entry["endpoint"] = f"{request.method} {path}"
    if path in ("/.well-known/openid_configuration", "/.well-known/openid_sandbox_configuration"):
        return JSONResponse(discovery(emulator, _base(exchange)))
    kind = await inject_fault(emulator, exchange)
    if kind is not None and kind != "drop_after_commit":
        return emulator.fault_response(kind, None)
    params = await _params(exchange)
    if path == "/connect/oauth2" and request.method in ("GET", "POST"):
        return _authorize(emulator, params)
    if path == "/oauth2/v1/tokens/bearer" and request.method == "POST":
        return _token(emulator, request.headers.get("authorization"), params)
    if path == "/oauth2/v1/tokens/revoke" and request.method == "POST":
        return _revoke(emulator, request.headers.get("authorization"), params)
    if path == "/v1/openid_connect/userinfo" and request.method == "GET":
        return _userinfo(emulator, request.headers.get("authorization"))
    return _error(404, "invalid_request", f"No OAuth endpoint {request.method} {request.url.path}.")


def _authorize(emulator: QuickBooksEmulator, params: dict[str, str]) -> Response:
    """Consent is given at once for the first company (``realmId`` picks another); the redirect carries
    code, state and realmId. A bad client_id or redirect_uri is shown as a page, never redirected."""
    redirect_uri = params.get("redirect_uri", "")
    if params.get("response_type", "code") != "code":
        return Response("response_type must be code", status_code=400, media_type="text/plain")
    realm_id = params.get("realmId") or emulator.realm_id
    if realm_id not in emulator.realm_ids:
        return Response(f"unknown realmId {realm_id}", status_code=400, media_type="text/plain")
    scopes = tuple(params.get("scope", ACCOUNTING_SCOPE).split())
    try:
        code = emulator.oauth.authorize(
            params.get("client_id", ""), redirect_uri, scopes, organizations=(realm_id,), data={"realm": realm_id}
        )
    except OAuthError as exc:
        return Response(f"{exc.error}: {exc.description}", status_code=400, media_type="text/plain")
    query = {"code": code, "state": params.get("state", ""), "realmId": realm_id}
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", status_code=302)


def _token_body(tokens: Any) -> dict[str, Any]:
    return {
        "token_type": "bearer",
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "refresh_token": tokens.refresh_token,
        "x_refresh_token_expires_in": tokens.refresh_expires_in or REFRESH_LIFETIME,
    }


def _token(emulator: QuickBooksEmulator, authorization: str | None, params: dict[str, str]) -> Response:
    credentials = _client_credentials(authorization, params)
    if credentials is None:
        return _error(401, "invalid_client", "send the client's id and secret as HTTP Basic authorization")
    client_id, secret = credentials
    grant = params.get("grant_type", "")
    try:
        if grant == "authorization_code":
            if not params.get("code"):
                return _error(400, "invalid_request", "send the authorization code in code")
            tokens = emulator.oauth.exchange_code(client_id, secret, params["code"], params.get("redirect_uri"))
        elif grant == "refresh_token":
            if not params.get("refresh_token"):
                return _error(400, "invalid_request", "send the refresh token in refresh_token")
            tokens = emulator.oauth.refresh(client_id, secret, params["refresh_token"])
        else:
            return _error(400, "unsupported_grant_type", "grant_type is authorization_code or refresh_token")
    except OAuthError as exc:
        if exc.error == "invalid_client":
            return _error(401, "invalid_client")
        if exc.error == "invalid_redirect_uri":
            return _error(400, "invalid_grant", "redirect_uri differs from the one the code was issued for")
        return _error(400, "invalid_grant")
    return JSONResponse(_token_body(tokens), headers=NO_STORE)


def _revoke(emulator: QuickBooksEmulator, authorization: str | None, params: dict[str, str]) -> Response:
    credentials = _client_credentials(authorization, params)
    if credentials is None:
        return _error(401, "invalid_client", "send the client's id and secret as HTTP Basic authorization")
    try:
        emulator.oauth.client(*credentials)
    except OAuthError:
        return _error(401, "invalid_client")
    token = params.get("token", "")
    if not token:
        return _error(400, "invalid_request", 'send {"token": "<refresh or access token>"}')
    emulator.oauth.revoke(token)  # Intuit answers 200 for a token it no longer knows, too
    return Response(status_code=200)


def _userinfo(emulator: QuickBooksEmulator, authorization: str | None) -> Response:
    token = (authorization or "")[7:].strip() if (authorization or "").lower().startswith("bearer ") else ""
    try:
        access = emulator.oauth.authenticate(token)
    except OAuthError:
        return _error(401, "invalid_token")
    realm = access.organizations[0] if access.organizations else emulator.realm_id
    return JSONResponse(
        {
            "sub": f"emulator-user-{realm}",
            "email": "books@example.com",
            "emailVerified": True,
            "givenName": "Emulator",
            "familyName": "User",
            "realmId": realm,
        }
    )
