"""SQLite files opened the way every store here wants them, and transactions that nest."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: str, *, private: bool = False) -> sqlite3.Connection:
    """Autocommit mode (transactions are explicit), WAL and a busy timeout; ``private`` creates the file 0600."""
    target = ":memory:"
    if path != ":memory:":
        file = Path(path).expanduser()
        file.parent.mkdir(parents=True, exist_ok=True)
        if private and not file.exists():
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        target = str(file)
    db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=10000")
    return db


class Transactions:
    """``BEGIN IMMEDIATE`` around the outermost block, ``COMMIT`` or ``ROLLBACK`` at its end; inner blocks join it."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock
        self._depth = 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0
