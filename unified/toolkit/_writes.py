"""Write safety: what a connector does about a write whose answer was lost. Each connector picks one.

- :class:`LookupFirst`: the provider has no idempotency; the write is never resent, the record is looked up.
- :class:`IdempotencyHeader`: a header (``Idempotency-Key``) makes a resend with the same key safe.
- :class:`RequestIdParam`: a query parameter (``requestid``) does the same.

The caller may pass its own key on a create (``client.invoices.create(record, idempotency_key=...)``): then two
processes creating "the same" record with the same key get one record. Without one, the loop makes a key per
write, which still makes the loop's own retries safe.
"""

from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass
from typing import Any

from unified.errors import RequestValidationError

__all__ = ["IdempotencyHeader", "LookupFirst", "RequestIdParam", "WriteSafety"]


class WriteSafety(abc.ABC):
    #: a write marked by :meth:`mark` may be sent again when its outcome is unknown
    resend_safe: bool = False

    @abc.abstractmethod
    def mark(self, key: str, params: dict[str, Any], headers: dict[str, str], *, caller_key: bool) -> None:
        """Put ``key`` where the provider reads it (or nowhere)."""


class LookupFirst(WriteSafety):
    """Never resend an unconfirmed write: look the record up (by number, reference, a unique field)."""

    resend_safe = False

    def mark(self, key: str, params: dict[str, Any], headers: dict[str, str], *, caller_key: bool) -> None:
        return None

    def __repr__(self) -> str:
        return "LookupFirst()"


def _fit(key: str, max_length: int, what: str, caller_key: bool) -> str:
    if len(key) <= max_length:
        return key
    if caller_key:
        raise RequestValidationError(
            f"idempotency_key is {len(key)} characters; the provider takes at most {max_length} for {what}.",
            field="idempotency_key",
        )
    return hashlib.sha256(key.encode()).hexdigest()[:max_length]


@dataclass(frozen=True)
class IdempotencyHeader(WriteSafety):
    """An idempotency-key header: the provider answers a repeat with the first answer."""

    header: str = "Idempotency-Key"
    max_length: int = 128

    @property
    def resend_safe(self) -> bool:  # type: ignore[override]
        return True

    def mark(self, key: str, params: dict[str, Any], headers: dict[str, str], *, caller_key: bool) -> None:
        headers[self.header] = _fit(key, self.max_length, self.header, caller_key)


@dataclass(frozen=True)
class RequestIdParam(WriteSafety):
    """A request-id query parameter: the provider answers a repeat with the first answer."""

    param: str = "requestid"
    max_length: int = 50

    @property
    def resend_safe(self) -> bool:  # type: ignore[override]
        return True

    def mark(self, key: str, params: dict[str, Any], headers: dict[str, str], *, caller_key: bool) -> None:
        params[self.param] = _fit(key, self.max_length, self.param, caller_key)
