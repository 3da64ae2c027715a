"""The emulator as a real server: serve() on a free port, faults on a real socket, and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from connectors.zoho_books.emulator import ZohoBooksEmulator
from connectors.zoho_books.emulator._cli import emulator_command

pytestmark = pytest.mark.e2e


@contextmanager
def _session(emu: ZohoBooksEmulator, **client: Any) -> Iterator[httpx.Client]:
    """A client holding a fresh access token and the organization_id, as Zoho's docs build the calls."""
    with httpx.Client(base_url=emu.base_url, **client) as http:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": emu.refresh_token,
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        }
        token = http.post(emu.accounts_url + "/oauth/v2/token", data=form).json()["access_token"]
        http.headers["Authorization"] = f"Zoho-oauthtoken {token}"
        http.params = httpx.QueryParams({"organization_id": emu.organization_id})
        yield http


def test_serve_on_a_free_port_answers_like_zoho() -> None:
    emu = ZohoBooksEmulator(contacts=30, invoices=10, bills=0, expenses=0)
    with emu.serve() as running:
        assert running is emu
        assert emu.base_url.startswith("http://127.0.0.1:")
        assert emu.api_url == emu.base_url + "/books/v3"
        assert emu.accounts_url == emu.base_url
        with _session(emu) as http:
            token_response = http.post(
                "/oauth/v2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": emu.refresh_token,
                    "client_id": emu.client_id,
                    "client_secret": emu.client_secret,
                },
            )
            assert token_response.json()["api_domain"] == emu.base_url
            body = http.get(emu.api_url + "/contacts", params={"per_page": 10}).json()
            assert body["code"] == 0 and len(body["contacts"]) == 10
    with pytest.raises(RuntimeError, match="serving"):
        _ = emu.base_url


def test_many_concurrent_list_requests_hold_up() -> None:
    emu = ZohoBooksEmulator(contacts=40, invoices=200, bills=0, expenses=0, rate_limit=100_000)
    with emu.serve(), _session(emu) as http:

        def fetch(_: int) -> int:
            response = http.get("/books/v3/invoices", params={"per_page": 200})
            assert len(response.json()["invoices"]) == 200
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(fetch, range(48)))
    assert statuses == [200] * 48
    assert emu.stats()["by_endpoint"]["GET /books/v3/invoices"] == 48


def test_real_socket_faults() -> None:
    emu = ZohoBooksEmulator(contacts=5, invoices=0, bills=0, expenses=0)
    # closed without an answer: a reset instead of a clean close when the body was still arriving
    closed = (httpx.RemoteProtocolError, httpx.ReadError)
    with emu.serve(), _session(emu) as http:
        emu.faults.fail_next(1, "drop", method="POST")
        with pytest.raises(closed):
            http.post("/books/v3/contacts", json={"contact_name": "Dropped"})
        emu.faults.fail_next(1, "drop_after_commit", method="POST")
        with pytest.raises(closed):
            http.post("/books/v3/contacts", json={"contact_name": "Committed"})
        names = {c["contact_name"] for c in emu.records(emu.organization_id, "contacts")}
        assert "Committed" in names and "Dropped" not in names
        emu.faults.fail_next(1, "html")
        assert http.get("/books/v3/contacts").status_code == 502
        assert http.get("/books/v3/contacts").status_code == 200  # the connection pool recovers
    assert emu.stats()["by_status"]["dropped"] == 2


def test_held_request_times_out_the_client_and_the_server_still_stops() -> None:
    emu = ZohoBooksEmulator(contacts=5, invoices=0, bills=0, expenses=0)
    stopped = threading.Event()

    def run() -> None:
        with emu.serve(), _session(emu, timeout=0.3) as http:
            emu.faults.fail_next(1, "timeout")  # held for the default 30 s
            with pytest.raises(httpx.ReadTimeout):
                http.get("/books/v3/contacts")
        stopped.set()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=20)
    assert stopped.is_set(), "serve() did not stop while a request was held"


def test_command_line_prints_exports_once_listening_that_the_cli_can_use_and_stops_on_ctrl_c() -> None:
    command = [
        sys.executable,
        "-m",
        "connectors.zoho_books.emulator",
        "--port",
        "0",
        "--contacts",
        "5",
        "--invoices",
        "3",
    ]
    command += ["--bills", "1", "--expenses", "1", "--seed", "3", "--window-seconds", "0.5"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:  # reads until the banner is complete
            lines.append(line)
            if "Ctrl-C" in line:
                break
        banner = "".join(lines)
        expected = ZohoBooksEmulator(seed=3, contacts=0, invoices=0, bills=0, expenses=0)
        assert expected.client_id in banner and expected.client_secret in banner and expected.refresh_token in banner
        assert f"organization id   {expected.organization_id}" in banner
        base = banner.split(" on ", 1)[1].split()[0]
        assert httpx.get(base + "/__emulator/health").json() == {"status": "ok"}  # listening once printed
        assert httpx.get(base + "/books/v3/contacts").json()["code"] == 14
        exports = dict(
            part.split("=", 1) for line in lines if line.strip().startswith("export ") for part in line.split()[1:]
        )
        assert exports["UNIFIED_CONNECTOR"] == "zoho-books"
        assert exports["UNIFIED_ZOHO_API_URL"] == base + "/books/v3"
        assert exports["UNIFIED_ZOHO_WINDOW_SECONDS"] == "0.5" and exports["UNIFIED_ZOHO_PLAN"] == "premium"
        listed = subprocess.run(
            [sys.executable, "-m", "unified", "list", "invoices", "--format", "json"],
            env={**env, **exports},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 3  # the three seeded invoices, through the exported settings
        process.send_signal(signal.SIGINT)
        rest = process.stdout.read()
        assert process.wait(timeout=20) == 0
        assert "stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_command_line_reports_a_bad_fixture() -> None:
    app = typer.Typer()
    app.command()(emulator_command)
    result = CliRunner().invoke(app, ["--port", "0", "--fixture", "/nonexistent.json"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
