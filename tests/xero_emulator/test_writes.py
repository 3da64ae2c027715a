"""Writes as Xero answers them: many elements per call, summarizeErrors both ways, Idempotency-Key replays,
status transitions and their refusals, contact roles from documents, payments, spend money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connectors.xero.emulator import XeroEmulator

from .conftest import Xero, invoice

pytestmark = pytest.mark.anyio


def _contact(emu: XeroEmulator, **match: Any) -> str:
    for record in emu.records("Contacts"):
        if all(record.get(k) == v for k, v in match.items()) and record["ContactStatus"] == "ACTIVE":
            return str(record["ContactID"])
    raise AssertionError(f"no contact matching {match}")


async def _create(xero: Xero, body: dict[str, Any], key: str = "Invoices") -> dict[str, Any]:
    answer = await xero.ok("PUT", f"/{key}", json={key: [body]}, params={"summarizeErrors": "false"})
    element: dict[str, Any] = answer[key][0]
    assert element["StatusAttributeString"] == "OK", element.get("ValidationErrors")
    return element


async def test_summarize_errors_false_answers_every_element_in_place(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    good = invoice(contact, Reference="good one")
    bad = invoice(contact, LineItems=[{"Description": "x", "Quantity": 1, "UnitAmount": 5, "TaxType": "NOPE"}])
    before = len(emu.records("Invoices"))
    body = await xero.ok("PUT", "/Invoices", json={"Invoices": [good, bad]}, params={"summarizeErrors": "false"})
    first, second = body["Invoices"]
    assert first["StatusAttributeString"] == "OK" and first["HasErrors"] is False and first["InvoiceID"]
    assert second["StatusAttributeString"] == "ERROR" and second["HasErrors"] is True
    assert "NOPE" in second["ValidationErrors"][0]["Message"]
    assert len(emu.records("Invoices")) == before + 1


@pytest.mark.parametrize("summarize", [None, "true"])
async def test_summarized_errors_are_a_400_while_valid_elements_are_still_created(
    emu: XeroEmulator, xero: Xero, summarize: str | None
) -> None:
    contact = _contact(emu)
    bad = invoice(contact, Contact={"ContactID": "00000000-0000-0000-0000-000000000001"})
    params = {"summarizeErrors": summarize} if summarize else None
    before = len(emu.records("Invoices"))
    response = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact), bad]}, params=params)
    assert response.status_code == 400
    error = response.json()
    assert error["ErrorNumber"] == 10 and error["Type"] == "ValidationException"
    assert error["Message"] == "A validation exception occurred"
    assert len(error["Elements"]) == 1 and error["Elements"][0]["ValidationErrors"]
    assert len(emu.records("Invoices")) == before + 1  # the valid one was created anyway, as on Xero


async def test_idempotency_key_replays_the_first_answer(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    headers = {"Idempotency-Key": "order-4411"}
    first = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers=headers)
    second = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("idempotency-replayed") == "true"
    created = first.json()["Invoices"][0]["InvoiceID"]
    assert sum(1 for r in emu.records("Invoices") if r["InvoiceID"] == created) == 1
    other = await xero.ok(
        "PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers={"Idempotency-Key": "other"}
    )
    assert other["Invoices"][0]["InvoiceID"] != created
    too_long = await xero.call(
        "PUT", "/Invoices", json={"Invoices": [invoice(contact)]}, headers={"Idempotency-Key": "k" * 129}
    )
    assert too_long.status_code == 400


async def test_documents_set_contact_roles(emu: XeroEmulator, xero: Xero) -> None:
    created = await xero.ok("PUT", "/Contacts", json={"Contacts": [{"Name": "Brand New Ltd"}]})
    contact = created["Contacts"][0]
    assert contact["IsCustomer"] is False and contact["IsSupplier"] is False
    await _create(xero, invoice(contact["ContactID"]))
    bill = invoice(contact["ContactID"], Type="ACCPAY")
    bill["LineItems"][0].update(AccountCode="429", TaxType="INPUT2")
    await _create(xero, bill)
    again = (await xero.ok("GET", f"/Contacts/{contact['ContactID']}"))["Contacts"][0]
    assert again["IsCustomer"] is True and again["IsSupplier"] is True
    sent = await xero.ok("POST", f"/Contacts/{contact['ContactID']}", json={"Contacts": [{"IsSupplier": False}]})
    assert sent["Contacts"][0]["IsSupplier"] is True  # read-only: Xero ignores it


async def test_contacts_are_archived_never_deleted(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    body = await xero.ok("POST", f"/Contacts/{contact}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    assert body["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert (await xero.call("DELETE", f"/Contacts/{contact}")).status_code == 405
    refused = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact)]})
    assert refused.status_code == 400 and "archived" in refused.text
    duplicate = await xero.call("PUT", "/Contacts", json={"Contacts": [{"Name": emu.records("Contacts")[1]["Name"]}]})
    if emu.records("Contacts")[1]["ContactStatus"] == "ACTIVE":
        assert duplicate.status_code == 400 and "already assigned" in duplicate.text


async def test_a_new_contact_name_on_a_document_makes_a_contact(emu: XeroEmulator, xero: Xero) -> None:
    created = await _create(xero, invoice("", Contact={"Name": "Walk-in Customer Ōamaru"}))
    contact_id = created["Contact"]["ContactID"]
    stored = next(c for c in emu.records("Contacts") if c["ContactID"] == contact_id)
    assert stored["Name"] == "Walk-in Customer Ōamaru" and stored["IsCustomer"] is True


async def test_status_transitions_and_refusals(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    draft = await _create(xero, invoice(contact, Status="DRAFT"))
    path = f"/Invoices/{draft['InvoiceID']}"

    async def move(status: str) -> Any:
        return await xero.call("POST", path, json={"Invoices": [{"Status": status}]})

    assert (await move("SUBMITTED")).json()["Invoices"][0]["Status"] == "SUBMITTED"
    assert (await move("AUTHORISED")).json()["Invoices"][0]["Status"] == "AUTHORISED"
    for refused in ("DRAFT", "DELETED", "PAID"):
        response = await move(refused)
        assert response.status_code == 400, refused
        assert response.json()["Elements"][0]["ValidationErrors"], refused
    assert (await move("VOIDED")).json()["Invoices"][0]["Status"] == "VOIDED"
    for status in ("AUTHORISED", "DRAFT"):
        response = await move(status)
        assert response.status_code == 400
        assert "Invoice not of valid status for modification" in response.text
    deleted = await _create(xero, invoice(contact, Status="DRAFT"))
    gone = await xero.call("POST", f"/Invoices/{deleted['InvoiceID']}", json={"Invoices": [{"Status": "DELETED"}]})
    assert gone.json()["Invoices"][0]["Status"] == "DELETED"
    new_paid = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact, Status="PAID")]})
    assert new_paid.status_code == 400


async def test_an_approved_invoice_needs_a_due_date_and_accounts(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    body = invoice(contact, Status="AUTHORISED")
    del body["DueDate"]
    body["LineItems"][0].pop("AccountCode")
    response = await xero.call("PUT", "/Invoices", json={"Invoices": [body]})
    messages = " ".join(m["Message"] for m in response.json()["Elements"][0]["ValidationErrors"])
    assert "Due Date" in messages and "account code" in messages
    body["Status"] = "DRAFT"
    assert (await xero.call("PUT", "/Invoices", json={"Invoices": [body]})).status_code == 200


async def test_payments_pay_invoices_and_deleting_them_reopens(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    created = await _create(xero, invoice(contact, Status="AUTHORISED"))
    total = Decimal(str(created["Total"]))
    assert created["AmountDue"] == created["Total"]
    payment = {"Invoice": {"InvoiceID": created["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2025-06-15"}
    over = await xero.call("PUT", "/Payments", json={"Payments": [{**payment, "Amount": str(total + 1)}]})
    assert over.status_code == 400 and "exceeds the amount outstanding" in over.text
    part = await xero.ok("PUT", "/Payments", json={"Payments": [{**payment, "Amount": str(total - 10)}]})
    assert part["Payments"][0]["PaymentType"] == "ACCRECPAYMENT"
    after_part = (await xero.ok("GET", f"/Invoices/{created['InvoiceID']}"))["Invoices"][0]
    assert after_part["Status"] == "AUTHORISED" and after_part["AmountDue"] == 10
    assert len(after_part["Payments"]) == 1
    voided = await xero.call("POST", f"/Invoices/{created['InvoiceID']}", json={"Invoices": [{"Status": "VOIDED"}]})
    assert voided.status_code == 400 and "payment" in voided.text
    rest = await xero.ok("POST", "/Payments", json={**payment, "Amount": 10})
    paid = (await xero.ok("GET", f"/Invoices/{created['InvoiceID']}"))["Invoices"][0]
    assert paid["Status"] == "PAID" and paid["AmountDue"] == 0 and paid["FullyPaidOnDate"].startswith("/Date(")
    edited = await xero.call("POST", f"/Invoices/{created['InvoiceID']}", json={"Invoices": [{"Reference": "late"}]})
    assert edited.status_code == 400 and "not of valid status for modification" in edited.text
    deleted = await xero.ok("POST", f"/Payments/{rest['Payments'][0]['PaymentID']}", json={"Status": "DELETED"})
    assert deleted["Payments"][0]["Status"] == "DELETED"
    reopened = (await xero.ok("GET", f"/Invoices/{created['InvoiceID']}"))["Invoices"][0]
    assert reopened["Status"] == "AUTHORISED" and reopened["AmountDue"] == 10
    draft = await _create(xero, invoice(contact))
    refused = await xero.call(
        "PUT", "/Payments", json={"Payments": [{**payment, "Invoice": {"InvoiceID": draft["InvoiceID"]}, "Amount": 1}]}
    )
    assert refused.status_code == 400 and "AUTHORISED" in refused.text


async def test_tracking_on_lines_and_unknown_options_refused(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    body = invoice(contact)
    body["LineItems"][0]["Tracking"] = [{"Name": "Region", "Option": "Ōtautahi"}]
    created = await _create(xero, body)
    tracking = created["LineItems"][0]["Tracking"][0]
    assert tracking["Option"] == "Ōtautahi" and tracking["TrackingCategoryID"] and tracking["TrackingOptionID"]
    body["LineItems"][0]["Tracking"] = [{"Name": "Region", "Option": "Atlantis"}]
    refused = await xero.call("PUT", "/Invoices", json={"Invoices": [body]})
    assert refused.status_code == 400 and "Atlantis" in refused.text
    body["LineItems"][0]["Tracking"] = [{"Name": "Project", "Option": "Rebrand 2024"}]  # archived category
    assert (await xero.call("PUT", "/Invoices", json={"Invoices": [body]})).status_code == 400


async def test_spend_money_for_expenses(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    spend = {
        "Type": "SPEND",
        "Contact": {"ContactID": contact},
        "BankAccount": {"Code": "090"},
        "LineAmountTypes": "Inclusive",
        "LineItems": [
            {"Description": "Taxi", "Quantity": 1, "UnitAmount": "46.00", "AccountCode": "493", "TaxType": "INPUT2"}
        ],
    }
    created = await _create(xero, spend, "BankTransactions")
    assert created["Status"] == "AUTHORISED" and created["Total"] == Decimal("46.00")
    assert created["TotalTax"] == Decimal("6.00") and created["SubTotal"] == Decimal("40.00")
    path = f"/BankTransactions/{created['BankTransactionID']}"
    deleted = await xero.ok("POST", path, json={"BankTransactions": [{"Status": "DELETED"}]})
    assert deleted["BankTransactions"][0]["Status"] == "DELETED"
    not_bank = {**spend, "BankAccount": {"Code": "200"}}
    assert (await xero.call("PUT", "/BankTransactions", json={"BankTransactions": [not_bank]})).status_code == 400


async def test_post_updates_or_creates_and_numbers_stay_unique(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    created = await _create(xero, invoice(contact, InvoiceNumber="WEB-1001"))
    updated = await xero.ok(
        "POST", "/Invoices", json={"Invoices": [{"InvoiceID": created["InvoiceID"], "Reference": "changed"}]}
    )
    assert updated["Invoices"][0]["Reference"] == "changed"
    assert updated["Invoices"][0]["InvoiceID"] == created["InvoiceID"]
    duplicate = await xero.call("PUT", "/Invoices", json={"Invoices": [invoice(contact, InvoiceNumber="WEB-1001")]})
    assert duplicate.status_code == 400 and "must be unique" in duplicate.text


async def test_credit_notes_allocate_to_invoices(emu: XeroEmulator, xero: Xero) -> None:
    contact = _contact(emu)
    target = await _create(xero, invoice(contact, Status="AUTHORISED"))
    note = invoice(contact, Type="ACCRECCREDIT", Status="AUTHORISED")
    note.pop("DueDate")
    credit = await _create(xero, note, "CreditNotes")
    assert credit["RemainingCredit"] == credit["Total"]
    allocated = await xero.ok(
        "PUT",
        f"/CreditNotes/{credit['CreditNoteID']}/Allocations",
        json={"Allocations": [{"Invoice": {"InvoiceID": target["InvoiceID"]}, "Amount": 50, "Date": "2025-06-20"}]},
    )
    assert allocated["Allocations"][0]["Amount"] == 50
    after = (await xero.ok("GET", f"/Invoices/{target['InvoiceID']}"))["Invoices"][0]
    assert after["AmountCredited"] == 50 and after["AmountDue"] == Decimal(str(target["Total"])) - 50


async def test_bad_json_and_wrong_types_are_post_data_invalid(xero: Xero) -> None:
    broken = await xero.call(
        "PUT", "/Invoices", content=b'{"Invoices": [', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["Type"] == "PostDataInvalidException"
    typed = await xero.call(
        "PUT",
        "/Invoices",
        json={"Invoices": [{"Type": "ACCREC", "LineItems": [{"Quantity": "lots"}]}]},
        params={"summarizeErrors": "false"},
    )
    assert typed.status_code == 400
    assert typed.json()["ErrorNumber"] == 14 and "Invoices[0].LineItems[0].Quantity" in typed.json()["Message"]


async def test_settings_writes(emu: XeroEmulator, xero: Xero) -> None:
    rate = await xero.ok(
        "PUT",
        "/TaxRates",
        json={"TaxRates": [{"Name": "Tourism Levy", "TaxComponents": [{"Name": "Levy", "Rate": 3}]}]},
    )
    tax_type = rate["TaxRates"][0]["TaxType"]
    assert tax_type.startswith("TAX") and rate["TaxRates"][0]["EffectiveRate"] == 3
    item = await xero.ok(
        "PUT",
        "/Items",
        json={
            "Items": [{"Code": "NEW-1", "Name": "New thing", "SalesDetails": {"UnitPrice": 12, "AccountCode": "200"}}]
        },
    )
    item_id = item["Items"][0]["ItemID"]
    line_item = invoice(_contact(emu), LineItems=[{"ItemCode": "NEW-1", "Quantity": 3, "TaxType": tax_type}])
    created = await _create(xero, line_item)
    assert created["LineItems"][0]["UnitAmount"] == 12 and created["LineItems"][0]["AccountCode"] == "200"
    assert created["Total"] == Decimal("37.08")
    assert (await xero.call("DELETE", f"/Items/{item_id}")).status_code == 204
    category = (await xero.ok("GET", "/TrackingCategories"))["TrackingCategories"][0]
    option = await xero.ok(
        "PUT", f"/TrackingCategories/{category['TrackingCategoryID']}/Options", json={"Name": "Far North"}
    )
    assert option["Options"][0]["Name"] == "Far North"
    third = await xero.call("PUT", "/TrackingCategories", json={"Name": "Channel"})
    assert third.status_code == 400 and "2 active" in third.text
    account = await xero.ok("PUT", "/Accounts", json={"Code": "477", "Name": "Subscriptions", "Type": "EXPENSE"})
    assert account["Accounts"][0]["Class"] == "EXPENSE"
