"""Writes: SyncToken, stale objects, sparse and full updates, deletes, deactivation, references, requestid."""

from __future__ import annotations

from decimal import Decimal

from connectors.quickbooks.emulator import QuickBooksEmulator

from .conftest import Api, fault_code


def _item_line(emu: QuickBooksEmulator, amount: str = "100.00", code: str = "2") -> dict[str, object]:
    item = emu.records("Item")[0]
    return {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": code}},
    }


def test_create_then_sync_token_increments_and_a_stale_one_is_5010(api: Api) -> None:
    created = api.post("customer", {"DisplayName": "Ada Lovelace", "Title": "", "SyncToken": 0}).json()["Customer"]
    assert created["SyncToken"] == "0"
    assert created["MetaData"]["CreateTime"] == created["MetaData"]["LastUpdatedTime"]
    assert "Title" not in created  # empty strings are unset fields
    first = api.post("customer", {**created, "CompanyName": "Engines"}).json()["Customer"]
    assert first["SyncToken"] == "1"
    stale = api.post("customer", {**created, "CompanyName": "Again"})
    assert stale.status_code == 400
    assert fault_code(stale) == "5010"
    assert api.get(f"customer/{created['Id']}").json()["Customer"]["CompanyName"] == "Engines"


def test_sparse_update_keeps_what_is_left_out_and_full_update_clears_it(api: Api) -> None:
    made = api.post("vendor", {"DisplayName": "Parts Ltd", "CompanyName": "Parts", "Notes": "keep"}).json()["Vendor"]
    sparse = api.post("vendor", {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "Notes": "new"})
    after = sparse.json()["Vendor"]
    assert (after["CompanyName"], after["Notes"]) == ("Parts", "new")
    full = api.post("vendor", {"Id": made["Id"], "SyncToken": after["SyncToken"], "DisplayName": "Parts Ltd"})
    assert "CompanyName" not in full.json()["Vendor"]


def test_transactions_delete_and_name_lists_deactivate(api: Api, emu: QuickBooksEmulator) -> None:
    bill = emu.records("Bill")[0]
    gone = api.post("bill", {"Id": bill["Id"], "SyncToken": bill["SyncToken"]}, operation="delete")
    assert gone.json()["Bill"] == {"Id": bill["Id"], "status": "Deleted", "domain": "QBO"}
    assert fault_code(api.get(f"bill/{bill['Id']}")) == "610"
    customer = emu.records("Customer")[1]
    refused = api.post("customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"]}, operation="delete")
    assert fault_code(refused) == "500"
    inactive = api.post(
        "customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True, "Active": False}
    )
    assert inactive.json()["Customer"]["Active"] is False
    stale_delete = api.post("invoice", {"Id": emu.records("Invoice")[0]["Id"], "SyncToken": "99"}, operation="delete")
    assert fault_code(stale_delete) == "5010"


def test_validation_faults(api: Api, emu: QuickBooksEmulator) -> None:
    taken = emu.records("Customer")[0]["DisplayName"]
    assert fault_code(api.post("customer", {"DisplayName": taken.upper()})) == "6240"
    assert fault_code(api.post("vendor", {"DisplayName": taken})) == "6240"  # one namespace for both
    assert fault_code(api.post("customer", {})) == "2020"
    assert fault_code(api.post("customer", {"DisplayName": "x", "Nonsense": 1})) == "2010"
    assert fault_code(api.post("customer", {"DisplayName": "y" * 501})) == "2050"
    customer = emu.records("Customer")[2]["Id"]
    line = {**_item_line(emu), "SalesItemLineDetail": {"ItemRef": {"value": "9999"}, "TaxCodeRef": {"value": "2"}}}
    bad_item = {"CustomerRef": {"value": customer}, "Line": [line]}
    assert fault_code(api.post("invoice", bad_item)) == "2500"
    assert fault_code(api.post("invoice", {"CustomerRef": {"value": "9999"}, "Line": [_item_line(emu)]})) == "2500"
    assert fault_code(api.post("invoice", {"CustomerRef": {"value": customer}})) == "2020"
    number = emu.records("Invoice")[0]["DocNumber"]
    duplicate = api.post(
        "invoice", {"CustomerRef": {"value": customer}, "DocNumber": number, "Line": [_item_line(emu)]}
    )
    assert fault_code(duplicate) == "6210"
    bad = api.client.post(
        api.url("customer"), content=b"{not json", headers={**api.headers, "Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert fault_code(bad) == "2010"


def test_requestid_replays_the_first_answer(api: Api, emu: QuickBooksEmulator) -> None:
    body = {"CustomerRef": {"value": emu.records("Customer")[0]["Id"]}, "Line": [_item_line(emu)]}
    first = api.post("invoice", body, requestid="req-1")
    again = api.post("invoice", body, requestid="req-1")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    count = len([r for r in emu.records("Invoice") if r["Id"] == first.json()["Invoice"]["Id"]])
    assert count == 1
    fault = api.post("customer", {}, requestid="req-2")
    assert fault.content == api.post("customer", {"DisplayName": "now valid"}, requestid="req-2").content
    assert fault_code(api.post("customer", {"DisplayName": "z"}, requestid="r" * 51)) == "2010"


def test_payments_pay_invoices_and_deleting_them_restores_the_balance(api: Api, emu: QuickBooksEmulator) -> None:
    customer = emu.records("Customer")[3]["Id"]
    invoice = api.post("invoice", {"CustomerRef": {"value": customer}, "Line": [_item_line(emu, "200.00")]}).json()[
        "Invoice"
    ]
    total = Decimal(str(invoice["TotalAmt"]))
    payment = api.post(
        "payment",
        {"CustomerRef": {"value": customer}, "TotalAmt": "50.00",
         "Line": [{"Amount": "50.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]},
    ).json()["Payment"]  # fmt: skip
    paid = api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert Decimal(str(paid["Balance"])) == total - 50
    assert paid["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert paid["SyncToken"] == "1"
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    too_much = {
        "CustomerRef": {"value": customer},
        "TotalAmt": str(total),
        "Line": [{"Amount": str(total), "LinkedTxn": link}],
    }
    assert fault_code(api.post("payment", too_much)) == "6000"
    api.post("payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")
    assert Decimal(str(api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"])) == total


def test_void_zeroes_an_invoice(api: Api, emu: QuickBooksEmulator) -> None:
    invoice = next(r for r in emu.records("Invoice") if r.get("Balance") == r.get("TotalAmt"))
    voided = api.post("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void").json()
    assert Decimal(str(voided["Invoice"]["TotalAmt"])) == 0
    assert voided["Invoice"]["PrivateNote"] == "Voided"


def test_taxservice_creates_a_code_with_a_new_rate(api: Api) -> None:
    made = api.post(
        "taxservice/taxcode",
        {
            "TaxCode": "City tax",
            "TaxRateDetails": [{"TaxRateName": "City 2.5", "RateValue": "2.5", "TaxAgencyId": "1"}],
        },
    ).json()
    code = api.get(f"taxcode/{made['TaxCodeId']}").json()["TaxCode"]
    rate_id = code["SalesTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"]
    assert Decimal(str(api.get(f"taxrate/{rate_id}").json()["TaxRate"]["RateValue"])) == Decimal("2.5")
    assert fault_code(api.post("taxcode", {"Name": "direct"})) == "500"
