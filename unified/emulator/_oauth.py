"""An OAuth 2.0 authorization server's state: clients, codes, access and refresh tokens, as a state machine.

The emulator wraps it in its provider's routes and error shapes; this module speaks only in
:class:`OAuthError` codes (``invalid_client``, ``invalid_grant``, ``invalid_redirect_uri``, ``throttled``,
``invalid_token``) with a ``reason`` (``unknown``, ``expired``, ``used``, ``revoked``, ``mismatch``...)::

    oauth = OAuthServer(clock, TokenPolicy(access_lifetime=1800, rotate_refresh=True, rotation_grace=1800))
    oauth.add_client("id", "secret")
    code = oauth.authorize("id", "https://app/callback", scopes=("accounting.transactions",),
                           organizations=("tenant-1", "tenant-2"))
    tokens = oauth.exchange_code("id", "secret", code, "https://app/callback")
    tokens = oauth.refresh("id", "secret", tokens.refresh_token)     # rotates: the old one now works once more
    access = oauth.authenticate(tokens.access_token)                 # scopes and organizations of the grant

Times follow the emulator's :class:`Clock` (``advance_time`` ages codes and tokens).
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class OAuthError(Exception):
    """A refusal: ``error`` is the OAuth code, ``reason`` why (for the provider's own wording)."""

    def __init__(self, error: str, reason: str = "", description: str = "") -> None:
        message = description or (f"{error} ({reason})" if reason else error)
        super().__init__(message)
        self.error = error
        self.reason = reason
        self.description = message


@dataclass(frozen=True)
class TokenPolicy:
    """Lifetimes and limits, in seconds of the emulator's clock."""

    access_lifetime: float = 3600.0
    code_lifetime: float = 60.0
    refresh_lifetime: float | None = None  # None: refresh tokens never expire
    rotate_refresh: bool = False  # a refresh gives a new refresh token and retires the old one
    rotation_grace: float = 0.0  # a retired refresh token still works once more within this time
    throttle: tuple[int, float] | None = None  # at most N access tokens per refresh token per S seconds
    live_access_per_refresh: int | None = None  # more live access tokens end the oldest
    refresh_per_client: int | None = None  # more refresh tokens end the oldest


@dataclass
class Client:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...] = ()  # empty: any absolute http(s) URI


@dataclass
class Grant:
    """An authorization code's grant."""

    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    organizations: tuple[str, ...]
    expires_at: float
    data: dict[str, Any] = field(default_factory=dict)  # what the emulator wants back at the exchange


@dataclass
class RefreshToken:
    client_id: str
    scopes: tuple[str, ...]
    organizations: tuple[str, ...]
    created: float
    expires_at: float | None
    issued: deque[float] = field(default_factory=deque)
    access_tokens: deque[str] = field(default_factory=deque)
    successor: str | None = field(default=None, repr=False)  # set once rotated
    retired_at: float | None = None
    grace_used: bool = False


@dataclass
class AccessToken:
    client_id: str
    scopes: tuple[str, ...]
    organizations: tuple[str, ...]
    expires_at: float
    refresh_token: str | None = field(repr=False)


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint hands out; the provider shapes it into its JSON."""

    access_token: str = field(repr=False)
    expires_in: int
    scopes: tuple[str, ...]
    organizations: tuple[str, ...]
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_in: int | None = None


def default_token() -> str:
    return secrets.token_urlsafe(32)


class OAuthServer:
    """Thread-safe; tests read and change it beside the server."""

    def __init__(
        self, clock: Any, policy: TokenPolicy | None = None, *, new_token: Callable[[], str] = default_token
    ) -> None:
        self.policy = policy or TokenPolicy()
        self._clock = clock
        self._new_token = new_token
        self._lock = threading.RLock()
        self.clients: dict[str, Client] = {}
        self._codes: dict[str, Grant] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}

    def _now(self) -> float:
        return float(self._clock.monotonic())

    # --- set-up ------------------------------------------------------------------------------------

    def add_client(self, client_id: str, client_secret: str, redirect_uris: Sequence[str] = ()) -> Client:
        client = Client(client_id, client_secret, tuple(redirect_uris))
        with self._lock:
            self.clients[client_id] = client
        return client

    def add_refresh_token(
        self, token: str, client_id: str, scopes: Sequence[str] = (), organizations: Sequence[str] = ()
    ) -> None:
        """Accept a refresh token issued out of band (an emulator's seeded credentials)."""
        with self._lock:
            self._refresh[token] = self._new_refresh(client_id, tuple(scopes), tuple(organizations))

    def client(self, client_id: str, client_secret: str | None = None) -> Client:
        """The client, checking its secret when given: ``invalid_client`` (reason unknown / secret)."""
        found = self.clients.get(client_id)
        if found is None:
            raise OAuthError("invalid_client", "unknown", "unknown client_id")
        if client_secret is not None and not secrets.compare_digest(
            found.client_secret.encode(), client_secret.encode()
        ):
            raise OAuthError("invalid_client", "secret", "client_secret does not match the client_id")
        return found

    def has_refresh_token(self, client_id: str) -> bool:
        with self._lock:
            return any(r.client_id == client_id and r.successor is None for r in self._refresh.values())

    # --- the code flow -----------------------------------------------------------------------------

    def authorize(
        self,
        client_id: str,
        redirect_uri: str,
        scopes: Sequence[str],
        *,
        organizations: Sequence[str] = (),
        data: dict[str, Any] | None = None,
    ) -> str:
        """Consent given: a single-use code for the grant (``invalid_client``, ``invalid_redirect_uri``)."""
        client = self.client(client_id)
        if not redirect_uri.startswith(("http://", "https://")):
            raise OAuthError("invalid_redirect_uri", "not_absolute", "send an absolute http(s) redirect_uri")
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_redirect_uri", "not_registered", "redirect_uri is not registered for the client")
        code = self._new_token()
        grant = Grant(
            client_id, tuple(scopes), redirect_uri, tuple(organizations), self._now() + self.policy.code_lifetime
        )
        grant.data.update(data or {})
        with self._lock:
            self._codes[code] = grant
        return code

    def peek_code(self, code: str) -> Grant | None:
        """The grant a live code stands for, without using it."""
        with self._lock:
            grant = self._codes.get(code)
            return grant if grant is not None and grant.expires_at > self._now() else None

    def exchange_code(
        self,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str | None = None,
        *,
        issue_refresh: bool = True,
    ) -> TokenSet:
        """Tokens for a code, once: ``invalid_grant`` (unknown, expired, used, other client),
        ``invalid_redirect_uri`` (mismatch; ``None`` skips the check)."""
        client = self.client(client_id, client_secret)
        with self._lock:
            grant = self._codes.pop(code, None)  # single use, even when refused below
            if grant is None:
                raise OAuthError("invalid_grant", "unknown", "the code is unknown or was used")
            if grant.client_id != client.client_id:
                raise OAuthError("invalid_grant", "client", "the code was issued to another client")
            if grant.expires_at <= self._now():
                raise OAuthError("invalid_grant", "expired", "the code expired")
            if redirect_uri is not None and redirect_uri != grant.redirect_uri:
                raise OAuthError("invalid_redirect_uri", "mismatch", "redirect_uri differs from the authorize call")
            refresh: str | None = None
            if issue_refresh:
                refresh = self._new_token()
                self._refresh[refresh] = self._new_refresh(client.client_id, grant.scopes, grant.organizations)
                self._drop_oldest_refresh(client.client_id)
            return self._token_set(client.client_id, grant.scopes, grant.organizations, refresh, new_refresh=refresh)

    # --- refresh -----------------------------------------------------------------------------------

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> TokenSet:
        """A new access token (and, rotating, a new refresh token): ``invalid_grant`` (unknown, expired,
        revoked, rotated), ``throttled``."""
        client = self.client(client_id, client_secret)
        with self._lock:
            now = self._now()
            record = self._refresh.get(refresh_token)
            if record is None:
                raise OAuthError("invalid_grant", "unknown", "the refresh token is unknown or was revoked")
            if record.client_id != client.client_id:
                raise OAuthError("invalid_grant", "client", "the refresh token was issued to another client")
            if record.expires_at is not None and record.expires_at <= now:
                raise OAuthError("invalid_grant", "expired", "the refresh token expired")
            if record.successor is not None:
                return self._grace_refresh(refresh_token, record, now)
            self._check_throttle(record, now)
            if not self.policy.rotate_refresh:
                return self._token_set(client.client_id, record.scopes, record.organizations, refresh_token)
            successor = self._new_token()
            self._refresh[successor] = self._new_refresh(client.client_id, record.scopes, record.organizations)
            self._refresh[successor].issued = record.issued  # the throttle follows the chain
            record.successor, record.retired_at = successor, now
            return self._token_set(
                client.client_id, record.scopes, record.organizations, successor, new_refresh=successor
            )

    def _grace_refresh(self, token: str, record: RefreshToken, now: float) -> TokenSet:
        """A retired refresh token, used once more within the grace: the current one of its chain again."""
        assert record.retired_at is not None
        if record.grace_used or now - record.retired_at > self.policy.rotation_grace:
            raise OAuthError("invalid_grant", "rotated", "the refresh token was replaced by a newer one")
        current = record.successor
        while current is not None and current in self._refresh and self._refresh[current].successor is not None:
            current = self._refresh[current].successor
        if current is None or current not in self._refresh:
            raise OAuthError("invalid_grant", "revoked", "the refresh token's successor was revoked")
        record.grace_used = True
        head = self._refresh[current]
        self._check_throttle(head, now)
        return self._token_set(record.client_id, head.scopes, head.organizations, current, new_refresh=current)

    def _check_throttle(self, record: RefreshToken, now: float) -> None:
        if self.policy.throttle is None:
            return
        count, seconds = self.policy.throttle
        while record.issued and record.issued[0] <= now - seconds:
            record.issued.popleft()
        if len(record.issued) >= count:
            raise OAuthError("throttled", "refresh", f"more than {count} access tokens in {seconds:g} s")

    def issue_access(self, client_id: str, scopes: Sequence[str], organizations: Sequence[str] = ()) -> TokenSet:
        """An access token without a refresh token (client credentials)."""
        with self._lock:
            return self._token_set(client_id, tuple(scopes), tuple(organizations), None)

    # --- API calls, revocation ---------------------------------------------------------------------

    def authenticate(self, token: str) -> AccessToken:
        """The access token's grant: ``invalid_token`` with reason ``unknown`` (or revoked) or ``expired``."""
        with self._lock:
            access = self._access.get(token)
            if access is None:
                raise OAuthError("invalid_token", "unknown", "the access token is unknown or was revoked")
            if access.expires_at <= self._now():
                raise OAuthError("invalid_token", "expired", "the access token expired")
            return access

    def revoke(self, token: str) -> bool:
        """End a refresh token (with its access tokens) or one access token; False if unknown."""
        with self._lock:
            if token in self._refresh:
                self._revoke_refresh(token)
                return True
            return self._access.pop(token, None) is not None

    def expire_all(self) -> None:
        """Every access token issued so far expires; refresh tokens stay valid."""
        with self._lock:
            for access in self._access.values():
                access.expires_at = float("-inf")

    # --- internals ---------------------------------------------------------------------------------

    def _new_refresh(self, client_id: str, scopes: tuple[str, ...], organizations: tuple[str, ...]) -> RefreshToken:
        now = self._now()
        lifetime = self.policy.refresh_lifetime
        return RefreshToken(client_id, scopes, organizations, now, None if lifetime is None else now + lifetime)

    def _token_set(
        self,
        client_id: str,
        scopes: tuple[str, ...],
        organizations: tuple[str, ...],
        refresh_token: str | None,
        *,
        new_refresh: str | None = None,
    ) -> TokenSet:
        now = self._now()
        token = self._new_token()
        self._access[token] = AccessToken(
            client_id, scopes, organizations, now + self.policy.access_lifetime, refresh_token
        )
        refresh_expires: int | None = None
        if refresh_token is not None:
            record = self._refresh[refresh_token]
            record.issued.append(now)
            record.access_tokens.append(token)
            limit = self.policy.live_access_per_refresh
            while limit is not None and len(record.access_tokens) > limit:
                self._access.pop(record.access_tokens.popleft(), None)
            if record.expires_at is not None:
                refresh_expires = int(record.expires_at - now)
        return TokenSet(
            token,
            int(self.policy.access_lifetime),
            scopes,
            organizations,
            new_refresh,
            refresh_expires if new_refresh else None,
        )

    def _drop_oldest_refresh(self, client_id: str) -> None:
        limit = self.policy.refresh_per_client
        if limit is None:
            return
        mine = [t for t, r in self._refresh.items() if r.client_id == client_id and r.successor is None]
        for token in mine[: max(0, len(mine) - limit)]:
            self._revoke_refresh(token)

    def _revoke_refresh(self, token: str) -> None:
        record = self._refresh.pop(token)
        for access in record.access_tokens:
            self._access.pop(access, None)
