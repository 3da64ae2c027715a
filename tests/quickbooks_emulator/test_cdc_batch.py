"""Change data capture (deletes, the 30-day horizon, the 1,000-object cap) and /batch item by item."""

from __future__ import annotations

from connectors.quickbooks.emulator import QuickBooksEmulator

from .conftest import Api, fault_code, make_emulator


def _changes(api: Api, entities: str, since: str) -> dict[str, list[dict[str, object]]]:
    response = api.get("cdc", entities=entities, changedSince=since)
    assert response.status_code == 200, response.text
    out: dict[str, list[dict[str, object]]] = {}
    for block in response.json()["CDCResponse"][0]["QueryResponse"]:
        for key, value in block.items():
            if isinstance(value, list):
                out[key] = value
    return out


def test_cdc_reports_changes_and_deletions_since(api: Api, emu: QuickBooksEmulator) -> None:
    since = emu.time_text(emu.realm())
    assert _changes(api, "Invoice,Customer", since) == {}
    emu.advance_time(5)
    invoice = emu.records("Invoice")[0]
    api.post("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="delete")
    made = api.post("customer", {"DisplayName": "CDC person"}).json()["Customer"]
    found = _changes(api, "invoice,Customer", since)
    assert found["Invoice"][0]["status"] == "Deleted"
    assert found["Invoice"][0]["Id"] == invoice["Id"]
    assert [c["Id"] for c in found["Customer"]] == [made["Id"]]


def test_cdc_horizon_is_thirty_days(api: Api, emu: QuickBooksEmulator) -> None:
    bill = emu.records("Bill")[0]
    api.post("bill", {"Id": bill["Id"], "SyncToken": bill["SyncToken"]}, operation="delete")
    assert _changes(api, "Bill", "2020-01-01")["Bill"][0]["status"] == "Deleted"  # older asks answer the horizon
    emu.advance_time(31 * 86400)
    fresh = Api(emu, api.client, refresh_token=api.refresh_token)
    assert _changes(fresh, "Bill", "2020-01-01") == {}  # the deletion has left the horizon


def test_cdc_caps_at_a_thousand_objects() -> None:
    emu = make_emulator(contacts=3, invoices=0, bills=0, expenses=0)
    realm = emu.realm()
    stamp = emu.time_text(realm)[:19] + stamp_offset(emu)
    for n in range(1100):
        ident = str(10_000 + n)
        realm.records["Customer"][ident] = {"Id": ident, "DisplayName": f"c{n}", "Active": True,
                                             "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}  # fmt: skip
    from connectors.quickbooks.emulator._reads import cdc

    answer = cdc(realm, "Customer,Vendor", "2025-08-20", emu.clock.now())
    blocks = answer[0]["QueryResponse"]
    assert len(blocks[0]["Customer"]) == 1000
    assert blocks[1] == {}


def stamp_offset(emu: QuickBooksEmulator) -> str:
    return emu.time_text(emu.realm())[-6:]


def test_unsupported_and_unknown_cdc_entities(api: Api) -> None:
    assert fault_code(api.get("cdc", entities="TaxRate", changedSince="2025-08-30")) == "500"
    assert fault_code(api.get("cdc", entities="Nope", changedSince="2025-08-30")) == "2010"
    assert fault_code(api.get("cdc", entities="Invoice")) == "2020"


def test_batch_answers_item_by_item(api: Api, emu: QuickBooksEmulator) -> None:
    taken = emu.records("Vendor")[0]["DisplayName"]
    invoice = emu.records("Invoice")[1]
    response = api.post(
        "batch",
        {"BatchItemRequest": [
            {"bId": "q", "Query": "select * from Item maxresults 2"},
            {"bId": "new", "operation": "create", "Vendor": {"DisplayName": "Batch Vendor"}},
            {"bId": "dup", "operation": "create", "Vendor": {"DisplayName": taken}},
            {"bId": "del", "operation": "delete", "Invoice": {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}},
            {"bId": "bad", "Query": "select * from"},
        ]},
    )  # fmt: skip
    assert response.status_code == 200
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert len(items["q"]["QueryResponse"]["Item"]) == 2
    assert items["new"]["Vendor"]["DisplayName"] == "Batch Vendor"
    assert items["dup"]["Fault"]["Error"][0]["code"] == "6240"
    assert items["del"]["Invoice"]["status"] == "Deleted"
    assert items["bad"]["Fault"]["Error"][0]["code"] == "4000"
    too_many = api.post(
        "batch", {"BatchItemRequest": [{"bId": str(n), "Query": "select * from Item"} for n in range(31)]}
    )
    assert fault_code(too_many) == "6000"
