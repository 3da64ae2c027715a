"""The vault contract, one suite run against the SQLite vault and PostgresVault: round trips, secrets encrypted
at rest, a wrong key refused, token write-back and compare-and-swap, the token cache; and for PostgreSQL,
``Vault()`` chosen by UNIFIED_VAULT_URL and a rotating refresh token refreshed by two processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import psycopg
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from unified.emulator import BackgroundServer, Clock, OAuthError, OAuthServer, TokenPolicy
from unified.errors import EntityNotFoundError
from unified.secret import Secret
from unified.toolkit import StoredTokens
from unified.vault import Connection, Vault, VaultError
from unified.vault._postgres import PostgresVault

ROOT = Path(__file__).resolve().parents[2]
REFRESH = "refresh-aaaabbbbccccddddeeeeffff00001111"
TOKEN = "access-0123456789abcdef0123456789abcdef"
SECRET = "client-secret-0a1b2c3d4e5f60718293a4b5"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("UNIFIED_VAULT_KEY", key)
    monkeypatch.delenv("UNIFIED_VAULT_URL", raising=False)
    return key


@pytest.fixture(params=["sqlite", "postgres"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Vault:
    if request.param == "sqlite":
        return Vault(tmp_path / "home")
    return PostgresVault(
        tmp_path / "home", url=request.getfixturevalue("pg_database"), schema=request.getfixturevalue("pg_schema")
    )


def _connection(name: str = "acme") -> Connection:
    return Connection(
        name=name,
        connector="zoho-books",
        settings={"client_id": "1000.CLIENT", "organization_id": "60000001"},
        secrets={"client_secret": SECRET, "refresh_token": REFRESH, "access_token": TOKEN},
    )


class _Tokens:
    def __init__(self, access: str, refresh: str | None, expires_at: datetime | None = None) -> None:
        self.access_token = Secret(access)
        self.refresh_token = Secret(refresh) if refresh else None
        self.expires_at = expires_at


def test_save_get_list_delete_round_trip(vault: Vault) -> None:
    saved = vault.save(_connection())
    assert saved.secrets["refresh_token"] == REFRESH and saved.created_at is not None
    assert vault.get("acme").settings == _connection().settings
    vault.save(_connection("beta"))
    assert vault.names() == ["acme", "beta"] and [c.name for c in vault.list()] == ["acme", "beta"]
    vault.delete("acme")
    assert vault.names() == ["beta"]
    with pytest.raises(EntityNotFoundError, match="acme"):
        vault.get("acme")
    with pytest.raises(EntityNotFoundError):
        vault.delete("acme")


def test_saving_again_replaces_and_keeps_created_at(vault: Vault) -> None:
    first = vault.save(_connection())
    second = vault.save(Connection("acme", "zoho-books", {"organization_id": "2"}, {"refresh_token": "new"}))
    assert second.settings == {"organization_id": "2"} and second.secrets == {"refresh_token": "new"}
    assert second.created_at == first.created_at


def test_update_merges_and_tokens_are_written_back(vault: Vault) -> None:
    vault.save(_connection())
    vault.update("acme", settings={"data_center": "eu"}, secrets={"access_token": "fresh"})
    got = vault.get("acme")
    assert got.settings["data_center"] == "eu" and got.settings["organization_id"] == "60000001"
    assert got.secrets["access_token"] == "fresh" and got.secrets["refresh_token"] == REFRESH
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    vault.store_tokens("acme", _Tokens("newer", None, expires))
    assert vault.get("acme").secrets["access_token"] == "newer"
    assert vault.get("acme").connector_settings()["expires_at"] == expires


def test_compare_and_swap_writes_only_over_the_expected_refresh_token(vault: Vault) -> None:
    vault.save(_connection())
    store = vault.token_store("acme")
    loaded = store.load()
    assert loaded is not None and loaded.refresh_token == Secret(REFRESH)
    rotated = StoredTokens(Secret("refresh-2"), Secret("access-2"), datetime.now(UTC) + timedelta(hours=1))
    assert store.compare_and_swap(Secret(REFRESH), rotated) is True
    assert store.compare_and_swap(Secret(REFRESH), StoredTokens(Secret("refresh-3"))) is False
    assert vault.get("acme").secrets["refresh_token"] == "refresh-2"
    with store.lock():  # taken and given back
        pass
    with store.lock():
        assert store.load() is not None


def test_secrets_are_encrypted_at_rest(vault: Vault, tmp_path: Path) -> None:
    vault.save(_connection())
    if isinstance(vault, PostgresVault):
        with psycopg.connect(vault.url) as db:
            rows = db.execute(f"SELECT settings, secrets FROM {vault.schema}.vault_connections").fetchall()
        data = b"".join(str(settings).encode() + bytes(secrets) for settings, secrets in rows)
    else:
        data = b"".join(p.read_bytes() for p in (tmp_path / "home").iterdir() if p.name.startswith("vault.db"))
    for secret in (TOKEN, REFRESH, SECRET):
        assert secret[5:25].encode() not in data
    assert b"60000001" in data  # settings are plain, so the check above means something


def test_a_wrong_key_is_a_clear_error(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    vault.save(_connection())
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    again = (
        PostgresVault(vault.home, url=vault.url, schema=vault.schema)
        if isinstance(vault, PostgresVault)
        else Vault(vault.home)
    )
    with pytest.raises(VaultError, match="another key"):
        again.get("acme")


def test_the_token_cache_keeps_an_access_token(vault: Vault) -> None:
    assert vault.cached_tokens("k") == {}
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    vault.cache_tokens("k", _Tokens("cached", None, expires))
    assert vault.cached_tokens("k") == {"access_token": "cached", "expires_at": expires}


def test_vault_url_makes_vault_the_postgres_one(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_VAULT_URL", pg_database.replace("postgresql://", "postgresql://postgres:pw@", 1))
    vault = Vault()
    assert isinstance(vault, PostgresVault)
    assert "pw" not in repr(vault) and "***" in repr(vault)
    monkeypatch.setenv("UNIFIED_VAULT_URL", pg_database)
    vault = Vault()
    vault.save(_connection("via-env"))
    assert "via-env" in Vault().names()
    monkeypatch.delenv("UNIFIED_VAULT_URL")
    assert type(Vault()) is Vault


# -- a rotating refresh token refreshed by two processes at once ---------------------------------------------


@pytest.fixture
def rotating_oauth() -> Iterator[tuple[OAuthServer, str]]:
    """A token endpoint whose refresh tokens rotate on every use, with no grace for the old one."""
    server = OAuthServer(Clock(), TokenPolicy(access_lifetime=3600, rotate_refresh=True, rotation_grace=0.0))
    server.add_client("client-1", "secret-1")
    server.add_refresh_token(REFRESH, "client-1")

    async def token(request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        try:
            tokens = server.refresh(str(form["client_id"]), str(form["client_secret"]), str(form["refresh_token"]))
        except OAuthError as exc:
            return JSONResponse({"error": exc.error}, status_code=400)
        return JSONResponse(
            {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "expires_in": 3600}
        )

    background = BackgroundServer(Starlette(routes=[Route("/token", token, methods=["POST"])]))
    background.start()
    try:
        yield server, background.url + "/token"
    finally:
        background.stop()


def test_a_token_rotated_by_two_processes_at_once_ends_valid(
    pg_database: str, pg_schema: str, rotating_oauth: tuple[OAuthServer, str], tmp_path: Path, _key: str
) -> None:
    server, token_url = rotating_oauth
    vault = PostgresVault(url=pg_database, schema=pg_schema)
    vault.save(Connection("acme", "zoho-books", {}, {"refresh_token": REFRESH}))
    start = tmp_path / "go"
    env = {**os.environ, "UNIFIED_VAULT_KEY": _key, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.scale._rotate", pg_database, pg_schema, "acme", token_url, str(start)]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    start.touch()
    outputs: list[Any] = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    results = [out.split() for out, _ in outputs]
    assert sorted(int(r[1]) for r in results) == [0, 1]  # one refreshed, the other took its tokens
    for access, _, _ in results:
        server.authenticate(access)  # both hold a valid access token
    stored = vault.get("acme").secrets["refresh_token"]
    assert stored != REFRESH
    assert server.refresh("client-1", "secret-1", stored).access_token  # the stored refresh token still works
    with pytest.raises(OAuthError):
        server.refresh("client-1", "secret-1", REFRESH)  # the first one is spent: it could not have been kept
