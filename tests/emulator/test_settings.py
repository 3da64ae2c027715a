"""Taxes and tax groups, items, chart of accounts and currencies."""

from __future__ import annotations

import pytest

from .conftest import Zoho

pytestmark = pytest.mark.anyio


async def test_taxes_crud_and_seeded_rates(zoho: Zoho) -> None:
    listed = await zoho.ok("GET", "/settings/taxes")
    rates = {t["tax_name"]: t["tax_percentage"] for t in listed["taxes"]}
    assert rates["Zero Rate"] == 0
    assert len([r for r in rates.values() if r]) >= 3
    assert any(t["tax_type"] == "compound_tax" for t in listed["taxes"])
    assert listed["page_context"]["report_name"] == "Taxes"
    created = await zoho.call("POST", "/settings/taxes", json={"tax_name": "GST", "tax_percentage": 15})
    assert created.status_code == 201
    assert created.json()["message"] == "The tax has been added."
    tax = created.json()["tax"]
    assert tax["tax_percentage"] == 15
    assert (await zoho.ok("GET", f"/settings/taxes/{tax['tax_id']}"))["tax"]["tax_name"] == "GST"
    updated = await zoho.ok("PUT", f"/settings/taxes/{tax['tax_id']}", json={"tax_percentage": 12.5})
    assert updated["tax"]["tax_percentage"] == 12.5
    assert (
        await zoho.call("POST", "/settings/taxes", json={"tax_name": "Odd", "tax_percentage": 150})
    ).status_code == 400
    assert (await zoho.call("POST", "/settings/taxes", json={"tax_name": "No rate"})).status_code == 400
    await zoho.ok("DELETE", f"/settings/taxes/{tax['tax_id']}")
    assert (await zoho.call("GET", f"/settings/taxes/{tax['tax_id']}")).json()["code"] == 1002


async def test_tax_in_use_cannot_be_deleted(zoho: Zoho) -> None:
    used = zoho.emu.records(zoho.org, "invoices")[0]["line_items"][0]["tax_id"]
    response = await zoho.call("DELETE", f"/settings/taxes/{used}")
    assert response.status_code == 400


async def test_tax_groups(zoho: Zoho) -> None:
    taxes = (await zoho.ok("GET", "/settings/taxes"))["taxes"]
    simple = [t for t in taxes if t["tax_type"] == "tax" and t["tax_percentage"]][:2]
    created = await zoho.call(
        "POST",
        "/settings/taxgroups",
        json={"tax_group_name": "Combined", "taxes": ",".join(t["tax_id"] for t in simple)},
    )
    assert created.status_code == 201
    group = created.json()["tax_group"]
    assert group["tax_group_percentage"] == simple[0]["tax_percentage"] + simple[1]["tax_percentage"]
    got = await zoho.ok("GET", f"/settings/taxgroups/{group['tax_group_id']}")
    assert [t["tax_id"] for t in got["tax_group"]["taxes"]] == [t["tax_id"] for t in simple]
    await zoho.ok("DELETE", f"/settings/taxgroups/{group['tax_group_id']}")


async def test_items_crud_and_status(zoho: Zoho) -> None:
    created = await zoho.call("POST", "/items", json={"name": "Widget", "rate": 9.99, "sku": "W-1"})
    assert created.status_code == 201
    assert created.json()["message"] == "The item has been added."
    item = created.json()["item"]
    assert (item["rate"], item["status"], item["tax_id"]) == (9.99, "active", "")
    assert (await zoho.call("POST", "/items", json={"name": "Widget 2"})).status_code == 400  # rate required
    assert (await zoho.call("POST", "/items", json={"name": "W3", "rate": 1, "sku": "W-1"})).status_code == 400
    await zoho.ok("POST", f"/items/{item['item_id']}/inactive")
    inactive = await zoho.all_pages("/items", "items", filter_by="Status.Inactive")
    assert [i["item_id"] for i in inactive] == [item["item_id"]]
    await zoho.ok("PUT", f"/items/{item['item_id']}", json={"rate": 12})
    assert (await zoho.ok("GET", f"/items/{item['item_id']}"))["item"]["rate"] == 12
    await zoho.ok("DELETE", f"/items/{item['item_id']}")


async def test_chart_of_accounts(zoho: Zoho) -> None:
    listed = await zoho.all_pages("/chartofaccounts", "chartofaccounts")
    types = {a["account_type"] for a in listed}
    assert {"income", "expense", "cash", "bank", "accounts_receivable", "equity"} <= types
    expenses = await zoho.all_pages("/chartofaccounts", "chartofaccounts", filter_by="AccountType.Expense")
    assert expenses and {a["account_type"] for a in expenses} <= {"expense", "cost_of_goods_sold", "other_expense"}
    created = await zoho.call("POST", "/chartofaccounts", json={"account_name": "Software", "account_type": "expense"})
    assert created.status_code == 201
    account = created.json()["chart_of_account"]
    got = await zoho.ok("GET", f"/chartofaccounts/{account['account_id']}")
    assert got["account_name"] == "Software"  # Zoho's spec: fields at the top level
    assert got["chart_of_account"]["account_id"] == account["account_id"]
    assert (
        await zoho.call("POST", "/chartofaccounts", json={"account_name": "X", "account_type": "pizza"})
    ).status_code == 400
    await zoho.ok("POST", f"/chartofaccounts/{account['account_id']}/inactive")
    assert (await zoho.ok("GET", f"/chartofaccounts/{account['account_id']}"))["is_active"] is False
    system = next(a for a in listed if a["is_system_account"])
    assert (await zoho.call("DELETE", f"/chartofaccounts/{system['account_id']}")).status_code == 400


async def test_currencies(zoho: Zoho) -> None:
    listed = (await zoho.ok("GET", "/settings/currencies"))["currencies"]
    base = [c for c in listed if c["is_base_currency"]]
    assert len(base) == 1 and base[0]["currency_code"] == "USD"
    assert next(c for c in listed if c["currency_code"] == "JPY")["price_precision"] == 0
    created = await zoho.call("POST", "/settings/currencies", json={"currency_code": "CHF", "currency_symbol": "Fr."})
    assert created.status_code == 201
    currency_id = created.json()["currency"]["currency_id"]
    assert (await zoho.ok("GET", f"/settings/currencies/{currency_id}"))["currency"]["currency_code"] == "CHF"
    assert (await zoho.call("POST", "/settings/currencies", json={"currency_code": "CHF"})).status_code == 400
    assert (await zoho.call("DELETE", f"/settings/currencies/{base[0]['currency_id']}")).status_code == 400
    await zoho.ok("DELETE", f"/settings/currencies/{currency_id}")
