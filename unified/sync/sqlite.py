"""SQLiteStore: the embedded default store, one table per resource, in WAL mode.

Each table has the record id (primary key), the indexed columns users filter on, ``updated_at``, the unified
JSON (``data``), the provider payload when kept (``raw``), and the engine's hashes and marks. The file is created
readable by its owner only (0600): it holds customer data. A run's lock on a resource is an ``flock`` on
``<file>-<resource>.lock`` beside it, which the kernel frees when the holder dies.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from unified._sqlite import Transactions, connect
from unified.errors import RequestValidationError
from unified.sync._columns import COLUMNS, record_row, sql_value
from unified.sync._lock import FileSyncLock, MemorySyncLock, SyncLock
from unified.sync.store import SYNC_RESOURCES, RecordState, Store, StoredRecord, resolve_view

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = "1"
_CHUNK = 500  # ids per IN (...) query, well under SQLite's parameter limit


def _create_statements() -> list[str]:
    statements = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS sync_state (resource TEXT PRIMARY KEY, state TEXT NOT NULL)",
    ]
    for table, columns in COLUMNS.items():
        indexed = "".join(f", {c.name} {c.sql_type}" for c in columns)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY{indexed}, updated_at TEXT, "
            "data TEXT NOT NULL, raw TEXT, summary_hash TEXT NOT NULL, record_hash TEXT NOT NULL, "
            "detailed INTEGER NOT NULL, seen TEXT)"
        )
        for name in [c.name for c in columns] + ["updated_at"]:
            statements.append(f"CREATE INDEX IF NOT EXISTS {table}_{name} ON {table} ({name})")
    return statements


class SQLiteStore(Store):
    """A store in one SQLite file (``":memory:"`` for a throwaway one).

    >>> store = SQLiteStore("unified.db")
    >>> store.count("invoices", status="paid")
    >>> for customer in store.iter("customers"): ...
    """

    def __init__(self, path: str | os.PathLike[str] = "unified.db") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            self._db = connect(self.path, private=True)  # private: customer data
            self._transactions = Transactions(self._db, self._lock)
            with self.transaction():
                for statement in _create_statements():
                    self._db.execute(statement)
        except sqlite3.Error as exc:
            raise RequestValidationError(
                f"Cannot open the sync database {self.path!r}: {exc}. Pass the path of a writable SQLite file.",
                field="path",
            ) from None
        with self.transaction():
            version = self.get_meta("schema_version")
            if version is None:
                self.set_meta("schema_version", SCHEMA_VERSION)
            elif version != SCHEMA_VERSION:
                raise RequestValidationError(
                    f"The sync database {self.path!r} has schema version {version}; this version of the library "
                    f"uses {SCHEMA_VERSION}. Sync into a new file, or delete this one for a full resync.",
                    field="path",
                )

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # ----- one run per resource -----

    def lock(self, resource: str) -> SyncLock:
        table = self._table(resource)
        if self.path == ":memory:":
            return MemorySyncLock.acquire(self, resource=table, where="this in-memory store")
        file = Path(self.path).expanduser()
        return FileSyncLock.acquire(file.with_name(f"{file.name}-{table}.lock"), resource=table, where=str(file))

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
        clauses: list[str] = []
        params: list[Any] = []
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
                clauses.append(f"{name} = ?")
                params.append(stored)
        return table, (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _model(self, table: str, data: str, raw: str | None, with_raw: bool) -> BaseModel:
        model = SYNC_RESOURCES[table].model_validate_json(data)
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
        columns = "data, raw" if raw else "data, NULL"
        with self._lock:
            cursor = self._db.execute(f"SELECT {columns} FROM {table}{clause} ORDER BY rowid", params)
        return (self._model(table, data, kept, raw) for data, kept in cursor)

    def count(self, resource: str, **where: Any) -> int:
        table, clause, params = self._where(resource, where)
        with self._lock:
            (total,) = self._db.execute(f"SELECT COUNT(*) FROM {table}{clause}", params).fetchone()
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
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT id, summary_hash, record_hash, detailed FROM {table} WHERE id IN ({marks})", chunk
                )
                for id, summary_hash, record_hash, detailed in rows:
                    found[id] = RecordState(summary_hash, record_hash, bool(detailed))
        return found

    def upsert(self, resource: str, record: StoredRecord) -> None:
        table = self._table(resource)
        names, values = record_row(table, record)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        with self._lock:
            self._db.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}",
                values,
            )

    def delete(self, resource: str, id: str) -> None:
        table = self._table(resource)
        with self._lock:
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (id,))

    def mark_seen(self, resource: str, ids: Collection[str], token: str) -> None:
        table = self._table(resource)
        with self._lock:
            self._db.executemany(f"UPDATE {table} SET seen = ? WHERE id = ?", [(token, id) for id in ids])

    def unseen(self, resource: str, token: str, limit: int) -> list[BaseModel]:
        table = self._table(resource)
        with self._lock:
            rows = self._db.execute(
                f"SELECT data, raw FROM {table} WHERE seen IS NOT ? ORDER BY rowid LIMIT ?", (token, limit)
            ).fetchall()
        return [self._model(table, data, raw, True) for data, raw in rows]

    def load_state(self, resource: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT state FROM sync_state WHERE resource = ?", (resource,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def save_state(self, resource: str, state: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO sync_state (resource, state) VALUES (?, ?) "
                "ON CONFLICT (resource) DO UPDATE SET state = excluded.state",
                (resource, json.dumps(state)),
            )

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
