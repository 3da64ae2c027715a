"""Paging behind opaque cursors, the detail fetch, and ``updated_since`` where the provider cannot filter.

A cursor is the paginator's state, base64 JSON: only the connector that made it reads it, and a cursor from
elsewhere is a clear error. Paginators are small state machines:

- :class:`PageNumbers`: ``page``/``per_page`` style; the next page exists when the answer says so.
- :class:`Offsets`: start position and count (a query language's start and max results, 1-based or 0-based).
- :class:`ProviderCursor`: the provider's own next-page token, carried inside ours.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from unified.errors import EntityNotFoundError, RequestValidationError

__all__ = [
    "Offsets",
    "PageNumbers",
    "Position",
    "ProviderCursor",
    "decode_cursor",
    "encode_cursor",
    "fetch_details",
    "updated_since",
]

T = TypeVar("T")
R = TypeVar("R")


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        if len(cursor) > 4096:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(state, dict):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise RequestValidationError(
            "The cursor is not one this connector made; pass back a page's next_cursor unchanged.", field="cursor"
        ) from None
    return state


def _bad_cursor() -> RequestValidationError:
    return RequestValidationError("The cursor is out of range; start again without a cursor.", field="cursor")


def _int(state: dict[str, Any], key: str) -> int:
    value = state.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad_cursor()
    return value


@dataclass(frozen=True)
class Position:
    """Where a page starts: a page number or offset, the page size, and any provider token."""

    start: int
    size: int
    token: str | None = None


@dataclass(frozen=True)
class PageNumbers:
    first: int = 1
    max_size: int = 200

    def position(self, cursor: str | None, limit: int) -> Position:
        if cursor is None:
            return Position(self.first, min(limit, self.max_size))
        state = decode_cursor(cursor)
        page, size = _int(state, "page"), _int(state, "size")
        if page < self.first or not 1 <= size <= self.max_size:
            raise _bad_cursor()
        return Position(page, size)

    def next_cursor(self, position: Position, *, more: bool) -> str | None:
        return encode_cursor({"page": position.start + 1, "size": position.size}) if more else None


@dataclass(frozen=True)
class Offsets:
    first: int = 1
    max_size: int = 1000

    def position(self, cursor: str | None, limit: int) -> Position:
        if cursor is None:
            return Position(self.first, min(limit, self.max_size))
        state = decode_cursor(cursor)
        start, size = _int(state, "start"), _int(state, "size")
        if start < self.first or not 1 <= size <= self.max_size:
            raise _bad_cursor()
        return Position(start, size)

    def next_cursor(self, position: Position, *, returned: int, more: bool | None = None) -> str | None:
        """The next page exists when the answer says so, or (unsaid) when this one came back full."""
        if not (more if more is not None else returned >= position.size):
            return None
        return encode_cursor({"start": position.start + position.size, "size": position.size})


@dataclass(frozen=True)
class ProviderCursor:
    max_size: int = 200

    def position(self, cursor: str | None, limit: int) -> Position:
        if cursor is None:
            return Position(0, min(limit, self.max_size))
        state = decode_cursor(cursor)
        size, token = _int(state, "size"), state.get("token")
        if not isinstance(token, str) or not 1 <= size <= self.max_size:
            raise _bad_cursor()
        return Position(0, size, token)

    def next_cursor(self, position: Position, *, token: str | None) -> str | None:
        return encode_cursor({"size": position.size, "token": token}) if token else None


async def fetch_details(rows: Sequence[T], fetch: Callable[[T], Awaitable[R]], *, concurrency: int) -> list[R]:
    """``fetch(row)`` for each row, ``concurrency`` at a time, in the rows' order; rows deleted since are dropped."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(row: T) -> R | None:
        async with gate:
            try:
                return await fetch(row)
            except EntityNotFoundError:
                return None

    found = await asyncio.gather(*(one(row) for row in rows))
    return [record for record in found if record is not None]


def updated_since(records: Iterable[T], since: datetime | None) -> list[T]:
    """Records changed at or after ``since`` (those without ``updated_at`` are kept: they cannot be judged)."""
    if since is None:
        return list(records)
    kept = []
    for record in records:
        stamp = getattr(record, "updated_at", None)
        if stamp is None or stamp >= since:
            kept.append(record)
    return kept
