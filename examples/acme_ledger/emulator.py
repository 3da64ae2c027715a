"""A local Acme Ledger: an OAuth token endpoint with rotating refresh tokens and a contacts API, on the kit.

Acme's API (invented for the example): ``POST /oauth/token`` (refresh_token grant, HTTP Basic client auth),
``GET /api/contacts?page=N&size=M`` answering ``{"items": [...], "has_more": bool}``, ``GET|PUT
/api/contacts/{id}``, ``POST /api/contacts`` (an ``Idempotency-Key`` header replays the first answer). Errors are
``{"error": {"code": ..., "message": ...}}``. Limits: 30 calls a window per company, 3 in flight.
"""

from __future__ import annotations

import base64
import itertools
import threading
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unified.emulator import (
    ASGIApp,
    BadBody,
    Emulator,
    Exchange,
    Limits,
    OAuthError,
    OAuthServer,
    Refusal,
    Rule,
    TokenPolicy,
    inject_fault,
    parse_json_body,
    served,
)

COMPANY = "acme-1"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class AcmeEmulator(Emulator):
    connector_name: ClassVar[str] = "acme-ledger"
    title: ClassVar[str] = "Acme Ledger emulator"

    def __init__(self, contacts: int = 25, *, window_seconds: float = 60.0, **kit: Any) -> None:
        super().__init__(window_seconds=window_seconds, fault_path_prefixes=("/api",), **kit)
        self.limits = Limits(
            self.clock,
            rules={"company": [Rule.per_window("minute", 30), Rule.in_flight("in_flight", 3)]},
            window_seconds=window_seconds,
        )
        self.oauth = OAuthServer(
            self.clock, policy=TokenPolicy(access_lifetime=1800, rotate_refresh=True, rotation_grace=60)
        )
        self.client_id, self.client_secret, self.refresh_token = "acme-app", "acme-secret", "acme-refresh-0"
        self.oauth.add_client(self.client_id, self.client_secret)
        self.oauth.add_refresh_token(self.refresh_token, self.client_id, organizations=[COMPANY])
        self._lock = threading.Lock()
        self._ids = itertools.count(1001)
        self._replays: dict[str, dict[str, Any]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        for n in range(contacts):
            self._store({"name": f"Contact {n}", "email": f"c{n}@acme.example"})

    def _store(self, fields: dict[str, Any], contact_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            record_id = contact_id or str(next(self._ids))
            record = {**self.contacts.get(record_id, {}), **fields, "id": record_id, "updated": self.clock.timestamp()}
            self.contacts[record_id] = record
            return dict(record)

    def build_app(self) -> ASGIApp:
        return served(self, self._dispatch)

    async def _dispatch(self, exchange: Exchange) -> Response:
        path, method = exchange.request.url.path.rstrip("/"), exchange.request.method
        if path == "/oauth/token" and method == "POST":
            return await self._token(exchange)
        if path == "/api/contacts" and method in ("GET", "POST"):
            return await self._contacts(exchange)
        head, _, contact_id = path.rpartition("/")
        if head == "/api/contacts" and contact_id and method in ("GET", "PUT"):
            return await self._contact(exchange, contact_id)
        return _error(404, "not_found", f"No route {method} {path}.")

    def render_bad_body(self, error: BadBody) -> Response:
        return _error(error.status, "bad_body", error.message)

    def connector_settings(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "company_id": COMPANY,
            "api_url": self.url,
            "window_seconds": self.window_seconds,
        }

    @property
    def organization_ids(self) -> list[str]:
        return [COMPANY]

    async def _token(self, exchange: Exchange) -> Response:
        exchange.entry["endpoint"] = "POST /oauth/token"
        form = dict(parse_qsl((await exchange.body()).decode("utf-8", "replace")))
        auth = exchange.request.headers.get("authorization", "")
        try:
            client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            tokens = self.oauth.refresh(client_id, secret, str(form.get("refresh_token", "")))
        except (OAuthError, ValueError) as exc:
            reason = exc.error if isinstance(exc, OAuthError) else "invalid_client"
            return JSONResponse({"error": reason}, status_code=400)
        return JSONResponse(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_in": tokens.expires_in,
                "token_type": "Bearer",
            }
        )

    async def _api(self, exchange: Exchange, request: Request) -> Response | Refusal | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            access = self.oauth.authenticate(token)
        except OAuthError:
            return _error(401, "unauthorized", "The access token is missing, expired or revoked.")
        exchange.entry["organization_id"] = access.organizations[0]
        return None

    async def _guarded(self, exchange: Exchange, work: Any) -> Response:
        refused = await self._api(exchange, exchange.request)
        if isinstance(refused, Response):
            return refused
        outcome = self.limits.acquire({"company": COMPANY})
        if isinstance(outcome, Refusal):
            return _error(429, "rate_limited", f"Too many requests ({outcome.rule}).")
        with outcome:
            kind = await inject_fault(self, exchange)
            if kind in ("500", "503"):
                return _error(int(kind), "internal", "Something went wrong.")
            answer: Response = await work()
            return answer

    async def _contacts(self, exchange: Exchange) -> Response:
        request = exchange.request
        exchange.entry["endpoint"] = f"{request.method} /api/contacts"

        async def work() -> Response:
            if request.method == "GET":
                page, size = int(request.query_params.get("page", 1)), int(request.query_params.get("size", 20))
                rows = sorted(self.contacts.values(), key=lambda r: int(r["id"]))
                chunk = rows[(page - 1) * size : page * size]
                return JSONResponse({"items": chunk, "has_more": page * size < len(rows)})
            key = request.headers.get("idempotency-key")
            if key and key in self._replays:
                return JSONResponse(self._replays[key], status_code=201)
            body = parse_json_body(await exchange.body())
            if not isinstance(body, dict) or not str(body.get("name") or "").strip():
                return _error(400, "invalid", "name is required.")
            created = self._store({"name": body["name"], "email": body.get("email")})
            if key:
                self._replays[key] = created
            return JSONResponse(created, status_code=201)

        return await self._guarded(exchange, work)

    async def _contact(self, exchange: Exchange, contact_id: str) -> Response:
        request = exchange.request
        exchange.entry["endpoint"] = f"{request.method} /api/contacts/{{id}}"

        async def work() -> Response:
            if contact_id not in self.contacts:
                return _error(404, "not_found", f"No contact {contact_id}.")
            if request.method == "GET":
                return JSONResponse(self.contacts[contact_id])
            body = parse_json_body(await exchange.body())
            if not isinstance(body, dict):
                return _error(400, "invalid", "Send a JSON object.")
            fields = {k: body[k] for k in ("name", "email") if k in body}
            return JSONResponse(self._store(fields, contact_id))

        return await self._guarded(exchange, work)
