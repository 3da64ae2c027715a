"""A bounded memory of keys already seen: how a webhook receiver drops a redelivered change.

:class:`MemoryDedupe` (the default) forgets the oldest keys past ``maxsize`` and is lost on restart;
:class:`SQLiteDedupe` keeps them in a file, for receivers that restart or run in several processes on one host.
Any object with ``add`` and ``discard`` will do (e.g. one backed by Redis ``SET NX`` with an expiry).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, runtime_checkable

from unified.errors import RequestValidationError

__all__ = ["DedupeStore", "MemoryDedupe", "SQLiteDedupe"]


@runtime_checkable
class DedupeStore(Protocol):
    """Remembers keys. ``add`` must be atomic: of two concurrent adds of one key, one returns True."""

    def add(self, key: str) -> bool:
        """Remember ``key``; True when it was not remembered yet."""
        ...

    def discard(self, key: str) -> None:
        """Forget ``key`` (its processing failed; the sender's retry must get through)."""
        ...


def _check_size(maxsize: int) -> int:
    if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
        raise RequestValidationError(f"maxsize must be a whole number of 1 or more; got {maxsize!r}.", field="maxsize")
    return maxsize


class MemoryDedupe:
    """The newest ``maxsize`` keys, in this process (least recently added are forgotten first)."""

    def __init__(self, maxsize: int = 100_000) -> None:
        self.maxsize = _check_size(maxsize)
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryDedupe(maxsize={self.maxsize}, size={len(self._keys)})"

    def add(self, key: str) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            while len(self._keys) > self.maxsize:
                self._keys.popitem(last=False)
            return True

    def discard(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)


class SQLiteDedupe:
    """The newest ``maxsize`` keys in a SQLite file (shared by the processes of one host)."""

    def __init__(self, path: str | Path, maxsize: int = 1_000_000) -> None:
        self.maxsize = _check_size(maxsize)
        self.path = str(path)
        self._lock = threading.Lock()
        self._adds = 0
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS seen_at ON seen (at)")
        except sqlite3.Error as exc:
            raise RequestValidationError(
                f"Cannot open the dedupe database {self.path!r}: {exc}. Pass the path of a writable file.",
                field="path",
            ) from None

    def __repr__(self) -> str:
        return f"SQLiteDedupe({self.path!r}, maxsize={self.maxsize})"

    def add(self, key: str) -> bool:
        with self._lock:
            added = self._db.execute("INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", (key, time.time())).rowcount
            self._adds += 1
            if self._adds % 1000 == 0:  # trimming on every add would cost a scan each time
                self._db.execute(
                    "DELETE FROM seen WHERE key IN "
                    "(SELECT key FROM seen ORDER BY at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                    (self.maxsize,),
                )
            return added == 1

    def discard(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM seen WHERE key = ?", (key,))

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM seen").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()
