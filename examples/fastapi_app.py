"""A FastAPI app that embeds the library: customers connect their Zoho Books, and Zoho's webhooks come in.

- ``GET /connect/zoho-books?customer=acme`` sends the customer to Zoho's consent page;
- ``GET /oauth/callback`` finishes the OAuth flow (:class:`unified.connect.ConnectFlow`) and saves the connection
  in the vault under the customer's name (the nightly sync, ``examples/nightly_sync.py``, picks it up);
- ``POST /webhooks/zoho-books?customer=acme`` receives Zoho's webhook deliveries as unified events
  (:class:`connectors.zoho_books.webhooks.ZohoWebhookReceiver`): signature checked, redeliveries dropped.

Run it (``pip install 'unified-accounting[examples]' uvicorn``)::

    export UNIFIED_ZOHO_CLIENT_ID=... UNIFIED_ZOHO_CLIENT_SECRET=...     # your Zoho API console client
    export APP_PUBLIC_URL=https://app.example.com                        # where Zoho redirects and posts
    export APP_ZOHO_WEBHOOK_SECRET=...                                   # the webhooks' secret in Zoho Books
    uvicorn --factory examples.fastapi_app:app_from_env

Against the local emulator, ``unified emulator zoho-books`` prints the ``UNIFIED_ZOHO_*`` exports (its accounts
and API URLs included); ``APP_PUBLIC_URL=http://127.0.0.1:8000`` then.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from connectors.zoho_books.webhooks import ZohoWebhookReceiver
from unified.connect import OAUTH_GROUP, ConnectFlow, Organization
from unified.errors import RequestValidationError, UnifiedError
from unified.events import Event
from unified.registry import load
from unified.vault import Vault
from unified.webhooks import MemoryDedupe, WebhookRejected

EventHandler = Callable[[Event], Awaitable[None]]
STATE_COOKIE = "zoho_oauth_state"


def _default_organization(organizations: list[Organization]) -> Organization:
    """With several organizations, the account's default one (a real app would ask the customer)."""
    return next((org for org in organizations if org.is_default), organizations[0])


def create_app(
    *,
    client_id: str,
    client_secret: str,
    public_url: str,
    webhook_secret: str,
    vault: Vault | None = None,
    on_event: EventHandler | None = None,
    data_center: str = "us",
    api_url: str | None = None,
    accounts_url: str | None = None,
) -> FastAPI:
    """The app. ``on_event`` gets each webhook's unified event (default: printed); ``api_url`` and
    ``accounts_url`` replace Zoho's hosts (the local emulator)."""
    vault = vault or Vault()
    zoho = load(OAUTH_GROUP, "zoho-books")  # the connect provider the connector registers
    provider = zoho(client_id, client_secret, data_center=data_center, api_url=api_url, accounts_url=accounts_url)
    flow = ConnectFlow(provider, redirect_uri=public_url.rstrip("/") + "/oauth/callback", vault=vault)
    dedupe = MemoryDedupe()  # one memory for every customer's receiver: Zoho's retries are dropped once handled

    async def print_event(event: Event) -> None:
        print(event.type, event.entity_id, event.connection)

    handle_event = on_event or print_event
    app = FastAPI(title="Accounting integration")

    @app.exception_handler(UnifiedError)
    async def unified_error(request: Request, exc: UnifiedError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.get("/connect/zoho-books")
    async def connect(customer: str) -> RedirectResponse:
        url, state = flow.start()
        response = RedirectResponse(url, status_code=303)
        # The state ties the redirect back to this browser (CSRF); the customer's name rides along with it.
        response.set_cookie(
            STATE_COOKIE, f"{state}:{customer}", httponly=True, samesite="lax", secure=public_url.startswith("https")
        )
        return response

    @app.get("/oauth/callback")
    async def callback(request: Request) -> JSONResponse:
        kept = request.cookies.get(STATE_COOKIE, "")
        state, _, customer = kept.partition(":")
        if not state or not customer:
            raise RequestValidationError(
                "No connect flow is under way in this browser: start at /connect/zoho-books?customer=NAME.",
                field="state",
            )
        connection = await flow.afinish(
            request.query_params, expected_state=state, name=customer, choose=_default_organization
        )
        organization = connection.settings.get("organization_id")
        response = JSONResponse({"connected": connection.name, "organization_id": organization})
        response.delete_cookie(STATE_COOKIE)
        return response

    receivers: dict[str, ZohoWebhookReceiver] = {}

    def receiver_for(customer: str) -> ZohoWebhookReceiver:
        if customer not in receivers:
            receivers[customer] = ZohoWebhookReceiver(webhook_secret, connection=customer, dedupe=dedupe)
        return receivers[customer]

    @app.post("/webhooks/zoho-books")
    async def zoho_webhook(request: Request, customer: str) -> JSONResponse:
        receiver = receiver_for(customer)
        query = {k: v for k, v in request.query_params.items() if k != "customer"}
        try:
            events = receiver.handle(await request.body(), request.headers, query=query)
        except WebhookRejected as exc:
            return JSONResponse({"error": exc.type_name, "message": exc.message}, status_code=exc.status_code)
        try:
            for event in events:
                await handle_event(event)
        except Exception:
            receiver.forget(events)  # Zoho delivers it again: do not drop that retry as a duplicate
            return JSONResponse({"error": "ProcessingFailed"}, status_code=500)
        return JSONResponse({"received": len(events)})

    return app


def app_from_env() -> FastAPI:
    """The app configured from the environment (see the module's documentation)."""

    def need(name: str) -> str:
        value = os.environ.get(name, "").strip()
        if not value:
            raise SystemExit(f"Set {name} (see examples/fastapi_app.py).")
        return value

    return create_app(
        client_id=need("UNIFIED_ZOHO_CLIENT_ID"),
        client_secret=need("UNIFIED_ZOHO_CLIENT_SECRET"),
        public_url=need("APP_PUBLIC_URL"),
        webhook_secret=need("APP_ZOHO_WEBHOOK_SECRET"),
        data_center=os.environ.get("UNIFIED_ZOHO_DATA_CENTER") or "us",
        api_url=os.environ.get("UNIFIED_ZOHO_API_URL") or None,
        accounts_url=os.environ.get("UNIFIED_ZOHO_ACCOUNTS_URL") or None,
    )
