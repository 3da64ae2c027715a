"""The ASGI app: Apideck's accounting paths over ``AsyncUnifiedClient``, its envelopes, keys and request log."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as Path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unified.client import AsyncResource, AsyncUnifiedClient
from unified.errors import RequestValidationError, UnauthorizedError, UnifiedError
from unified.server import _proxy
from unified.server._consumers import CONSUMER_HEADER, SERVICE_HEADER, Connections, Route
from unified.server._errors import (
    InvalidApiKeyError,
    MethodNotAllowedError,
    PayloadTooLargeError,
    RouteNotFoundError,
    error_body,
    error_headers,
    unexpected_error_body,
)
from unified.server._json import dumps, loads
from unified.server._keys import API_KEYS_ENV, ApiKeys
from unified.server._openapi import openapi_document
from unified.server._pacing import TrackedTransport, bounded
from unified.server._query import page_options, parse_bool, parse_list, refuse_unknown
from unified.server._resources import RESOURCES, ServedResource, parse_fields, project
from unified.server._settings import ServerSettings
from unified.vault import Vault

__all__ = ["create_app"]

logger = logging.getLogger("unified.server")

T = TypeVar("T")
PUBLIC_PATHS = frozenset({"/health", "/openapi.json"})
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Server:
    """What the handlers share: settings, keys and the connections' clients."""

    def __init__(self, settings: ServerSettings, vault: Vault, keys: ApiKeys) -> None:
        self.settings = settings
        self.keys = keys
        self.connections = Connections(vault, transport=TrackedTransport)
        self._openapi: bytes | None = None

    @property
    def openapi(self) -> bytes:
        if self._openapi is None:
            self._openapi = dumps(openapi_document())
        return self._openapi

    async def open(self, request: Request) -> tuple[Route, AsyncUnifiedClient]:
        route = await self.connections.route(request.headers.get(CONSUMER_HEADER), request.headers.get(SERVICE_HEADER))
        return route, await self.connections.client(route)

    async def call(self, route: Route, work: Callable[[], Awaitable[T]], *, write: bool) -> T:
        try:
            return await bounded(work, wait=self.settings.rate_limit_wait, write=write)
        except UnauthorizedError:
            await self.connections.forget(route.connection)  # rebuilt from the vault next time: a reconnect counts
            raise


def _server(request: Request) -> Server:
    server: Server = request.app.state.server
    return server


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def _envelope(status: int, route: Route, resource: str, operation: str, data: Any) -> dict[str, Any]:
    return {
        "status_code": status,
        "status": HTTPStatus(status).phrase,
        "service": route.service,
        "resource": resource,
        "operation": operation,
        "data": data,
    }


def _resource(request: Request) -> ServedResource:
    name = request.path_params["resource"]
    found = RESOURCES.get(name)
    if found is None:
        raise RouteNotFoundError(
            f"No resource {name!r} at /accounting; this server has: {', '.join(sorted(RESOURCES))}."
        )
    return found


def _raw_flag(request: Request, allowed: set[str]) -> bool:
    refuse_unknown(request.query_params.keys(), allowed)
    return parse_bool("raw", request.query_params.get("raw"))


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"The request body is larger than {limit} bytes; send less.", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"The request body is larger than {limit} bytes; send less.", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


async def _record_body(request: Request, resource: ServedResource) -> dict[str, Any]:
    body = loads(await _body(request, _server(request).settings.max_body_bytes))
    if not isinstance(body, dict):
        raise RequestValidationError(
            f"The request body must be a JSON object: a {resource.schema_name} (see /openapi.json).", field="body"
        )
    return body


# -- /accounting/{resource} ----------------------------------------------------------------------------------


async def records(request: Request) -> Response:
    resource = _resource(request)
    if request.method == "GET":
        return await _list(request, resource)
    return await _create(request, resource)


async def record(request: Request) -> Response:
    resource = _resource(request)
    if request.method == "GET":
        return await _get(request, resource)
    if request.method == "PATCH":
        return await _update(request, resource)
    return await _delete(request, resource)


async def _list(request: Request, resource: ServedResource) -> Response:
    params = parse_list(request.query_params.multi_items())
    tree = parse_fields(params.fields, resource)
    server = _server(request)
    route, client = await server.open(request)
    target: AsyncResource[Any] = client.resource(resource.client_name)
    # a field the caller needs that list rows leave out is fetched with each record's detail
    needed = set(tree) if tree is not None else resource.required
    detail = bool(needed & target.capabilities.detail_fields)
    page = await server.call(
        route, lambda: target.page(params.cursor, **page_options(params, detail=detail)), write=False
    )
    data = [resource.record(model) for model in page.data]
    if tree is not None:
        data = [project(item, tree) for item in data]
    body = _envelope(200, route, resource.path, "all", data)
    body["meta"] = {
        "items_on_page": len(data),
        "cursors": {"previous": None, "current": params.cursor, "next": page.next_cursor},
    }
    next_link = str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    body["links"] = {"previous": None, "current": str(request.url), "next": next_link}
    if params.raw:
        body["_raw"] = {"data": [model.raw for model in page.data]}
    return _json(200, body)


async def _get(request: Request, resource: ServedResource) -> Response:
    raw = _raw_flag(request, {"raw", "fields"})
    tree = parse_fields(request.query_params.get("fields"), resource)
    server = _server(request)
    route, client = await server.open(request)
    target: AsyncResource[Any] = client.resource(resource.client_name)
    found = await server.call(route, lambda: target.get(request.path_params["id"], raw=raw), write=False)
    data = resource.record(found)
    body = _envelope(200, route, resource.path, "one", data if tree is None else project(data, tree))
    if raw:
        body["_raw"] = found.raw
    return _json(200, body)


async def _create(request: Request, resource: ServedResource) -> Response:
    raw = _raw_flag(request, {"raw"})
    payload = await _record_body(request, resource)
    server = _server(request)
    route, client = await server.open(request)
    target: AsyncResource[Any] = client.resource(resource.client_name)
    # a retried create with the same key yields the same record where the connector can honour keys
    key = request.headers.get("idempotency-key") or request.headers.get("x-apideck-idempotency-key")
    created = await server.call(route, lambda: target.create(payload, raw=raw, idempotency_key=key), write=True)
    body = _envelope(201, route, resource.path, "add", {"id": created.id})
    if raw:
        body["_raw"] = created.raw
    return _json(201, body)


async def _update(request: Request, resource: ServedResource) -> Response:
    raw = _raw_flag(request, {"raw"})
    payload = await _record_body(request, resource)
    server = _server(request)
    route, client = await server.open(request)
    target: AsyncResource[Any] = client.resource(resource.client_name)
    record_id = request.path_params["id"]
    updated = await server.call(route, lambda: target.update(record_id, payload, raw=raw), write=True)
    body = _envelope(200, route, resource.path, "update", {"id": updated.id or record_id})
    if raw:
        body["_raw"] = updated.raw
    return _json(200, body)


async def _delete(request: Request, resource: ServedResource) -> Response:
    _raw_flag(request, {"raw"})
    server = _server(request)
    route, client = await server.open(request)
    target: AsyncResource[Any] = client.resource(resource.client_name)
    record_id = request.path_params["id"]
    await server.call(route, lambda: target.delete(record_id), write=True)
    return _json(200, _envelope(200, route, resource.path, "delete", {"id": record_id}))


# -- /proxy, /health, /openapi.json --------------------------------------------------------------------------


async def proxy(request: Request) -> Response:
    refuse_unknown(request.query_params.keys(), set())
    if _proxy.AUTH_HEADER in request.headers:
        raise RequestValidationError(
            f"{_proxy.AUTH_HEADER} is not supported: the proxy always signs with the connection's own credentials.",
            field=_proxy.AUTH_HEADER,
        )
    method = _proxy.downstream_method(request.headers.get(_proxy.METHOD_HEADER), request.method)
    raw_body = await _body(request, _server(request).settings.max_body_bytes)
    payload = loads(raw_body) if raw_body.strip() else None
    server = _server(request)
    route, client = await server.open(request)
    path, params = _proxy.downstream_target(request.headers.get(_proxy.URL_HEADER), client.connector)
    answer = await server.call(
        route, lambda: client.proxy(method, path, params=params or None, json=payload), write=method in _WRITES
    )
    return Response(answer.content, status_code=answer.status_code, headers=_proxy.passed_headers(answer.headers))


async def health(request: Request) -> Response:
    return _json(200, {"status": "ok"})


async def openapi(request: Request) -> Response:
    return Response(_server(request).openapi, media_type="application/json")


# -- errors, keys and the request log ------------------------------------------------------------------------


async def _unified_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnifiedError)
    return _json(exc.status_code, error_body(exc), error_headers(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error: UnifiedError = MethodNotAllowedError(
            f"{request.method} is not allowed on {request.url.path}; see /openapi.json for its operations.",
            field="method",
        )
    else:
        error = RouteNotFoundError(f"No route {request.url.path}; see /openapi.json for the paths this server has.")
    return _json(error.status_code, error_body(error), {"Allow": exc.headers["Allow"]} if exc.headers else None)


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return _json(500, unexpected_error_body())


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() if scheme.lower() == "bearer" and key.strip() else None
    return None


def _printable(value: str | None) -> str:
    """A header or path as one log token: control characters escaped, so nobody can forge a log line."""
    if not value:
        return "-"
    text = value if value.isprintable() and " " not in value else value.encode("unicode_escape").decode("ascii")
    return text.replace(" ", "\\x20")[:200]


class Gate:
    """Checks the API key of every call but /health and /openapi.json, and logs one line per call:
    method, path, status, duration, consumer. Never the key, the query string or a body."""

    def __init__(self, app: ASGIApp, server: Server) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["path"] in PUBLIC_PATHS or self._authorized(scope):
                await self.app(scope, receive, sent)
            else:
                error = InvalidApiKeyError(
                    "Missing or unknown API key: send Authorization: Bearer <key>, with a key from "
                    f"`unified keys create` or {API_KEYS_ENV}."
                )
                await _json(401, error_body(error), error_headers(error))(scope, receive, sent)
        finally:
            headers = dict(scope["headers"])
            consumer = headers.get(CONSUMER_HEADER.encode(), b"").decode("latin-1")
            logger.info(
                "%s %s %d %.1f ms consumer=%s",
                scope["method"],
                _printable(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
                _printable(consumer),
            )

    def _authorized(self, scope: Scope) -> bool:
        key = _bearer(scope)
        return key is not None and self.server.keys.verify(key)


def create_app(
    settings: ServerSettings | None = None, *, vault: Vault | None = None, keys: ApiKeys | None = None
) -> Starlette:
    """The server's ASGI app. Refuses to be made without an API key (key file or ``UNIFIED_API_KEYS``)."""
    settings = settings or ServerSettings()
    vault = vault or Vault(settings.home)
    keys = keys or ApiKeys(settings.home, extra=settings.api_keys)
    if keys.count() == 0:
        raise RequestValidationError(
            f"No API key: make one with `unified keys create` (kept in {keys.path}) or set {API_KEYS_ENV}; "
            "the server does not start open to anyone.",
            field="api_keys",
        )
    server = Server(settings, vault, keys)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await server.connections.aclose()
            keys.close()

    routes = [
        Path("/accounting/{resource}", records, methods=["GET", "POST"]),
        Path("/accounting/{resource}/{id}", record, methods=["GET", "PATCH", "DELETE"]),
        Path("/proxy", proxy, methods=sorted(_proxy.METHODS)),
        Path("/health", health, methods=["GET"]),
        Path("/openapi.json", openapi, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={UnifiedError: _unified_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.server = server
    app.add_middleware(Gate, server=server)
    return app
