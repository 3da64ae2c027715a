"""Named connections in a SQLite file, their secrets encrypted with Fernet.

Layout of ``vault.db``: ``connections(name, connector, settings, secrets, created_at, updated_at)`` where
``settings`` is plain JSON (nothing secret: client id, organization, data center, URLs) and ``secrets`` is one
Fernet token holding the JSON of the secrets (client secret, refresh and access tokens). ``meta`` keeps a
token of a known text, so a wrong key is caught when the vault is opened rather than half-way through a write.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from unified.connector import Connector
from unified.errors import EntityNotFoundError, RequestValidationError
from unified.registry import connector_class
from unified.vault._errors import VaultError
from unified.vault._keys import load_key, make_private_dir

HOME_ENV = "UNIFIED_HOME"
DB_FILE = "vault.db"
_CHECK_TEXT = b"unified-vault-v1"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS connections (
    name TEXT PRIMARY KEY,
    connector TEXT NOT NULL,
    settings TEXT NOT NULL,
    secrets BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS token_cache (key TEXT PRIMARY KEY, secrets BLOB NOT NULL, updated_at TEXT NOT NULL);
"""


def default_home() -> Path:
    """``UNIFIED_HOME`` if set, else ``~/.unified``."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".unified"


@dataclass(frozen=True)
class Connection:
    """A named connection: which connector, its plain settings, and its secrets (never shown in reprs)."""

    name: str
    connector: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __repr__(self) -> str:
        hidden = "".join(f", {key}=***" for key in sorted(self.secrets))
        settings = dict(self.settings)
        return f"Connection(name={self.name!r}, connector={self.connector!r}, settings={settings!r}{hidden})"

    def connector_settings(self) -> dict[str, Any]:
        """The keyword arguments of the connector's constructor: settings and secrets together."""
        merged: dict[str, Any] = {**self.settings, **self.secrets}
        expires_at = merged.get("expires_at")
        if isinstance(expires_at, str):
            merged["expires_at"] = datetime.fromisoformat(expires_at)
        return merged

    def describe(self) -> dict[str, Any]:
        """What is safe to show: everything but the secrets' values."""
        return {
            "name": self.name,
            "connector": self.connector,
            "settings": dict(self.settings),
            "secrets": sorted(self.secrets),
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def token_changes(token_set: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Settings and secrets to write back from a refreshed token set (``access_token``, ``refresh_token``,
    ``expires_at``); secrets may be ``Secret`` objects (``.reveal()``) or plain strings."""
    secrets: dict[str, str] = {}
    for key in ("access_token", "refresh_token"):
        value = getattr(token_set, key, None)
        if value is not None:
            secrets[key] = _reveal(value)
    settings: dict[str, Any] = {}
    expires_at = getattr(token_set, "expires_at", None)
    if isinstance(expires_at, datetime):
        settings["expires_at"] = expires_at.isoformat()
    elif isinstance(expires_at, int | float):
        settings["expires_at"] = expires_at
    return settings, secrets


def _reveal(value: Any) -> str:
    reveal = getattr(value, "reveal", None)
    return str(reveal() if callable(reveal) else value)


def build_connector(connection: Connection, on_token_refresh: Any = None, **overrides: Any) -> Connector:
    """The connector a connection describes. ``on_token_refresh`` is passed only to connectors that take it."""
    cls = connector_class(connection.connector)
    kwargs = {**connection.connector_settings(), **overrides}
    if on_token_refresh is not None and _accepts(cls, "on_token_refresh"):
        kwargs["on_token_refresh"] = on_token_refresh
    params = inspect.signature(cls).parameters
    missing = [
        name
        for name, param in params.items()
        if param.default is inspect.Parameter.empty
        and param.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and kwargs.get(name) in (None, "")
    ]
    if missing:
        raise RequestValidationError(
            f"Connection {connection.name!r} ({connection.connector}) lacks {', '.join(missing)}: connect it again "
            f"(`unified connect {connection.connector} --name {connection.name}`) or save it with them "
            "(`unified connections add`).",
            field=missing[0],
        )
    unknown = (
        [k for k in kwargs if k not in params]
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        else []
    )
    for name in unknown:  # settings an older version saved, or another connector's: not this one's business
        kwargs.pop(name)
    return cls(**kwargs)


def _accepts(cls: type, name: str) -> bool:
    params = inspect.signature(cls).parameters.values()
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


class Vault:
    """Named connections under ``home`` (``UNIFIED_HOME``, default ``~/.unified``): ``vault.db`` and ``vault.key``.

    >>> vault = Vault()
    >>> vault.save(Connection("acme", "my-books", {"organization_id": "1"}, {"refresh_token": "..."}))
    >>> connector = vault.connector("acme")       # refreshed tokens are written back to the vault
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Vault:
        # UNIFIED_VAULT_URL=postgresql://... makes Vault() the PostgreSQL vault (unified.vault._postgres)
        if cls is Vault and os.environ.get("UNIFIED_VAULT_URL", "").strip():
            from unified.vault._postgres import PostgresVault

            return super().__new__(PostgresVault)
        return super().__new__(cls)

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.path = self.home / DB_FILE
        self._fernet: Fernet | None = None

    def __repr__(self) -> str:
        return f"Vault({str(self.home)!r})"

    # -- storage ---------------------------------------------------------------------------------------------

    @contextmanager
    def _db(self, *, write: bool) -> Iterator[sqlite3.Connection | None]:
        """A SQLite connection per operation: safe from any thread (token refreshes run on the client's loop)."""
        if not write and not self.path.exists():
            yield None
            return
        if write:
            make_private_dir(self.home)
            if not self.path.exists():
                self.path.touch(mode=0o600)
        try:
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise VaultError(f"The vault {self.path} cannot be opened: {exc}.") from None
        try:
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise VaultError(f"The vault {self.path} cannot be used: {exc}; move it aside to start afresh.") from None
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _key(self, db: sqlite3.Connection, *, create: bool) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        fernet = load_key(self.home, create=create)
        row = db.execute("SELECT value FROM meta WHERE key = 'check'").fetchone()
        if fernet is None:
            raise VaultError(
                f"The vault {self.path} has no key: set UNIFIED_VAULT_KEY to the key it was created with, "
                f"or restore {self.home / 'vault.key'}."
            )
        if row is None:
            db.execute("INSERT INTO meta (key, value) VALUES ('check', ?)", (fernet.encrypt(_CHECK_TEXT),))
        else:
            try:
                fernet.decrypt(row[0])
            except InvalidToken:
                raise VaultError(
                    f"The vault {self.path} was encrypted with another key: set UNIFIED_VAULT_KEY to the key it "
                    f"was created with, or restore its {self.home / 'vault.key'}."
                ) from None
        self._fernet = fernet
        return fernet

    def _row_to_connection(self, db: sqlite3.Connection, row: tuple[Any, ...]) -> Connection:
        name, connector, settings, token, created_at, updated_at = row
        try:
            secrets = json.loads(self._key(db, create=False).decrypt(token))
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

    # -- public API ------------------------------------------------------------------------------------------

    def save(self, connection: Connection) -> Connection:
        """Add or replace the connection of that name."""
        _check_name(connection.name)
        settings = _json_object(connection.settings, "settings")
        secrets = {key: _reveal(value) for key, value in connection.secrets.items()}
        now = datetime.now(UTC).isoformat()
        with self._db(write=True) as db:
            assert db is not None
            token = self._key(db, create=True).encrypt(json.dumps(secrets).encode())
            db.execute(
                "INSERT INTO connections (name, connector, settings, secrets, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET connector = excluded.connector, "
                "settings = excluded.settings, secrets = excluded.secrets, updated_at = excluded.updated_at",
                (connection.name, connection.connector, settings, token, now, now),
            )
        return self.get(connection.name)

    def get(self, name: str) -> Connection:
        with self._db(write=False) as db:
            row = None
            if db is not None:
                row = db.execute(
                    "SELECT name, connector, settings, secrets, created_at, updated_at FROM connections WHERE name = ?",
                    (name,),
                ).fetchone()
            if db is None or row is None:
                known = ", ".join(self.names()) or "none yet"
                raise EntityNotFoundError(
                    f"No connection named {name!r} in the vault {self.path} (saved connections: {known}); "
                    "add one with `unified connect NAME`."
                )
            return self._row_to_connection(db, row)

    def names(self) -> list[str]:
        with self._db(write=False) as db:
            if db is None:
                return []
            return [row[0] for row in db.execute("SELECT name FROM connections ORDER BY name")]

    def list(self) -> list[Connection]:
        with self._db(write=False) as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT name, connector, settings, secrets, created_at, updated_at FROM connections ORDER BY name"
            ).fetchall()
            return [self._row_to_connection(db, row) for row in rows]

    def delete(self, name: str) -> None:
        with self._db(write=True) as db:
            assert db is not None
            if db.execute("DELETE FROM connections WHERE name = ?", (name,)).rowcount == 0:
                raise EntityNotFoundError(f"No connection named {name!r} in the vault {self.path}.")

    def update(self, name: str, *, settings: Mapping[str, Any] = {}, secrets: Mapping[str, str] = {}) -> None:
        """Merge changed settings and secrets into a saved connection (in one transaction)."""
        with self._db(write=True) as db:
            assert db is not None
            row = db.execute(
                "SELECT name, connector, settings, secrets, created_at, updated_at FROM connections WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                raise EntityNotFoundError(f"No connection named {name!r} in the vault {self.path}.")
            current = self._row_to_connection(db, row)
            merged_settings = _json_object({**current.settings, **settings}, "settings")
            merged_secrets = {**current.secrets, **{k: _reveal(v) for k, v in secrets.items()}}
            token = self._key(db, create=False).encrypt(json.dumps(merged_secrets).encode())
            db.execute(
                "UPDATE connections SET settings = ?, secrets = ?, updated_at = ? WHERE name = ?",
                (merged_settings, token, datetime.now(UTC).isoformat(), name),
            )

    def swap_tokens(self, name: str, expected: Any, new: Any) -> bool:
        """Write ``new`` tokens (refresh, access, expiry) only if the stored refresh token is still ``expected``."""
        with self._db(write=True) as db:
            assert db is not None
            row = db.execute(
                "SELECT name, connector, settings, secrets, created_at, updated_at FROM connections WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                raise EntityNotFoundError(f"No connection named {name!r} in the vault {self.path}.")
            current = self._row_to_connection(db, row)
            stored = current.secrets.get("refresh_token")
            if stored is not None and stored != _reveal(expected):
                return False
            changed, secrets = token_changes(new)
            merged_settings = _json_object({**current.settings, **changed}, "settings")
            merged_secrets = {**current.secrets, **secrets}
            token = self._key(db, create=False).encrypt(json.dumps(merged_secrets).encode())
            db.execute(
                "UPDATE connections SET settings = ?, secrets = ?, updated_at = ? WHERE name = ?",
                (merged_settings, token, datetime.now(UTC).isoformat(), name),
            )
            return True

    def token_store(self, name: str) -> Any:
        """The connection's tokens as a token store (refreshes serialised across processes)."""
        from unified.vault._tokenstore import VaultTokenStore

        return VaultTokenStore(self, name)

    def store_tokens(self, name: str, token_set: Any) -> None:
        """Write a refreshed token set back to the connection."""
        settings, secrets = token_changes(token_set)
        self.update(name, settings=settings, secrets=secrets)

    # -- access tokens of connections given by flags or environment variables ---------------------------------

    def cached_tokens(self, key: str) -> dict[str, Any]:
        """The access token (and its expiry) last cached under ``key``; empty when there is none."""
        with self._db(write=False) as db:
            if db is None:
                return {}
            row = db.execute("SELECT secrets FROM token_cache WHERE key = ?", (key,)).fetchone()
            if row is None:
                return {}
            try:
                cached: dict[str, Any] = json.loads(self._key(db, create=False).decrypt(row[0]))
            except InvalidToken:
                return {}
        if isinstance(cached.get("expires_at"), str):
            cached["expires_at"] = datetime.fromisoformat(cached["expires_at"])
        return cached

    def cache_tokens(self, key: str, token_set: Any) -> None:
        """Keep a refreshed access token, so the next process does not mint another one."""
        settings, secrets = token_changes(token_set)
        cached = {"access_token": secrets["access_token"], **settings} if "access_token" in secrets else {}
        with self._db(write=True) as db:
            assert db is not None
            token = self._key(db, create=True).encrypt(json.dumps(cached).encode())
            db.execute(
                "INSERT INTO token_cache (key, secrets, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                "SET secrets = excluded.secrets, updated_at = excluded.updated_at",
                (key, token, datetime.now(UTC).isoformat()),
            )

    def swap_cached_tokens(self, key: str, expected: Any, new: Any, *, initial: Any) -> bool:
        """Compare-and-swap on the token cache under ``key``: the rotating tokens of a connection given by
        flags or environment variables (whose refresh token starts as ``initial``)."""
        with self._db(write=True) as db:
            assert db is not None
            row = db.execute("SELECT secrets FROM token_cache WHERE key = ?", (key,)).fetchone()
            current: dict[str, Any] = {}
            if row is not None:
                try:
                    current = json.loads(self._key(db, create=True).decrypt(row[0]))
                except InvalidToken:
                    current = {}
            stored = current.get("refresh_token") or _reveal(initial)
            if stored != _reveal(expected):
                return False
            settings, secrets = token_changes(new)
            cached = {**current, **secrets, **settings}
            token = self._key(db, create=True).encrypt(json.dumps(cached).encode())
            db.execute(
                "INSERT INTO token_cache (key, secrets, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                "SET secrets = excluded.secrets, updated_at = excluded.updated_at",
                (key, token, datetime.now(UTC).isoformat()),
            )
            return True

    def connector(self, name: str, **overrides: Any) -> Connector:
        """Build the connector of a saved connection; tokens it refreshes are written back here.

        A connector that takes a ``token_store`` gets this connection's: a rotated refresh token is stored
        before the new access token is used, and processes refreshing at once take turns.
        """
        connection = self.get(name)
        cls = connector_class(connection.connector)
        if "token_store" in inspect.signature(cls).parameters and "token_store" not in overrides:
            return build_connector(connection, None, token_store=self.token_store(name), **overrides)

        def on_token_refresh(token_set: Any) -> None:
            self.store_tokens(name, token_set)

        return build_connector(connection, on_token_refresh, **overrides)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise RequestValidationError(
            f"Connection name {name!r} is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            field="name",
        )


def _json_object(values: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(dict(values), sort_keys=True)
    except TypeError as exc:
        raise RequestValidationError(f"Connection {what} must be JSON values: {exc}.", field=what) from None
