"""The bounded wait for a provider's rate budget: a request waits for its organization's budget at most
``wait`` seconds, then is answered 429 with Retry-After.

The connectors pace themselves (``unified.ratelimit.RateLimiter``, shared per organization), but the limiter
has no bounded acquire, so the bound is kept here: each request's connector calls go through
:class:`TrackedTransport`, which counts what the request has sent and has in flight. When the bound passes, a
request that is only waiting (for budget or a retry's back-off, nothing at the provider) is cancelled and
answered 429. One with a call at the provider waits for that answer first. A write that has sent anything runs
to its end: cancelling it could leave a record written while its client is told to try again.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

import httpx

from unified.errors import ConnectorRateLimitError

__all__ = ["Exchange", "TrackedTransport", "bounded"]

T = TypeVar("T")


class Exchange:
    """What one server request has sent to its provider so far."""

    def __init__(self) -> None:
        self.sent = 0
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def started(self) -> None:
        self.sent += 1
        self.in_flight += 1
        self._idle.clear()

    def finished(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


_EXCHANGE: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar("unified_server_exchange", default=None)


class TrackedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that tells the current request's :class:`Exchange` about every call it makes."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _EXCHANGE.get()
        if exchange is not None:
            exchange.started()
        try:
            return await self._inner.handle_async_request(request)
        finally:
            if exchange is not None:
                exchange.finished()

    async def aclose(self) -> None:
        await self._inner.aclose()


async def bounded(call: Callable[[], Awaitable[T]], *, wait: float, write: bool) -> T:
    """Run ``call`` as one request's work, answering 429 once it has waited ``wait`` seconds for its budget."""
    exchange = Exchange()
    context = contextvars.copy_context()
    context.run(_EXCHANGE.set, exchange)

    async def run() -> T:
        return await call()

    task = asyncio.get_running_loop().create_task(run(), context=context)
    try:
        await asyncio.wait({task}, timeout=wait)
        while not task.done():
            if write and exchange.sent:
                return await task
            if exchange.in_flight == 0:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                if not task.cancelled():  # it finished after all, just as it was cancelled
                    return task.result()
                retry_after = max(1, math.ceil(wait))
                raise ConnectorRateLimitError(
                    f"The provider's rate budget for this connection is in use: the request waited {wait:g} s "
                    f"for it and was not sent. Retry after {retry_after} s.",
                    retry_after=retry_after,
                    outcome="failed",
                )
            # a call is at the provider: its answer comes first, then look again
            idle = asyncio.ensure_future(exchange.idle())
            await asyncio.wait({task, idle}, return_when=asyncio.FIRST_COMPLETED)
            idle.cancel()
        return task.result()
    except asyncio.CancelledError:
        task.cancel()
        raise
