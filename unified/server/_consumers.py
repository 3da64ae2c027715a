"""Which connection a request uses, and one client per connection for the life of the server.

The rule: the consumer ``acme`` owns the vault connection named ``acme`` and every connection named
``acme.<anything>`` (``acme.books``, ``acme.eu``...). ``x-apideck-service-id`` (a connector name) picks among
them; it is needed only when the consumer owns connections of more than one connector. Among several
connections of one connector, the one named exactly as the consumer is used; without it, the request must name
the connection itself.

A connection's connector is built once and kept, so its access token and rate-limit state live as long as the
server (providers limit how many tokens may be minted). A connection whose credentials fail (401) is rebuilt
from the vault on its next request, which picks up a reconnect.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from unified.client import AsyncUnifiedClient
from unified.connector import Connector
from unified.registry import connector_class
from unified.server._errors import ConnectionNotFoundError, ConnectorNotFoundError, RequestHeadersValidationError
from unified.vault import Vault

__all__ = ["Connections", "Route"]

CONSUMER_HEADER = "x-apideck-consumer-id"
SERVICE_HEADER = "x-apideck-service-id"


@dataclass(frozen=True)
class Route:
    """The connection a request goes to."""

    consumer: str
    connection: str
    service: str


class Connections:
    """Resolves consumers to vault connections and keeps one :class:`AsyncUnifiedClient` per connection.

    ``transport`` makes the httpx transport a connector is given, where its constructor takes one.
    """

    def __init__(self, vault: Vault, *, transport: Callable[[], httpx.AsyncBaseTransport] | None = None) -> None:
        self.vault = vault
        self._transport = transport
        self._services: dict[str, str] = {}
        self._clients: dict[str, AsyncUnifiedClient] = {}
        self._lock = asyncio.Lock()

    async def route(self, consumer: str | None, service: str | None) -> Route:
        if not consumer or not consumer.strip():
            raise RequestHeadersValidationError(
                f"Missing header {CONSUMER_HEADER}: name the vault connection to use (`unified connections list`).",
                field=CONSUMER_HEADER,
            )
        consumer = consumer.strip()
        service = service.strip() if service and service.strip() else None
        # a local SQLite read of well under a millisecond: cheaper inline than a hop to a thread and back
        names = self.vault.names()
        owned = [name for name in names if name == consumer or name.startswith(consumer + ".")]
        if not owned:
            raise ConnectionNotFoundError(
                f"The consumer {consumer!r} has no connection in the vault: add one named {consumer!r} (or "
                f"{consumer}.<anything>) with `unified connect` or `unified connections add`."
            )
        services = {name: await self._service(name) for name in owned}
        if service is not None:
            matching = [name for name in owned if services[name] == service]
            if not matching:
                has = ", ".join(sorted(set(services.values())))
                raise ConnectorNotFoundError(
                    f"The consumer {consumer!r} has no {service!r} connection; it has: {has}. "
                    f"Set {SERVICE_HEADER} to one of them."
                )
        else:
            matching = owned
            if len(set(services.values())) > 1:
                has = ", ".join(sorted(set(services.values())))
                raise RequestHeadersValidationError(
                    f"The consumer {consumer!r} has connections to several services ({has}): set {SERVICE_HEADER} "
                    "to the one this request is for.",
                    field=SERVICE_HEADER,
                )
        if consumer in matching:
            name = consumer  # the connection named as the consumer is its default
        elif len(matching) == 1:
            name = matching[0]
        else:
            raise RequestHeadersValidationError(
                f"The consumer {consumer!r} has {len(matching)} {services[matching[0]]!r} connections "
                f"({', '.join(matching)}): use the connection's own name as {CONSUMER_HEADER}.",
                field=CONSUMER_HEADER,
            )
        return Route(consumer=consumer, connection=name, service=services[name])

    async def _service(self, name: str) -> str:
        found = self._services.get(name)
        if found is None:
            found = self.vault.get(name).connector
            self._services[name] = found
        return found

    async def client(self, route: Route) -> AsyncUnifiedClient:
        found = self._clients.get(route.connection)
        if found is not None:
            return found
        async with self._lock:
            found = self._clients.get(route.connection)
            if found is None:
                found = AsyncUnifiedClient(await asyncio.to_thread(self._build, route.connection))
                self._clients[route.connection] = found
            return found

    def _build(self, name: str) -> Connector:
        connection = self.vault.get(name)
        overrides = {}
        if self._transport is not None and _takes(connector_class(connection.connector), "transport"):
            overrides["transport"] = self._transport()
        return self.vault.connector(name, **overrides)

    async def forget(self, connection: str) -> None:
        """Drop a connection's client (its credentials failed): the next request rebuilds it from the vault."""
        self._services.pop(connection, None)
        client = self._clients.pop(connection, None)
        if client is not None:
            await client.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def _takes(cls: type, name: str) -> bool:
    return name in inspect.signature(cls).parameters
