"""The connection vault: round trips, encryption at rest, keys, token write-back."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from unified.errors import EntityNotFoundError, RequestValidationError
from unified.secret import Secret
from unified.vault import Connection, Vault, VaultError, build_connector

TOKEN = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
REFRESH = "1000.aaaabbbbccccddddeeeeffff00001111.22223333444455556666777788889999"
CLIENT_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4"


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)
    monkeypatch.delenv("UNIFIED_HOME", raising=False)


def _connection(name: str = "acme") -> Connection:
    return Connection(
        name=name,
        connector="zoho-books",
        settings={"client_id": "1000.CLIENT", "organization_id": "60000001", "data_center": "eu"},
        secrets={"client_secret": CLIENT_SECRET, "refresh_token": REFRESH, "access_token": TOKEN},
    )


def test_save_get_list_delete_round_trip(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "home")
    saved = vault.save(_connection())
    assert saved.secrets["refresh_token"] == REFRESH
    got = vault.get("acme")
    assert got.settings == _connection().settings
    assert got.secrets == _connection().secrets
    assert got.created_at is not None and got.created_at.tzinfo is not None
    vault.save(_connection("beta"))
    assert vault.names() == ["acme", "beta"]
    assert [c.name for c in vault.list()] == ["acme", "beta"]
    vault.delete("acme")
    assert vault.names() == ["beta"]
    with pytest.raises(EntityNotFoundError, match="acme"):
        vault.get("acme")
    with pytest.raises(EntityNotFoundError):
        vault.delete("acme")


def test_saving_again_replaces_and_keeps_created_at(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    first = vault.save(_connection())
    changed = Connection("acme", "zoho-books", {"organization_id": "2"}, {"refresh_token": "new"})
    second = vault.save(changed)
    assert second.settings == {"organization_id": "2"}
    assert second.secrets == {"refresh_token": "new"}
    assert second.created_at == first.created_at


def test_file_holds_no_plaintext_secret(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.save(_connection())
    vault.store_tokens("acme", _TokenSet(access_token=Secret(TOKEN[::-1]), refresh_token=None))
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("vault.db"))
    for secret in (TOKEN, REFRESH, CLIENT_SECRET, TOKEN[::-1]):
        assert secret.encode() not in data
        # nor any long piece of it
        assert secret[5:25].encode() not in data
    assert b"60000001" in data  # settings are plain, so the check above is meaningful


def test_home_and_key_file_are_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Vault(home).save(_connection())
    if os.name == "posix":
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert stat.S_IMODE((home / "vault.key").stat().st_mode) == 0o600
        assert stat.S_IMODE((home / "vault.db").stat().st_mode) == 0o600


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "elsewhere"))
    vault = Vault()
    vault.save(_connection())
    assert (tmp_path / "elsewhere" / "vault.db").exists()


def test_key_from_environment_and_wrong_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    Vault(tmp_path).save(_connection())
    assert not (tmp_path / "vault.key").exists()
    assert Vault(tmp_path).get("acme").secrets["refresh_token"] == REFRESH
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    with pytest.raises(VaultError, match=r"another key.*UNIFIED_VAULT_KEY"):
        Vault(tmp_path).get("acme")
    with pytest.raises(VaultError, match="another key"):
        Vault(tmp_path).save(_connection("beta"))


def test_invalid_key_text_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIFIED_VAULT_KEY", "not-a-key")
    with pytest.raises(VaultError, match="UNIFIED_VAULT_KEY is not a valid vault key"):
        Vault(tmp_path).save(_connection())


def test_lost_key_file_is_a_clear_error(tmp_path: Path) -> None:
    Vault(tmp_path).save(_connection())
    (tmp_path / "vault.key").unlink()
    with pytest.raises(VaultError, match="has no key"):
        Vault(tmp_path).get("acme")


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    Vault(tmp_path).save(_connection())
    (tmp_path / "vault.key").chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        Vault(tmp_path).get("acme")


def test_empty_vault_reads_without_creating_files(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "none")
    assert vault.list() == []
    assert vault.names() == []
    with pytest.raises(EntityNotFoundError, match="unified connect"):
        vault.get("acme")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("name", ["", "has space", "-lead", "x" * 65, "a/b"])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(RequestValidationError, match="Connection name"):
        Vault(tmp_path).save(_connection(name))


def test_repr_hides_secrets() -> None:
    text = repr(_connection()) + str(_connection())
    assert REFRESH not in text and TOKEN not in text and CLIENT_SECRET not in text
    assert "refresh_token=***" in text
    assert "organization_id" in text


def test_describe_lists_secret_names_only() -> None:
    described = _connection().describe()
    assert described["secrets"] == ["access_token", "client_secret", "refresh_token"]
    assert REFRESH not in str(described)


class _TokenSet:
    def __init__(self, access_token: Secret, refresh_token: Secret | None, expires_at: datetime | None = None) -> None:
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.expires_at = expires_at


def test_store_tokens_writes_back_and_keeps_refresh_token(tmp_path: Path) -> None:
    vault = Vault(tmp_path)
    vault.save(_connection())
    expires = datetime(2030, 1, 1, 12, tzinfo=UTC)
    vault.store_tokens("acme", _TokenSet(Secret("1000.new"), None, expires))
    got = vault.get("acme")
    assert got.secrets["access_token"] == "1000.new"
    assert got.secrets["refresh_token"] == REFRESH
    assert got.connector_settings()["expires_at"] == expires
    assert got.settings["client_id"] == "1000.CLIENT"


class _Recorder:
    """A connector class stand-in that records its settings and exposes its refresh callback."""

    instances: list[_Recorder] = []

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        _Recorder.instances.append(self)


def test_connector_gets_settings_and_writes_refreshed_tokens_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unified.vault._vault as vault_module

    monkeypatch.setattr(vault_module, "connector_class", lambda name: _Recorder)
    vault = Vault(tmp_path)
    vault.save(_connection())
    connector: Any = vault.connector("acme", window_seconds=2.0)
    assert connector.settings["refresh_token"] == REFRESH
    assert connector.settings["organization_id"] == "60000001"
    assert connector.settings["window_seconds"] == 2.0
    # the connector refreshes on its own thread (the sync client's loop): the write-back must work there
    thread = threading.Thread(
        target=connector.settings["on_token_refresh"], args=(_TokenSet(Secret("1000.fresh"), Secret("1000.r2")),)
    )
    thread.start()
    thread.join()
    got = vault.get("acme")
    assert got.secrets["access_token"] == "1000.fresh"
    assert got.secrets["refresh_token"] == "1000.r2"


def test_build_connector_skips_refresh_callback_when_not_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    import unified.vault._vault as vault_module

    class Strict:
        def __init__(self, *, organization_id: str, refresh_token: str, client_id: str, client_secret: str,
                     data_center: str, access_token: str) -> None:  # fmt: skip
            self.organization_id = organization_id

    monkeypatch.setattr(vault_module, "connector_class", lambda name: Strict)
    built: Any = build_connector(_connection(), on_token_refresh=lambda tokens: None)
    assert built.organization_id == "60000001"


def test_a_connection_missing_a_setting_is_a_clear_error(tmp_path: Path) -> None:
    from unified.errors import RequestValidationError

    vault = Vault(tmp_path)
    vault.save(Connection("half", "zoho-books", {"client_id": "1000.C"}, {"client_secret": "s"}))
    with pytest.raises(RequestValidationError, match="lacks refresh_token, organization_id") as info:
        vault.connector("half")
    assert info.value.field == "refresh_token" and "unified connect zoho-books --name half" in info.value.message
