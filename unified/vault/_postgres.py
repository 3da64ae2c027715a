"""PostgresVault: the vault's connections in PostgreSQL, for many worker processes and machines.

``UNIFIED_VAULT_URL=postgresql://...`` makes ``Vault()`` one of these. Tables (schema ``unified`` unless
``UNIFIED_VAULT_SCHEMA`` says otherwise)::

    vault_meta (key, value)                       a token of a known text: a wrong key fails at once
    vault_connections (name, connector, settings, secrets, created_at, updated_at)
    vault_token_cache (key, secrets, updated_at)

as in the SQLite vault: ``settings`` plain JSON, ``secrets`` one Fernet token. The key is the vault's
(``UNIFIED_VAULT_KEY``; every machine needs the same one). A token swap reads the row ``FOR UPDATE``, so two
processes refreshing one connection take turns on the row; a token store's ``lock()`` is a session advisory lock
per connection, freed when its holder dies, so a rotating refresh token is spent by one process only.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from unified.errors import EntityNotFoundError, RequestValidationError
from unified.secret import Secret
from unified.sync._pgdb import advisory_key, check_schema, connect, redact_dsn
from unified.toolkit import StoredTokens
from unified.vault._errors import VaultError
from unified.vault._keys import KEY_ENV, load_key
from unified.vault._tokenstore import _stored
from unified.vault._vault import Connection, Vault, _check_name, _json_object, _reveal, default_home, token_changes

__all__ = ["SCHEMA_ENV", "URL_ENV", "PostgresTokenStore", "PostgresVault", "vault_url"]

URL_ENV = "UNIFIED_VAULT_URL"
SCHEMA_ENV = "UNIFIED_VAULT_SCHEMA"
_CHECK_TEXT = b"unified-vault-v1"
_COLUMNS = "name, connector, settings, secrets, created_at, updated_at"
_ready: set[tuple[str, str]] = set()
_ready_lock = threading.Lock()


def vault_url() -> str | None:
    """``UNIFIED_VAULT_URL`` when it names a PostgreSQL database."""
    value = os.environ.get(URL_ENV, "").strip()
    return value or None


class PostgresVault(Vault):
    """Named connections in PostgreSQL; the same methods as :class:`Vault`.

    >>> vault = PostgresVault(url="postgresql://app@db.internal/unified")   # or Vault() with UNIFIED_VAULT_URL
    >>> vault.connector("acme")

    ``home`` is only where a key file is looked for when ``UNIFIED_VAULT_KEY`` is not set.
    """

    def __init__(self, home: Path | str | None = None, *, url: str | None = None, schema: str | None = None) -> None:
        url = url or vault_url()
        if not url or not url.startswith(("postgresql://", "postgres://")):
            raise RequestValidationError(
                f"PostgresVault needs a postgresql:// URL (or {URL_ENV}=postgresql://user@host/database).", field="url"
            )
        self.url = url
        self.schema = check_schema(schema or os.environ.get(SCHEMA_ENV, "").strip() or "unified", field=SCHEMA_ENV)
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.where = f"{redact_dsn(url)} (schema {self.schema})"
        self.path = self.home / "vault.key"  # no file: kept for code that shows where the key lives
        self._fernet: Fernet | None = None

    def __repr__(self) -> str:
        return f"PostgresVault({self.where!r})"

    # -- storage ---------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _pg(self) -> Iterator[Any]:
        """A session in one transaction for one operation: safe from any thread, nothing held between calls."""
        session = connect(self.url, what="vault", field="url")
        try:
            self._ensure_tables(session)
            with session.transaction():
                yield session
        except _pg_errors() as exc:
            raise VaultError(
                f"The vault {self.where} cannot be used: {str(exc).strip() or type(exc).__name__}."
            ) from None
        finally:
            session.close()

    def _ensure_tables(self, session: Any) -> None:
        with _ready_lock:
            if (self.url, self.schema) in _ready:
                return
            s = self.schema
            with session.transaction():
                session.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("unified.schema", s),))
                session.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
                session.execute(
                    f"CREATE TABLE IF NOT EXISTS {s}.vault_meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)"
                )
                session.execute(
                    f"CREATE TABLE IF NOT EXISTS {s}.vault_connections (name TEXT PRIMARY KEY, "
                    "connector TEXT NOT NULL, settings TEXT NOT NULL, secrets BYTEA NOT NULL, "
                    "created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
                )
                session.execute(
                    f"CREATE TABLE IF NOT EXISTS {s}.vault_token_cache (key TEXT PRIMARY KEY, secrets BYTEA NOT NULL, "
                    "updated_at TEXT NOT NULL)"
                )
            _ready.add((self.url, self.schema))

    def _pg_key(self, session: Any, *, create: bool) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        fernet = load_key(self.home, create=create)
        if fernet is None:
            raise VaultError(f"The vault {self.where} has no key: set {KEY_ENV} to the key it was created with.")
        row = session.execute(f"SELECT value FROM {self.schema}.vault_meta WHERE key = 'check'").fetchone()
        if row is None:
            session.execute(
                f"INSERT INTO {self.schema}.vault_meta (key, value) VALUES ('check', %s) ON CONFLICT DO NOTHING",
                (fernet.encrypt(_CHECK_TEXT),),
            )
        else:
            try:
                fernet.decrypt(bytes(row[0]))
            except InvalidToken:
                raise VaultError(
                    f"The vault {self.where} was encrypted with another key: set {KEY_ENV} to the key it was "
                    "created with (every process and machine needs the same one)."
                ) from None
        self._fernet = fernet
        return fernet

    def _connection(self, session: Any, row: tuple[Any, ...]) -> Connection:
        name, connector, settings, token, created_at, updated_at = row
        try:
            secrets = json.loads(self._pg_key(session, create=False).decrypt(bytes(token)))
        except InvalidToken:
            raise VaultError(
                f"The secrets of connection {name!r} cannot be decrypted with this vault key; reconnect it with "
                "`unified connect`."
            ) from None
        return Connection(
            name=name,
            connector=connector,
            settings=json.loads(settings),
            secrets=secrets,
            created_at=datetime.fromisoformat(created_at),
            updated_at=datetime.fromisoformat(updated_at),
        )

    def _row(self, session: Any, name: str, *, for_update: bool = False) -> tuple[Any, ...]:
        lock = " FOR UPDATE" if for_update else ""
        row = session.execute(
            f"SELECT {_COLUMNS} FROM {self.schema}.vault_connections WHERE name = %s{lock}", (name,)
        ).fetchone()
        if row is None:
            raise EntityNotFoundError(
                f"No connection named {name!r} in the vault {self.where} (saved connections: "
                f"{', '.join(self._names(session)) or 'none yet'}); add one with `unified connect NAME --name NAME`."
            )
        return tuple(row)

    def _names(self, session: Any) -> list[str]:
        return [r[0] for r in session.execute(f"SELECT name FROM {self.schema}.vault_connections ORDER BY name")]

    def _write(self, session: Any, name: str, settings: str, secrets: Mapping[str, str], *, create: bool) -> None:
        token = self._pg_key(session, create=create).encrypt(json.dumps(dict(secrets)).encode())
        session.execute(
            f"UPDATE {self.schema}.vault_connections SET settings = %s, secrets = %s, updated_at = %s WHERE name = %s",
            (settings, token, datetime.now(UTC).isoformat(), name),
        )

    # -- public API ------------------------------------------------------------------------------------------

    def save(self, connection: Connection) -> Connection:
        _check_name(connection.name)
        settings = _json_object(connection.settings, "settings")
        secrets = {key: _reveal(value) for key, value in connection.secrets.items()}
        now = datetime.now(UTC).isoformat()
        with self._pg() as session:
            token = self._pg_key(session, create=True).encrypt(json.dumps(secrets).encode())
            session.execute(
                f"INSERT INTO {self.schema}.vault_connections ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET connector = excluded.connector, settings = excluded.settings, "
                "secrets = excluded.secrets, updated_at = excluded.updated_at",
                (connection.name, connection.connector, settings, token, now, now),
            )
        return self.get(connection.name)

    def get(self, name: str) -> Connection:
        with self._pg() as session:
            return self._connection(session, self._row(session, name))

    def names(self) -> list[str]:
        with self._pg() as session:
            return self._names(session)

    def list(self) -> list[Connection]:
        with self._pg() as session:
            rows = session.execute(f"SELECT {_COLUMNS} FROM {self.schema}.vault_connections ORDER BY name").fetchall()
            return [self._connection(session, tuple(row)) for row in rows]

    def delete(self, name: str) -> None:
        with self._pg() as session:
            if session.execute(f"DELETE FROM {self.schema}.vault_connections WHERE name = %s", (name,)).rowcount == 0:
                raise EntityNotFoundError(f"No connection named {name!r} in the vault {self.where}.")

    def update(self, name: str, *, settings: Mapping[str, Any] = {}, secrets: Mapping[str, str] = {}) -> None:
        with self._pg() as session:
            current = self._connection(session, self._row(session, name, for_update=True))
            merged_settings = _json_object({**current.settings, **settings}, "settings")
            merged = {**current.secrets, **{k: _reveal(v) for k, v in secrets.items()}}
            self._write(session, name, merged_settings, merged, create=False)

    def swap_tokens(self, name: str, expected: Any, new: Any) -> bool:
        """Write ``new`` tokens only if the stored refresh token is still ``expected``, under the row's lock."""
        with self._pg() as session:
            current = self._connection(session, self._row(session, name, for_update=True))
            stored = current.secrets.get("refresh_token")
            if stored is not None and stored != _reveal(expected):
                return False
            changed, secrets = token_changes(new)
            merged_settings = _json_object({**current.settings, **changed}, "settings")
            self._write(session, name, merged_settings, {**current.secrets, **secrets}, create=False)
            return True

    def token_store(self, name: str) -> PostgresTokenStore:
        return PostgresTokenStore(self, name)

    def cached_tokens(self, key: str) -> dict[str, Any]:
        with self._pg() as session:
            row = session.execute(
                f"SELECT secrets FROM {self.schema}.vault_token_cache WHERE key = %s", (key,)
            ).fetchone()
            if row is None:
                return {}
            try:
                cached: dict[str, Any] = json.loads(self._pg_key(session, create=False).decrypt(bytes(row[0])))
            except InvalidToken:
                return {}
        if isinstance(cached.get("expires_at"), str):
            cached["expires_at"] = datetime.fromisoformat(cached["expires_at"])
        return cached

    def cache_tokens(self, key: str, token_set: Any) -> None:
        settings, secrets = token_changes(token_set)
        cached = {"access_token": secrets["access_token"], **settings} if "access_token" in secrets else {}
        with self._pg() as session:
            token = self._pg_key(session, create=True).encrypt(json.dumps(cached).encode())
            session.execute(
                f"INSERT INTO {self.schema}.vault_token_cache (key, secrets, updated_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET secrets = excluded.secrets, updated_at = excluded.updated_at",
                (key, token, datetime.now(UTC).isoformat()),
            )


class PostgresTokenStore:
    """A connection's tokens in the PostgreSQL vault, as a :class:`~unified.toolkit.TokenStore`."""

    def __init__(self, vault: PostgresVault, name: str) -> None:
        self.vault = vault
        self.name = name

    def __repr__(self) -> str:
        return f"PostgresTokenStore({self.name!r})"

    def load(self) -> StoredTokens | None:
        connection = self.vault.get(self.name)
        return _stored(dict(connection.secrets), dict(connection.settings))

    def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
        return self.vault.swap_tokens(self.name, expected, new)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Refreshes of this connection one at a time, in every process (a session advisory lock)."""
        session = connect(self.vault.url, what="vault", field="url")
        try:
            session.execute(
                "SELECT pg_advisory_lock(%s)", (advisory_key("unified.vault", self.vault.schema, self.name),)
            )
            yield
        finally:
            session.close()  # the session's end frees the lock, also when this process is killed


def _pg_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.Error,)
