"""Run coroutines from synchronous code on one private event loop per sync client.

The sync client is the async client driven from a background thread, so there is one implementation of every
operation. Each portal owns its loop and thread; the connector's connections live on that loop for the
portal's whole life, which is why a connector used by a sync client must not also be used by an async one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class Portal:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=run, name="unified-sync-portal", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def call(self, func: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``func()`` on the portal's loop and wait for its result (exceptions propagate unchanged)."""
        loop = self._ensure_started()
        if threading.current_thread() is self._thread:
            raise RuntimeError("A sync client was called from inside its own event loop; use the async client.")
        return asyncio.run_coroutine_threadsafe(func(), loop).result()

    def iterate(self, aiter_factory: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        """Drive an async iterator from sync code, one item at a time (nothing is read ahead)."""
        agen = aiter_factory()

        async def next_item() -> tuple[bool, T | None]:
            try:
                return True, await agen.__anext__()
            except StopAsyncIteration:
                return False, None

        try:
            while True:
                has_item, item = self.call(next_item)
                if not has_item:
                    return
                yield item  # type: ignore[misc]
        finally:
            aclose: Callable[[], Awaitable[None]] | None = getattr(agen, "aclose", None)
            if aclose is not None and self._loop is not None and not self._loop.is_closed():

                async def close() -> None:
                    await aclose()

                self.call(close)

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
