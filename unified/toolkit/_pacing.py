"""A second budget over the one :class:`~unified.toolkit.ApiClient` keeps: a transport that paces every request.

Some providers limit an app across all its organizations as well as each organization (say 60 calls a minute per
organization and 10,000 a minute per app). The client's own limiter keeps the organization's budget; wrap its
transport in :class:`PacedTransport` over a limiter shared by every client of the app to keep the app's::

    app = RateLimiter.shared("my-books-app:<client id>", RateLimitPolicy(limit=10_000, window=60, max_concurrent=1000))
    http = ApiClient(..., transport=PacedTransport(app))
"""

from __future__ import annotations

import httpx

from unified.ratelimit import RateLimiter

__all__ = ["PacedTransport"]


class PacedTransport(httpx.AsyncBaseTransport):
    """Sends each request through ``inner`` (httpx's default transport when None) holding a slot of ``limiter``."""

    def __init__(self, limiter: RateLimiter, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.limiter = limiter
        self._inner = inner if inner is not None else httpx.AsyncHTTPTransport()

    def __repr__(self) -> str:
        return f"PacedTransport(policy={self.limiter.policy!r})"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self.limiter.slot():
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
