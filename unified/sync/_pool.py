"""Run a coroutine over items with bounded concurrency, stopping early on the first failure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["bounded_map"]

T = TypeVar("T")
R = TypeVar("R")


async def bounded_map(func: Callable[[T], Awaitable[R]], items: Sequence[T], limit: int) -> list[R]:
    """``[await func(item) for item in items]``, at most ``limit`` at a time, results in order.

    On the first failure no new item starts; the calls in flight finish, then that failure is raised. Plain
    gather would keep starting calls after a rate limit, and a TaskGroup would wrap the error in a group.
    """
    results: dict[int, R] = {}
    pending = iter(enumerate(items))
    failures: list[BaseException] = []

    async def worker() -> None:
        for index, item in pending:
            if failures:
                return
            try:
                results[index] = await func(item)
            except BaseException as exc:  # re-raised below, once every worker has stopped
                failures.append(exc)
                return

    await asyncio.gather(*(worker() for _ in range(min(limit, len(items)))))
    if failures:
        raise failures[0]
    return [results[index] for index in range(len(items))]
