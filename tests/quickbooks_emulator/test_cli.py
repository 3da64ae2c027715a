"""``unified emulator quickbooks`` prints its banner and exports once it is listening."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest


@pytest.mark.e2e
def test_emulator_command_prints_exports_once_listening() -> None:
    command = [sys.executable, "-m", "unified", "emulator", "quickbooks", "--port", "0", "--contacts", "6",
               "--invoices", "4", "--bills", "2", "--expenses", "2", "--window-seconds", "2"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:  # blocks until the next line: the banner comes only once listening
            lines.append(line.strip())
            if "Ctrl-C" in line:
                break
        exports = dict(line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export "))
        assert exports["UNIFIED_CONNECTOR"] == "quickbooks"
        url = exports["UNIFIED_QUICKBOOKS_API_URL"]
        assert exports["UNIFIED_QUICKBOOKS_WINDOW_SECONDS"] == "2"
        answer = httpx.get(f"{url}/.well-known/openid_configuration", timeout=10)
        assert answer.status_code == 200
        assert answer.json()["token_endpoint"] == f"{url}/oauth2/v1/tokens/bearer"
    finally:
        process.send_signal(signal.SIGINT) if os.name != "nt" else process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
