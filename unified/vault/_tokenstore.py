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
from typing import TYPE_CHECKING

from unified.secret import Secret
from unified.toolkit import StoredTokens
from unified.vault._keys import make_private_dir

if TYPE_CHECKING:
    from unified.vault._vault import Vault

__all__ = ["VaultTokenStore"]


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
        folder = self.vault.home / "locks"
        make_private_dir(folder)
        fd = os.open(folder / f"{self.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _stored(secrets: dict[str, str], settings: dict[str, object]) -> StoredTokens | None:
    refresh = secrets.get("refresh_token")
    if not refresh:
        return None
    access = secrets.get("access_token")
    expires = settings.get("expires_at")
    expires_at = datetime.fromisoformat(expires) if isinstance(expires, str) else None
    return StoredTokens(Secret(refresh), Secret(access) if access else None, expires_at)
