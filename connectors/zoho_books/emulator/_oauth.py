"""Zoho Accounts: clients, grant codes, refresh and access tokens, their limits, and scope checks."""

from __future__ import annotations

import re
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ._clock import Clock
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


def new_token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@dataclass
class Client:
    client_id: str
    client_secret: str = field(repr=False)


@dataclass
class Grant:
    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    offline: bool
    consent: bool
    expires_at: float


@dataclass
class RefreshToken:
    client_id: str
    scopes: tuple[str, ...]
    created: float
    issued: deque[float] = field(default_factory=deque)
    access_tokens: deque[str] = field(default_factory=deque)


@dataclass
class AccessToken:
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    refresh_token: str | None


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


class Accounts:
    """The Accounts server's state; thread-safe because tests read and write it beside the server."""

    def __init__(self, clock: Clock, window_scale: float) -> None:
        self._clock = clock
        self._window = REFRESH_WINDOW_MINUTES * 60.0 * window_scale
        self._lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self._grants: dict[str, Grant] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}

    def add_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = Client(client_id, client_secret)

    def add_refresh_token(
        self, token: str, client_id: str, scopes: tuple[str, ...] = ("ZohoBooks.fullaccess.all",)
    ) -> None:
        with self._lock:
            self._refresh[token] = RefreshToken(client_id, scopes, self._clock.now())

    # --- /oauth/v2/auth -------------------------------------------------------------------------

    def authorize(self, params: Mapping[str, str], accounts_server: str) -> tuple[int, str]:
        """(HTTP status, Location or error text) for a consent request; consent is always given."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.clients:
            return 400, "invalid_client: unknown client_id; use the emulator's client id"
        if not redirect_uri.startswith(("http://", "https://")):
            return 400, "invalid_redirect_uri: send the absolute redirect_uri registered for the client"
        reply: dict[str, str] = {}
        scopes = tuple(s.strip() for s in params.get("scope", "").split(",") if s.strip())
        if params.get("response_type") != "code":
            reply["error"] = "unsupported_response_type"
        elif not scopes or not all(_SCOPE.match(s) for s in scopes):
            reply["error"] = "invalid_scope"
        else:
            code = new_token()
            with self._lock:
                self._grants[code] = Grant(
                    client_id,
                    scopes,
                    redirect_uri,
                    offline=params.get("access_type", "online") == "offline",
                    consent=params.get("prompt", "") == "consent",
                    expires_at=self._clock.now() + CODE_LIFETIME,
                )
            reply = {"code": code, "location": "us", "accounts-server": accounts_server}
        if "state" in params:
            reply["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return 302, f"{redirect_uri}{separator}{urlencode(reply)}"

    # --- /oauth/v2/token ------------------------------------------------------------------------

    def token(self, params: Mapping[str, str], api_domain: str) -> TokenReply:
        grant_type = params.get("grant_type", "")
        client = self.clients.get(params.get("client_id", ""))
        if client is None or not secrets.compare_digest(client.client_secret, params.get("client_secret", "")):
            return TokenReply(200, {"error": "invalid_client"})
        with self._lock:
            if grant_type == "authorization_code":
                return self._exchange(client, params, api_domain)
            if grant_type == "refresh_token":
                return self._refresh_access(client, params.get("refresh_token", ""), api_domain)
            if grant_type == "client_credentials":
                scopes = tuple(s.strip() for s in params.get("scope", "").split(",") if s.strip())
                if not scopes or not all(_SCOPE.match(s) for s in scopes):
                    return TokenReply(200, {"error": "invalid_scope"})
                access = self._issue(client.client_id, scopes, None)
                return TokenReply(200, _access_body(access, api_domain))
        return TokenReply(200, {"error": "unsupported_grant_type"})

    def _exchange(self, client: Client, params: Mapping[str, str], api_domain: str) -> TokenReply:
        grant = self._grants.pop(params.get("code", ""), None)
        if grant is None or grant.client_id != client.client_id or grant.expires_at <= self._clock.now():
            return TokenReply(200, {"error": "invalid_code"})
        if params.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri:
            return TokenReply(200, {"error": "invalid_redirect_uri"})
        refresh: str | None = None
        if grant.offline:
            has_one = any(r.client_id == client.client_id for r in self._refresh.values())
            # Zoho hands out a refresh token on the first offline consent, or again with prompt=consent.
            if grant.consent or not has_one:
                refresh = new_token()
                self._refresh[refresh] = RefreshToken(client.client_id, grant.scopes, self._clock.now())
                self._drop_oldest_refresh(client.client_id)
        access = self._issue(client.client_id, grant.scopes, refresh)
        body = _access_body(access, api_domain)
        if refresh:
            body = {"access_token": body["access_token"], "refresh_token": refresh, **body}
        return TokenReply(200, body)

    def _refresh_access(self, client: Client, token: str, api_domain: str) -> TokenReply:
        refresh = self._refresh.get(token)
        if refresh is None or refresh.client_id != client.client_id:
            return TokenReply(200, {"error": "invalid_code"})
        now = self._clock.now()
        while refresh.issued and refresh.issued[0] <= now - self._window:
            refresh.issued.popleft()
        if len(refresh.issued) >= REFRESH_PER_WINDOW:
            return TokenReply(400, dict(THROTTLED))
        access = self._issue(client.client_id, refresh.scopes, token)
        return TokenReply(200, _access_body(access, api_domain))

    def _issue(self, client_id: str, scopes: tuple[str, ...], refresh_token: str | None) -> tuple[str, AccessToken]:
        token = new_token()
        access = AccessToken(client_id, scopes, self._clock.now() + ACCESS_LIFETIME, refresh_token)
        self._access[token] = access
        if refresh_token:
            refresh = self._refresh[refresh_token]
            refresh.issued.append(self._clock.now())
            refresh.access_tokens.append(token)
            while len(refresh.access_tokens) > ACTIVE_ACCESS_PER_REFRESH:
                self._access.pop(refresh.access_tokens.popleft(), None)
        return token, access

    def _drop_oldest_refresh(self, client_id: str) -> None:
        mine = [t for t, r in self._refresh.items() if r.client_id == client_id]
        for token in mine[: max(0, len(mine) - REFRESH_PER_CLIENT)]:
            self._revoke_refresh(token)

    # --- /oauth/v2/token/revoke -----------------------------------------------------------------

    def revoke(self, token: str) -> bool:
        with self._lock:
            if token in self._refresh:
                self._revoke_refresh(token)
                return True
            return self._access.pop(token, None) is not None

    def _revoke_refresh(self, token: str) -> None:
        refresh = self._refresh.pop(token)
        for access in refresh.access_tokens:
            self._access.pop(access, None)

    # --- API calls ------------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> AccessToken:
        """The access token an Authorization header carries: 401 code 14 if absent, 57 if not valid."""
        if not header or not header.strip():
            raise unauthenticated()
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() not in ("zoho-oauthtoken", "bearer") or not token.strip():
            raise unauthenticated()
        access = self._access.get(token.strip())
        if access is None or access.expires_at <= self._clock.now():
            raise not_authorized()
        return access

    def expire_all(self) -> None:
        with self._lock:
            for access in self._access.values():
                access.expires_at = 0.0


def _access_body(issued: tuple[str, AccessToken], api_domain: str) -> dict[str, object]:
    token, _access = issued
    return {"access_token": token, "api_domain": api_domain, "token_type": "Bearer", "expires_in": int(ACCESS_LIFETIME)}
