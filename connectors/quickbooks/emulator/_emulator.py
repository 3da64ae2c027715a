"""QuickBooksEmulator: the public face of the emulator (see the package docstring)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any, ClassVar, Self

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from unified.emulator import (
    BadBody,
    Clock,
    Emulator,
    Limits,
    OAuthServer,
    Rule,
    TokenPolicy,
    control_body,
    control_endpoint,
    served,
)
from unified.emulator._delivery import Deliveries

from . import _auth, _errors, _fixtures
from ._api import JSON, Api, fault_body
from ._generator import credentials, new_realm, seed_realm
from ._generator import realm_id as seeded_realm_id
from ._store import Realm, Record, Store
from ._webhooks import FORMATS, Change, payload, sign

OTHER_REALM_SHARE = 10  # later companies get a tenth of the first one's records
BAD_GATEWAY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


class QuickBooksEmulator(Emulator):
    """A local QuickBooks Online: Intuit OAuth 2.0 and the Accounting API v3, in memory, seeded."""

    connector_name: ClassVar[str] = "quickbooks"
    title: ClassVar[str] = "Local QuickBooks Online"

    def __init__(
        self,
        seed: int = 7,
        contacts: int = 300,
        invoices: int = 1000,
        bills: int = 200,
        expenses: int = 200,
        fixture: str | Path | dict[str, Any] | None = None,
        realms: int = 1,
        window_seconds: float = 60.0,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        realm_id: str | None = None,
        rate_limit: int = 500,
        concurrency: int = 10,
        per_second: int | None = None,
        batch_limit: int = 40,
        retry_after: bool = True,
        refresh_grace_seconds: float = 0.0,
        webhook_url: str | None = None,
        webhook_format: str = "legacy",
        verifier_token: str | None = None,
        clock: Clock | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        counts = {"contacts": contacts, "invoices": invoices, "bills": bills, "expenses": expenses}
        for name, value in counts.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, not {value}")
        if realms < 1:
            raise ValueError(f"realms must be >= 1, not {realms}")
        first_realm = realm_id
        if first_realm is not None and not str(first_realm).isdigit():
            raise ValueError(f"realm_id must be digits, like 9130348651845276, not {realm_id!r}")
        if webhook_format not in FORMATS:
            raise ValueError(f"webhook_format must be one of {', '.join(FORMATS)}, not {webhook_format!r}")
        for name, limit in (("rate_limit", rate_limit), ("concurrency", concurrency), ("batch_limit", batch_limit)):
            if limit < 1:
                raise ValueError(f"{name} must be >= 1, not {limit}")
        super().__init__(
            clock=clock,
            window_seconds=window_seconds,
            timeout_seconds=timeout_seconds,
            stats_groups={"webhooks": ("queued", "delivered", "failed", "attempts")},
        )
        seeded_id, seeded_secret, seeded_refresh, seeded_verifier = credentials(seed)
        self.client_id = client_id or seeded_id
        self.client_secret = client_secret or seeded_secret
        self.refresh_token = refresh_token or seeded_refresh
        self.verifier_token = verifier_token or seeded_verifier
        self.webhook_url = webhook_url
        self.webhook_format = webhook_format
        self.retry_after = retry_after
        realm_rules = [Rule.per_window("minute", rate_limit), Rule.in_flight("concurrent", concurrency)]
        if per_second is not None:
            realm_rules.insert(1, Rule.per_window("second", per_second, windows=1 / 60))
        self.limits = Limits(
            self.clock,
            window_seconds=window_seconds,
            rules={"realm": realm_rules, "batch": [Rule.per_window("batch-minute", batch_limit)]},
        )
        self.oauth = OAuthServer(
            self.clock,
            TokenPolicy(
                access_lifetime=3600.0,
                code_lifetime=600.0,
                refresh_lifetime=float(_auth.REFRESH_LIFETIME),
                rotate_refresh=True,
                # The kit lets a retired token through once while now - retired <= grace: a negative grace
                # refuses it even on a frozen test clock.
                rotation_grace=refresh_grace_seconds if refresh_grace_seconds > 0 else -1.0,
            ),
        )
        self.oauth.add_client(self.client_id, self.client_secret)
        self.deliveries = Deliveries(self.request_stats)
        self.store = Store()
        self._lock = threading.Lock()
        if fixture is not None:
            data = _fixtures.read(fixture)
            ids = _fixtures.realm_ids(data, seed, first_realm)
            self._ids = ids
            self.faults.path_prefixes = tuple(f"/v3/company/{ident}" for ident in ids)
            self.oauth.add_refresh_token(self.refresh_token, self.client_id, (_auth.ACCOUNTING_SCOPE,), ids)
            _fixtures.load(self.store, data, seed, ids, self.clock.now())
            self.store.ready.set()
            return
        self._ids = [first_realm if n == 0 and first_realm else seeded_realm_id(seed, n) for n in range(realms)]
        self.faults.path_prefixes = tuple(f"/v3/company/{ident}" for ident in self._ids)
        self.oauth.add_refresh_token(self.refresh_token, self.client_id, (_auth.ACCOUNTING_SCOPE,), self._ids)
        # Generating takes about half a second for the default counts: it runs beside the server's start-up,
        # and whatever needs the data (requests, records(), store) waits for it.
        threading.Thread(
            target=self._generate, args=(seed, counts), name="quickbooks-emulator-data", daemon=True
        ).start()

    def _generate(self, seed: int, counts: dict[str, int]) -> None:
        try:
            for index, ident in enumerate(self._ids):
                share = counts if index == 0 else {k: v // OTHER_REALM_SHARE for k, v in counts.items()}
                self.store.add(seed_realm(seed, index, new_realm(seed, index, ident), share))
        except BaseException as exc:  # surfaced by Store.wait()
            self.store.failure = exc
        finally:
            self.store.ready.set()

    # --- the kit's hooks ---------------------------------------------------------------------------

    def build_app(self) -> Router:
        api = served(self, Api(self))
        auth = served(self, lambda exchange: _auth.handle(self, exchange))
        return Router(
            routes=[
                Mount("/v3", app=api),
                Mount("/oauth2", app=auth),
                Mount("/connect", app=auth),
                Mount("/.well-known", app=auth),
                Mount("/v1/openid_connect", app=auth),
            ]
        )

    def render_bad_body(self, error: BadBody) -> Response:
        fault = _errors.QBOFault(
            "2010", "Request has invalid or unsupported property", f"Request body: {error.message}", status=error.status
        )
        return Response(fault_body(fault, None, self), status_code=error.status, media_type=JSON)

    def connector_settings(self) -> dict[str, Any]:
        root = self.url
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "realm_id": self.realm_id,
            "api_url": root,
            "oauth_url": root,
            "appcenter_url": root,
            "window_seconds": self.window_seconds,
        }

    def controls(self) -> list[BaseRoute]:
        async def deliveries(request: Any) -> Any:
            return {"deliveries": self.deliveries.deliveries}

        async def configure(request: Any) -> Any:
            body = await control_body(request)
            if "format" in body:
                if body["format"] not in FORMATS:
                    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
                self.webhook_format = str(body["format"])
            if "url" in body:
                self.webhook_url = str(body["url"]) if body["url"] else None
            return {"url": self.webhook_url, "format": self.webhook_format}

        return [
            Route("/webhooks/deliveries", control_endpoint(deliveries), methods=["GET"]),
            Route("/webhooks", control_endpoint(configure), methods=["POST"]),
        ]

    def banner(self) -> list[str]:
        return [
            f"{self.title} on {self.url}",
            f"  companies (realmId): {', '.join(self.realm_ids)}",
            f"  API  {self.url}/v3/company/{self.realm_id}/...   OAuth {self.url}/oauth2/v1/tokens/bearer",
            f"  consent {self.url}/connect/oauth2   discovery {self.url}/.well-known/openid_configuration",
            f"  client_id {self.client_id}",
            f"  webhooks verifier token {self.verifier_token}",
        ]

    @property
    def organization_ids(self) -> list[str]:
        return self.realm_ids

    @property
    def ready(self) -> bool:
        return self.store.ready.is_set()

    def wait_ready(self, timeout: float = 120.0) -> Self:
        self.store.wait(timeout)
        return self

    def on_stop(self) -> None:
        self.deliveries.close()

    def close(self) -> None:
        self.deliveries.close()

    # --- QuickBooks ---------------------------------------------------------------------------------

    @property
    def realm_id(self) -> str:
        return self._ids[0]

    @property
    def realm_ids(self) -> list[str]:
        return list(self._ids)

    def realm(self, realm_id: str | None = None) -> Realm:
        self.store.wait()
        found = self.store.get(realm_id or self.realm_id)
        if found is None:
            raise KeyError(f"no company {realm_id}; known: {', '.join(self.realm_ids)}")
        return found

    def records(self, entity: str, realm_id: str | None = None) -> list[Record]:
        """The records of one entity ("Invoice", "Customer", ...) as GET returns them."""
        realm = self.realm(realm_id)
        if entity not in realm.records:
            raise KeyError(f"no entity {entity!r}; known: {', '.join(realm.records)}")
        with self.store.lock:
            return list(realm.records[entity].values())

    def time_text(self, realm: Realm | None) -> str:
        """The ``time`` of an answer: the company's offset, milliseconds."""
        zone = realm.zone if realm is not None else self.realm_zone()
        return self.clock.now().astimezone(zone).isoformat(timespec="milliseconds")

    def realm_zone(self) -> Any:
        realm = self.store.get(self.realm_id) if self.store.ready.is_set() else None
        return realm.zone if realm is not None else new_realm(0, 0).zone

    @staticmethod
    def transaction_id() -> str:
        return f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"

    def fault_response(self, kind: str, realm: Realm | None, headers: dict[str, str] | None = None) -> Response:
        """The answer of a rendered fault kind, in Intuit's shapes."""
        if kind == "html":
            return Response(BAD_GATEWAY, status_code=502, media_type="text/html", headers=headers)
        if kind == "expired_token":
            fault = _errors.authentication("Token expired: refresh it at /oauth2/v1/tokens/bearer.")
        else:
            fault = _errors.system(503 if kind == "503" else 500)
        return Response(fault_body(fault, realm, self), status_code=fault.status, media_type=JSON, headers=headers)

    def notify(self, changes: list[Change]) -> None:
        """Send one signed webhook delivery with these changes (when a webhook URL is set)."""
        if not self.webhook_url or not changes:
            return
        body = payload(changes, self.webhook_format, self.client_id[:12])
        headers = {"Content-Type": "application/json", "intuit-signature": sign(body, self.verifier_token)}
        if self.webhook_format == "cloudevents":
            headers["Content-Type"] = "application/cloudevents-batch+json"
        label = ", ".join(f"{c.entity}.{c.operation}:{c.ident}" for c in changes[:5])
        self.deliveries.send(self.webhook_url, body, headers, label=label)

    def __repr__(self) -> str:
        where = f" at {self.base_url}" if self.serving else ""
        return f"<QuickBooksEmulator realm_id={self.realm_id}{where}>"
