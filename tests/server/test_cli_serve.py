"""``unified keys`` and ``unified serve`` from the command line; the server as a real process, one worker or two."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.server.conftest import BACKENDS, CONSUMER, _split
from unified.cli import app
from unified.vault import Connection, Vault

pytestmark = pytest.mark.e2e

KEY = "cli-key-0123456789abcdef"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"UNIFIED_HOME": str(tmp_path / "home"), "UNIFIED_API_KEYS": "", "UNIFIED_VAULT_KEY": ""}


def test_keys_create_list_revoke(env: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "--name", "billing"], env=env)
    assert made.exit_code == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("uk_") and "\n" not in key  # stdout is the key alone: KEY=$(unified keys create)
    assert "shown this once" in made.stderr and key not in made.stderr
    listed = runner.invoke(app, ["keys", "list"], env=env)
    key_id, name, _ = listed.stdout.strip().split("\t")
    assert name == "billing" and key_id in key and key not in listed.stdout + listed.stderr
    assert runner.invoke(app, ["keys", "revoke", key_id], env=env).exit_code == 0
    assert runner.invoke(app, ["keys", "list"], env=env).stdout == ""
    again = runner.invoke(app, ["keys", "revoke", key_id], env=env)
    assert again.exit_code == 1 and again.stderr.startswith("Error: No API key has the id")


def test_serve_refuses_to_start_without_a_key(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No API key: make one with `unified keys create`")
    assert len(result.stderr.strip().splitlines()) == 1


@contextmanager
def _serving(env: dict[str, str], workers: int) -> Iterator[tuple[str, list[str]]]:
    """``unified serve`` on a free port as a process; yields its URL once every worker has started, and what it
    wrote to stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "unified", "serve", "--port", "0", "--workers", str(workers)],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    url = None
    try:
        assert process.stderr is not None
        for line in process.stderr:  # readiness: what uvicorn writes as it binds and as each worker starts
            lines.append(line)
            found = re.search(r"Uvicorn running on (http://\S+)", line)
            url = found.group(1) if found else url
            if url and (workers == 1 or sum("Application startup complete" in seen for seen in lines) == workers):
                break
        else:
            pytest.fail("unified serve ended before listening:\n" + "".join(lines))
        yield url, lines
    finally:
        process.terminate()
        rest = process.communicate(timeout=30)[1]
        lines.append(rest)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_from_the_vault(env: dict[str, str], workers: int) -> None:
    backend = BACKENDS[0]
    with backend.emulator().serve() as emulator:
        vault = Vault(env["UNIFIED_HOME"])
        settings, secrets = _split(emulator.connector_settings())
        vault.save(Connection(CONSUMER, backend.connector, settings, secrets))
        headers = {"Authorization": f"Bearer {KEY}", "x-apideck-consumer-id": CONSUMER}
        with (
            _serving(env | {"UNIFIED_API_KEYS": KEY}, workers) as (url, lines),
            # a started worker listens a moment later: connection attempts are retried
            httpx.Client(base_url=url, transport=httpx.HTTPTransport(retries=5), timeout=30) as http,
        ):
            answers = [http.get("/accounting/tax-rates", headers=headers) for _ in range(3)]
            assert all(answer.status_code == 200 and answer.json()["data"] for answer in answers)
            assert http.get("/accounting/tax-rates").status_code == 401
    log = "".join(lines)
    assert "unified serve: 1 API key; consumers are vault connections (acme)" in log
    assert "GET /accounting/tax-rates 200" in log and f"consumer={CONSUMER}" in log
    assert "GET /accounting/tax-rates 401" in log
    assert KEY not in log and not [secret for secret in secrets.values() if secret in log]
