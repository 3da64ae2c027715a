"""The connection vault: named connections in ``$UNIFIED_HOME/vault.db``, secrets encrypted at rest.

The key comes from ``UNIFIED_VAULT_KEY`` or from ``$UNIFIED_HOME/vault.key`` (generated on first use, mode 0600,
in a 0700 directory). Tokens a connector refreshes are written back to the connection.
"""

from unified.vault._errors import VaultError
from unified.vault._keys import KEY_ENV, KEY_FILE
from unified.vault._tokenstore import CachedTokenStore, VaultTokenStore
from unified.vault._vault import (
    DB_FILE,
    HOME_ENV,
    Connection,
    Vault,
    build_connector,
    default_home,
    token_changes,
)

__all__ = [
    "DB_FILE",
    "HOME_ENV",
    "KEY_ENV",
    "KEY_FILE",
    "CachedTokenStore",
    "Connection",
    "Vault",
    "VaultError",
    "VaultTokenStore",
    "build_connector",
    "default_home",
    "token_changes",
]
