"""The error tree every connector maps its provider's failures onto.

Names follow Apideck's ``type_name`` values so a product that already speaks Apideck keeps its error handling::

    UnifiedError                                   base; never raised itself
    ├── RequestValidationError              400    bad input, refused before any call
    │   └── UnsupportedFiltersError          400    a filter the connector cannot honour
    │       └── UnsupportedSortFieldError    400    a sort field the connector cannot honour
    ├── UnauthorizedError                   401    credentials missing, invalid, expired or revoked
    ├── ForbiddenError                      403    authenticated, but not allowed (scope, organization)
    ├── EntityNotFoundError                 404    the record does not exist
    ├── ConflictError                       409    the provider refused because of the record's state
    ├── ConnectorRateLimitError             429    the provider's rate limit or daily budget
    ├── ConnectorOperationUnsupportedError  501    the connector does not offer this operation
    └── ConnectorExecutionError             5xx    the provider failed, or its answer made no sense
        ├── ConnectorTimeoutError           504    no answer in time
        └── ConnectorConnectionError        502    the connection failed or dropped

Every error carries ``status_code``, ``type_name``, ``message``, ``detail``, ``downstream_errors`` (the provider's
own code and message), ``retriable`` and ``outcome``. ``outcome`` is ``"failed"`` when nothing was written,
``"uncertain"`` when a write may or may not have happened (a timeout after sending a create), and ``"unknown"``
for reads, where it does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

__all__ = [
    "ConflictError",
    "ConnectorConnectionError",
    "ConnectorExecutionError",
    "ConnectorOperationUnsupportedError",
    "ConnectorRateLimitError",
    "ConnectorTimeoutError",
    "DownstreamError",
    "EntityNotFoundError",
    "ForbiddenError",
    "Outcome",
    "RequestValidationError",
    "UnauthorizedError",
    "UnifiedError",
    "UnsupportedFiltersError",
    "UnsupportedSortFieldError",
]

Outcome = Literal["failed", "uncertain", "unknown"]


@dataclass(frozen=True)
class DownstreamError:
    """What the provider itself said: its code and message, kept verbatim."""

    code: str | None
    message: str
    status_code: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "status_code": self.status_code}


class UnifiedError(Exception):
    """Base of every error this library raises on purpose."""

    status_code: ClassVar[int] = 500
    type_name: ClassVar[str] = "UnifiedError"
    default_retriable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        detail: str | Mapping[str, Any] | None = None,
        downstream_errors: Sequence[DownstreamError] = (),
        retriable: bool | None = None,
        outcome: Outcome = "unknown",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.downstream_errors: tuple[DownstreamError, ...] = tuple(downstream_errors)
        self.retriable = self.default_retriable if retriable is None else retriable
        self.outcome: Outcome = outcome
        self.request_id = request_id

    def __str__(self) -> str:
        text = self.message
        if self.downstream_errors:
            first = self.downstream_errors[0]
            if first.code is not None and f"code {first.code}" not in text:
                text = f"{text} (provider code {first.code})"
        if self.outcome == "uncertain":
            text = f"{text} [outcome uncertain: the write may have happened]"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code})"

    def to_dict(self) -> dict[str, Any]:
        """Apideck's error body shape, plus ``retriable`` and ``outcome``."""
        return {
            "status_code": self.status_code,
            "error": type(self).__name__,
            "type_name": self.type_name,
            "message": self.message,
            "detail": self.detail,
            "downstream_errors": [e.to_dict() for e in self.downstream_errors],
            "retriable": self.retriable,
            "outcome": self.outcome,
        }


class RequestValidationError(UnifiedError):
    """The request was refused before any call: a field is missing, malformed or not allowed."""

    status_code = 400
    type_name = "RequestValidationError"

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("outcome", "failed")
        super().__init__(message, **kwargs)
        self.field = field


class UnsupportedFiltersError(RequestValidationError):
    """A filter the connector cannot honour; it is refused, never silently ignored."""

    type_name = "UnsupportedFiltersError"


class UnsupportedSortFieldError(UnsupportedFiltersError):
    """A sort field the connector cannot honour."""

    type_name = "UnsupportedSortFieldError"


class UnauthorizedError(UnifiedError):
    """Credentials are missing, invalid, expired or revoked; reconnect or refresh."""

    status_code = 401
    type_name = "UnauthorizedError"


class ForbiddenError(UnifiedError):
    """Authenticated, but not allowed: a missing scope or an organization the user cannot reach."""

    status_code = 403
    type_name = "ForbiddenError"


class EntityNotFoundError(UnifiedError):
    """The record does not exist (or not in this organization)."""

    status_code = 404
    type_name = "EntityNotFoundError"


class ConflictError(UnifiedError):
    """The provider refused the change because of the record's state (a duplicate, a void invoice...)."""

    status_code = 409
    type_name = "InvalidStateError"


class ConnectorRateLimitError(UnifiedError):
    """The provider's rate limit or daily budget was reached.

    ``retry_after`` is the number of seconds to wait, when known; ``resets_at`` when the budget resets.
    """

    status_code = 429
    type_name = "ConnectorRateLimitError"
    default_retriable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        resets_at: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.resets_at = resets_at


class ConnectorOperationUnsupportedError(UnifiedError):
    """The connector does not offer this operation on this resource."""

    status_code = 501
    type_name = "ConnectorOperationUnsupportedError"

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("outcome", "failed")
        super().__init__(message, **kwargs)


class ConnectorExecutionError(UnifiedError):
    """The provider failed, or answered with something this library cannot use."""

    status_code = 502
    type_name = "ConnectorExecutionError"


class ConnectorTimeoutError(ConnectorExecutionError):
    """The provider did not answer in time."""

    status_code = 504
    type_name = "ConnectorTimeoutError"
    default_retriable = True


class ConnectorConnectionError(ConnectorExecutionError):
    """The connection could not be made, or dropped before an answer."""

    status_code = 502
    type_name = "ConnectorConnectionError"
    default_retriable = True
