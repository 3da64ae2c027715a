"""The emulator on a real socket: serve() on a free port, and `unified emulator xero`, which prints its banner
and exports once it is listening."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys

import httpx
import pytest

from connectors.xero.emulator import XeroEmulator

pytestmark = pytest.mark.e2e


def _session(settings: dict[str, str]) -> tuple[str, str]:
    """An access token from the identity URL and the API root, from connector-style settings."""
    token = httpx.post(
        f"{settings['identity_url']}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": settings["refresh_token"]},
        auth=(settings["client_id"], settings["client_secret"]),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    return token.json()["access_token"], settings["api_url"]


def test_serve_and_connector_settings() -> None:
    emu = XeroEmulator(contacts=6, invoices=8, bills=2, expenses=2)
    with emu.serve() as running:
        settings = running.connector_settings()
        assert set(settings) == {
            "client_id",
            "client_secret",
            "refresh_token",
            "tenant_id",
            "api_url",
            "identity_url",
            "login_url",
            "window_seconds",
        }
        assert settings["api_url"] == settings["identity_url"] == settings["login_url"] == emu.url
        token, api = _session(settings)
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": settings["tenant_id"]}
        connections = httpx.get(f"{api}/connections", headers=headers, timeout=10).json()
        assert settings["tenant_id"] in {c["tenantId"] for c in connections}
        invoices = httpx.get(f"{api}/api.xro/2.0/Invoices", params={"page": 1}, headers=headers, timeout=10)
        assert invoices.status_code == 200 and len(invoices.json()["Invoices"]) == 10
    with pytest.raises(RuntimeError, match="serving"):
        emu.connector_settings()


def test_emulator_command_prints_exports_once_listening() -> None:
    command = [sys.executable, "-m", "unified", "emulator", "xero", "--port", "0", "--contacts", "6",
               "--invoices", "4", "--bills", "2", "--expenses", "2", "--window-seconds", "2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:  # blocks until the next line: the banner comes only once listening
            lines.append(line.strip())
            if "Ctrl-C" in line:
                break
        exports = {}
        for line in lines:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                exports[name] = shlex.split(value)[0]
        assert exports["UNIFIED_CONNECTOR"] == "xero"
        assert exports["UNIFIED_XERO_WINDOW_SECONDS"] == "2"
        settings = {k.removeprefix("UNIFIED_XERO_").lower(): v for k, v in exports.items()}
        token, api = _session(settings)
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": settings["tenant_id"]}
        assert httpx.get(f"{api}/api.xro/2.0/Organisation", headers=headers, timeout=10).status_code == 200
        assert any("Xero emulator" in line for line in lines)
    finally:
        process.send_signal(signal.SIGINT) if os.name != "nt" else process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
