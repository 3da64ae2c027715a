"""The server on 127.0.0.1 in front of a served emulator, with a temporary vault and API key.

Tests run once per backend in BACKENDS. Only Zoho Books is listed for now; an entry for Xero or QuickBooks is
its emulator factory and what its records look like (the connection's settings come from the emulator's
``connector_settings()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from unified.server import ApiKeys, BackgroundServer, ServerSettings, create_app
from unified.vault import Connection, Vault

KEY = "test-key-0123456789abcdef"
CONSUMER = "acme"


@dataclass(frozen=True)
class Backend:
    """One connector and its emulator, as the server tests need them."""

    connector: str
    emulator: Callable[[], Any]
    #: a valid new record per resource path, for create
    new_records: dict[str, dict[str, Any]]
    #: a filter each list supports, and one it refuses
    supported_filter: tuple[str, str, str]
    unsupported_filter: tuple[str, str]
    #: a sort field invoices support, and one they refuse
    supported_sort: str
    unsupported_sort: str
    #: a path under the provider's API for /proxy
    proxy_path: str
    #: holds the organization's rate budget for some seconds, as a burst of other callers would
    hold_budget: Callable[[Any, float], None]


def _zoho() -> Any:
    from connectors.zoho_books.emulator import ZohoBooksEmulator

    return ZohoBooksEmulator(seed=21, contacts=30, invoices=45, bills=8, expenses=6, window_seconds=0.5)


def _zoho_hold(emulator: Any, seconds: float) -> None:
    from connectors.zoho_books import ZohoBooksConnector

    # connectors of one organization share its limiter: holding this one holds the server's
    ZohoBooksConnector(**emulator.connector_settings()).http.limiter.penalize(seconds)


BACKENDS = [
    Backend(
        connector="zoho-books",
        emulator=_zoho,
        new_records={
            "customers": {"display_name": "Server Test GmbH", "emails": [{"email": "ap@server.example"}]},
            "suppliers": {"display_name": "Server Supplies Ltd"},
        },
        supported_filter=("customers", "status", "active"),
        unsupported_filter=("invoices", "created_since"),
        supported_sort="created_at",
        unsupported_sort="id",
        proxy_path="/settings/currencies",
        hold_budget=_zoho_hold,
    )
]


def _split(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Plain settings and secrets (the vault encrypts these)."""
    secret = {k: str(v) for k, v in settings.items() if k.endswith(("secret", "token"))}
    return {k: v for k, v in settings.items() if k not in secret}, secret


@dataclass
class Served:
    backend: Backend
    emulator: Any
    vault: Vault
    keys: ApiKeys
    url: str

    def client(self, *, key: str | None = KEY, consumer: str | None = CONSUMER, **headers: str) -> httpx.Client:
        sent = dict(headers)
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        if consumer is not None:
            sent["x-apideck-consumer-id"] = consumer
        return httpx.Client(base_url=self.url, headers=sent, timeout=30)


@contextmanager
def serve_backend(backend: Backend, home: Path, *, rate_limit_wait: float = 5.0) -> Iterator[Served]:
    """An emulator, a vault holding one connection to it named CONSUMER, and the server in front of both."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("UNIFIED_VAULT_KEY", raising=False)
        patch.delenv("UNIFIED_API_KEYS", raising=False)
        patch.setenv("UNIFIED_HOME", str(home))
        with backend.emulator().serve() as emulator:
            vault = Vault(home)
            settings, secrets = _split(emulator.connector_settings())
            vault.save(Connection(CONSUMER, backend.connector, settings, secrets))
            keys = ApiKeys(home, extra=[KEY])
            app = create_app(ServerSettings(home=home, rate_limit_wait=rate_limit_wait), vault=vault, keys=keys)
            with BackgroundServer(app) as server:
                yield Served(backend, emulator, vault, keys, server.url)


@pytest.fixture(scope="module", params=BACKENDS, ids=lambda backend: backend.connector)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_backend(request.param, tmp_path_factory.mktemp("home")) as running:
        yield running


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client
