"""PostgresStore: the sync store in PostgreSQL (psycopg 3), for many processes and machines syncing many
connections into one database.

One schema (``unified`` unless told) holds every connection: each table's key is (connection, id), so a
store object is one connection's view of it. Tables match SQLiteStore's (the indexed columns users filter on,
``updated_at``, the unified JSON, the kept provider payload, the engine's hashes and marks) plus ``seq``, the
insertion order SQLite's rowid gives. Each page's records, cursor and checkpoint commit in one transaction, as
in SQLite, so a killed run resumes where it stopped. A run's lock on (connection, resource) is a session
advisory lock: one run at a time across every process, freed when its holder dies.

    >>> store = PostgresStore("postgresql://app@db.internal/unified", connection="acme")
    >>> SyncEngine(connector, store, connection="acme").run_sync()

Needs ``pip install 'unified-accounting[postgres]'``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from pydantic import BaseModel

from unified.errors import RequestValidationError
from unified.sync._columns import COLUMNS, record_row, sql_value
from unified.sync._lock import SyncLock
from unified.sync._pgdb import Transactions, advisory_key, check_schema, connect, redact_dsn, scalar
from unified.sync._pglock import PgSyncLock
from unified.sync.store import SYNC_RESOURCES, RecordState, Store, StoredRecord, resolve_view

__all__ = ["PostgresStore"]

SCHEMA_VERSION = "1"
_CHUNK = 500  # rows per streamed read and ids per ANY(...) query
_ready: set[tuple[str, str]] = set()  # (url, schema) whose tables this process has made sure of
_ready_lock = threading.Lock()


def _create_statements(schema: str) -> list[str]:
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"CREATE TABLE IF NOT EXISTS {schema}.meta (connection TEXT NOT NULL, key TEXT NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (connection, key))",
        f"CREATE TABLE IF NOT EXISTS {schema}.sync_state (connection TEXT NOT NULL, resource TEXT NOT NULL, "
        "state TEXT NOT NULL, PRIMARY KEY (connection, resource))",
        f"CREATE TABLE IF NOT EXISTS {schema}.sync_locks (connection TEXT NOT NULL, resource TEXT NOT NULL, "
        "holder TEXT NOT NULL, PRIMARY KEY (connection, resource))",
    ]
    for table, columns in COLUMNS.items():
        indexed = "".join(f", {c.name} {c.sql_type}" for c in columns)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {schema}.{table} (connection TEXT NOT NULL, id TEXT NOT NULL{indexed}, "
            "updated_at TEXT, data TEXT NOT NULL, raw TEXT, summary_hash TEXT NOT NULL, record_hash TEXT NOT NULL, "
            "detailed INTEGER NOT NULL, seen TEXT, seq BIGINT GENERATED ALWAYS AS IDENTITY, "
            "PRIMARY KEY (connection, id))"
        )
        statements.append(f"CREATE INDEX IF NOT EXISTS {table}_seq ON {schema}.{table} (connection, seq)")
        for name in [c.name for c in columns] + ["updated_at"]:
            statements.append(f"CREATE INDEX IF NOT EXISTS {table}_{name} ON {schema}.{table} (connection, {name})")
    return statements


class PostgresStore(Store):
    """One connection's records in a PostgreSQL database shared by every process.

    ``url`` is a libpq URL (``postgresql://user@host:5432/database``); ``connection`` names whose records these
    are (the engine's ``connection``); ``schema`` is where the tables live (created if missing).
    """

    def __init__(self, url: str, *, connection: str, schema: str = "unified") -> None:
        if not isinstance(connection, str) or not connection.strip():
            raise RequestValidationError("connection must be a non-empty name, e.g. 'acme'.", field="connection")
        self.url = url
        self.schema = check_schema(schema)
        self.connection = connection
        self._lock = threading.RLock()
        self._db = connect(url, what="sync database")
        self._transactions = Transactions(self._db, self._lock)
        try:
            self._ensure_tables()
        except BaseException:
            self._db.close()
            raise

    def _ensure_tables(self) -> None:
        with _ready_lock:
            if (self.url, self.schema) in _ready:
                return
            with self.transaction():
                # one creator at a time: concurrent CREATE ... IF NOT EXISTS can still collide in the catalog
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("unified.schema", self.schema),))
                for statement in _create_statements(self.schema):
                    self._db.execute(statement)
                row = self._db.execute(
                    f"SELECT value FROM {self.schema}.meta WHERE connection = '' AND key = 'schema_version'"
                ).fetchone()
                if row is None:
                    self._db.execute(
                        f"INSERT INTO {self.schema}.meta (connection, key, value) VALUES ('', 'schema_version', %s)",
                        (SCHEMA_VERSION,),
                    )
                elif row[0] != SCHEMA_VERSION:
                    raise RequestValidationError(
                        f"The schema {self.schema!r} of {redact_dsn(self.url)} has sync schema version {row[0]}; this "
                        f"version of the library uses {SCHEMA_VERSION}. Use another schema (PostgresStore(schema=...)) "
                        "or drop this one for a full resync.",
                        field="schema",
                    )
            _ready.add((self.url, self.schema))

    def __repr__(self) -> str:
        return f"PostgresStore({redact_dsn(self.url)!r}, connection={self.connection!r}, schema={self.schema!r})"

    # ----- one run per resource -----

    def lock(self, resource: str) -> SyncLock:
        table = self._table(resource)
        where = f"{redact_dsn(self.url)} ({self.schema}, connection {self.connection!r})"
        return PgSyncLock.acquire(self.url, schema=self.schema, connection=self.connection, resource=table, where=where)

    # ----- transactions -----

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together (nested calls join the outer transaction)."""
        return self._transactions()

    # ----- reads -----

    def filter_columns(self, resource: str) -> frozenset[str]:
        table, _ = resolve_view(resource, {})
        return frozenset([c.name for c in COLUMNS[table]] + ["id", "updated_at"])

    def _where(self, resource: str, where: Mapping[str, Any]) -> tuple[str, str, list[Any]]:
        table, filters = resolve_view(resource, where)
        allowed = self.filter_columns(table)
        clauses = ["connection = %s"]
        params: list[Any] = [self.connection]
        for name, value in filters.items():
            if name not in allowed:
                raise RequestValidationError(
                    f"{resource} cannot be filtered by {name!r} in the store; filter columns: "
                    f"{', '.join(sorted(allowed))}.",
                    field=name,
                )
            try:
                stored = sql_value(value)
            except ValueError as exc:
                raise RequestValidationError(f"{name}: {exc}", field=name) from None
            if stored is None:
                clauses.append(f"{name} IS NULL")
            else:
                clauses.append(f"{name} = %s")
                params.append(stored)
        return f"{self.schema}.{table}", " WHERE " + " AND ".join(clauses), params

    def _model(self, table: str, data: str, raw: str | None, with_raw: bool) -> BaseModel:
        model = SYNC_RESOURCES[table.rpartition(".")[2]].model_validate_json(data)
        if with_raw and raw is not None:
            model.raw = json.loads(raw)  # type: ignore[attr-defined]
        return model

    def get(self, resource: str, id: str, *, raw: bool = False) -> BaseModel | None:
        table, where, params = self._where(resource, {"id": id})
        with self._lock:
            row = self._db.execute(f"SELECT data, raw FROM {table}{where}", params).fetchone()
        return None if row is None else self._model(table, row[0], row[1], raw)

    def iter(self, resource: str, *, raw: bool = False, **where: Any) -> Iterator[BaseModel]:
        table, clause, params = self._where(resource, where)
        columns = "seq, data, raw" if raw else "seq, data, NULL"
        query = f"SELECT {columns} FROM {table}{clause} AND seq > %s ORDER BY seq LIMIT %s"
        return self._stream(table, query, params, raw)

    def _stream(self, table: str, query: str, params: list[Any], raw: bool) -> Iterator[BaseModel]:
        """Rows in insertion order, a chunk per query: no cursor stays open between them."""
        after = 0
        while True:
            with self._lock:
                rows = self._db.execute(query, [*params, after, _CHUNK]).fetchall()
            for seq, data, kept in rows:
                yield self._model(table, data, kept, raw)
                after = seq
            if len(rows) < _CHUNK:
                return

    def count(self, resource: str, **where: Any) -> int:
        table, clause, params = self._where(resource, where)
        with self._lock:
            total = scalar(self._db.execute(f"SELECT COUNT(*) FROM {table}{clause}", params).fetchone())
        return int(total)

    # ----- the engine's bookkeeping -----

    def _table(self, resource: str) -> str:
        if resource not in SYNC_RESOURCES:
            raise RequestValidationError(
                f"Unknown resource {resource!r}; the store holds: {', '.join(SYNC_RESOURCES)}.", field="resource"
            )
        return resource

    def states(self, resource: str, ids: Collection[str]) -> dict[str, RecordState]:
        table = self._table(resource)
        wanted = list(ids)
        found: dict[str, RecordState] = {}
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                rows = self._db.execute(
                    f"SELECT id, summary_hash, record_hash, detailed FROM {self.schema}.{table} "
                    "WHERE connection = %s AND id = ANY(%s)",
                    (self.connection, wanted[start : start + _CHUNK]),
                ).fetchall()
                for id, summary_hash, record_hash, detailed in rows:
                    found[id] = RecordState(summary_hash, record_hash, bool(detailed))
        return found

    def upsert(self, resource: str, record: StoredRecord) -> None:
        table = self._table(resource)
        names, values = record_row(table, record)
        names, values = ["connection", *names], [self.connection, *values]
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[2:])
        with self._lock:
            self._db.execute(
                f"INSERT INTO {self.schema}.{table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) "
                f"ON CONFLICT (connection, id) DO UPDATE SET {updates}",
                values,
            )

    def delete(self, resource: str, id: str) -> None:
        table = self._table(resource)
        with self._lock:
            self._db.execute(
                f"DELETE FROM {self.schema}.{table} WHERE connection = %s AND id = %s", (self.connection, id)
            )

    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        table = self._table(resource)
        with self._lock:
            self._db.execute(
                f"UPDATE {self.schema}.{table} SET seen = %s WHERE connection = %s AND id = ANY(%s)",
                (token, self.connection, list(ids)),
            )

    def unseen(self, resource: str, token: str, limit: int) -> list[BaseModel]:
        table = self._table(resource)
        with self._lock:
            rows = self._db.execute(
                f"SELECT data, raw FROM {self.schema}.{table} WHERE connection = %s AND seen IS DISTINCT FROM %s "
                "ORDER BY seq LIMIT %s",
                (self.connection, token, limit),
            ).fetchall()
        return [self._model(table, data, raw, True) for data, raw in rows]

    def load_state(self, resource: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT state FROM {self.schema}.sync_state WHERE connection = %s AND resource = %s",
                (self.connection, resource),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def save_state(self, resource: str, state: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO {self.schema}.sync_state (connection, resource, state) VALUES (%s, %s, %s) "
                "ON CONFLICT (connection, resource) DO UPDATE SET state = excluded.state",
                (self.connection, resource, json.dumps(state)),
            )

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT value FROM {self.schema}.meta WHERE connection = %s AND key = %s", (self.connection, key)
            ).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO {self.schema}.meta (connection, key, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (connection, key) DO UPDATE SET value = excluded.value",
                (self.connection, key, value),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_store(db: str, *, connection: str) -> Store:
    """The store a ``--db`` value names: a ``postgresql://`` URL is a :class:`PostgresStore` (schema ``unified``),
    anything else the path of a SQLite file."""
    from unified.sync._pgdb import is_postgres_url
    from unified.sync.sqlite import SQLiteStore

    if is_postgres_url(db):
        return PostgresStore(db, connection=connection)
    return SQLiteStore(db)
