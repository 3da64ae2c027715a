"""ZohoBooksEmulator: the public face of the emulator (see the package docstring), on the kit's Emulator."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar, Self

from starlette.responses import Response
from starlette.routing import BaseRoute

from unified.emulator import ASGIApp, BadBody, Clock, Emulator, Limits, check_counts

from . import _control, _fixtures
from ._app import bad_body_response, build_app
from ._generator import credentials, seed_organization
from ._generator import organization_id as seeded_org_id
from ._limits import PLANS, zoho_limits
from ._oauth import Accounts
from ._runtime import Runtime
from ._store import Record, Store
from ._time import format_timestamp
from ._webhooks import Dispatcher

OTHER_ORGANIZATION_SHARE = 10  # later organizations get a tenth of the first one's records


class ZohoBooksEmulator(Emulator):
    """A local Zoho Books: Zoho Accounts OAuth plus Books API v3, in memory, seeded and deterministic."""

    connector_name: ClassVar[str] = "zoho-books"
    title: ClassVar[str] = "Zoho Books emulator"

    def __init__(
        self,
        seed: int = 7,
        contacts: int = 300,
        invoices: int = 1000,
        bills: int = 200,
        expenses: int = 200,
        fixture: str | Path | dict[str, Any] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        organization_id: str | None = None,
        plan: str = "premium",
        window_seconds: float = 60.0,
        rate_limit: int = 100,
        organizations: int = 1,
        *,
        daily_limit: int | None = None,
        concurrency: int | None = None,
        timeout_seconds: float = 30.0,
        retry_after: bool = True,
        clock: Clock | None = None,
        max_body_bytes: int | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        counts = check_counts(contacts=contacts, invoices=invoices, bills=bills, expenses=expenses)
        if organizations < 1:
            raise ValueError(f"organizations must be >= 1, not {organizations}")
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        if organization_id is not None and not str(organization_id).isdigit():
            raise ValueError(f"organization_id must be digits, like 10234695, not {organization_id!r}")
        kit: dict[str, Any] = {}
        if max_body_bytes is not None:
            kit["max_body_bytes"] = max_body_bytes
        if idle_timeout is not None:
            kit["idle_timeout"] = idle_timeout
        super().__init__(
            clock=clock,
            window_seconds=window_seconds,
            timeout_seconds=timeout_seconds,
            fault_path_prefixes=("/books/v3",),
            stats_groups={"webhooks": ("queued", "delivered", "failed", "attempts")},
            **kit,
        )
        seeded_id, seeded_secret, seeded_refresh = credentials(seed)
        self.seed = seed
        self.client_id = client_id or seeded_id
        self.client_secret = client_secret or seeded_secret
        self.refresh_token = refresh_token or seeded_refresh
        self.plan = plan
        self.retry_after = retry_after
        self.limits: Limits = zoho_limits(
            self.clock,
            plan=plan,
            window_seconds=window_seconds,
            rate_limit=rate_limit,
            daily_limit=daily_limit,
            concurrency=concurrency,
        )
        accounts = Accounts(self.clock, window_scale=window_seconds / 60.0)
        accounts.add_client(self.client_id, self.client_secret)
        accounts.add_refresh_token(self.refresh_token, self.client_id)
        self.oauth = accounts.server
        store = Store()
        self.runtime = Runtime(store=store, accounts=accounts, webhooks=Dispatcher(self.request_stats))
        if fixture is not None:
            self._load_fixture(_fixtures.read_fixture(fixture), seed, organization_id, plan)
            self.organization_id = store.default.organization_id
            return
        ids = [organization_id if n == 0 and organization_id else seeded_org_id(seed, n) for n in range(organizations)]
        self.organization_id = str(ids[0])
        # Generating takes most of a second for the default counts: it runs beside the server's start-up,
        # and whatever needs the data (requests, records(), store) waits for it.
        threading.Thread(
            target=self._generate, args=(seed, counts, ids, plan), name="zoho-emulator-data", daemon=True
        ).start()

    def _generate(self, seed: int, counts: dict[str, int], ids: list[str], plan: str) -> None:
        store = self.runtime.store
        try:
            for index, org_id in enumerate(ids):
                share = counts if index == 0 else {k: v // OTHER_ORGANIZATION_SHARE for k, v in counts.items()}
                store.add(seed_organization(seed, index, str(org_id), plan, share))
        except BaseException as exc:  # surfaced by Store.wait()
            store.failure = exc
        finally:
            store.ready.set()

    def _load_fixture(self, data: dict[str, Any], seed: int, first_id: str | None, plan: str) -> None:
        store = self.runtime.store
        given = _fixtures.organizations_of(data) or [{}]
        for index, record in enumerate(given):
            fallback = first_id if index == 0 and first_id else seeded_org_id(seed, index)
            org_id = str(record.get("organization_id") or fallback)
            store.add(seed_organization(seed, index, org_id, plan, None, given=record))
        orgs = list(store.organizations.values())
        _fixtures.load_records(data, orgs, format_timestamp(self.clock.timestamp(), orgs[0].offset_minutes))
        store.ready.set()

    def __repr__(self) -> str:
        where = f" at {self._url}" if self._url else ""
        return f"<ZohoBooksEmulator organization_id={self.organization_id} plan={self.plan}{where}>"

    # --- the kit's hooks ----------------------------------------------------------------------------

    def build_app(self) -> ASGIApp:
        return build_app(self)

    def render_bad_body(self, error: BadBody) -> Response:
        return bad_body_response(error)

    def controls(self) -> list[BaseRoute]:
        return _control.routes(self.runtime)

    @property
    def ready(self) -> bool:
        return self.runtime.store.ready.is_set()

    def wait_ready(self, timeout: float = 120.0) -> Self:
        """Wait until the generated data is in place (requests wait for it on their own)."""
        self.runtime.store.wait(timeout)
        return self

    def on_stop(self) -> None:
        self.runtime.webhooks.close()

    def close(self) -> None:
        """Stop the webhook delivery thread (serve() does this when its block ends)."""
        self.runtime.webhooks.close()

    def connector_settings(self) -> dict[str, Any]:
        """The keyword arguments of ``ZohoBooksConnector`` that talk to this emulator (while serving)."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "organization_id": self.organization_id,
            "api_url": self.api_url,
            "accounts_url": self.accounts_url,
            "plan": self.plan,
            "window_seconds": self.window_seconds,
        }

    def banner(self) -> list[str]:
        base = self.base_url
        others = [o for o in self.organization_ids if o != self.organization_id]
        also = f"  (also {', '.join(others)})" if others else ""
        return [
            f"{self.title} (seed {self.seed}, plan {self.plan}, {self.window_seconds:g} s window) on {base}",
            f"  accounts server   {base}            (/oauth/v2/auth, /oauth/v2/token, /oauth/serverinfo)",
            f"  API               {base}/books/v3",
            f"  controls          {base}/__emulator/stats  (faults, reset, time, tokens: see the docs)",
            f"  client id         {self.client_id}",
            f"  client secret     {self.client_secret}",
            f"  refresh token     {self.refresh_token}",
            f"  organization id   {self.organization_id}{also}",
        ]

    # --- URLs ---------------------------------------------------------------------------------------

    @property
    def accounts_url(self) -> str:
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/books/v3"

    # --- inspection and control -------------------------------------------------------------------

    @property
    def store(self) -> Store:
        self.runtime.store.wait()
        return self.runtime.store

    @property
    def webhooks(self) -> Dispatcher:
        return self.runtime.webhooks

    @property
    def organization_ids(self) -> list[str]:
        return list(self.store.organizations)

    def records(self, organization_id: str, module: str) -> list[Record]:
        """The records of one module ("invoices", "contacts", ...) as GET returns them."""
        org = self.store.get(organization_id)
        if org is None:
            raise KeyError(f"no organization {organization_id}; known: {', '.join(self.organization_ids)}")
        if module not in org.collections:
            raise KeyError(f"no module {module!r}; known: {', '.join(org.collections)}")
        with self.runtime.store.lock:
            return list(org[module])
