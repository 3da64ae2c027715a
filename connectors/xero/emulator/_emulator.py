"""XeroEmulator: the public face of the emulator (see the package docstring), on the kit's Emulator."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any, ClassVar, Self

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from unified.emulator import (
    ASGIApp,
    BadBody,
    Clock,
    Emulator,
    Limits,
    OAuthServer,
    Rule,
    TokenPolicy,
    control_body,
    control_endpoint,
)

from . import _fixtures, _generator
from ._app import API_PREFIX, bad_body_response, build_app
from ._identity import ACCESS_SECONDS, CODE_SECONDS, GRACE_SECONDS, REFRESH_SECONDS
from ._store import Connection, Store, Tenant
from ._webhooks import Webhooks
from ._wire import Record

OTHER_TENANT_SHARE = 10  # later tenants get a tenth of the first one's records
SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
)


class XeroEmulator(Emulator):
    """A local Xero: identity (OAuth 2.0), connections and the Accounting API, in memory, seeded and deterministic."""

    connector_name: ClassVar[str] = "xero"
    title: ClassVar[str] = "Xero emulator"
    #: the scopes of the seeded refresh token
    scopes: ClassVar[tuple[str, ...]] = SCOPES

    def __init__(
        self,
        seed: int = 7,
        contacts: int = 300,
        invoices: int = 1000,
        bills: int = 200,
        expenses: int = 200,
        fixture: str | Path | dict[str, Any] | None = None,
        tenants: int = 2,
        window_seconds: float = 60.0,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        webhook_key: str | None = None,
        minute_limit: int = 60,
        day_limit: int = 5000,
        concurrency: int = 5,
        app_minute_limit: int = 10_000,
        clock: Clock | None = None,
        timeout_seconds: float = 30.0,
        max_body_bytes: int | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        counts = {"contacts": contacts, "invoices": invoices, "bills": bills, "expenses": expenses}
        for name, value in counts.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, not {value}")
        if tenants < 1:
            raise ValueError(f"tenants must be >= 1, not {tenants}")
        for name, value in (
            ("minute_limit", minute_limit),
            ("day_limit", day_limit),
            ("concurrency", concurrency),
            ("app_minute_limit", app_minute_limit),
        ):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, not {value}")
        kit: dict[str, Any] = {}
        if max_body_bytes is not None:
            kit["max_body_bytes"] = max_body_bytes
        if idle_timeout is not None:
            kit["idle_timeout"] = idle_timeout
        super().__init__(
            clock=clock,
            window_seconds=window_seconds,
            timeout_seconds=timeout_seconds,
            fault_path_prefixes=(API_PREFIX,),
            stats_groups={"webhooks": ("queued", "delivered", "failed", "attempts")},
            **kit,
        )
        seeded_id, seeded_secret, seeded_refresh, seeded_key = _generator.credentials(seed)
        self.seed = seed
        self.client_id = client_id or seeded_id
        self.client_secret = client_secret or seeded_secret
        self.refresh_token = refresh_token or seeded_refresh
        self.limits = Limits(
            self.clock,
            window_seconds=window_seconds,
            rules={
                # Xero: a rolling 24 hours, 60 in any rolling minute, 5 in progress at once, per tenant...
                "tenant": [
                    Rule.per_day("day", day_limit, sliding=True),
                    Rule.per_window("minute", minute_limit),
                    Rule.in_flight("concurrent", concurrency),
                ],
                # ...and 10,000 a minute per app across its tenants.
                "app": [Rule.per_window("appminute", app_minute_limit)],
            },
        )
        self.oauth = OAuthServer(
            self.clock,
            TokenPolicy(
                access_lifetime=ACCESS_SECONDS,
                code_lifetime=CODE_SECONDS,
                refresh_lifetime=REFRESH_SECONDS,
                rotate_refresh=True,
                rotation_grace=GRACE_SECONDS,
            ),
        )
        self.oauth.add_client(self.client_id, self.client_secret)
        self.webhooks = Webhooks(self.request_stats, self.clock, webhook_key or seeded_key)
        self._store = Store()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        if fixture is not None:
            data = _fixtures.read(fixture)
            for tenant in _fixtures.tenants(data, seed, self.clock.now()):
                self._store.add(tenant)
            self._finish()
            return
        self._tenant_count = tenants
        # Generating takes about a second for the default counts: it runs beside the server's start-up, and
        # whatever needs the data (requests, store, records()) waits for it.
        threading.Thread(target=self._generate, args=(counts, tenants), name="xero-emulator-data", daemon=True).start()

    def _generate(self, counts: dict[str, int], tenants: int) -> None:
        try:
            for index in range(tenants):
                share = counts if index == 0 else {k: v // OTHER_TENANT_SHARE for k, v in counts.items()}
                self._store.add(_generator.seed_tenant(self.seed, index, share))
            self._finish()
        except BaseException as exc:  # surfaced by wait_ready()
            self._failure = exc
            self._ready.set()

    def _finish(self) -> None:
        self.oauth.add_refresh_token(self.refresh_token, self.client_id, SCOPES, self.tenant_ids_now)
        self.connect_all(str(uuid.UUID(int=self.seed, version=4)))
        self._ready.set()

    # --- the kit's hooks ----------------------------------------------------------------------------

    def build_app(self) -> ASGIApp:
        return build_app(self)

    def render_bad_body(self, error: BadBody) -> Response:
        return bad_body_response(error)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float = 120.0) -> Self:
        """Wait until the generated data is in place (requests wait for it on their own)."""
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the emulator's data was not generated within {timeout} s")
        if self._failure is not None:
            raise RuntimeError(f"generating the emulator's data failed: {self._failure!r}") from self._failure
        return self

    def on_stop(self) -> None:
        self.webhooks.close()

    def close(self) -> None:
        """Stop the webhook delivery thread (serve() does this when its block ends)."""
        self.webhooks.close()

    def connector_settings(self) -> dict[str, Any]:
        """The keyword arguments of ``XeroConnector`` that talk to this emulator (while serving)."""
        root = self.base_url
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "tenant_id": self.tenant_id,
            "api_url": root,
            "identity_url": root,
            "login_url": root,
            "window_seconds": self.window_seconds,
        }

    def banner(self) -> list[str]:
        base = self.base_url
        others = [t for t in self.tenant_ids if t != self.tenant_id]
        return [
            f"{self.title} (seed {self.seed}, {self.window_seconds:g} s rate window) on {base}",
            f"  login             {base}/identity/connect/authorize",
            f"  identity          {base}/connect/token, {base}/connect/revocation",
            f"  API               {base}{API_PREFIX}   (connections: {base}/connections)",
            f"  controls          {base}/__emulator/stats  (faults, reset, time, tokens, webhooks: see the docs)",
            f"  tenant id         {self.tenant_id}" + (f"  (also {', '.join(others)})" if others else ""),
            "  credentials       in the export lines below (the refresh token rotates on every use)",
        ]

    def controls(self) -> list[BaseRoute]:
        webhooks = self.webhooks

        async def subscription(request: Request) -> dict[str, Any]:
            if request.method == "POST":
                body = await control_body(request)
                categories = body.get("categories") or ("CONTACT", "INVOICE", "CREDITNOTE")
                webhooks.subscribe(str(body.get("url", "")), body.get("key"), tuple(categories))
            elif request.method == "DELETE":
                webhooks.unsubscribe()
            return webhooks.describe()

        async def intent(request: Request) -> dict[str, Any]:
            import anyio.to_thread

            return await anyio.to_thread.run_sync(webhooks.intent_to_receive)

        async def deliveries(request: Request) -> dict[str, Any]:
            return {"deliveries": webhooks.deliveries}

        return [
            Route("/webhooks", control_endpoint(subscription), methods=["GET", "POST", "DELETE"]),
            Route("/webhooks/intent", control_endpoint(intent), methods=["POST"]),
            Route("/webhooks/deliveries", control_endpoint(deliveries), methods=["GET"]),
        ]

    # --- tenants and connections --------------------------------------------------------------------

    @property
    def store_now(self) -> Store:
        """The store, without waiting (the kit waits for readiness before serving a call)."""
        return self._store

    @property
    def store(self) -> Store:
        self.wait_ready()
        return self._store

    @property
    def tenant_ids_now(self) -> list[str]:
        return [t.tenant_id for t in self._store.tenants.values()]

    @property
    def tenant_ids(self) -> list[str]:
        return [t.tenant_id for t in self.store.tenants.values()]

    @property
    def organization_ids(self) -> list[str]:
        return self.tenant_ids

    @property
    def tenant_id(self) -> str:
        """The first tenant: the one the connector settings name."""
        return self.tenant_ids[0]

    def tenant(self, tenant_id: str | None = None) -> Tenant:
        found = self.store.get(tenant_id) if tenant_id else self.store.default
        if found is None:
            raise KeyError(f"no tenant {tenant_id}; known: {', '.join(self.tenant_ids)}")
        return found

    def connect_all(self, auth_event_id: str) -> None:
        """Consent: every tenant connected to the app (again), under one authEventId."""
        store = self._store
        now = self.clock.now()
        with store.lock:
            current = {c.tenant_id.lower(): c for c in store.connections.values()}
            for tenant in store.tenants.values():
                existing = current.get(tenant.tenant_id.lower())
                if existing is not None:
                    existing.updated = now
                    existing.auth_event_id = auth_event_id
                    continue
                connection = Connection(str(uuid.uuid4()), tenant.tenant_id, tenant.name, auth_event_id, now, now)
                store.connections[connection.id.lower()] = connection

    def disconnect_all(self) -> None:
        with self._store.lock:
            self._store.connections.clear()

    def records(self, collection: str, tenant_id: str | None = None) -> list[Record]:
        """The stored records of one collection ("Invoices", "Contacts", ...) of a tenant (the first by default)."""
        tenant = self.tenant(tenant_id)
        if collection not in tenant.collections:
            raise KeyError(f"no collection {collection!r}; known: {', '.join(tenant.collections)}")
        with self._store.lock:
            return [dict(r) for r in tenant[collection]]

    def seeded_counts(self) -> dict[str, int]:
        tenant = self.tenant()
        invoices = list(tenant["Invoices"])
        return {
            "contacts": len(tenant["Contacts"]),
            "invoices": sum(1 for r in invoices if r.get("Type") == "ACCREC"),
            "bills": sum(1 for r in invoices if r.get("Type") == "ACCPAY"),
            "expenses": sum(1 for r in tenant["BankTransactions"] if r.get("Type") == "SPEND"),
            "tax_rates": len(tenant["TaxRates"]),
        }

    def __repr__(self) -> str:
        where = f" at {self._url}" if self._url else ""
        return f"<XeroEmulator seed={self.seed}{where}>"
