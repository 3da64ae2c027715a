"""The scale tests' services: a PostgreSQL database of their own (dropped after) and a Redis key prefix of their
own (deleted after), on the machine's local servers. A test that needs one is skipped, saying why, only when the
server is not running."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_ADMIN_URL = os.environ.get("UNIFIED_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("UNIFIED_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _database_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a fresh database for this test session."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install '.[postgres]'")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not running at {PG_ADMIN_URL} ({str(exc).strip().splitlines()[0]})")
    name = f"unified_scale_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield _database_url(name)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def pg_schema(pg_database: str) -> Iterator[str]:
    """A schema of this test's own in the session's database (dropped after)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(pg_database, autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the local Redis (its keys deleted after)."""
    redis = pytest.importorskip("redis", reason="redis-py is not installed: pip install '.[redis]'")
    client: Any = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis is not running at {REDIS_URL} ({exc})")
    prefix = f"unified-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
