"""Xero's surfaces on one root, on the kit: identity (login.xero.com / identity.xero.com), connections
(api.xero.com) and the Accounting API under /api.xro/2.0, every path matched without regard to case.

Accounting calls go through: authentication (401) -> route (404 / 405) -> xero-tenant-id (403) -> limits
(429) -> injected faults -> body -> Idempotency-Key replay -> handler (on a worker thread, so calls are
in flight together as on Xero). Every call is logged and counted by the kit; /__emulator calls are not.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.responses import Response

from unified.emulator import (
    ASGIApp,
    BadBody,
    Dropped,
    Exchange,
    Receive,
    Refusal,
    Scope,
    Send,
    inject_fault,
    parse_json_body,
    served,
)

from . import _identity, _routes
from ._call import Call, Reply
from ._errors import XeroError, forbidden, method_not_allowed, not_found, post_data_invalid, problem, unauthorized
from ._store import Replay
from ._wire import dumps

if TYPE_CHECKING:
    from ._emulator import XeroEmulator

log = logging.getLogger(__name__)
JSON = "application/json; charset=utf-8"
API_PREFIX = "/api.xro/2.0"
IDEMPOTENCY_HOURS = 24
BAD_GATEWAY = (
    "<HTML><HEAD><TITLE>Error</TITLE></HEAD><BODY>An error occurred while processing your request.<p>"
    "Reference&#32;&#35;97&#46;6a2c2f17&#46;1700000000&#46;1b2c3d4</p></BODY></HTML>"
)
PROBLEMS = {"day": "day", "minute": "minute", "concurrent": "concurrent", "appminute": "appminute"}


def respond(reply: Reply, headers: dict[str, str] | None = None) -> Response:
    body = reply.body
    content = b"" if body is None else body if isinstance(body, bytes) else dumps(body)
    media = JSON if body is not None else None
    return Response(content, status_code=reply.status, media_type=media, headers={**(headers or {}), **reply.headers})


def error_response(exc: XeroError, headers: dict[str, str] | None = None) -> Response:
    return Response(
        exc.body(), status_code=exc.status, media_type=exc.media_type, headers={**(headers or {}), **exc.headers}
    )


def bad_body_response(error: BadBody) -> Response:
    if error.status == 413:
        return error_response(problem(413, "Request Entity Too Large", error.message))
    return error_response(post_data_invalid(error.message))


def fault_response(kind: str) -> Response | None:
    if kind == "500":
        return error_response(problem(500, "Internal Server Error", "An unhandled error with the Xero API."))
    if kind == "503":
        return error_response(
            problem(503, "Service Unavailable", "The Xero API is currently unavailable. Please try again later.")
        )
    if kind == "html":
        return Response(BAD_GATEWAY, status_code=502, media_type="text/html")
    if kind == "expired_token":
        return error_response(unauthorized("TokenExpired: token expired"))
    return None


def base_url(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "localhost")
    return f"{scope.get('scheme', 'http')}://{host}"


class XeroApp:
    """Sends a call to the identity routes or the Accounting API by its path, whatever its case."""

    def __init__(self, emulator: XeroEmulator) -> None:
        self.emulator = emulator
        self.identity = _identity.Identity(emulator)
        self._identity = served(emulator, self.identity.handle)
        self._api = served(emulator, self.api)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        lowered = scope["path"].lower()
        if lowered == API_PREFIX or lowered.startswith(API_PREFIX + "/"):
            await self._api(scope, receive, send)
        else:
            await self._identity(scope, receive, send)

    # --- limits ---------------------------------------------------------------------------------------

    def _limit_headers(self, usage: dict[str, Any]) -> dict[str, str]:
        headers = {}
        for rule, header in (
            ("day", "X-DayLimit-Remaining"),
            ("minute", "X-MinLimit-Remaining"),
            ("appminute", "X-AppMinLimit-Remaining"),
        ):
            if rule in usage:
                headers[header] = str(usage[rule].remaining)
        return headers

    def _refused(self, refusal: Refusal) -> XeroError:
        headers = self._limit_headers(refusal.usage)
        headers["Retry-After"] = str(max(1, math.ceil(refusal.retry_after)))
        headers["X-Rate-Limit-Problem"] = PROBLEMS.get(refusal.rule, refusal.rule)
        headers["X-Emulator-Retry-After"] = f"{refusal.retry_after:.3f}"
        return problem(429, "Too Many Requests", f"Rate limit exceeded: {PROBLEMS.get(refusal.rule)} limit", headers)

    # --- the Accounting API -----------------------------------------------------------------------------

    async def api(self, exchange: Exchange) -> Response:
        emulator = self.emulator
        store = emulator.store_now
        request, entry = exchange.request, exchange.entry
        method = request.method
        relative = request.url.path[len(API_PREFIX) :] or "/"
        route, params, known = _routes.match(method, relative)
        if route is not None:
            entry["endpoint"] = f"{method} {API_PREFIX}{route.template}"
        headers: dict[str, str] = {"Xero-Correlation-Id": str(uuid.uuid4())}
        try:
            scopes = self.identity.authenticate(request.headers.get("authorization"))
            if route is None:
                if known:
                    raise method_not_allowed()
                raise not_found()
            if not _identity.scope_allows(scopes, route.parts[0], method):
                raise unauthorized("AuthorizationUnsuccessful")
            asked = request.headers.get("xero-tenant-id", "").strip()
            entry["organization_id"] = asked
            if not asked:
                raise forbidden("AuthenticationUnsuccessful")
            tenant = store.connected(asked)
            if tenant is None:
                raise forbidden("AuthorizationUnsuccessful")
            outcome = emulator.limits.acquire({"tenant": tenant.tenant_id, "app": emulator.client_id})
            if isinstance(outcome, Refusal):
                raise self._refused(outcome)
            with outcome:
                headers.update(self._limit_headers(outcome.usage))
                kind = await inject_fault(emulator, exchange)
                if kind is not None:
                    faulted = fault_response(kind)
                    if faulted is not None:
                        faulted.headers.update(headers)
                        return faulted
                raw = await exchange.body()
                body = parse_json_body(raw) if method in ("PUT", "POST") else None
                key = request.headers.get("idempotency-key", "").strip()
                if len(key) > 128:
                    raise post_data_invalid("The Idempotency-Key header is at most 128 characters long.")
                slot = (key, method, relative.lower()) if key and method in ("PUT", "POST", "DELETE") else None
                call = Call(
                    tenant=tenant,
                    store=store,
                    now=emulator.clock.now(),
                    query=request.query_params,
                    headers=request.headers,
                    body=body,
                    params=params,
                    method=method,
                )
                handler = route.handler

                def run() -> Reply | Replay:
                    with store.lock:
                        if slot is not None:
                            kept = tenant.replays.get(slot)
                            if kept is not None and kept.expires > call.now:
                                return kept
                        try:
                            reply = handler(call)
                        except XeroError as exc:
                            if slot is None or exc.status >= 500:
                                raise
                            reply = Reply(exc.status, exc.body(), {"Content-Type": exc.media_type, **exc.headers})
                        if slot is not None:
                            encoded = (
                                reply.body if isinstance(reply.body, bytes) or reply.body is None else dumps(reply.body)
                            )
                            tenant.replays[slot] = Replay(
                                call.now + timedelta(hours=IDEMPOTENCY_HOURS),
                                reply.status,
                                encoded or b"",
                                dict(reply.headers),
                            )
                        return reply

                outcome_reply = await anyio.to_thread.run_sync(run)
                if isinstance(outcome_reply, Replay):
                    headers["Idempotency-Replayed"] = "true"
                    return Response(
                        outcome_reply.body,
                        status_code=outcome_reply.status,
                        media_type=None if outcome_reply.status == 204 else JSON,
                        headers={**outcome_reply.headers, **headers},
                    )
                if call.events:
                    events = list(call.events)
                    origin = base_url(request.scope)
                    exchange.after.append(lambda: emulator.webhooks.announce(tenant, events, origin))
                if kind == "drop_after_commit":
                    raise Dropped
                return respond(outcome_reply, headers)
        except XeroError as exc:
            entry["code"] = exc.status
            return error_response(exc, headers)
        except (Dropped, BadBody):
            raise
        except Exception:
            log.exception("internal error serving %s %s", method, request.url.path)
            return error_response(
                problem(500, "Internal Server Error", "An unhandled error with the Xero API."), headers
            )


def build_app(emulator: XeroEmulator) -> ASGIApp:
    return XeroApp(emulator)
