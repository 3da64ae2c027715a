"""Apideck's error envelope for every failure, and the few errors only the server raises."""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import Any

from unified.errors import (
    ConnectorRateLimitError,
    EntityNotFoundError,
    RequestValidationError,
    UnauthorizedError,
    UnifiedError,
)

__all__ = [
    "ConnectionNotFoundError",
    "ConnectorNotFoundError",
    "InvalidApiKeyError",
    "MethodNotAllowedError",
    "PayloadTooLargeError",
    "RequestHeadersValidationError",
    "RouteNotFoundError",
    "error_body",
    "error_headers",
    "unexpected_error_body",
]

_DOCS = "https://developers.apideck.com/errors#"


class RequestHeadersValidationError(RequestValidationError):
    """A required header is missing or malformed (Apideck's name for it)."""

    type_name = "RequestHeadersValidationError"


class InvalidApiKeyError(UnauthorizedError):
    """No API key, or not one this server knows."""


class ConnectionNotFoundError(EntityNotFoundError):
    """The consumer id names no connection in the vault."""

    type_name = "ConnectionNotFoundError"


class ConnectorNotFoundError(EntityNotFoundError):
    """The service id names no connector the consumer has a connection for."""

    type_name = "ConnectorNotFoundError"


class RouteNotFoundError(EntityNotFoundError):
    """No such path or resource on this server."""


class PayloadTooLargeError(RequestValidationError):
    """The request body is larger than the server accepts."""

    status_code = 413


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(exc: UnifiedError) -> dict[str, Any]:
    """``{status_code, error, type_name, message, detail, ref}`` plus the library's ``downstream_errors``,
    ``retriable`` and ``outcome``; keys with no value are left out, as Apideck's schemas give them no null."""
    body: dict[str, Any] = {
        "status_code": exc.status_code,
        "error": _phrase(exc.status_code),
        "type_name": exc.type_name,
        "message": str(exc),
        "ref": _DOCS + exc.type_name.lower(),
        "retriable": exc.retriable,
        "outcome": exc.outcome,
    }
    if exc.detail is not None:
        body["detail"] = exc.detail if isinstance(exc.detail, str) else dict(exc.detail)
    if exc.downstream_errors:
        body["downstream_errors"] = [
            {key: str(value) for key, value in error.to_dict().items() if value is not None}
            for error in exc.downstream_errors
        ]
    return body


def error_headers(exc: UnifiedError) -> dict[str, str]:
    if isinstance(exc, ConnectorRateLimitError) and exc.retry_after is not None:
        return {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    if isinstance(exc, InvalidApiKeyError):
        return {"WWW-Authenticate": "Bearer"}
    return {}


def unexpected_error_body(status: int = 500) -> dict[str, Any]:
    return {
        "status_code": status,
        "error": _phrase(status),
        "type_name": "UnexpectedError",
        "message": "The server failed unexpectedly; the error is in its log. Retry later.",
        "ref": _DOCS + "unexpectederror",
        "retriable": True,
        "outcome": "unknown",
    }


class MethodNotAllowedError(RequestValidationError):
    """The path exists, but not with this HTTP method."""

    status_code = 405
