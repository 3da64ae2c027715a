"""An OAuth 2.0 client for the authorization-code flow: consent URL, code exchange, refresh and revoke.

Providers differ in small ways, each a constructor argument or an overridable method: how the client
authenticates at the token endpoint (``client_auth="basic"`` or ``"body"``), how scopes are joined, extra
consent parameters, and how the token endpoint spells its errors (:meth:`OAuthClient.token_error`).
Tokens and the client secret are :class:`~unified.secret.Secret` values: never in a repr, log or message.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import attrs
import httpx

from unified.errors import (
    ConnectorConnectionError,
    ConnectorExecutionError,
    ConnectorRateLimitError,
    ConnectorTimeoutError,
    DownstreamError,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)
from unified.secret import Secret

__all__ = ["Grant", "OAuthClient", "TokenSet", "check_state"]

Grant = Literal["authorization_code", "refresh_token", "revoke"]
ClientAuth = Literal["basic", "body"]


@attrs.frozen
class TokenSet:
    """What a token endpoint answered. ``extra`` keeps the provider's other fields (``api_domain``, ...)."""

    access_token: Secret
    refresh_token: Secret | None
    expires_at: datetime
    scope: str | None = None
    token_type: str = "Bearer"
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_response(
        cls,
        body: Mapping[str, Any],
        *,
        refresh_token: Secret | None = None,
        now: datetime | None = None,
        default_lifetime: float = 3600.0,
        provider: str = "The token endpoint",
    ) -> TokenSet:
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ConnectorExecutionError(
                f"{provider} answered without an access token; the token endpoint may be misconfigured.",
                outcome="failed",
            )
        try:
            seconds = float(body.get("expires_in", default_lifetime))
        except (TypeError, ValueError):
            seconds = default_lifetime
        issued = body.get("refresh_token")
        known = {"access_token", "refresh_token", "expires_in", "scope", "token_type"}
        return cls(
            access_token=Secret(access),
            refresh_token=Secret(issued) if isinstance(issued, str) and issued else refresh_token,
            expires_at=(now or datetime.now(UTC)) + timedelta(seconds=seconds),
            scope=body["scope"] if isinstance(body.get("scope"), str) and body["scope"] else None,
            token_type=str(body.get("token_type") or "Bearer"),
            extra={k: v for k, v in body.items() if k not in known and "token" not in k.lower()},
        )


def check_state(expected: str, received: str | None) -> None:
    """Refuse a redirect whose ``state`` is not the one the flow started with (forged, or from another attempt)."""
    if not expected or received is None or not hmac.compare_digest(expected.encode(), received.encode()):
        raise UnauthorizedError(
            "The OAuth redirect's state does not match the one this connect flow started with: the redirect is "
            "forged or from an older attempt. Start the connect flow again.",
            outcome="failed",
        )


class OAuthClient:
    """One OAuth client (id and secret) against one authorization server."""

    #: named in messages, e.g. "My Books Identity"
    provider: str = "The authorization server"
    #: what to tell a user whose grant is gone
    reconnect_hint: str = "run the connect flow again"
    scope_separator: str = " "
    #: seconds an access token lives when the answer does not say
    default_lifetime: float = 3600.0

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        *,
        authorize_url: str,
        token_url: str,
        revoke_url: str | None = None,
        client_auth: ClientAuth = "body",
        extra_authorize_params: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not isinstance(client_id, str) or not client_id.strip():
            raise RequestValidationError(
                f"client_id is empty: use the client id of your app registered with {self.provider}.",
                field="client_id",
            )
        if not Secret.of(client_secret):
            raise RequestValidationError(
                f"client_secret is empty: use the client secret of your app registered with {self.provider}.",
                field="client_secret",
            )
        self.client_id = client_id.strip()
        self._client_secret = Secret.of(client_secret)
        self.authorize_url = authorize_url
        self.token_url = token_url
        self.revoke_url = revoke_url
        self.client_auth = client_auth
        self.extra_authorize_params = dict(extra_authorize_params or {})
        self._transport = transport
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r}, token_url={self.token_url!r})"

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
            raise RequestValidationError("scopes must be a non-empty list of scopes.", field="scopes")
        state = state or secrets.token_urlsafe(24)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope_separator.join(scopes),
            "state": state,
            **self.extra_authorize_params,
        }
        return f"{self.authorize_url}?{urlencode(query)}", state

    check_state = staticmethod(check_state)

    # -- the token endpoint ----------------------------------------------------------------------------------

    async def exchange_code(self, code: str, *, redirect_uri: str, token_url: str | None = None) -> TokenSet:
        """Trade the redirect's ``code`` for tokens."""
        if not code:
            raise RequestValidationError(
                "The authorization code is empty: pass the `code` query parameter of the redirect.", field="code"
            )
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        body = await self.post_token(token_url or self.token_url, data, grant="authorization_code")
        return self.token_set(body, refresh_token=None)

    async def refresh(self, refresh_token: str | Secret) -> TokenSet:
        """New tokens for a refresh token. Where the provider rotates, the answer carries the next refresh token."""
        token = Secret.of(refresh_token)
        if not token:
            raise RequestValidationError(
                f"refresh_token is empty: {self.reconnect_hint} to get one.", field="refresh_token"
            )
        data = {"grant_type": "refresh_token", "refresh_token": token.reveal()}
        body = await self.post_token(self.token_url, data, grant="refresh_token")
        return self.token_set(body, refresh_token=token)

    async def revoke(self, token: str | Secret) -> None:
        """Revoke a refresh token (and what it minted), or one access token."""
        if self.revoke_url is None:
            raise RequestValidationError(f"{self.provider} offers no token revocation here.", field="token")
        await self.post_token(self.revoke_url, {"token": Secret.of(token).reveal()}, grant="revoke")

    def token_set(self, body: Mapping[str, Any], *, refresh_token: Secret | None) -> TokenSet:
        return TokenSet.from_response(
            body, refresh_token=refresh_token, default_lifetime=self.default_lifetime, provider=self.provider
        )

    async def post_token(
        self, url: str, data: dict[str, str], *, grant: Grant, authenticate: bool = True
    ) -> dict[str, Any]:
        """POST to a token endpoint with the client's credentials; the JSON answer, or a unified error."""
        form = dict(data)
        auth: httpx.Auth | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT
        if not authenticate:
            pass
        elif self.client_auth == "basic":
            auth = httpx.BasicAuth(self.client_id, self._client_secret.reveal())
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self._client_secret.reveal()
        # a client per call: token calls are rare, and callers may come from different event loops
        client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout)
        try:
            response = await client.post(url, data=form, auth=auth, headers={"Accept": "application/json"})
        except httpx.TimeoutException:
            raise ConnectorTimeoutError(f"{self.provider} did not answer in time.", outcome="failed") from None
        except httpx.TransportError as exc:
            raise ConnectorConnectionError(
                f"Could not reach {self.provider}: {type(exc).__name__}.", outcome="failed"
            ) from None
        finally:
            del form, auth
            if self._transport is None:
                await client.aclose()
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        if response.is_success and (body is not None or grant == "revoke") and "error" not in (body or {}):
            return body or {}
        content_type = response.headers.get("content-type")
        raise self.token_error(response.status_code, body, grant=grant, content_type=content_type, url=url)

    def token_error(
        self, status: int, body: Mapping[str, Any] | None, *, grant: Grant, content_type: str | None, url: str
    ) -> UnifiedError:
        """The unified error for a token answer that is not a success (RFC 6749 error codes by default)."""
        if body is None or not isinstance(body.get("error"), str):
            kind = content_type or "no content type"
            return ConnectorExecutionError(
                f"{self.provider} answered HTTP {status} with {kind} and no token.",
                downstream_errors=[DownstreamError(None, f"HTTP {status} {kind}", status)],
                retriable=status >= 500,
                outcome="failed",
            )
        error = str(body["error"])
        description = str(body.get("error_description") or "").strip()
        common: dict[str, Any] = {
            "downstream_errors": [DownstreamError(error, description or error, status)],
            "outcome": "failed",
        }
        said = f"{error}: {description}" if description else error
        if error == "invalid_grant":
            if grant == "authorization_code":
                text = f"The authorization code is used or expired ({said}): {self.reconnect_hint}."
            else:
                text = (
                    f"{self.provider} rejected the refresh token ({said}): it was revoked, expired, or already "
                    f"rotated by another process that did not store its successor. {self.reconnect_hint.capitalize()}."
                )
            return UnauthorizedError(text, **common)
        if error in ("invalid_client", "unauthorized_client"):
            return UnauthorizedError(
                f"{self.provider} refused the client credentials ({said}): check the client id and secret of your app.",
                **common,
            )
        if error in ("invalid_redirect_uri", "redirect_uri_mismatch"):
            return RequestValidationError(
                f"{self.provider} refused redirect_uri ({said}): it must equal a redirect URI registered for the app.",
                field="redirect_uri",
                **common,
            )
        if error == "invalid_scope":
            return RequestValidationError(f"{self.provider} refused the scopes ({said}).", field="scopes", **common)
        if status == 429 or error in ("slow_down", "temporarily_unavailable"):
            return ConnectorRateLimitError(
                f"{self.provider} is throttling token requests ({said}); try again shortly.",
                retriable=False,
                **common,
            )
        return UnauthorizedError(f"{self.provider} refused the token request ({said}).", **common)
