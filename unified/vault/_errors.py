from __future__ import annotations

from unified.errors import UnifiedError


class VaultError(UnifiedError):
    """The vault cannot be read or written: a wrong or missing key, or a damaged file."""

    status_code = 500
    type_name = "VaultError"
