"""Zoho's two surfaces on the kit: Accounts under /oauth, Books API v3 under /books/v3 (also the legacy /api/v3).

Books calls go through: authentication (401 code 14 / 57) -> route (404 / 405) -> organization (the
account's default when none is sent; 6041 when unknown) -> limits (429 codes 45 / 44 / 1070) -> injected
faults -> scope (401 code 57) -> handler (on a worker thread, so calls are in flight together as on Zoho).
Every OAuth and API call is logged and counted by the kit; /__emulator calls are not. A doubled slash in a
path is read as one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.responses import RedirectResponse, Response

from unified.emulator import ASGIApp, BadBody, Dropped, Exchange, Receive, Scope, Send, inject_fault, served

from . import _limits, _routes, _settings
from ._body import parse_body, require_object
from ._call import Call
from ._errors import ZohoError, not_authorized
from ._oauth import LOCATIONS, scope_allows
from ._store import dumps

if TYPE_CHECKING:
    from ._emulator import ZohoBooksEmulator

log = logging.getLogger(__name__)
JSON = "application/json;charset=UTF-8"
API_PREFIX = "/books/v3"
LEGACY_PREFIX = "/api/v3"
BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>ZGS</center></body></html>"
)
_SLASHES = re.compile(r"/{2,}")


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def error_response(exc: ZohoError) -> Response:
    return _json(exc.status, dumps(exc.body()), exc.headers)


def bad_body_response(error: BadBody) -> Response:
    """A refused body in Zoho's envelope: code 4 names JSONString, as Zoho's validation errors do."""
    return _json(error.status, dumps({"code": 4, "message": f"Invalid value passed for JSONString: {error.message}."}))


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
        return error_response(not_authorized())
    return None


class ZohoApp:
    """Routes a call to Accounts or the Books API after reading `//` as `/` and `/api/v3` as `/books/v3`."""

    def __init__(self, emulator: ZohoBooksEmulator) -> None:
        self.emulator = emulator
        self._accounts = served(emulator, self.accounts)
        self._books = served(emulator, self.books)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = _SLASHES.sub("/", scope["path"])
        if path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + "/"):
            path = API_PREFIX + path[len(LEGACY_PREFIX) :]
        if path != scope["path"]:
            scope = {**scope, "path": path}
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            await self._books(scope, receive, send)
        elif path.startswith("/oauth/") or path == "/oauth":
            await self._accounts(scope, receive, send)
        else:
            await _json(404, dumps({"code": 5, "message": "Invalid URL Passed"}))(scope, receive, send)

    # --- Books API ---------------------------------------------------------------------------------

    async def _fault(self, exchange: Exchange) -> tuple[str | None, Response | None]:
        kind = await inject_fault(self.emulator, exchange)
        return kind, (_fault_response(kind) if kind else None)

    async def books(self, exchange: Exchange) -> Response:
        emulator = self.emulator
        runtime = emulator.runtime
        request, entry = exchange.request, exchange.entry
        method = request.method
        relative = request.url.path[len(API_PREFIX) :] or "/"
        route, params, path_known = _routes.match(method, relative)
        if route is not None:
            entry["endpoint"] = f"{method} {API_PREFIX}{route.template}"
        headers: dict[str, str] = {}
        asked = request.query_params.get("organization_id", "").strip()
        entry["organization_id"] = asked
        try:
            default = runtime.store.default.organization_id
            headers = _limits.peek(emulator.limits, asked if asked in runtime.store.organizations else default)
            token = runtime.accounts.authenticate(request.headers.get("authorization"))
            organizations = relative.rstrip("/") == "/organizations" or relative.startswith("/organizations/")
            if route is None and not organizations:
                if path_known:
                    raise ZohoError(405, 37, f"The HTTP method {method} is not allowed for {API_PREFIX}{relative}.")
                raise ZohoError(404, 5, "Invalid URL Passed")
            if organizations:
                response = await self._organizations(exchange, relative, token.scopes)
                response.headers.update(headers)
                return response
            assert route is not None
            org_id = asked or default  # Zoho answers for the account's default organization when none is sent
            entry["organization_id"] = org_id
            org = runtime.store.get(org_id)
            if org is None:
                raise ZohoError(400, 6041, f"This user is not associated with the CompanyID/CompanyName:{org_id}.")
            admission, headers = _limits.admit(emulator.limits, org_id, retry_after=emulator.retry_after)
            with admission:
                kind, faulted = await self._fault(exchange)
                if faulted is not None:
                    faulted.headers.update(headers)
                    return faulted
                if not scope_allows(token.scopes, route.scope):
                    raise not_authorized()
                raw = await exchange.body()
                body = parse_body(raw, request.headers.get("content-type", ""), request.query_params)
                call = Call(
                    org=org,
                    query=request.query_params,
                    headers=request.headers,
                    body=body,
                    params=params,
                    now=emulator.clock.timestamp(),
                    new_id=org.new_id,
                )
                handler = route.handler

                def run() -> Any:
                    with runtime.store.lock:
                        return handler(call)

                reply = await anyio.to_thread.run_sync(run)
                if call.events:
                    exchange.after.append(_deliver(runtime.webhooks.dispatch, call))
                if kind == "drop_after_commit":
                    raise Dropped
                return _json(reply.status, reply.body, {**headers, **reply.headers})
        except ZohoError as exc:
            entry["code"] = exc.code
            exc.headers = {**headers, **exc.headers}
            return error_response(exc)
        except (Dropped, BadBody):
            raise
        except Exception:
            log.exception("internal error serving %s %s", method, request.url.path)
            entry["code"] = 1000
            return _json(500, dumps({"code": 1000, "message": "Internal error"}), headers)

    async def _organizations(self, exchange: Exchange, relative: str, scopes: tuple[str, ...]) -> Response:
        request, entry = exchange.request, exchange.entry
        store = self.emulator.runtime.store
        parts = [p for p in relative.split("/") if p]
        method = request.method
        _, faulted = await self._fault(exchange)
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
                raw = await exchange.body()
                body = require_object(parse_body(raw, request.headers.get("content-type", ""), request.query_params))
                with store.lock:
                    reply = _settings.update_organization(store, org_id, body)
        else:
            raise ZohoError(404, 5, "Invalid URL Passed")
        return _json(reply.status, reply.body)

    # --- Accounts ----------------------------------------------------------------------------------

    async def accounts(self, exchange: Exchange) -> Response:
        request = exchange.request
        exchange.entry["organization_id"] = request.query_params.get("organization_id", "")
        accounts = self.emulator.runtime.accounts
        path = request.url.path.rstrip("/")
        base = _base_url(request.scope)
        _, faulted = await self._fault(exchange)
        if faulted is not None:
            return faulted
        params = dict(request.query_params)
        if request.method == "POST" and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            form = (await exchange.body()).decode("utf-8", errors="replace")
            params.update(parse_qsl(form, keep_blank_values=True))
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


def _deliver(dispatch: Callable[..., None], call: Call) -> Callable[[], None]:
    return lambda: dispatch(call.org, call.events)


def _require(scopes: tuple[str, ...], required: str) -> None:
    if not scope_allows(scopes, required):
        raise not_authorized()


def build_app(emulator: ZohoBooksEmulator) -> ASGIApp:
    return ZohoApp(emulator)
