"""The access token of one connection: refreshed ahead of expiry, once for every task and thread, and stored
through a :class:`TokenStore` before it is used.

Two things make this harder than it looks. Providers cap how often tokens are minted (one refresh for a burst
of callers, not one each), and some rotate the refresh token on every use: the old one dies, so a process that
refreshes and then crashes before storing the new one, or two processes that refresh at once, can lose the
connection. So the manager refreshes under the store's lock, re-reads the store first (another process may have
rotated already), and writes the new refresh token with compare-and-swap before handing out the new access
token. Callers may run on different event loops (the sync client drives the connector on its own loop), so the
state sits behind a threading lock and the one refresh in flight is a ``concurrent.futures.Future``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.secret import Secret
from unified.toolkit._oauth import TokenSet

__all__ = ["MemoryTokenStore", "Refresher", "StoredTokens", "TokenManager", "TokenStore"]

logger = logging.getLogger("unified.toolkit")

_REJECTED_AGAIN = timedelta(seconds=60)


@attrs.frozen
class StoredTokens:
    """What a token store keeps for one connection."""

    refresh_token: Secret
    access_token: Secret | None = None
    expires_at: datetime | None = None


@runtime_checkable
class TokenStore(Protocol):
    """Where a connection's tokens live between processes (the vault is one; a product may plug in its own).

    ``compare_and_swap`` writes ``new`` only if the stored refresh token is still ``expected`` and says whether it
    did. ``lock`` serialises refreshes of this connection across processes (a file lock, a row lock, an advisory
    lock); it may be a no-op where compare-and-swap alone suffices.
    """

    def load(self) -> StoredTokens | None: ...

    def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool: ...

    def lock(self) -> AbstractContextManager[None]: ...


class MemoryTokenStore:
    """A token store in this process only (tests, and connectors built without a vault)."""

    def __init__(self, tokens: StoredTokens | None = None) -> None:
        self._tokens = tokens
        self._guard = threading.Lock()
        self._refresh_lock = threading.Lock()

    def __repr__(self) -> str:
        return "MemoryTokenStore()"

    def load(self) -> StoredTokens | None:
        with self._guard:
            return self._tokens

    def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
        with self._guard:
            if self._tokens is not None and self._tokens.refresh_token != expected:
                return False
            self._tokens = new
            return True

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with self._refresh_lock:
            yield


class Refresher(Protocol):
    async def refresh(self, refresh_token: str | Secret) -> TokenSet: ...


class _Abandoned(Exception):
    """The caller that ran the refresh was cancelled: another caller takes over."""


class TokenManager:
    """Hands out a valid access token; thread-, event-loop- and (with a shared store) process-safe."""

    def __init__(
        self,
        oauth: Refresher,
        *,
        refresh_token: str | Secret,
        access_token: str | Secret | None = None,
        expires_at: datetime | None = None,
        on_refresh: Callable[[TokenSet], None] | None = None,
        store: TokenStore | None = None,
        refresh_margin: float = 300,
        clock: Callable[[], datetime] | None = None,
        reconnect_hint: str = "run the connect flow (`unified connect`) to get one",
    ) -> None:
        if not Secret.of(refresh_token):
            raise RequestValidationError(f"refresh_token is empty: {reconnect_hint}.", field="refresh_token")
        if expires_at is not None and expires_at.tzinfo is None:
            raise RequestValidationError(
                "expires_at must be timezone-aware, e.g. datetime.now(UTC) + timedelta(hours=1).",
                field="expires_at",
            )
        self._oauth = oauth
        self._refresh_token = Secret.of(refresh_token)
        self._access = Secret.of(access_token) if access_token else None
        # an access token of unknown age is used until the provider rejects it
        self._expires_at = expires_at
        self._on_refresh = on_refresh
        self._store = store
        self._margin = timedelta(seconds=refresh_margin)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._inflight: concurrent.futures.Future[Secret] | None = None
        self._minted_at: datetime | None = None
        self._rejected: Secret | None = None  # the token the provider refused, never to be adopted again
        self._replaced_rejected = False  # the current token replaced a refused one
        self.refresh_count = 0
        self.adopted_count = 0  # tokens another process refreshed and stored, taken from the store

    def __repr__(self) -> str:
        return f"TokenManager(expires_at={self._expires_at!r}, refresh_count={self.refresh_count})"

    @property
    def expires_at(self) -> datetime | None:
        return self._expires_at

    @property
    def minted_at(self) -> datetime | None:
        """When the current access token was obtained by a refresh here (None: given, or adopted)."""
        return self._minted_at

    @property
    def refresh_token(self) -> Secret:
        return self._refresh_token

    async def token(self) -> Secret:
        """A valid access token, refreshed first when it is missing or within ``refresh_margin`` of expiry."""
        while True:
            with self._lock:
                if self._fresh():
                    assert self._access is not None
                    return self._access
                future = self._inflight
                leader = future is None
                if future is None:
                    future = self._inflight = concurrent.futures.Future()
            if leader:
                await self._refresh(future)
            try:
                return await asyncio.wrap_future(future)
            except _Abandoned:
                continue

    async def invalidate(self, token: Secret | str) -> bool:
        """The provider rejected ``token``: the next :meth:`token` refreshes, unless another caller already did.

        Returns whether the next :meth:`token` gives a different token. A token minted moments ago to replace a
        rejected one is kept: the provider refusing it too is not fixed by refreshing again, and refreshing on
        every such call would spend the provider's token budget and lock the connection out.
        """
        refused = Secret.of(token)
        with self._lock:
            if self._access is None or self._access != refused:
                return True
            minted = self._minted_at
            if self._replaced_rejected and minted is not None and self._clock() - minted < _REJECTED_AGAIN:
                logger.debug("A freshly refreshed token was refused again; not refreshing")
                return False
            self._access = None
            self._expires_at = None
            self._rejected = refused
            return True

    def refused_fresh_token(self) -> bool:
        """Whether the current token replaced a refused one moments ago (for messages that say what happened)."""
        with self._lock:
            minted = self._minted_at
            return self._replaced_rejected and minted is not None and self._clock() - minted < _REJECTED_AGAIN

    def _fresh(self) -> bool:
        if self._access is None:
            return False
        return self._expires_at is None or self._clock() < self._expires_at - self._margin

    def _usable(self, stored: StoredTokens) -> bool:
        if stored.access_token is None or stored.access_token == self._rejected:
            return False
        return stored.expires_at is not None and self._clock() < stored.expires_at - self._margin

    async def _refresh(self, future: concurrent.futures.Future[Secret]) -> None:
        try:
            tokens, adopted = await self._refresh_through_store()
        except Exception as exc:
            self._settle(future, exception=exc)
            return
        except BaseException:  # cancelled (or interrupted): a waiting caller takes over the refresh
            self._settle(future, exception=_Abandoned())
            raise
        if adopted is not None:
            with self._lock:
                self._refresh_token = adopted.refresh_token
                self._access = adopted.access_token
                self._expires_at = adopted.expires_at
                self._minted_at = None
                self._replaced_rejected = False
                self.adopted_count += 1
            logger.debug("Access token taken from the token store (another process refreshed it)")
            assert adopted.access_token is not None
            self._settle(future, result=adopted.access_token)
            return
        assert tokens is not None
        with self._lock:
            self._access = tokens.access_token
            self._expires_at = tokens.expires_at
            self._minted_at = self._clock()
            self._replaced_rejected, self._rejected = self._rejected is not None, None
            if tokens.refresh_token:
                self._refresh_token = tokens.refresh_token
            self.refresh_count += 1
        logger.debug("Access token refreshed (refresh %d), valid until %s", self.refresh_count, tokens.expires_at)
        if self._on_refresh is not None:
            try:
                self._on_refresh(tokens)
            except Exception as exc:  # keeping a copy must not fail the call that needed the token
                logger.warning("on_refresh callback failed: %s", type(exc).__name__)
        self._settle(future, result=tokens.access_token)

    async def _refresh_through_store(self) -> tuple[TokenSet | None, StoredTokens | None]:
        store = self._store
        if store is None:
            return await self._oauth.refresh(self._refresh_token), None
        return await _with_lock(store, lambda: self._refresh_locked(store))

    async def _refresh_locked(self, store: TokenStore) -> tuple[TokenSet | None, StoredTokens | None]:
        stored = await asyncio.to_thread(store.load)
        if stored is not None:
            if self._usable(stored):
                return None, stored  # another process (or an earlier run) refreshed already
            if stored.refresh_token != self._refresh_token:
                # another process rotated the refresh token: ours may be dead already; take theirs
                with self._lock:
                    self._refresh_token = stored.refresh_token
        used = self._refresh_token
        tokens = await self._oauth.refresh(used)
        new = StoredTokens(tokens.refresh_token or used, tokens.access_token, tokens.expires_at)
        try:
            swapped = await asyncio.to_thread(store.compare_and_swap, used, new)
        except Exception as exc:
            raise ConnectorExecutionError(
                f"The refreshed tokens could not be stored ({type(exc).__name__}); the provider may have rotated "
                "the refresh token, so check the token store and reconnect if the next call is refused.",
                outcome="failed",
            ) from None
        if not swapped:
            current = await asyncio.to_thread(store.load)
            logger.warning("Another process stored tokens first; using the stored ones")
            if current is not None and current.access_token is not None:
                return None, current
        return tokens, None

    def _settle(
        self,
        future: concurrent.futures.Future[Secret],
        *,
        result: Secret | None = None,
        exception: BaseException | None = None,
    ) -> None:
        with self._lock:
            if self._inflight is future:
                self._inflight = None
        if exception is not None:
            future.set_exception(exception)
        elif result is not None:
            future.set_result(result)
        else:  # pragma: no cover - every path above passes one of them
            future.set_exception(ConnectorExecutionError("The token refresh ended without a result."))


async def _with_lock(
    store: TokenStore, work: Callable[[], Awaitable[tuple[TokenSet | None, StoredTokens | None]]]
) -> tuple[TokenSet | None, StoredTokens | None]:
    # the store's lock may block (a file or row lock held by another process): take it off the event loop
    lock = store.lock()
    await asyncio.to_thread(lock.__enter__)
    try:
        return await work()
    finally:
        await asyncio.to_thread(lock.__exit__, None, None, None)
