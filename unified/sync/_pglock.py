"""The PostgreSQL store's lock on (connection, resource): a session advisory lock on a connection of its own.

PostgreSQL frees a session's advisory locks when the session ends, so a killed process (its socket closed by
the kernel) lets go of the lock at once, on any machine. The holder writes who it is into ``sync_locks`` for
the message of the run that finds the lock taken.
"""

from __future__ import annotations

from typing import Any

from unified.sync._lock import SyncLock, SyncLockedError, holder_text, locked_message
from unified.sync._pgdb import advisory_key, connect, scalar

__all__ = ["PgSyncLock"]


class PgSyncLock(SyncLock):
    def __init__(self, connection: Any, key: int, what: str) -> None:
        self._connection: Any = connection
        self._key = key
        self._what = what

    @classmethod
    def acquire(cls, url: str, *, schema: str, connection: str, resource: str, where: str) -> PgSyncLock:
        """The lock, or :class:`SyncLockedError` naming its holder."""
        key = advisory_key("unified.sync", schema, connection, resource)
        session = connect(url, what="sync database")
        try:
            taken = scalar(session.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone())
            if not taken:
                row = session.execute(
                    f"SELECT holder FROM {schema}.sync_locks WHERE connection = %s AND resource = %s",
                    (connection, resource),
                ).fetchone()
                holder = str(row[0]) if row else None
                raise SyncLockedError(locked_message(resource, where, holder), resource=resource, holder=holder)
            session.execute(
                f"INSERT INTO {schema}.sync_locks (connection, resource, holder) VALUES (%s, %s, %s) "
                "ON CONFLICT (connection, resource) DO UPDATE SET holder = excluded.holder",
                (connection, resource, holder_text()),
            )
        except BaseException:
            session.close()
            raise
        return cls(session, key, f"{connection}/{resource}")

    def release(self) -> None:
        session, self._connection = self._connection, None
        if session is not None:
            session.close()  # the session's end frees its advisory locks

    def __repr__(self) -> str:
        return f"PgSyncLock({self._what!r}, {'held' if self._connection is not None else 'released'})"
