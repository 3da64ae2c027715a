"""API keys of the server: made by ``unified keys create`` (shown once, kept as a SHA-256 hash in a 0600 SQLite
file beside the vault) or given in ``UNIFIED_API_KEYS`` (comma-separated). A key is never stored, logged or
shown again after it is made."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from unified.errors import EntityNotFoundError, RequestValidationError
from unified.vault import default_home

__all__ = ["API_KEYS_ENV", "KEYS_FILE", "ApiKey", "ApiKeys", "env_keys"]

API_KEYS_ENV = "UNIFIED_API_KEYS"
KEYS_FILE = "api_keys.db"
_PREFIX = "uk_"
_MIN_LENGTH = 16  # anything shorter is a password, not a key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ApiKey:
    """What is kept of a key: its public id, its name and when it was made; never the key."""

    id: str
    name: str
    created_at: datetime


def _hash(key: str) -> str:
    # keys are 256 random bits: a fast hash is enough, no password stretching needed
    return hashlib.sha256(key.encode()).hexdigest()


def env_keys(value: str | None = None) -> list[str]:
    """The keys in ``UNIFIED_API_KEYS`` (or ``value``); a key too short to be one is refused."""
    text = os.environ.get(API_KEYS_ENV, "") if value is None else value
    keys = [part.strip() for part in text.split(",") if part.strip()]
    for key in keys:
        if len(key) < _MIN_LENGTH:
            raise RequestValidationError(
                f"A key in {API_KEYS_ENV} has {len(key)} characters; keys need at least {_MIN_LENGTH}. "
                "Make one with `unified keys create` or `openssl rand -hex 32`.",
                field=API_KEYS_ENV,
            )
    return keys


class ApiKeys:
    """The keys that open the server: those in the key file under ``home`` and the ``extra`` ones.

    >>> keys = ApiKeys()                      # $UNIFIED_HOME/api_keys.db, plus UNIFIED_API_KEYS
    >>> key, info = keys.create("billing-service")
    >>> keys.verify(key)
    True
    """

    def __init__(self, home: Path | str | None = None, *, extra: Iterable[str] | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.path = self.home / KEYS_FILE
        self._extra = {_hash(key) for key in (env_keys() if extra is None else extra)}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"ApiKeys({str(self.path)!r})"

    def _open(self, *, create: bool) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not self.path.exists():
            if not create:
                return None
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        elif os.name == "posix" and stat.S_IMODE(self.path.stat().st_mode) & 0o077:
            raise RequestValidationError(
                f"The key file {self.path} can be read by other users; make it private with `chmod 600 {self.path}`.",
                field="api_keys",
            )
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        db.executescript(_SCHEMA)
        self._db = db
        return db

    def create(self, name: str = "default") -> tuple[str, ApiKey]:
        """A new key and what is kept of it. The key itself is returned this once and never again."""
        name = name.strip()
        if not name or len(name) > 100:
            raise RequestValidationError("A key's name must have 1 to 100 characters.", field="name")
        key_id = secrets.token_hex(4)
        key = f"{_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        info = ApiKey(id=key_id, name=name, created_at=datetime.now(UTC))
        with self._lock:
            db = self._open(create=True)
            assert db is not None
            db.execute(
                "INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)",
                (info.id, info.name, _hash(key), info.created_at.isoformat()),
            )
        return key, info

    def list(self) -> list[ApiKey]:
        with self._lock:
            db = self._open(create=False)
            rows = [] if db is None else db.execute("SELECT id, name, created_at FROM api_keys ORDER BY created_at")
            return [ApiKey(id=row[0], name=row[1], created_at=datetime.fromisoformat(row[2])) for row in rows]

    def revoke(self, key_id: str) -> None:
        with self._lock:
            db = self._open(create=False)
            if db is None or db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)).rowcount == 0:
                raise EntityNotFoundError(f"No API key has the id {key_id!r}; `unified keys list` shows them.")

    def count(self) -> int:
        """How many keys open the server (the key file's and the extra ones)."""
        with self._lock:
            db = self._open(create=False)
            stored = 0 if db is None else int(db.execute("SELECT count(*) FROM api_keys").fetchone()[0])
        return stored + len(self._extra)

    def verify(self, key: str) -> bool:
        """Whether ``key`` opens the server. Read from the file on every call: a new or revoked key counts at once."""
        digest = _hash(key)
        if any(hmac.compare_digest(digest, known) for known in self._extra):
            return True
        if not key.startswith(_PREFIX):
            return False
        with self._lock:
            db = self._open(create=False)
            if db is None:
                return False
            row = db.execute("SELECT hash FROM api_keys WHERE hash = ?", (digest,)).fetchone()
        return row is not None and hmac.compare_digest(row[0], digest)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
