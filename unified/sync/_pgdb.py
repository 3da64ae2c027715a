"""PostgreSQL connections the way the scale parts want them: psycopg 3, autocommit with explicit transactions that
nest, clear errors that never show a password, names checked before they reach SQL, advisory lock keys."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from unified.errors import RequestValidationError, UnifiedError

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "DatabaseUnavailableError",
    "Transactions",
    "advisory_key",
    "check_schema",
    "connect",
    "is_postgres_url",
    "redact_dsn",
    "scalar",
]

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
INSTALL_HINT = "pip install 'unified-accounting[postgres]'"


def is_postgres_url(text: object) -> bool:
    return isinstance(text, str) and text.strip().startswith(("postgresql://", "postgres://"))


def redact_dsn(url: str) -> str:
    """The URL for messages and reprs: a password is masked, a query string (which may hold one) dropped."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}{':***' if parts.password else ''}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def check_schema(schema: str, *, field: str = "schema") -> str:
    """A schema name safe to put in SQL as it is: lower-case letters, digits and underscores."""
    if not isinstance(schema, str) or not _SCHEMA.match(schema):
        raise RequestValidationError(
            f"{field} must be a PostgreSQL schema name of lower-case letters, digits and underscores, starting with "
            f"a letter or underscore (at most 63), e.g. 'unified'; got {schema!r}.",
            field=field,
        )
    return schema


def advisory_key(*parts: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock`` from names (a collision only makes two names wait for each
    other, never lets two holders in)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def scalar(row: tuple[Any, ...] | None) -> Any:
    """The first column of a row a query always returns (an aggregate, a lock function)."""
    if row is None:  # pragma: no cover - such queries always give a row
        raise RuntimeError("the query returned no row")
    return row[0]


def psycopg_module() -> Any:
    try:
        import psycopg
    except ImportError:
        raise RequestValidationError(
            f"A postgresql:// URL needs psycopg 3: {INSTALL_HINT}.", field="db", outcome="failed"
        ) from None
    return psycopg


def connect(url: str, *, what: str, field: str = "db") -> psycopg.Connection[Any]:
    """An autocommit connection (transactions are explicit), or a clear error naming the URL without its password."""
    pg = psycopg_module()
    try:
        connection: psycopg.Connection[Any] = pg.connect(url, autocommit=True, connect_timeout=10)
    except pg.OperationalError as exc:  # down, refused, too many clients: worth trying again
        raise DatabaseUnavailableError(
            f"Cannot connect to the {what} at {redact_dsn(url)}: {_reason(exc)}. Check that PostgreSQL runs there, "
            "accepts this many connections (max_connections), and that the URL is right.",
            outcome="failed",
        ) from None
    except pg.Error as exc:
        reason = _reason(exc)
        raise RequestValidationError(
            f"Cannot connect to the {what} at {redact_dsn(url)}: {reason}. Check that PostgreSQL runs there and "
            "that the URL (postgresql://user@host:5432/database) is right.",
            field=field,
            outcome="failed",
        ) from None
    return connection


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1].strip() if text else type(exc).__name__


class DatabaseUnavailableError(UnifiedError):
    """PostgreSQL cannot be reached or takes no more connections (503): retriable."""

    status_code = 503
    type_name = "DatabaseUnavailableError"
    default_retriable = True


class Transactions:
    """The outermost block is a transaction, committed at its end or rolled back on any exception (also
    KeyboardInterrupt); inner blocks join it."""

    def __init__(self, connection: psycopg.Connection[Any], lock: threading.RLock) -> None:
        self._connection = connection
        self._lock = lock
        self._depth = 0

    @property
    def active(self) -> bool:
        return self._depth > 0

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
            self._depth = 1
            try:
                with self._connection.transaction():
                    yield
            finally:
                self._depth = 0
