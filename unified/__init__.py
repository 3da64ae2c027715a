"""The engine of the unified accounting API: clients, the connector interface, errors and policies.

>>> from unified import UnifiedClient
>>> client = UnifiedClient(connector)            # any Connector, e.g. connectors.zoho_books.ZohoBooksConnector
>>> for invoice in client.invoices.list(limit=200):
...     ...
"""

from unified.client import AsyncResource, AsyncUnifiedClient, PageOptions, Resource, UnifiedClient
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
from unified.registry import connector_names, create_connector
from unified.secret import Secret

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
