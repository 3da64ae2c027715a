"""Subscriber signing secrets at rest: Fernet tokens under the vault's key, never plaintext in the webhook database.

The key is the vault's (``UNIFIED_VAULT_KEY``, else ``$UNIFIED_HOME/vault.key``, made 0600 in a 0700 folder on
first use), so one key protects the connections and the subscribers. A stored value is ``fernet:<token>``; a value
without the prefix is a plaintext secret from an older version, encrypted when the database is opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from unified.secret import Secret
from unified.vault import KEY_ENV, KEY_FILE, VaultError, default_home

__all__ = ["PREFIX", "SecretBox", "is_encrypted"]

PREFIX = "fernet:"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _fernet(text: str, source: str) -> Fernet:
    try:
        return Fernet(text.strip().encode())
    except (ValueError, TypeError):
        raise VaultError(
            f"{source} is not a valid vault key: it must be 32 url-safe base64-encoded bytes; make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        ) from None


def _private(path: Path) -> bool:
    return os.name != "posix" or not stat.S_IMODE(path.stat().st_mode) & 0o077


def vault_key(home: Path | None = None) -> Fernet:
    """The vault's key, as the vault finds it; generated where the vault would generate it, if there is none.

    (The vault keeps the same logic private; a public ``unified.vault.load_key`` would replace this copy.)
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return _fernet(env, f"The environment variable {KEY_ENV}")
    folder = (home or default_home()).expanduser()
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:  # O_EXCL: never overwrite a key another process has just written
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
    if not _private(path):
        raise VaultError(
            f"The vault key file {path} can be read by other users; make it private with `chmod 600 {path}`."
        )
    return _fernet(path.read_text(), f"The key file {path}")


class SecretBox:
    """Encrypts and decrypts subscriber secrets for one webhook database; the key is loaded on first use."""

    def __init__(self, where: str, key: str | Secret | None = None) -> None:
        self._where = where
        self._given = None if key is None else Secret.of(key)
        self._key: Fernet | None = None

    def __repr__(self) -> str:
        return f"SecretBox({self._where!r})"

    def _fernet(self) -> Fernet:
        if self._key is None:
            if self._given is not None:
                self._key = _fernet(self._given.reveal(), "The key given to WebhookStore")
            else:
                self._key = vault_key()
        return self._key

    def seal(self, secret: Secret) -> str:
        return PREFIX + self._fernet().encrypt(secret.reveal().encode()).decode()

    def open(self, stored: str) -> Secret:
        if not is_encrypted(stored):
            return Secret(stored)  # a plaintext row not migrated yet (read-only database)
        try:
            return Secret(self._fernet().decrypt(stored[len(PREFIX) :].encode()).decode())
        except InvalidToken:
            raise VaultError(
                f"The subscriber secrets in {self._where} were encrypted with another key: set {KEY_ENV} to the "
                "vault key they were written with, or restore that vault.key."
            ) from None
