"""A string that keeps itself out of logs, reprs and error messages.

>>> token = Secret("1000.abc")
>>> token
Secret('****')
>>> f"{token}"
"Secret('****')"
>>> token.reveal()
'1000.abc'
"""

from __future__ import annotations

import hmac
from typing import final

__all__ = ["Secret"]


@final
class Secret:
    """Wraps a credential (client secret, access or refresh token). Only :meth:`reveal` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, not {type(value).__name__}.")
        self._value = value

    @classmethod
    def of(cls, value: str | Secret) -> Secret:
        """``value`` as a Secret (a Secret is returned as is)."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The wrapped value: call this only where it is sent to the provider or into the vault."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return format(repr(self), format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)
