"""The CLI against the in-memory reference connector: formats, writes, errors and exit codes, connections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import unified.registry as registry
from tests.reference_connector import ReferenceBackend, ReferenceConnector
from unified.cli import app

ENV = {
    "UNIFIED_ZOHO_CLIENT_ID": "1000.CLIENT",
    "UNIFIED_ZOHO_CLIENT_SECRET": "s3cr3t-client",
    "UNIFIED_ZOHO_REFRESH_TOKEN": "1000.refresh.token",
    "UNIFIED_ZOHO_ORGANIZATION_ID": "1",
}
RESOURCES = ["contacts", "customers", "suppliers", "invoices", "bills", "expenses", "tax-rates"]


class SettingsConnector(ReferenceConnector):
    """The reference connector built from connection settings, as the CLI builds a real one."""

    backend_for: dict[str, ReferenceBackend] = {}
    built: list[dict[str, Any]] = []

    def __init__(
        self, *, client_id: str, client_secret: str, refresh_token: str, organization_id: str, **other: Any
    ) -> None:
        SettingsConnector.built.append(
            {"client_id": client_id, "refresh_token": refresh_token, "organization_id": organization_id, **other}
        )
        super().__init__(self.backend_for.setdefault(organization_id, ReferenceBackend().seed()))


class _EntryPoint:
    def __init__(self, name: str, obj: Any) -> None:
        self.name = name
        self._obj = obj

    def load(self) -> Any:
        return self._obj


@pytest.fixture(autouse=True)
def reference(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    real = registry._entry_points

    def entry_points(group: str) -> dict[str, Any]:
        found: dict[str, Any] = dict(real(group))
        if group == registry.CONNECTOR_GROUP:
            found["zoho-books"] = _EntryPoint("zoho-books", SettingsConnector)
        return found

    monkeypatch.setattr(registry, "_entry_points", entry_points)
    for name in [*ENV, "UNIFIED_VAULT_KEY", "UNIFIED_CONNECTION", "UNIFIED_DEBUG"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UNIFIED_HOME", str(tmp_path / "home"))
    SettingsConnector.backend_for = {}
    SettingsConnector.built = []
    yield


def run(*args: str, env: dict[str, str] | None = ENV, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, input=input)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_jsonl_json_and_table(resource: str) -> None:
    jsonl = run("list", resource)
    assert jsonl.exit_code == 0, jsonl.stderr
    records = lines(jsonl.stdout)
    assert records and all("id" in r for r in records)
    as_json = run("list", resource, "--format", "json")
    assert json.loads(as_json.stdout) == records
    table = run("list", resource, "--format", "table")
    assert table.exit_code == 0
    assert "id" in table.stdout and records[0]["id"] in table.stdout
    assert f"{len(records)} {resource}" in table.stderr


def test_views_and_roles() -> None:
    customers = lines(run("list", "customers").stdout)
    suppliers = lines(run("list", "suppliers").stdout)
    assert customers and all(c["is_customer"] for c in customers)
    assert suppliers and all(s["is_supplier"] for s in suppliers)
    assert "customer" in run("list", "customers", "--format", "table").stdout


def test_empty_list_in_each_format() -> None:
    SettingsConnector.backend_for["1"] = ReferenceBackend()
    assert run("list", "bills").stdout == ""
    assert json.loads(run("list", "bills", "--format", "json").stdout) == []


def test_output_uses_unified_names_and_strings_for_money() -> None:
    rates = lines(run("list", "tax-rates").stdout)
    assert {"name", "effective_tax_rate"} <= set(rates[1])
    assert rates[1]["effective_tax_rate"] == "7.5"
    assert "raw" not in rates[1] and "_raw" not in rates[1]


def test_limit_stops_early() -> None:
    result = run("list", "contacts", "--limit", "3")
    assert len(lines(result.stdout)) == 3
    assert run("list", "contacts", "--limit", "0").exit_code == 2


def test_updated_since_filters_and_bad_dates_are_usage_errors() -> None:
    everything = lines(run("list", "contacts").stdout)
    cutoff = everything[5]["updated_at"]
    recent = lines(run("list", "contacts", "--updated-since", cutoff).stdout)
    assert [r["id"] for r in recent] == [r["id"] for r in everything[5:]]
    assert len(lines(run("list", "contacts", "--updated-since", "2024-01-01").stdout)) == len(everything)
    bad = run("list", "contacts", "--updated-since", "yesterday")
    assert bad.exit_code == 2
    assert "ISO 8601" in bad.stderr


def test_raw_adds_the_provider_payload() -> None:
    first = lines(run("list", "contacts").stdout)[0]
    got = json.loads(run("get", "contacts", first["id"], "--raw").stdout)
    assert "_raw" in got
    plain = json.loads(run("get", "contacts", first["id"]).stdout)
    assert "_raw" not in plain and plain == first


def test_get_table() -> None:
    first = lines(run("list", "invoices").stdout)[0]
    table = run("get", "invoices", first["id"], "--format", "table")
    assert table.exit_code == 0
    assert "field" in table.stdout and first["number"] in table.stdout


def test_create_update_delete_round_trip(tmp_path: Path) -> None:
    file = tmp_path / "contact.json"
    file.write_text(json.dumps({"display_name": "New Co", "is_customer": True, "emails": [{"email": "a@b.co"}]}))
    created = run("create", "contacts", "--file", str(file))
    assert created.exit_code == 0, created.stderr
    record = json.loads(created.stdout)
    assert record["display_name"] == "New Co" and record["id"]
    assert f"Created contacts {record['id']}" in created.stderr

    file.write_text(json.dumps({"company_name": "New Company Ltd"}))
    updated = json.loads(run("update", "contacts", record["id"], "--file", str(file)).stdout)
    assert updated["company_name"] == "New Company Ltd" and updated["display_name"] == "New Co"

    deleted = run("delete", "contacts", record["id"])
    assert deleted.exit_code == 0
    assert json.loads(deleted.stdout) == {"id": record["id"], "deleted": True}
    gone = run("get", "contacts", record["id"])
    assert gone.exit_code == 1
    assert gone.stderr.strip() == f"Error: No contacts record with id {record['id']}."


def test_customers_view_creates_a_customer_from_stdin() -> None:
    created = run("create", "customers", "--file", "-", input=json.dumps({"display_name": "Via stdin"}))
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["is_customer"] is True


def test_money_keeps_its_digits(tmp_path: Path) -> None:
    file = tmp_path / "rate.json"
    file.write_text('{"name": "Odd", "effective_tax_rate": 12.3456789012345678}')
    created = json.loads(run("create", "tax-rates", "--file", str(file)).stdout)
    assert created["effective_tax_rate"] == "12.3456789012345678"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"display_name": "x", "colour": "red"}', "Error: Invalid Contact: colour: unknown field"),
        ('{"display_name": ', "Error: "),
        ("[1, 2]", "must hold one JSON object"),
        ('{"emails": [{"email": ""}]}', "emails.0.email"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path: Path, content: str, expected: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content)
    result = run("create", "contacts", "--file", str(file))
    assert result.exit_code == 1
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_invalid_json_names_the_position(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text('{\n  "display_name": \n}')
    result = run("create", "contacts", "--file", str(file))
    assert "is not valid JSON (line 3, column 1" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["list", "widgets"],
        ["list"],
        ["get", "contacts"],
        ["list", "contacts", "--format", "xml"],
        ["create", "contacts"],
        ["create", "contacts", "--file", "/does/not/exist.json"],
        ["nonsense"],
        ["list", "contacts", "--no-such-flag"],
    ],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_no_connection_says_what_to_do() -> None:
    result = run("list", "contacts", env=None)
    assert result.exit_code == 1
    assert "unified connect zoho-books" in result.stderr
    assert "UNIFIED_ZOHO_CLIENT_ID" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_flags_override_environment() -> None:
    result = run("list", "contacts", "--organization-id", "2", "--refresh-token", "1000.flag")
    assert result.exit_code == 0
    assert SettingsConnector.built[-1]["organization_id"] == "2"
    assert SettingsConnector.built[-1]["refresh_token"] == "1000.flag"
    assert SettingsConnector.built[-1]["client_id"] == "1000.CLIENT"


def test_missing_required_setting_names_flag_and_env() -> None:
    env = {k: v for k, v in ENV.items() if k != "UNIFIED_ZOHO_REFRESH_TOKEN"}
    result = run("list", "contacts", env=env)
    assert result.exit_code == 1
    assert "--refresh-token (env UNIFIED_ZOHO_REFRESH_TOKEN)" in result.stderr


def test_debug_shows_the_traceback() -> None:
    plain = run("get", "contacts", "missing")
    assert "Traceback" not in plain.stderr
    debug = run("--debug", "get", "contacts", "missing")
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr and "EntityNotFoundError" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == "Error: No contacts record with id missing."
    assert "Traceback" in run("get", "contacts", "missing", env={**ENV, "UNIFIED_DEBUG": "1"}).stderr


def test_unexpected_errors_are_one_line_too(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: Any, resource: str, id: str, *, raw: bool = False) -> Any:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(SettingsConnector, "get", broken)
    result = run("get", "contacts", "x")
    assert result.exit_code == 1
    expected = "Error: unexpected ZeroDivisionError: boom (run again with --debug for the traceback)"
    assert result.stderr.strip() == expected


def test_secrets_never_reach_the_output() -> None:
    for args in (["list", "contacts"], ["get", "contacts", "missing"], ["--debug", "list", "contacts", "--limit", "1"]):
        result = run(*args)
        assert "s3cr3t-client" not in result.stdout + result.stderr
        assert "1000.refresh.token" not in result.stdout + result.stderr


def test_schema_prints_json_schema() -> None:
    result = run("schema", "invoices")
    schema = json.loads(result.stdout)
    assert schema["title"] == "Invoice"
    assert schema["properties"]["id"]["readOnly"] is True
    assert "line_items" in schema["properties"]
    assert json.loads(run("schema", "tax-rates").stdout)["title"] == "TaxRate"


def test_saved_connection_is_used_by_name_and_by_default(tmp_path: Path) -> None:
    added = run("connections", "add", "acme", "--organization-id", "7")
    assert added.exit_code == 0, added.stderr
    described = json.loads(added.stdout)
    assert described["settings"] == {"client_id": "1000.CLIENT", "organization_id": "7"}
    assert described["secrets"] == ["client_secret", "refresh_token"]

    assert run("list", "contacts", "--connection", "acme", env={}).exit_code == 0
    assert SettingsConnector.built[-1]["organization_id"] == "7"
    assert SettingsConnector.built[-1]["refresh_token"] == "1000.refresh.token"
    # the only zoho-books connection in the vault is the default when nothing else is given
    assert run("list", "contacts", env={}).exit_code == 0
    assert SettingsConnector.built[-1]["organization_id"] == "7"

    listing = run("connections", "list", "--format", "json", env={})
    assert [c["name"] for c in json.loads(listing.stdout)] == ["acme"]
    assert "1000.refresh.token" not in listing.stdout
    assert "acme" in run("connections", "list", env={}).stdout

    assert run("connections", "delete", "acme", env={}).exit_code == 0
    missing = run("list", "contacts", "--connection", "acme", env={})
    assert missing.exit_code == 1
    assert "No connection named 'acme'" in missing.stderr


def test_vault_file_has_no_plaintext_after_cli_add(tmp_path: Path) -> None:
    run("connections", "add", "acme")
    data = (tmp_path / "home" / "vault.db").read_bytes()
    assert b"s3cr3t-client" not in data and b"1000.refresh.token" not in data


def test_connections_add_needs_settings() -> None:
    result = run("connections", "add", "acme", env={})
    assert result.exit_code == 1
    assert "Nothing to save" in result.stderr


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("demo", "emulator", "connect", "list", "get", "create", "update", "delete", "sync", "schema"):
        assert command in result.stdout
    assert "--client-id" in run("list", "--help").stdout


def _subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIFIED_")}
    env["UNIFIED_HOME"] = str(tmp_path / "home")
    return env


def test_console_script_and_python_m(tmp_path: Path) -> None:
    env = _subprocess_env(tmp_path)
    script = Path(sys.executable).with_name("unified")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Usage: unified" in done.stdout and "demo" in done.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "unified", "list", "contacts"], capture_output=True, text=True, env=env, timeout=60
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: No zoho-books connection")
    assert len(failed.stderr.strip().splitlines()) == 1


def test_debug_works_anywhere_on_the_line() -> None:
    after = run("list", "contacts", "--debug", env=None)
    assert after.exit_code == 1 and "Traceback" in after.stderr
    plain = run("list", "contacts", env=None)
    assert "Traceback" not in plain.stderr


def test_usage_errors_carry_no_value_error_prefix() -> None:
    result = run("list", "nope")
    assert result.exit_code == 2
    assert "'nope' is not one of" in result.stderr and "Value error" not in result.stderr


def test_help_shows_flags_as_typed() -> None:
    result = run("list", "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout and "--raw" in result.stdout
    assert "--organization-id" in result.stdout and "UNIFIED_ZOHO_ORGANIZATION_ID" in result.stdout


def test_custom_field_amounts_print_as_exact_strings(tmp_path: Path) -> None:
    path = tmp_path / "contact.json"
    path.write_text(
        json.dumps({"display_name": "Amounts", "is_customer": True, "custom_fields": [{"name": "cap", "value": 10.50}]})
    )
    created = run("create", "contacts", "--file", str(path))
    assert created.exit_code == 0, created.stderr
    shown = json.loads(created.stdout)
    assert shown["custom_fields"] == [{"name": "cap", "value": "10.5"}]


def test_organizations_lists_what_the_credentials_reach() -> None:
    result = run("organizations", "--format", "json")
    assert result.exit_code == 1 and "cannot list the organizations" in result.stderr
