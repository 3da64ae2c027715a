"""Zoho Accounts on the kit's OAuthServer: Zoho's parameters, scope names, limits and error words.

Zoho's limits: 10 access tokens per refresh token per 10 minutes (scaled with the rate window), 15 live
access tokens per refresh token (the 16th ends the oldest), 20 refresh tokens per client. An offline grant
gives a refresh token on the client's first consent, or again with ``prompt=consent``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from unified.emulator import AccessToken, Clock, OAuthError, OAuthServer, TokenPolicy, TokenSet

from ._errors import not_authorized, unauthenticated

ACCESS_LIFETIME = 3600.0
CODE_LIFETIME = 60.0
REFRESH_WINDOW_MINUTES = 10  # at most 10 access tokens per refresh token per 10 minutes
REFRESH_PER_WINDOW = 10
ACTIVE_ACCESS_PER_REFRESH = 15
REFRESH_PER_CLIENT = 20
FULL_ACCESS = "zohobooks.fullaccess.all"
LOCATIONS = ("us", "eu", "in", "au", "jp", "ca", "cn", "sa", "uk")
_SCOPE = re.compile(r"^[A-Za-z]+\.[A-Za-z0-9_]+\.(create|read|update|delete|all)$", re.IGNORECASE)

THROTTLED = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
}
# the kit's refusals in Zoho's words
_ZOHO_ERROR = {"invalid_grant": "invalid_code", "invalid_client": "invalid_client"}


def new_token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@dataclass
class TokenReply:
    status: int
    body: dict[str, object]


def scope_allows(scopes: tuple[str, ...], required: str) -> bool:
    """Whether granted scopes cover `ZohoBooks.<family>.<OPERATION>` (ALL and fullaccess.all included)."""
    if not required:
        return True
    wanted = required.lower()
    family = wanted.rsplit(".", 1)[0]
    for scope in scopes:
        granted = scope.lower()
        if granted in (FULL_ACCESS, wanted, f"{family}.all"):
            return True
    return False


def _scopes(text: str) -> tuple[str, ...] | None:
    scopes = tuple(s.strip() for s in text.split(",") if s.strip())
    return scopes if scopes and all(_SCOPE.match(s) for s in scopes) else None


class Accounts:
    """Zoho Accounts' routes' logic over the kit's thread-safe OAuth state."""

    def __init__(self, clock: Clock, window_scale: float) -> None:
        policy = TokenPolicy(
            access_lifetime=ACCESS_LIFETIME,
            code_lifetime=CODE_LIFETIME,
            throttle=(REFRESH_PER_WINDOW, REFRESH_WINDOW_MINUTES * 60.0 * window_scale),
            live_access_per_refresh=ACTIVE_ACCESS_PER_REFRESH,
            refresh_per_client=REFRESH_PER_CLIENT,
        )
        self.server = OAuthServer(clock, policy, new_token=new_token)

    def add_client(self, client_id: str, client_secret: str) -> None:
        self.server.add_client(client_id, client_secret)

    def add_refresh_token(
        self, token: str, client_id: str, scopes: tuple[str, ...] = ("ZohoBooks.fullaccess.all",)
    ) -> None:
        self.server.add_refresh_token(token, client_id, scopes)

    # --- /oauth/v2/auth -------------------------------------------------------------------------

    def authorize(self, params: Mapping[str, str], accounts_server: str) -> tuple[int, str]:
        """(HTTP status, Location or error text) for a consent request; consent is always given."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.server.clients:
            return 400, "invalid_client: unknown client_id; use the emulator's client id"
        if not redirect_uri.startswith(("http://", "https://")):
            return 400, "invalid_redirect_uri: send the absolute redirect_uri registered for the client"
        reply: dict[str, str] = {}
        scopes = _scopes(params.get("scope", ""))
        if params.get("response_type") != "code":
            reply["error"] = "unsupported_response_type"
        elif scopes is None:
            reply["error"] = "invalid_scope"
        else:
            offline = params.get("access_type", "online") == "offline"
            consent = params.get("prompt", "") == "consent"
            code = self.server.authorize(client_id, redirect_uri, scopes, data={"offline": offline, "consent": consent})
            reply = {"code": code, "location": "us", "accounts-server": accounts_server}
        if "state" in params:
            reply["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return 302, f"{redirect_uri}{separator}{urlencode(reply)}"

    # --- /oauth/v2/token ------------------------------------------------------------------------

    def token(self, params: Mapping[str, str], api_domain: str) -> TokenReply:
        grant_type = params.get("grant_type", "")
        client_id, client_secret = params.get("client_id", ""), params.get("client_secret", "")
        try:
            self.server.client(client_id, client_secret)
            if grant_type == "authorization_code":
                tokens = self._exchange(client_id, client_secret, params)
            elif grant_type == "refresh_token":
                tokens = self.server.refresh(client_id, client_secret, params.get("refresh_token", ""))
            elif grant_type == "client_credentials":
                scopes = _scopes(params.get("scope", ""))
                if scopes is None:
                    return TokenReply(200, {"error": "invalid_scope"})
                tokens = self.server.issue_access(client_id, scopes)
            else:
                return TokenReply(200, {"error": "unsupported_grant_type"})
        except OAuthError as exc:
            if exc.error == "throttled":
                return TokenReply(400, dict(THROTTLED))
            return TokenReply(200, {"error": _ZOHO_ERROR.get(exc.error, exc.error)})
        return TokenReply(200, _body(tokens, api_domain))

    def _exchange(self, client_id: str, client_secret: str, params: Mapping[str, str]) -> TokenSet:
        code = params.get("code", "")
        grant = self.server.peek_code(code)
        issue_refresh = False
        if grant is not None and grant.data.get("offline"):
            # Zoho hands out a refresh token on the first offline consent, or again with prompt=consent.
            issue_refresh = bool(grant.data.get("consent")) or not self.server.has_refresh_token(client_id)
        return self.server.exchange_code(
            client_id, client_secret, code, params.get("redirect_uri"), issue_refresh=issue_refresh
        )

    # --- /oauth/v2/token/revoke, API calls ------------------------------------------------------

    def revoke(self, token: str) -> bool:
        return self.server.revoke(token)

    def authenticate(self, header: str | None) -> AccessToken:
        """The access token an Authorization header carries: 401 code 14 if absent, 57 if not valid."""
        if not header or not header.strip():
            raise unauthenticated()
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() not in ("zoho-oauthtoken", "bearer") or not token.strip():
            raise unauthenticated()
        try:
            return self.server.authenticate(token.strip())
        except OAuthError:
            raise not_authorized() from None

    def expire_all(self) -> None:
        self.server.expire_all()


def _body(tokens: TokenSet, api_domain: str) -> dict[str, object]:
    body: dict[str, object] = {"access_token": tokens.access_token}
    if tokens.refresh_token:
        body["refresh_token"] = tokens.refresh_token
    body.update({"api_domain": api_domain, "token_type": "Bearer", "expires_in": tokens.expires_in})
    return body
