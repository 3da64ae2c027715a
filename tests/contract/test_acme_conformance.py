"""The guide's example connector (examples/acme_ledger) passes the conformance kit against its emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import strategies as st

from examples.acme_ledger.connector import AcmeLedgerConnector
from examples.acme_ledger.emulator import AcmeEmulator
from schemas import Email
from unified.client import UnifiedClient
from unified.errors import RequestValidationError, UnifiedError
from unified.secret import Secret
from unified.testing import Api, ConnectorConformance, strategies
from unified.toolkit import MemoryTokenStore, StoredTokens


@pytest.fixture(scope="module")
def acme() -> Iterator[AcmeEmulator]:
    with AcmeEmulator(contacts=60, window_seconds=0.5).serve() as emu:
        yield emu


@pytest.fixture(scope="module")
def token_store(acme: AcmeEmulator) -> MemoryTokenStore:
    # Acme rotates refresh tokens: every connector must start from the latest one, as a vault would give it
    return MemoryTokenStore(StoredTokens(Secret(acme.connector_settings()["refresh_token"])))


class TestAcmeConformance(ConnectorConformance):
    @pytest.fixture
    def connector_factory(self, acme: AcmeEmulator, token_store: MemoryTokenStore) -> Any:
        settings = acme.connector_settings()
        return lambda: AcmeLedgerConnector(**settings, token_store=token_store)

    async def write_strategy(self, api: Api, resource: str) -> st.SearchStrategy[Any]:
        # Acme keeps one email per contact, and no type
        return strategies.contacts().map(
            lambda c: c.model_copy(update={"emails": [Email(email=c.emails[0].email)]}) if c.emails else c
        )

    def invalid_writes(self, resource: str) -> list[tuple[Any, type[UnifiedError]]]:
        two = {"display_name": "Two Emails", "emails": [{"email": "a@x.example"}, {"email": "b@x.example"}]}
        return [(two, RequestValidationError)] if resource == "contacts" else []


def test_a_lost_create_retried_with_the_same_key_yields_one_record(
    acme: AcmeEmulator, token_store: MemoryTokenStore
) -> None:
    client = UnifiedClient(AcmeLedgerConnector(**acme.connector_settings(), token_store=token_store))
    try:
        before = len(acme.contacts)
        acme.faults.fail_next(1, "drop_after_commit", path="/api/contacts", method="POST")
        created = client.contacts.create({"display_name": "Once Only"}, idempotency_key="order-7")
        again = client.contacts.create({"display_name": "Once Only"}, idempotency_key="order-7")
        assert created.id == again.id and len(acme.contacts) == before + 1
    finally:
        client.close()


def test_the_rotating_refresh_token_is_kept_through_the_token_store() -> None:
    with AcmeEmulator(contacts=1).serve() as emu:
        fresh = emu.connector_settings()
        store = MemoryTokenStore(StoredTokens(Secret(fresh["refresh_token"])))
        for _ in range(2):  # the second connector starts from the store, not from the first refresh token
            client = UnifiedClient(AcmeLedgerConnector(**fresh, token_store=store))
            try:
                emu.expire_tokens()
                assert client.contacts.page().data
            finally:
                client.close()
        stored = store.load()
        assert stored is not None and stored.refresh_token != Secret(fresh["refresh_token"])
