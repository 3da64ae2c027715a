"""The engine of the unified accounting API: clients, the connector interface, errors and policies.

>>> from unified import UnifiedClient
>>> client = UnifiedClient(connector)            # any Connector, e.g. one from connectors/
>>> for invoice in client.invoices.list(limit=200):
...     ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unified.client import (
        AsyncResource,
        AsyncUnifiedClient,
        PageOptions,
        Resource,
        UnifiedClient,
    )
    from unified.connector import (
        RESOURCES,
        Capabilities,
        Connector,
        ListQuery,
        Operation,
        Page,
        ResourceCapabilities,
        Sort,
        UpdatedSince,
    )
    from unified.errors import (
        ConflictError,
        ConnectorConnectionError,
        ConnectorExecutionError,
        ConnectorOperationUnsupportedError,
        ConnectorRateLimitError,
        ConnectorTimeoutError,
        DownstreamError,
        EntityNotFoundError,
        ForbiddenError,
        RequestValidationError,
        UnauthorizedError,
        UnifiedError,
        UnsupportedFiltersError,
        UnsupportedSortFieldError,
    )
    from unified.registry import (
        connector_names,
        create_connector,
    )
    from unified.secret import (
        Secret,
    )

__all__ = [
    "RESOURCES",
    "AsyncResource",
    "AsyncUnifiedClient",
    "Capabilities",
    "ConflictError",
    "Connector",
    "ConnectorConnectionError",
    "ConnectorExecutionError",
    "ConnectorOperationUnsupportedError",
    "ConnectorRateLimitError",
    "ConnectorTimeoutError",
    "DownstreamError",
    "EntityNotFoundError",
    "ForbiddenError",
    "ListQuery",
    "Operation",
    "Page",
    "PageOptions",
    "RequestValidationError",
    "Resource",
    "ResourceCapabilities",
    "Secret",
    "Sort",
    "UnauthorizedError",
    "UnifiedClient",
    "UnifiedError",
    "UnsupportedFiltersError",
    "UnsupportedSortFieldError",
    "UpdatedSince",
    "connector_names",
    "create_connector",
]

# Names load on first use: the CLI and the emulator start without paying for httpx, pydantic and schemas.
_HOMES = {
    "AsyncResource": "unified.client",
    "AsyncUnifiedClient": "unified.client",
    "PageOptions": "unified.client",
    "Resource": "unified.client",
    "UnifiedClient": "unified.client",
    "RESOURCES": "unified.connector",
    "Capabilities": "unified.connector",
    "Connector": "unified.connector",
    "ListQuery": "unified.connector",
    "Operation": "unified.connector",
    "Page": "unified.connector",
    "ResourceCapabilities": "unified.connector",
    "Sort": "unified.connector",
    "UpdatedSince": "unified.connector",
    "ConflictError": "unified.errors",
    "ConnectorConnectionError": "unified.errors",
    "ConnectorExecutionError": "unified.errors",
    "ConnectorOperationUnsupportedError": "unified.errors",
    "ConnectorRateLimitError": "unified.errors",
    "ConnectorTimeoutError": "unified.errors",
    "DownstreamError": "unified.errors",
    "EntityNotFoundError": "unified.errors",
    "ForbiddenError": "unified.errors",
    "RequestValidationError": "unified.errors",
    "UnauthorizedError": "unified.errors",
    "UnifiedError": "unified.errors",
    "UnsupportedFiltersError": "unified.errors",
    "UnsupportedSortFieldError": "unified.errors",
    "connector_names": "unified.registry",
    "create_connector": "unified.registry",
    "Secret": "unified.secret",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
