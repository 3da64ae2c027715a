"""Subscriber signing secrets are encrypted with the vault's key; older plaintext rows are read and encrypted."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from unified.secret import Secret
from unified.vault import Connection, Vault, VaultError
from unified.webhooks import WebhookStore

URL = "https://hooks.example.com/in"
SECRET = "subscriber-secret-0123456789"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("UNIFIED_VAULT_KEY", raising=False)
    return tmp_path / "home"


def stored_secrets(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [secret for (secret,) in db.execute("SELECT secret FROM subscribers")]


def test_a_secret_is_stored_encrypted_with_the_vault_s_key(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "unified.webhooks.db"
    with WebhookStore(path) as webhooks:
        webhooks.add_subscriber(URL, SECRET)
        assert webhooks.subscriber(URL).secret.reveal() == SECRET  # type: ignore[union-attr]
    [stored] = stored_secrets(path)
    assert stored.startswith("fernet:") and SECRET not in stored
    assert SECRET.encode() not in path.read_bytes()
    key = Fernet((home / "vault.key").read_text().strip().encode())
    assert key.decrypt(stored.removeprefix("fernet:").encode()).decode() == SECRET
    # one key for both: the vault opens with the key file the webhook store made
    Vault(home).save(Connection("acme", "zoho-books", {"organization_id": "1"}, {"refresh_token": "r"}))
    assert Vault(home).get("acme").secrets["refresh_token"] == "r"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_database_and_the_key_file_are_private(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "unified.webhooks.db"
    with WebhookStore(path) as webhooks:
        webhooks.add_subscriber(URL, SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "vault.key").stat().st_mode) == 0o600
    (home / "vault.key").chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"), WebhookStore(path) as webhooks:
        webhooks.subscribers()


def test_plaintext_rows_of_an_older_version_are_read_and_encrypted_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.webhooks.db"
    with WebhookStore(path):
        pass  # the tables, as any version makes them
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO subscribers (url, secret, created_at) VALUES (?, ?, 0)", (URL, SECRET))
    with WebhookStore(path) as webhooks:
        [subscriber] = webhooks.subscribers()
        assert subscriber.secret.reveal() == SECRET
    [stored] = stored_secrets(path)
    assert stored.startswith("fernet:") and SECRET not in stored


def test_a_key_of_the_environment_or_given_is_used_and_a_wrong_one_is_named(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "unified.webhooks.db"
    env_key = Fernet.generate_key().decode()
    monkeypatch.setenv("UNIFIED_VAULT_KEY", env_key)
    with WebhookStore(path) as webhooks:
        webhooks.add_subscriber(URL, SECRET)
    assert not (home / "vault.key").exists()
    with WebhookStore(path, key=Secret(env_key)) as webhooks:
        assert webhooks.subscribers()[0].secret.reveal() == SECRET
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())
    with WebhookStore(path) as webhooks, pytest.raises(VaultError, match="UNIFIED_VAULT_KEY") as wrong:
        webhooks.subscribers()
    assert SECRET not in str(wrong.value)
    with pytest.raises(VaultError, match="not a valid vault key"), WebhookStore(path, key="short") as webhooks:
        webhooks.subscribers()


def test_a_database_without_subscribers_needs_no_key(tmp_path: Path, home: Path) -> None:
    with WebhookStore(tmp_path / "unified.webhooks.db") as webhooks:
        assert webhooks.counts() == {"pending": 0, "delivered": 0, "failed": 0}
    assert not home.exists()


def test_removing_a_subscriber_and_listing_urls_need_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "unified.webhooks.db"
    with WebhookStore(path) as webhooks:
        webhooks.add_subscriber(URL, SECRET)
    monkeypatch.setenv("UNIFIED_VAULT_KEY", Fernet.generate_key().decode())  # not the key it was written with
    with WebhookStore(path) as webhooks:
        assert webhooks.subscriber_urls() == [URL]
        webhooks.remove_subscriber(URL)
        assert webhooks.subscriber_urls() == []
