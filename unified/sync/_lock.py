"""One sync per (store, resource) at a time: the lock a store hands the engine, and the error when it is held.

Overlapping runs (two cron jobs, a watcher and a manual ``unified sync``) would each list, fetch and scan for
deletions, multiplying the calls and reporting the same records as created. A store's :meth:`Store.lock` gives a
:class:`SyncLock`, or raises :class:`SyncLockedError` while another run holds it. A lock must not outlive its
holder: a killed process frees it (SQLite: ``flock`` on a file beside the database; PostgreSQL: a session
advisory lock).
"""

from __future__ import annotations

import abc
import json
import os
import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from unified.errors import UnifiedError

__all__ = ["FileSyncLock", "MemorySyncLock", "SyncLock", "SyncLockedError"]


class SyncLockedError(UnifiedError):
    """Another run is syncing this resource into this store (409): wait for it, or run again later."""

    status_code = 409
    type_name = "SyncLockedError"
    default_retriable = True

    def __init__(self, message: str, *, resource: str, holder: str | None = None) -> None:
        super().__init__(message, outcome="failed")
        self.resource = resource
        self.holder = holder


class SyncLock(abc.ABC):
    """The right to sync one resource of one store, until :meth:`release` (or the holder's death)."""

    @abc.abstractmethod
    def release(self) -> None:
        """Give the lock up; calling it twice is harmless."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def holder_text() -> str:
    """Who holds a lock, for the message another run gets: process, host and since when."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"process {os.getpid()} on {socket.gethostname()} since {since}"


def locked_message(resource: str, where: str, holder: str | None) -> str:
    who = f" ({holder})" if holder else ""
    return (
        f"Another sync run{who} is syncing {resource} into {where}; only one run per resource at a time. "
        "Wait for it to finish, or let this run wait for it (SyncEngine(lock_wait=...), `unified sync --wait S`)."
    )


def _try_flock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class FileSyncLock(SyncLock):
    """An exclusive ``flock`` on ``path`` (created 0600), which the kernel drops when the holding process dies.

    ``flock`` belongs to the open file, not the process: two stores in one process exclude each other too. The
    file keeps the holder's description (process, host, start) for the message of the run that finds it locked.
    """

    def __init__(self, handle: IO[bytes], path: Path) -> None:
        self._handle: IO[bytes] | None = handle
        self.path = path

    @classmethod
    def acquire(cls, path: Path, *, resource: str, where: str) -> FileSyncLock:
        """The lock, or :class:`SyncLockedError` naming its holder."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            if not _try_flock(handle):
                holder = _read_holder(handle)
                raise SyncLockedError(locked_message(resource, where, holder), resource=resource, holder=holder)
            handle.seek(1)  # byte 0 is the one Windows locks
            handle.truncate()
            handle.write(json.dumps({"holder": holder_text()}).encode())
            handle.flush()
        except BaseException:
            handle.close()
            raise
        return cls(handle, path)

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the file drops the flock

    def __repr__(self) -> str:
        return f"FileSyncLock({str(self.path)!r}, {'held' if self._handle else 'released'})"


def _read_holder(handle: IO[bytes]) -> str | None:
    try:
        handle.seek(1)
        text = handle.read(1000)
        value = json.loads(text).get("holder") if text else None
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


class MemorySyncLock(SyncLock):
    """A lock held in this process only: for stores no other process can open (``":memory:"``)."""

    _held: set[tuple[int, str]] = set()
    _guard = threading.Lock()

    def __init__(self, key: tuple[int, str]) -> None:
        self._key: tuple[int, str] | None = key

    @classmethod
    def acquire(cls, owner: object, *, resource: str, where: str) -> MemorySyncLock:
        key = (id(owner), resource)
        with cls._guard:
            if key in cls._held:
                raise SyncLockedError(locked_message(resource, where, None), resource=resource)
            cls._held.add(key)
        return cls(key)

    def release(self) -> None:
        key, self._key = self._key, None
        if key is not None:
            with self._guard:
                self._held.discard(key)
