"""Webhooks in both shapes with intuit-signature; fixtures served as given; what the emulator imports."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.quickbooks.emulator import FixtureError, QuickBooksEmulator, sign_webhook, verify_webhook

from .conftest import Api, make_emulator


def _capturing(emu: QuickBooksEmulator) -> list[httpx.Request]:
    received: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    emu.deliveries.transport = httpx.MockTransport(handler)
    return received


@pytest.mark.parametrize("fmt", ["legacy", "cloudevents"])
def test_writes_send_signed_events(fmt: str) -> None:
    emu = make_emulator(
        contacts=3, invoices=2, bills=1, expenses=1, webhook_url="http://hooks.test/qbo", webhook_format=fmt
    )
    received = _capturing(emu)
    with emu.serve(), httpx.Client(base_url=emu.url) as client:
        api = Api(emu, client)
        made = api.post("customer", {"DisplayName": "Hooked"}).json()["Customer"]
        assert emu.deliveries.flush(timeout=60)
    assert len(received) == 1
    body = received[0].content
    assert verify_webhook(body, received[0].headers["intuit-signature"], emu.verifier_token)
    assert not verify_webhook(body, sign_webhook(body, "another-token"), emu.verifier_token)
    payload: Any = json.loads(body)
    if fmt == "legacy":
        note = payload["eventNotifications"][0]
        assert note["realmId"] == emu.realm_id
        assert note["dataChangeEvent"]["entities"][0] | {"lastUpdated": ""} == {
            "name": "Customer", "id": made["Id"], "operation": "Create", "lastUpdated": ""}  # fmt: skip
    else:
        event = payload[0]
        assert event["specversion"] == "1.0"
        assert event["type"] == "qbo.customer.created.v1"
        assert (event["intuitentityid"], event["intuitaccountid"]) == (made["Id"], emu.realm_id)
    assert emu.stats()["webhooks"]["delivered"] == 1


def test_fixture_records_are_served_as_given_and_filled_in() -> None:
    fixture = {
        "realms": [{"Id": "1234567890", "CompanyName": "Fixture Co", "Country": "GB"}],
        "Customer": [{"Id": "77", "DisplayName": "Captured", "Active": True, "CustomExtra": {"kept": True}},
                     {"DisplayName": "No id yet"}],
        "Invoice": [{"Id": "5", "DocNumber": "F-1", "CustomerRef": {"value": "77"}, "TotalAmt": 10.5, "Line": []}],
    }  # fmt: skip
    emu = make_emulator(fixture=fixture)
    assert emu.realm_id == "1234567890"
    customers = {c["DisplayName"]: c for c in emu.records("Customer")}
    assert customers["Captured"]["CustomExtra"] == {"kept": True}
    filled = customers["No id yet"]
    assert filled["Id"] == "78" and filled["SyncToken"] == "0" and "LastUpdatedTime" in filled["MetaData"]
    assert emu.records("Invoice")[0]["TotalAmt"] == 10.5
    assert emu.records("CompanyInfo")[0]["CompanyName"] == "Fixture Co"
    assert emu.records("TaxCode")  # lists the fixture leaves out are seeded
    with pytest.raises(FixtureError, match="unknown fixture key"):
        make_emulator(fixture={"Customers": []})
    with pytest.raises(FixtureError, match="does not exist"):
        make_emulator(fixture="/nonexistent/fixture.json")


def test_same_seed_same_data() -> None:
    one, two = make_emulator(), make_emulator()
    assert one.records("Invoice") == two.records("Invoice")
    assert (one.client_id, one.refresh_token, one.realm_id) == (two.client_id, two.refresh_token, two.realm_id)
    assert make_emulator(seed=8).realm_id != one.realm_id


def test_connector_settings_are_exactly_the_documented_ones() -> None:
    emu = make_emulator(contacts=3, invoices=1, bills=1, expenses=1, window_seconds=1.5)
    with emu.serve():
        settings = emu.connector_settings()
    assert set(settings) == {"client_id", "client_secret", "refresh_token", "realm_id", "api_url", "oauth_url",
                             "appcenter_url", "window_seconds"}  # fmt: skip
    assert settings["api_url"] == settings["oauth_url"] == settings["appcenter_url"]
    assert settings["window_seconds"] == 1.5
    assert QuickBooksEmulator.connector_name == "quickbooks"


def test_the_emulator_imports_nothing_of_the_connector() -> None:
    folder = Path(__file__).parents[2] / "connectors" / "quickbooks" / "emulator"
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 1:
                names = ["connectors.quickbooks (relative)"]
            for name in names:
                assert not name.startswith("connectors.") or name.startswith("connectors.quickbooks.emulator"), (
                    f"{path.name} imports {name}"
                )
