"""A cache of things fetched once per key (custom-field definitions per organization, tax tables...).

One fetch per key at a time, however many callers ask together; :meth:`KeyedCache.forget` drops a key so the
next caller fetches again (a definition created since, a stale table).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["KeyedCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeyedCache(Generic[K, V]):
    def __init__(self, fetch: Callable[[K], Awaitable[V]]) -> None:
        self._fetch = fetch
        self._values: dict[K, V] = {}
        self._locks: dict[K, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"KeyedCache(keys={len(self._values)})"

    async def get(self, key: K) -> V:
        if key in self._values:
            return self._values[key]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._values:
                self._values[key] = await self._fetch(key)
            return self._values[key]

    def cached(self, key: K) -> V | None:
        return self._values.get(key)

    def forget(self, key: K | None = None) -> None:
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
