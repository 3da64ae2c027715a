"""Two syncs of one connection at once on PostgreSQL (two sessions, as two processes would have): the second is
refused before any call, or waits and repeats none of the first one's calls."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified.sync import PostgresStore, SyncEngine, SyncLockedError, SyncReport


def books_calls(emu: ZohoBooksEmulator) -> int:
    return sum(emu.stats()["by_organization"].values())


@pytest.mark.e2e
def test_two_syncs_of_one_connection_spend_the_calls_of_one(pg_database: str, pg_schema: str) -> None:
    emu = ZohoBooksEmulator(seed=3, contacts=5, invoices=60, bills=0, expenses=0, window_seconds=0.5)
    with emu.serve():

        def engine(wait: float) -> SyncEngine:
            store = PostgresStore(pg_database, connection="acme", schema=pg_schema)
            return SyncEngine(
                ZohoBooksConnector(**emu.connector_settings()),
                store,
                connection="acme",
                lock_wait=timedelta(seconds=wait),
            )

        first, refused, waiting = engine(0), engine(0), engine(60)
        outcome: list[SyncReport | BaseException] = []

        def run_first() -> None:
            try:
                outcome.append(first.run_sync(["invoices"]))
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=run_first)
        thread.start()
        deadline = time.monotonic() + 30
        while books_calls(emu) == 0:  # the first run holds the lock once it calls
            assert time.monotonic() < deadline and thread.is_alive(), outcome
            time.sleep(0.005)
        before = books_calls(emu)
        with pytest.raises(SyncLockedError, match="Another sync run") as raised:
            refused.run_sync(["invoices"])
        assert raised.value.holder and "process" in raised.value.holder
        assert refused.client.connector.http.calls == 0  # type: ignore[attr-defined]
        second = waiting.run_sync(["invoices"])  # waits for the first, then finds nothing new
        thread.join(60)
        assert outcome and isinstance(outcome[0], SyncReport), outcome
        one = outcome[0].list_calls + outcome[0].detail_calls
        assert one == 1 + 60 and before >= 1
        assert second.created == 0 and second.detail_calls == 0 and second.list_calls == 1
        assert books_calls(emu) == one + 1
        for engine_ in (first, refused, waiting):
            engine_.close(close_connector=True)
            engine_.store.close()
