"""The Starlette app: Zoho Accounts under /oauth, Books API v3 under /books/v3, controls under /__emulator.

Books calls go through: authentication (401 code 14 / 57) -> route (404 / 405) -> organization (6041) ->
limits (429 codes 45 / 44 / 1070) -> injected faults -> scope (401 code 57) -> handler. Every OAuth and
API call is logged and counted; /__emulator calls are not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount

from . import _control, _routes, _settings
from ._body import parse_body, require_object
from ._call import Call
from ._errors import ZohoError, invalid_param, not_authorized
from ._oauth import LOCATIONS, scope_allows
from ._runtime import Runtime
from ._store import dumps

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
ASGIReceive = Callable[[], Awaitable[MutableMapping[str, Any]]]
ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]
JSON = "application/json;charset=UTF-8"
ABORT_KEY = "zoho_emulator.abort"
GONE_KEY = "zoho_emulator.gone"
API_PREFIX = "/books/v3"
SECRET_PARAMETERS = frozenset(
    {"client_secret", "refresh_token", "code", "token", "access_token"}
)  # kept out of the log
BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>ZGS</center></body></html>"
)


class Dropped(Exception):
    """The connection is to be closed without an answer."""


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def _error(exc: ZohoError) -> Response:
    return _json(exc.status, dumps(exc.body()), exc.headers)


def _base_url(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "localhost")
    return f"{scope.get('scheme', 'http')}://{host}"


def _fault_response(kind: str) -> Response | None:
    if kind == "500":
        return _json(500, dumps({"code": 1000, "message": "Internal error"}))
    if kind == "503":
        return _json(503, dumps({"code": 1000, "message": "Service temporarily unavailable. Please try again later."}))
    if kind == "html":
        return Response(BAD_GATEWAY, status_code=502, media_type="text/html")
    if kind == "expired_token":
        return _error(not_authorized())
    return None


async def _close_connection(scope: Scope) -> None:
    """Close the client's connection without an answer: abort the socket under a real server; in-process
    (httpx.ASGITransport) raise what httpx raises for a dropped connection."""
    abort = scope.get(ABORT_KEY)
    if abort is None:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    await abort()


def with_abort(
    app: Callable[[Scope, ASGIReceive, ASGISend], Awaitable[None]],
) -> Callable[[Scope, ASGIReceive, ASGISend], Awaitable[None]]:
    """Wrap the app for a real uvicorn server so faults can drop a connection.

    uvicorn passes its request cycle's bound `send`; its transport is the socket. Aborting it and waiting
    until uvicorn has noticed the loss leaves uvicorn nothing to answer or to log.
    """

    async def wrapped(scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if scope["type"] == "http" and transport is not None:

            async def abort() -> None:
                transport.abort()
                for _ in range(1000):
                    if getattr(cycle, "disconnected", True):
                        return
                    await asyncio.sleep(0.001)

            scope[ABORT_KEY] = abort
            scope[GONE_KEY] = lambda: bool(getattr(cycle, "disconnected", False)) or transport.is_closing()
        await app(scope, receive, send)

    return wrapped


class _Gateway:
    """One of the two served surfaces (Accounts or Books API), as a raw ASGI app so it can drop connections."""

    def __init__(self, runtime: Runtime, books: bool) -> None:
        self.runtime = runtime
        self.books = books

    async def __call__(self, scope: Scope, receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] != "http":
            return
        runtime = self.runtime
        if not runtime.store.ready.is_set():
            await anyio.to_thread.run_sync(runtime.store.wait)
        request = Request(scope, receive)
        path = scope["path"]
        entry: dict[str, Any] = {
            "time": runtime.clock.now(),
            "method": request.method,
            "path": path,
            "query": {k: "***" if k in SECRET_PARAMETERS else v for k, v in request.query_params.items()},
            "endpoint": f"{request.method} {path}",
            "organization_id": request.query_params.get("organization_id", ""),
            "status": None,
            "code": None,
            "fault": None,
        }
        call_holder: list[Call] = []
        try:
            handle = self._books if self.books else self._accounts
            response = await handle(request, entry, call_holder)
        except Dropped:
            entry["status"] = "dropped"
            runtime.stats.record(entry)
            self._deliver(call_holder)
            await _close_connection(scope)
            return
        entry["status"] = response.status_code
        runtime.stats.record(entry)
        self._deliver(call_holder)
        await response(scope, receive, send)

    def _deliver(self, call_holder: list[Call]) -> None:
        for call in call_holder:
            if call.events:
                self.runtime.webhooks.dispatch(call.org, call.events)

    async def _fault(self, request: Request, entry: dict[str, Any]) -> tuple[str | None, Response | None]:
        """The fault for this call: a response to send instead, or Dropped; 'drop_after_commit' is returned."""
        kind = self.runtime.faults.pick(request.method, request.url.path)
        if kind is None:
            return None, None
        entry["fault"] = kind
        if kind == "timeout":
            gone = request.scope.get(GONE_KEY, lambda: False)
            await self.runtime.faults.hold(lambda: gone() or self.runtime.stopping)
            raise Dropped
        if kind == "drop":
            raise Dropped
        return kind, _fault_response(kind)

    async def _books(self, request: Request, entry: dict[str, Any], calls: list[Call]) -> Response:
        runtime = self.runtime
        method = request.method
        relative = request.url.path[request.url.path.find(API_PREFIX) + len(API_PREFIX) :] or "/"
        route, params, path_known = _routes.match(method, relative)
        if route is not None:
            entry["endpoint"] = f"{method} {API_PREFIX}{route.template}"
        org_id = ""
        headers: dict[str, str] = {}
        try:
            token = runtime.accounts.authenticate(request.headers.get("authorization"))
            organizations = relative.rstrip("/") == "/organizations" or relative.startswith("/organizations/")
            if route is None and not organizations:
                if path_known:
                    raise ZohoError(405, 37, f"The HTTP method {method} is not allowed for {API_PREFIX}{relative}.")
                raise ZohoError(404, 5, "Invalid URL Passed")
            if organizations:
                return await self._organizations(request, relative, token.scopes, entry)
            assert route is not None
            org_id = request.query_params.get("organization_id", "").strip()
            if not org_id:
                raise invalid_param("organization_id", "Send ?organization_id=<id>; GET /organizations lists them.")
            org = runtime.store.get(org_id)
            if org is None:
                raise ZohoError(400, 6041, f"This user is not associated with the CompanyID/CompanyName:{org_id}.")
            headers = runtime.limits.admit(org_id)
            try:
                kind, faulted = await self._fault(request, entry)
                if faulted is not None:
                    faulted.headers.update(headers)
                    return faulted
                if not scope_allows(token.scopes, route.scope):
                    raise not_authorized()
                body = parse_body(await request.body(), request.headers.get("content-type", ""), request.query_params)
                call = Call(
                    org=org,
                    query=request.query_params,
                    headers=request.headers,
                    body=body,
                    params=params,
                    now=runtime.clock.now(),
                    new_id=org.new_id,
                )
                with runtime.store.lock:
                    reply = route.handler(call)
                calls.append(call)
                if kind == "drop_after_commit":
                    raise Dropped
                return _json(reply.status, reply.body, {**headers, **reply.headers})
            finally:
                runtime.limits.release(org_id)
        except ZohoError as exc:
            entry["code"] = exc.code
            exc.headers = {**headers, **exc.headers}
            return _error(exc)
        except Dropped:
            raise
        except Exception:
            log.exception("internal error serving %s %s", method, request.url.path)
            entry["code"] = 1000
            return _json(500, dumps({"code": 1000, "message": "Internal error"}), headers)

    async def _organizations(
        self, request: Request, relative: str, scopes: tuple[str, ...], entry: dict[str, Any]
    ) -> Response:
        store = self.runtime.store
        parts = [p for p in relative.split("/") if p]
        method = request.method
        _, faulted = await self._fault(request, entry)
        if faulted is not None:
            return faulted
        if len(parts) == 1 and method == "GET":
            entry["endpoint"] = f"GET {API_PREFIX}/organizations"
            _require(scopes, "ZohoBooks.settings.READ")
            with store.lock:
                reply = _settings.list_organizations(store)
        elif len(parts) == 2 and method in ("GET", "PUT"):
            org_id = parts[1]
            entry["organization_id"] = org_id
            entry["endpoint"] = f"{method} {API_PREFIX}/organizations/{{organization_id}}"
            if method == "GET":
                _require(scopes, "ZohoBooks.settings.READ")
                with store.lock:
                    reply = _settings.get_organization(store, org_id)
            else:
                _require(scopes, "ZohoBooks.settings.UPDATE")
                raw = await request.body()
                body = require_object(parse_body(raw, request.headers.get("content-type", ""), request.query_params))
                with store.lock:
                    reply = _settings.update_organization(store, org_id, body)
        else:
            raise ZohoError(404, 5, "Invalid URL Passed")
        return _json(reply.status, reply.body)

    async def _accounts(self, request: Request, entry: dict[str, Any], calls: list[Call]) -> Response:
        accounts = self.runtime.accounts
        path = request.url.path.rstrip("/")
        base = _base_url(request.scope)
        _, faulted = await self._fault(request, entry)
        if faulted is not None:
            return faulted
        params = dict(request.query_params)
        if request.method == "POST" and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            params.update(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        if path == "/oauth/v2/auth" and request.method in ("GET", "POST"):
            status, target = accounts.authorize(params, base)
            if status == 302:
                return RedirectResponse(target, status_code=302)
            return Response(target, status_code=status, media_type="text/plain")
        if path == "/oauth/v2/token" and request.method == "POST":
            result = accounts.token(params, base)
            return _json(result.status, dumps(result.body))
        if path == "/oauth/v2/token/revoke" and request.method == "POST":
            if accounts.revoke(params.get("token", "")):
                return _json(200, dumps({"status": "success"}))
            return _json(400, dumps({"status": "failure", "error": "invalid_token"}))
        if path == "/oauth/serverinfo" and request.method == "GET":
            return _json(200, dumps({"result": "success", "locations": {loc: base for loc in LOCATIONS}}))
        return _json(
            404, dumps({"error": "invalid_url", "error_description": f"No Accounts endpoint {request.method} {path}."})
        )


def _require(scopes: tuple[str, ...], required: str) -> None:
    if not scope_allows(scopes, required):
        raise not_authorized()


def _not_found(request: Request, exc: Exception) -> Response:
    return _json(404, dumps({"code": 5, "message": "Invalid URL Passed"}))


def build_app(runtime: Runtime) -> Starlette:
    return Starlette(
        routes=[
            Mount("/oauth", app=_Gateway(runtime, books=False)),
            Mount(API_PREFIX, app=_Gateway(runtime, books=True)),
            Mount("/__emulator", routes=_control.routes(runtime)),
        ],
        exception_handlers={404: _not_found},
    )
