"""A saved connection's tokens as a :class:`~unified.toolkit.TokenStore`: what rotating refresh tokens need.

``lock()`` is a file lock per connection beside the vault (``locks/<name>.lock``), so two processes refreshing
the same connection take turns, and the second finds the first's rotated token instead of spending the dead
one; the kernel frees it when its holder dies. ``compare_and_swap`` reads and writes in one immediate SQLite
transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from unified.secret import Secret
from unified.toolkit import StoredTokens
from unified.vault._keys import make_private_dir

if TYPE_CHECKING:
    from unified.vault._vault import Vault

__all__ = ["CachedTokenStore", "VaultTokenStore"]


class VaultTokenStore:
    def __init__(self, vault: Vault, name: str) -> None:
        self.vault = vault
        self.name = name

    def __repr__(self) -> str:
        return f"VaultTokenStore({self.name!r})"

    def load(self) -> StoredTokens | None:
        connection = self.vault.get(self.name)
        return _stored(dict(connection.secrets), dict(connection.settings))

    def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
        return self.vault.swap_tokens(self.name, expected, new)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with _file_lock(self.vault.home / "locks" / f"{self.name}.lock"):
            yield


def _stored(secrets: dict[str, str], settings: dict[str, object]) -> StoredTokens | None:
    refresh = secrets.get("refresh_token")
    if not refresh:
        return None
    access = secrets.get("access_token")
    expires = settings.get("expires_at")
    expires_at = datetime.fromisoformat(expires) if isinstance(expires, str) else None
    return StoredTokens(Secret(refresh), Secret(access) if access else None, expires_at)


class CachedTokenStore:
    """The tokens of a connection given by flags or environment variables, kept in the vault's token cache.

    The refresh token the environment names is the first link of the chain; each rotation is stored under a key
    derived from it, so the next run (or process) continues from the newest token instead of the dead first one.
    """

    def __init__(self, vault: Vault, key: str, initial: Secret) -> None:
        self.vault = vault
        self.key = key
        self.initial = initial

    def __repr__(self) -> str:
        return "CachedTokenStore()"

    def load(self) -> StoredTokens | None:
        cached = self.vault.cached_tokens(self.key)
        refresh = cached.get("refresh_token")
        access = cached.get("access_token")
        expires = cached.get("expires_at")
        return StoredTokens(
            Secret(refresh) if isinstance(refresh, str) and refresh else self.initial,
            Secret(access) if isinstance(access, str) and access else None,
            expires if isinstance(expires, datetime) else None,
        )

    def compare_and_swap(self, expected: Secret, new: StoredTokens) -> bool:
        return self.vault.swap_cached_tokens(self.key, expected, new, initial=self.initial)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with _file_lock(self.vault.home / "locks" / f"cache-{self.key[:32]}.lock"):
            yield


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    make_private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
