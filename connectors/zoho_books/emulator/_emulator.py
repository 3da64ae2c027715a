"""ZohoBooksEmulator: the public face of the emulator (see the package docstring)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from . import _fixtures
from ._app import build_app, with_abort
from ._clock import Clock, format_timestamp
from ._faults import Faults
from ._generator import credentials, seed_organization
from ._generator import organization_id as seeded_org_id
from ._limits import PLANS, Limits
from ._oauth import Accounts
from ._runtime import Runtime
from ._server import BackgroundServer
from ._stats import Stats
from ._store import Record, Store
from ._webhooks import Dispatcher

OTHER_ORGANIZATION_SHARE = 10  # later organizations get a tenth of the first one's records


class ZohoBooksEmulator:
    """A local Zoho Books: Zoho Accounts OAuth plus Books API v3, in memory, seeded and deterministic."""

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
    ) -> None:
        counts = {"contacts": contacts, "invoices": invoices, "bills": bills, "expenses": expenses}
        for name, value in counts.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, not {value}")
        if organizations < 1:
            raise ValueError(f"organizations must be >= 1, not {organizations}")
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        if organization_id is not None and not str(organization_id).isdigit():
            raise ValueError(f"organization_id must be digits, like 10234695, not {organization_id!r}")
        seeded_id, seeded_secret, seeded_refresh = credentials(seed)
        self.client_id = client_id or seeded_id
        self.client_secret = client_secret or seeded_secret
        self.refresh_token = refresh_token or seeded_refresh
        self.plan = plan
        clock = Clock()
        accounts = Accounts(clock, window_scale=window_seconds / 60.0)
        accounts.add_client(self.client_id, self.client_secret)
        accounts.add_refresh_token(self.refresh_token, self.client_id)
        stats = Stats()
        store = Store()
        self._runtime = Runtime(
            clock=clock,
            store=store,
            accounts=accounts,
            limits=Limits(
                clock,
                plan=plan,
                window_seconds=window_seconds,
                rate_limit=rate_limit,
                daily_limit=daily_limit,
                concurrency=concurrency,
            ),
            faults=Faults(timeout_seconds),
            stats=stats,
            webhooks=Dispatcher(stats),
        )
        self.app: Starlette = build_app(self._runtime)
        self._server: BackgroundServer | None = None
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
        store = self._runtime.store
        try:
            for index, org_id in enumerate(ids):
                share = counts if index == 0 else {k: v // OTHER_ORGANIZATION_SHARE for k, v in counts.items()}
                store.add(seed_organization(seed, index, str(org_id), plan, share))
        except BaseException as exc:  # surfaced by Store.wait()
            store.failure = exc
        finally:
            store.ready.set()

    def _load_fixture(self, data: dict[str, Any], seed: int, first_id: str | None, plan: str) -> None:
        store = self._runtime.store
        given = _fixtures.organizations_of(data) or [{}]
        for index, record in enumerate(given):
            fallback = first_id if index == 0 and first_id else seeded_org_id(seed, index)
            org_id = str(record.get("organization_id") or fallback)
            store.add(seed_organization(seed, index, org_id, plan, None, given=record))
        orgs = list(store.organizations.values())
        _fixtures.load_records(data, orgs, format_timestamp(self._runtime.clock.now(), orgs[0].offset_minutes))
        store.ready.set()

    def __repr__(self) -> str:
        where = f" at {self.base_url}" if self._server else ""
        return f"<ZohoBooksEmulator organization_id={self.organization_id} plan={self.plan}{where}>"

    # --- serving ----------------------------------------------------------------------------------

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[ZohoBooksEmulator]:
        """Serve on a real socket in a background thread until the block ends (port 0: a free port)."""
        if self._server is not None:
            raise RuntimeError("the emulator is already serving; leave the other serve() block first")
        server = BackgroundServer(with_abort(self.app), host, port)
        self._runtime.stopping = False
        server.start()
        self._server = server
        try:
            yield self
        finally:
            self._runtime.stopping = True
            self._runtime.faults.release()
            server.stop()
            self._runtime.webhooks.close()
            self._server = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("base_url exists while serving: use `with emu.serve() as emu:` (or emu.app in-process)")
        host = f"[{self._server.host}]" if ":" in self._server.host else self._server.host
        return f"http://{host}:{self._server.port}"

    @property
    def accounts_url(self) -> str:
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/books/v3"

    # --- inspection and control -------------------------------------------------------------------

    @property
    def store(self) -> Store:
        self._runtime.store.wait()
        return self._runtime.store

    def wait_ready(self, timeout: float = 120.0) -> ZohoBooksEmulator:
        """Wait until the generated data is in place (requests wait for it on their own)."""
        self._runtime.store.wait(timeout)
        return self

    @property
    def faults(self) -> Faults:
        return self._runtime.faults

    @property
    def webhooks(self) -> Dispatcher:
        return self._runtime.webhooks

    @property
    def limits(self) -> Limits:
        return self._runtime.limits

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
        with self._runtime.store.lock:
            return list(org[module])

    def stats(self) -> dict[str, Any]:
        return self._runtime.stats.snapshot()

    def reset_stats(self) -> None:
        self._runtime.stats.reset()

    def reset_limits(self) -> None:
        self._runtime.limits.reset()

    @property
    def request_log(self) -> list[dict[str, Any]]:
        return self._runtime.stats.entries()

    def expire_tokens(self) -> None:
        """Every access token issued so far expires (401 code 57); refresh tokens stay valid."""
        self._runtime.accounts.expire_all()

    def advance_time(self, seconds: float) -> None:
        """Move the emulator's clock forward: rate windows, the day, token and code lifetimes follow it."""
        self._runtime.clock.advance(seconds)

    def close(self) -> None:
        """Stop the webhook delivery thread (serve() does this when its block ends)."""
        self._runtime.webhooks.close()
