"""Invoice and bill arithmetic as Zoho shows it: per-line tax, inclusive tax backed out, discounts,
half-up rounding to the precision, line_item_taxes and the taxes summary."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Zoho, ids_of

pytestmark = pytest.mark.anyio


def _tax(zoho: Zoho, name: str) -> str:
    return next(str(t["tax_id"]) for t in zoho.emu.records(zoho.org, "taxes") if t["tax_name"] == name)


async def _invoice(zoho: Zoho, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    customer = ids_of(zoho.emu, "contacts", contact_type="customer")[0]
    body = await zoho.ok("POST", "/invoices", json={"customer_id": customer, "line_items": lines, **fields})
    invoice: dict[str, Any] = body["invoice"]
    return invoice


async def test_zoho_documented_example_rounds_tax_to_two_places(zoho: Zoho) -> None:
    tax = await zoho.ok("POST", "/settings/taxes", json={"tax_name": "VAT 7.5", "tax_percentage": 7.5})
    invoice = await _invoice(zoho, [{"name": "Pen", "rate": 1, "quantity": 1, "tax_id": tax["tax"]["tax_id"]}])
    assert invoice["line_items"][0]["item_total"] == 1
    assert invoice["sub_total"] == 1
    assert invoice["tax_total"] == 0.08
    assert invoice["total"] == 1.08
    assert invoice["balance"] == 1.08
    assert invoice["price_precision"] == 2


async def test_half_up_rounding_not_bankers(zoho: Zoho) -> None:
    invoice = await _invoice(zoho, [{"name": "Clip", "rate": 0.5, "quantity": 1, "tax_id": _tax(zoho, "Reduced Rate")}])
    assert invoice["tax_total"] == 0.03  # 0.025 rounds half up


async def test_exclusive_lines_taxes_and_summary(zoho: Zoho) -> None:
    vat, sales = _tax(zoho, "Standard VAT"), _tax(zoho, "Sales Tax")
    invoice = await _invoice(
        zoho,
        [
            {"name": "Desk", "rate": 120, "quantity": 2, "tax_id": vat},
            {"name": "Lamp", "rate": 33.33, "quantity": 3, "tax_id": sales},
        ],
    )
    first, second = invoice["line_items"]
    assert (first["item_total"], second["item_total"]) == (240, 99.99)
    assert first["line_item_taxes"] == [
        {"tax_id": vat, "tax_name": "Standard VAT", "tax_amount": 48, "tax_percentage": 20, "tax_specific_type": ""}
    ]
    assert second["line_item_taxes"][0]["tax_amount"] == 8.25  # 8.249175
    assert invoice["sub_total"] == 339.99
    assert invoice["tax_total"] == 56.25
    assert invoice["total"] == 396.24
    assert invoice["is_inclusive_tax"] is False
    assert {t["tax_name"]: t["tax_amount"] for t in invoice["taxes"]} == {"Standard VAT": 48, "Sales Tax": 8.25}


async def test_inclusive_tax_is_backed_out_of_the_rate(zoho: Zoho) -> None:
    invoice = await _invoice(
        zoho,
        [
            {"name": "Boxed set", "rate": 120, "quantity": 1, "tax_id": _tax(zoho, "Standard VAT")},
            {"name": "Snack", "rate": 10, "quantity": 1, "tax_id": _tax(zoho, "Sales Tax")},
        ],
        is_inclusive_tax=True,
    )
    first, second = invoice["line_items"]
    assert first["item_total"] == 100
    assert first["item_total_inclusive_of_tax"] == 120
    assert first["line_item_taxes"][0]["tax_amount"] == 20
    assert second["line_item_taxes"][0]["tax_amount"] == 0.76  # 10 - 10 / 1.0825
    assert second["item_total"] == 9.24
    assert invoice["sub_total"] == 109.24  # tax-exclusive
    assert invoice["sub_total_inclusive_of_tax"] == 130
    assert invoice["tax_total"] == 20.76
    assert invoice["total"] == 130  # the inclusive amounts, unchanged
    assert invoice["is_inclusive_tax"] is True


async def test_line_discounts_as_percentage_and_amount(zoho: Zoho) -> None:
    vat = _tax(zoho, "Standard VAT")
    invoice = await _invoice(
        zoho,
        [
            {"name": "Chair", "rate": 100, "quantity": 2, "discount": "10%", "tax_id": vat},
            {"name": "Rug", "rate": 100, "quantity": 1, "discount": 15},
        ],
    )
    first, second = invoice["line_items"]
    assert (first["discount"], first["discount_amount"], first["item_total"]) == ("10.00%", 20, 180)
    assert (second["discount_amount"], second["item_total"]) == (15, 85)
    assert invoice["discount_total"] == 35
    assert invoice["tax_total"] == 36
    assert invoice["total"] == 301
    too_much = await zoho.call(
        "POST", "/invoices", json={"customer_id": invoice["customer_id"], "line_items": [{"rate": 5, "discount": 6}]}
    )
    assert too_much.status_code == 400
    assert "discount" in too_much.json()["message"]


@pytest.mark.parametrize(("before_tax", "tax_total", "total"), [(True, 18, 198), (False, 20, 200)])
async def test_entity_level_discount_before_or_after_tax(
    zoho: Zoho, before_tax: bool, tax_total: float, total: float
) -> None:
    invoice = await _invoice(
        zoho,
        [
            {"name": "Taxed", "rate": 100, "tax_id": _tax(zoho, "Standard VAT")},
            {"name": "Zero", "rate": 100, "tax_id": _tax(zoho, "Zero Rate")},
        ],
        discount="10%",
        discount_type="entity_level",
        is_discount_before_tax=before_tax,
    )
    assert invoice["discount_amount"] == 20
    assert invoice["discount"] == "10.00%"  # as Zoho writes a percentage back
    assert invoice["discount_type"] == "entity_level"
    assert invoice["sub_total"] == 200
    assert invoice["tax_total"] == tax_total
    assert invoice["total"] == total


async def test_tax_group_with_compound_tax(zoho: Zoho) -> None:
    invoice = await _invoice(zoho, [{"name": "Service", "rate": 100, "tax_id": _tax(zoho, "Sales + City")}])
    line = invoice["line_items"][0]
    assert line["tax_type"] == "tax_group"
    assert [(t["tax_name"], t["tax_amount"]) for t in line["line_item_taxes"]] == [
        ("Sales Tax", 8.25),
        ("City Surcharge", 2.17),  # 2% of 108.25, compounded
    ]
    assert invoice["tax_total"] == 10.42
    assert invoice["total"] == 110.42


async def test_shipping_and_adjustment_add_to_total(zoho: Zoho) -> None:
    invoice = await _invoice(
        zoho, [{"name": "Crate", "rate": 50, "quantity": 2}], shipping_charge=12.5, adjustment=-0.5
    )
    assert invoice["sub_total"] == 100
    assert invoice["shipping_charge"] == 12.5
    assert invoice["adjustment"] == -0.5
    assert invoice["total"] == 112


async def test_item_defaults_fill_the_line(zoho: Zoho) -> None:
    item = zoho.emu.records(zoho.org, "items")[0]
    invoice = await _invoice(zoho, [{"item_id": item["item_id"], "quantity": 2}])
    line = invoice["line_items"][0]
    assert line["name"] == item["name"]
    assert line["rate"] == item["rate"]
    assert line["tax_id"] == item["tax_id"]


async def test_bill_totals_follow_the_same_rules(zoho: Zoho) -> None:
    vendor = ids_of(zoho.emu, "contacts", contact_type="vendor")[0]
    account = next(a for a in zoho.emu.records(zoho.org, "chartofaccounts") if a["account_type"] == "expense")
    body = await zoho.ok(
        "POST",
        "/bills",
        json={
            "vendor_id": vendor,
            "bill_number": "VB-ARITH-1",
            "is_inclusive_tax": True,
            "line_items": [{"account_id": account["account_id"], "rate": 120, "tax_id": _tax(zoho, "Standard VAT")}],
        },
    )
    bill = body["bill"]
    assert (bill["sub_total"], bill["tax_total"], bill["total"], bill["balance"]) == (100, 20, 120, 120)
    assert bill["status"] == "open"
