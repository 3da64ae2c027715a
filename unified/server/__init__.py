"""``unified serve``: Apideck's accounting API, self-hosted, over the unified client, the vault and the connectors.

Any stack talks to it with Apideck's paths, headers and envelopes (an Apideck client works with only its server
URL changed)::

    GET /accounting/invoices?limit=50&filter[updated_since]=2024-01-01T00:00:00Z
    Authorization: Bearer <key from `unified keys create`>
    x-apideck-consumer-id: acme          # a vault connection (or the consumer owning acme.* connections)
    x-apideck-service-id: my-books       # only when the consumer has connections to several services

From Python: ``uvicorn.run(create_app())``, or ``with BackgroundServer(create_app()) as server: ...`` in tests.
"""

from unified.server._app import create_app
from unified.server._consumers import Connections, Route
from unified.server._errors import (
    ConnectionNotFoundError,
    ConnectorNotFoundError,
    InvalidApiKeyError,
    RequestHeadersValidationError,
)
from unified.server._keys import API_KEYS_ENV, KEYS_FILE, ApiKey, ApiKeys, env_keys
from unified.server._openapi import openapi_document
from unified.server._run import BackgroundServer, app_from_environment
from unified.server._settings import RATE_WAIT_ENV, ServerSettings

__all__ = [
    "API_KEYS_ENV",
    "KEYS_FILE",
    "RATE_WAIT_ENV",
    "ApiKey",
    "ApiKeys",
    "BackgroundServer",
    "ConnectionNotFoundError",
    "Connections",
    "ConnectorNotFoundError",
    "InvalidApiKeyError",
    "RequestHeadersValidationError",
    "Route",
    "ServerSettings",
    "app_from_environment",
    "create_app",
    "env_keys",
    "openapi_document",
]
