"""Invoices, bills, payments and expenses: CRUD, numbering, status actions and balances."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Zoho, ids_of

pytestmark = pytest.mark.anyio


async def _new_invoice(zoho: Zoho, **fields: Any) -> dict[str, Any]:
    customer = ids_of(zoho.emu, "contacts", contact_type="customer")[0]
    body = {"customer_id": customer, "line_items": [{"name": "Work", "rate": 100, "quantity": 2}], **fields}
    response = await zoho.call("POST", "/invoices", json=body)
    assert response.status_code == 201, response.json()
    assert response.json()["message"] == "The invoice has been created."
    invoice: dict[str, Any] = response.json()["invoice"]
    return invoice


async def test_invoice_crud(zoho: Zoho) -> None:
    invoice = await _new_invoice(zoho, reference_number="PO-1")
    invoice_id = invoice["invoice_id"]
    assert invoice["status"] == "draft"
    assert invoice["invoice_number"].startswith("INV-")
    assert invoice["customer_name"]
    assert (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"] == invoice
    line_id = invoice["line_items"][0]["line_item_id"]
    updated = await zoho.ok(
        "PUT",
        f"/invoices/{invoice_id}",
        json={"line_items": [{"line_item_id": line_id, "rate": 150}, {"name": "Extra", "rate": 10}]},
    )
    assert updated["message"] == "Invoice information has been updated."
    lines = updated["invoice"]["line_items"]
    assert lines[0]["line_item_id"] == line_id
    assert lines[1]["line_item_id"] != line_id
    assert updated["invoice"]["total"] == 160
    assert updated["invoice"]["reference_number"] == "PO-1"
    deleted = await zoho.ok("DELETE", f"/invoices/{invoice_id}")
    assert deleted["message"] == "The invoice has been deleted."
    missing = await zoho.call("GET", f"/invoices/{invoice_id}")
    assert missing.json() == {"code": 1002, "message": "Invoice does not exist."}


async def test_invoice_needs_customer_and_lines(zoho: Zoho) -> None:
    vendor = ids_of(zoho.emu, "contacts", contact_type="vendor")[0]
    for body, field in (
        ({"line_items": [{"rate": 1}]}, "customer_id"),
        ({"customer_id": "999", "line_items": [{"rate": 1}]}, "customer_id"),
        ({"customer_id": vendor, "line_items": [{"rate": 1}]}, "customer_id"),
        ({"customer_id": ids_of(zoho.emu, "contacts", contact_type="customer")[0], "line_items": []}, "line_items"),
    ):
        response = await zoho.call("POST", "/invoices", json=body)
        assert response.status_code == 400, body
        assert field in response.json()["message"]


async def test_invoice_numbers(zoho: Zoho) -> None:
    first = await _new_invoice(zoho)
    second = await _new_invoice(zoho)
    assert int(second["invoice_number"][4:]) == int(first["invoice_number"][4:]) + 1
    customer = first["customer_id"]
    own = {"customer_id": customer, "invoice_number": "CUSTOM-1", "line_items": [{"rate": 1}]}
    refused = await zoho.call("POST", "/invoices", json=own)
    assert "ignore_auto_number_generation" in refused.json()["message"]
    made = await zoho.call("POST", "/invoices", json=own, params={"ignore_auto_number_generation": "true"})
    assert made.json()["invoice"]["invoice_number"] == "CUSTOM-1"
    duplicate = await zoho.call("POST", "/invoices", json=own, params={"ignore_auto_number_generation": "true"})
    assert duplicate.status_code == 400
    assert "CUSTOM-1" in duplicate.json()["message"]


async def test_status_actions_and_payments(zoho: Zoho) -> None:
    invoice = await _new_invoice(zoho)
    invoice_id, customer = invoice["invoice_id"], invoice["customer_id"]
    payment = {"customer_id": customer, "payment_mode": "cash", "amount": 50, "date": "2025-01-10"}
    refused = await zoho.call(
        "POST", "/customerpayments", json={**payment, "invoices": [{"invoice_id": invoice_id, "amount_applied": 50}]}
    )
    assert refused.status_code == 400  # a draft cannot be paid
    sent = await zoho.ok("POST", f"/invoices/{invoice_id}/status/sent")
    assert sent["message"] == "Invoice status has been changed to Sent."
    assert (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]["status"] in ("sent", "overdue")
    first = await zoho.call(
        "POST", "/customerpayments", json={**payment, "invoices": [{"invoice_id": invoice_id, "amount_applied": 50}]}
    )
    assert first.status_code == 201
    assert first.json()["message"] == "The payment has been created."
    partly = (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]
    assert (partly["status"], partly["payment_made"], partly["balance"]) == ("partially_paid", 50, 150)
    over = await zoho.call(
        "POST",
        "/customerpayments",
        json={**payment, "amount": 500, "invoices": [{"invoice_id": invoice_id, "amount_applied": 500}]},
    )
    assert over.status_code == 400
    await zoho.ok(
        "POST",
        "/customerpayments",
        json={**payment, "amount": 150, "invoices": [{"invoice_id": invoice_id, "amount_applied": 150}]},
    )
    paid = (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]
    assert (paid["status"], paid["balance"], paid["last_payment_date"]) == ("paid", 0, "2025-01-10")
    payments = (await zoho.ok("GET", f"/invoices/{invoice_id}/payments"))["payments"]
    assert sorted(p["amount"] for p in payments) == [50, 150]
    assert (await zoho.call("POST", f"/invoices/{invoice_id}/status/void")).status_code == 400
    assert (await zoho.call("DELETE", f"/invoices/{invoice_id}")).status_code == 400
    await zoho.ok("DELETE", f"/customerpayments/{first.json()['payment']['payment_id']}")
    back = (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]
    assert (back["status"], back["balance"]) == ("partially_paid", 50)
    customer_row = (await zoho.ok("GET", f"/contacts/{customer}"))["contact"]
    assert customer_row["outstanding_receivable_amount"] >= 50


async def test_void_draft_and_write_off(zoho: Zoho) -> None:
    invoice = await _new_invoice(zoho)
    invoice_id = invoice["invoice_id"]
    await zoho.ok("POST", f"/invoices/{invoice_id}/status/sent")
    await zoho.ok("POST", f"/invoices/{invoice_id}/writeoff")
    written = (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]
    assert (written["status"], written["balance"], written["write_off_amount"]) == ("paid", 0, 200)
    await zoho.ok("POST", f"/invoices/{invoice_id}/writeoff/cancel")
    assert (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]["balance"] == 200
    voided = await zoho.ok("POST", f"/invoices/{invoice_id}/status/void")
    assert voided["message"] == "Invoice status has been changed to Void."
    void = (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]
    assert (void["status"], void["balance"]) == ("void", 0)
    assert (await zoho.call("POST", f"/invoices/{invoice_id}/status/sent")).status_code == 400
    await zoho.ok("POST", f"/invoices/{invoice_id}/status/draft")
    assert (await zoho.ok("GET", f"/invoices/{invoice_id}"))["invoice"]["status"] == "draft"


async def test_send_on_create(zoho: Zoho) -> None:
    customer = ids_of(zoho.emu, "contacts", contact_type="customer")[0]
    body = await zoho.ok(
        "POST", "/invoices", params={"send": "true"}, json={"customer_id": customer, "line_items": [{"rate": 3}]}
    )
    assert body["invoice"]["status"] in ("sent", "overdue")


async def test_bill_crud_and_status(zoho: Zoho) -> None:
    vendor = ids_of(zoho.emu, "contacts", contact_type="vendor")[0]
    account = next(a for a in zoho.emu.records(zoho.org, "chartofaccounts") if a["account_type"] == "expense")
    missing_account = await zoho.call(
        "POST", "/bills", json={"vendor_id": vendor, "bill_number": "B-1", "line_items": [{"rate": 10}]}
    )
    assert "account_id" in missing_account.json()["message"]
    line = {"account_id": account["account_id"], "rate": 40, "quantity": 1, "description": "Paper"}
    missing_number = await zoho.call("POST", "/bills", json={"vendor_id": vendor, "line_items": [line]})
    assert "bill_number" in missing_number.json()["message"]
    created = await zoho.call("POST", "/bills", json={"vendor_id": vendor, "bill_number": "B-1", "line_items": [line]})
    assert created.status_code == 201
    bill = created.json()["bill"]
    assert (bill["status"], bill["total"], bill["line_items"][0]["account_name"]) == (
        "open",
        40,
        account["account_name"],
    )
    bill_id = bill["bill_id"]
    updated = await zoho.ok("PUT", f"/bills/{bill_id}", json={"reference_number": "R-9"})
    assert updated["message"] == "Bill information has been updated."
    await zoho.ok("POST", f"/bills/{bill_id}/status/void")
    assert (await zoho.ok("GET", f"/bills/{bill_id}"))["bill"]["status"] == "void"
    await zoho.ok("POST", f"/bills/{bill_id}/status/open")
    assert (await zoho.ok("GET", f"/bills/{bill_id}"))["bill"]["status"] in ("open", "overdue")
    await zoho.ok("DELETE", f"/bills/{bill_id}")
    assert (await zoho.call("GET", f"/bills/{bill_id}")).json()["code"] == 1002


async def test_expense_crud_and_tax(zoho: Zoho) -> None:
    accounts = zoho.emu.records(zoho.org, "chartofaccounts")
    expense_account = next(a for a in accounts if a["account_type"] == "expense")
    cash = next(a for a in accounts if a["account_type"] == "cash")
    vat = next(t for t in zoho.emu.records(zoho.org, "taxes") if t["tax_name"] == "Standard VAT")
    body = {
        "account_id": expense_account["account_id"],
        "paid_through_account_id": cash["account_id"],
        "date": "2025-02-01",
        "amount": 120,
        "tax_id": vat["tax_id"],
        "is_inclusive_tax": True,
        "description": "Taxi",
    }
    created = await zoho.call("POST", "/expenses", json=body)
    assert created.status_code == 201
    assert created.json()["message"] == "The expense has been recorded."
    expense = created.json()["expense"]
    assert (expense["sub_total"], expense["tax_amount"], expense["total"]) == (100, 20, 120)
    assert expense["status"] == "non-billable"
    exclusive = await zoho.ok("PUT", f"/expenses/{expense['expense_id']}", json={"is_inclusive_tax": False})
    assert (exclusive["expense"]["total"], exclusive["expense"]["tax_amount"]) == (144, 24)
    for field in ("account_id", "paid_through_account_id", "amount"):
        response = await zoho.call("POST", "/expenses", json={k: v for k, v in body.items() if k != field})
        assert response.status_code == 400
        assert field in response.json()["message"]
    wrong_kind = await zoho.call("POST", "/expenses", json={**body, "account_id": cash["account_id"]})
    assert "account_id" in wrong_kind.json()["message"]
    await zoho.ok("DELETE", f"/expenses/{expense['expense_id']}")


async def test_itemized_expense(zoho: Zoho) -> None:
    accounts = zoho.emu.records(zoho.org, "chartofaccounts")
    expense_accounts = [a for a in accounts if a["account_type"] == "expense"]
    bank = next(a for a in accounts if a["account_type"] == "bank")
    body = {
        "paid_through_account_id": bank["account_id"],
        "date": "2025-03-01",
        "line_items": [
            {"account_id": expense_accounts[0]["account_id"], "amount": 30, "description": "Lunch"},
            {"account_id": expense_accounts[1]["account_id"], "amount": 12.5, "description": "Parking"},
        ],
    }
    expense = (await zoho.ok("POST", "/expenses", json=body))["expense"]
    assert expense["is_itemized_expense"] is True
    assert expense["total"] == 42.5
    assert [line["amount"] for line in expense["line_items"]] == [30, 12.5]
