"""The access token of one connection: refreshed ahead of expiry, once for every concurrent caller.

Zoho mints at most 10 access tokens per refresh token per 10 minutes, so a burst of callers that all find the
token expired must cause one refresh, not one each. Callers may run on different event loops (the sync client
drives the connector on its own loop in a thread), so the state sits behind a threading lock and the one
refresh in flight is a ``concurrent.futures.Future`` that every other caller awaits on its own loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from connectors.zoho_books.oauth import TokenSet, ZohoOAuth
from unified.errors import ConnectorExecutionError, RequestValidationError
from unified.secret import Secret

__all__ = ["TokenManager"]

logger = logging.getLogger("connectors.zoho_books")

_REJECTED_AGAIN = timedelta(seconds=60)


class _Abandoned(Exception):
    """The caller that ran the refresh was cancelled: another caller takes over."""


class TokenManager:
    """Hands out a valid access token; thread- and event-loop-safe."""

    def __init__(
        self,
        oauth: ZohoOAuth,
        *,
        refresh_token: str | Secret,
        access_token: str | Secret | None = None,
        expires_at: datetime | None = None,
        on_refresh: Callable[[TokenSet], None] | None = None,
        refresh_margin: float = 300,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not Secret.of(refresh_token):
            raise RequestValidationError(
                "refresh_token is empty: run the connect flow (`unified connect zoho-books`) to get one.",
                field="refresh_token",
            )
        if expires_at is not None and expires_at.tzinfo is None:
            raise RequestValidationError(
                "expires_at must be timezone-aware, e.g. datetime.now(UTC) + timedelta(hours=1).",
                field="expires_at",
            )
        self._oauth = oauth
        self._refresh_token = Secret.of(refresh_token)
        self._access = Secret.of(access_token) if access_token else None
        # an access token of unknown age is used until Zoho rejects it
        self._expires_at = expires_at
        self._on_refresh = on_refresh
        self._margin = timedelta(seconds=refresh_margin)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._inflight: concurrent.futures.Future[Secret] | None = None
        self._minted_at: datetime | None = None
        self._rejected = False  # the current token was refused by Zoho
        self._replaced_rejected = False  # the current token replaced a refused one
        self.refresh_count = 0

    def __repr__(self) -> str:
        return f"TokenManager(expires_at={self._expires_at!r}, refresh_count={self.refresh_count})"

    @property
    def expires_at(self) -> datetime | None:
        return self._expires_at

    async def token(self) -> str:
        """A valid access token, refreshed first when it is missing or within ``refresh_margin`` of expiry."""
        while True:
            with self._lock:
                if self._fresh():
                    assert self._access is not None
                    return self._access.reveal()
                future = self._inflight
                leader = future is None
                if future is None:
                    future = self._inflight = concurrent.futures.Future()
            if leader:
                await self._refresh(future)
            try:
                return (await asyncio.wrap_future(future)).reveal()
            except _Abandoned:
                continue

    async def invalidate(self, token: str) -> bool:
        """Zoho rejected ``token``: the next :meth:`token` refreshes, unless another caller already did.

        Returns whether the next :meth:`token` gives a different token. A token minted moments ago to replace
        a rejected one is kept: Zoho refusing it too means a missing scope, and refreshing on every such call
        would spend the 10-tokens-per-10-minutes budget and lock the connection out.
        """
        with self._lock:
            if self._access is None or self._access.reveal() != token:
                return True
            minted = self._minted_at
            if self._replaced_rejected and minted is not None and self._clock() - minted < _REJECTED_AGAIN:
                logger.debug("A freshly refreshed token was refused again; not refreshing (scope missing?)")
                return False
            self._access = None
            self._expires_at = None
            self._rejected = True
            return True

    def _fresh(self) -> bool:
        if self._access is None:
            return False
        return self._expires_at is None or self._clock() < self._expires_at - self._margin

    async def _refresh(self, future: concurrent.futures.Future[Secret]) -> None:
        try:
            tokens = await self._oauth.refresh(self._refresh_token)
        except Exception as exc:
            self._settle(future, exception=exc)
            return
        except BaseException:  # cancelled (or interrupted): a waiting caller takes over the refresh
            self._settle(future, exception=_Abandoned())
            raise
        with self._lock:
            self._access = tokens.access_token
            self._expires_at = tokens.expires_at
            self._minted_at = self._clock()
            self._replaced_rejected, self._rejected = self._rejected, False
            if tokens.refresh_token:
                self._refresh_token = tokens.refresh_token
            self.refresh_count += 1
        logger.debug("Zoho access token refreshed (refresh %d), valid until %s", self.refresh_count, tokens.expires_at)
        if self._on_refresh is not None:
            try:
                self._on_refresh(tokens)
            except Exception as exc:  # storing the tokens must not fail the call that needed them
                logger.warning("on_refresh callback failed: %s", type(exc).__name__)
        self._settle(future, result=tokens.access_token)

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
