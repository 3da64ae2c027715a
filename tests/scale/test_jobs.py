"""The job queue's rules without workers: a schedule defers a job per connection and resource its connector
offers, a second schedule while they wait adds none (no pile-up); a database that is down is a retriable error."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.fernet import Fernet

from unified.jobs._app import build_app, ensure_schema, schedule
from unified.sync import PostgresStore
from unified.sync._pgdb import DatabaseUnavailableError
from unified.vault import Connection
from unified.vault._postgres import PostgresVault


def test_a_schedule_defers_each_connection_and_resource_once(
    pg_database: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    vault = PostgresVault(url=pg_database, schema=pg_schema)
    settings = {"client_id": "1000.X", "organization_id": "1", "api_url": "http://127.0.0.1:9/books/v3"}
    for name in ("acme", "beta"):
        vault.save(Connection(name, "zoho-books", settings, {"client_secret": "s", "refresh_token": "r"}))
    ensure_schema(pg_database)
    ensure_schema(pg_database)  # a second worker starting finds the tables there

    async def twice() -> tuple[object, object]:
        app = build_app(pg_database)
        async with app.open_async():
            first = await schedule(app, vault=vault)
            second = await schedule(app, vault=vault, connections=["acme"])
            jobs = await app.job_manager.list_jobs_async()
            locks = {job.lock for job in jobs}
            assert locks == {"connection:acme", "connection:beta"}
            assert all(len(job.task_kwargs["resources"]) == 1 for job in jobs)  # type: ignore[arg-type]
        return first, second

    first, second = asyncio.run(twice())
    assert first.deferred == 2 * 5 and first.connections == 2  # type: ignore[attr-defined]
    assert second.deferred == 0 and second.already_queued == 5  # type: ignore[attr-defined]


def test_a_database_that_is_down_is_a_retriable_error_without_its_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(DatabaseUnavailableError, match="Cannot connect to the sync database") as raised:
        PostgresStore("postgresql://app:hunter2@127.0.0.1:1/unified", connection="acme")
    assert raised.value.retriable and raised.value.status_code == 503 and "hunter2" not in str(raised.value)
