"""The vault's encryption key: from ``UNIFIED_VAULT_KEY``, or a key file only its owner can read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from unified.vault._errors import VaultError

KEY_ENV = "UNIFIED_VAULT_KEY"
KEY_FILE = "vault.key"


def make_private_dir(path: Path) -> None:
    """Create ``path`` (mode 0700) if missing; tighten it if it exists and others can read it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)


def fernet_from_text(text: str, *, source: str) -> Fernet:
    try:
        return Fernet(text.strip().encode())
    except (ValueError, TypeError):
        raise VaultError(
            f"{source} is not a valid vault key: it must be 32 url-safe base64-encoded bytes; make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        ) from None


def load_key(home: Path, *, create: bool) -> Fernet | None:
    """The key from the environment, else from ``home/vault.key``; generated there when ``create`` is set.

    None when there is no key yet and ``create`` is not set (a vault that was never written).
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return fernet_from_text(env, source=f"The environment variable {KEY_ENV}")
    path = home / KEY_FILE
    if path.exists():
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise VaultError(
                f"The vault key file {path} can be read by other users; make it private with `chmod 600 {path}`."
            )
        return fernet_from_text(path.read_text(), source=f"The key file {path}")
    if not create:
        return None
    make_private_dir(home)
    key = Fernet.generate_key()
    # O_EXCL: never overwrite a key another process has just written.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_key(home, create=False)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return Fernet(key)
