"""Seeded data: deterministic, realistic, ids past 2^53, every custom-field type, varied statuses and taxes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from connectors.zoho_books.emulator import ZohoBooksEmulator


def _small(seed: int = 7, **settings: Any) -> ZohoBooksEmulator:
    return ZohoBooksEmulator(seed=seed, contacts=40, invoices=60, bills=20, expenses=20, **settings)


def _snapshot(emu: ZohoBooksEmulator) -> dict[str, list[dict[str, object]]]:
    return {
        m: emu.records(emu.organization_id, m) for m in ("contacts", "invoices", "bills", "expenses", "items", "taxes")
    }


def test_same_seed_same_data_and_credentials() -> None:
    first, second = _small(21), _small(21)
    assert _snapshot(first) == _snapshot(second)
    assert (first.client_id, first.client_secret, first.refresh_token, first.organization_id) == (
        second.client_id,
        second.client_secret,
        second.refresh_token,
        second.organization_id,
    )
    other = _small(22)
    assert _snapshot(other)["contacts"] != _snapshot(first)["contacts"]
    assert other.client_id != first.client_id


def test_credentials_look_like_zoho_and_can_be_given() -> None:
    emu = _small()
    assert re.fullmatch(r"1000\.[A-Z0-9]{30}", emu.client_id)
    assert re.fullmatch(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}", emu.refresh_token)
    assert emu.organization_id.isdigit()
    given = ZohoBooksEmulator(contacts=1, invoices=0, bills=0, expenses=0, client_id="1000.MINE", organization_id="555")
    assert (given.client_id, given.organization_id) == ("1000.MINE", "555")
    assert "secret" not in repr(given).lower() and given.client_secret not in repr(given)


def test_ids_are_strings_past_2_53_with_18_or_19_digits() -> None:
    emu = _small(organizations=2)
    for org, digits in zip(emu.organization_ids, (18, 19), strict=True):
        for module, key in (("contacts", "contact_id"), ("invoices", "invoice_id"), ("taxes", "tax_id")):
            for record in emu.records(org, module):
                assert isinstance(record[key], str)
                assert len(record[key]) == digits
                assert int(record[key]) > 2**53


def test_realistic_variety() -> None:
    emu = ZohoBooksEmulator(seed=7, contacts=120, invoices=300, bills=80, expenses=80)
    org = emu.organization_id
    contacts = emu.records(org, "contacts")
    assert any(not c["contact_name"].isascii() for c in contacts)
    assert {c["contact_type"] for c in contacts} == {"customer", "vendor"}
    assert len({c["billing_address"]["country"] for c in contacts}) >= 5
    assert len({c["currency_code"] for c in contacts}) >= 3
    invoices = emu.records(org, "invoices")
    assert {i["status"] for i in invoices} >= {"draft", "void", "paid", "partially_paid", "overdue"}
    assert {i["is_inclusive_tax"] for i in invoices} == {True, False}
    assert any(i["discount_total"] for i in invoices)
    assert any(i.get("discount_type") == "entity_level" for i in invoices)
    rates = {Decimal(str(t["tax_percentage"])) for t in emu.records(org, "taxes")}
    assert Decimal(0) in rates and len(rates) >= 4
    assert len({i["last_modified_time"] for i in invoices}) > 250
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", i["created_time"]) for i in invoices)
    for invoice in invoices:
        paid = Decimal(str(invoice["payment_made"])) + Decimal(str(invoice["write_off_amount"]))
        expected = Decimal(0) if invoice["status"] == "void" else Decimal(str(invoice["total"])) - paid
        assert Decimal(str(invoice["balance"])) == expected
    payments = emu.records(org, "customerpayments")
    assert payments and all(p["invoices"][0]["invoice_id"] for p in payments)


def test_inclusive_invoices_add_up() -> None:
    emu = ZohoBooksEmulator(seed=3, contacts=30, invoices=120, bills=0, expenses=0)
    for invoice in emu.records(emu.organization_id, "invoices"):
        lines = invoice["line_items"]
        tax = sum(Decimal(str(t["tax_amount"])) for line in lines for t in line["line_item_taxes"])
        assert tax == Decimal(str(invoice["tax_total"]))
        extras = Decimal(str(invoice["shipping_charge"])) + Decimal(str(invoice["adjustment"]))
        discount = Decimal(str(invoice["discount_amount"]))
        if invoice["is_inclusive_tax"]:
            gross = sum(Decimal(str(line["item_total_inclusive_of_tax"])) for line in lines)
            assert Decimal(str(invoice["total"])) == gross - discount + extras
        else:
            subtotal = sum(Decimal(str(line["item_total"])) for line in lines)
            assert Decimal(str(invoice["sub_total"])) == subtotal
            assert Decimal(str(invoice["total"])) == subtotal - discount + tax + extras


def test_other_organizations_get_a_tenth_and_their_own_currency() -> None:
    emu = ZohoBooksEmulator(organizations=3, contacts=50, invoices=100, bills=20, expenses=20)
    first, second, third = emu.organization_ids
    assert len(emu.records(first, "invoices")) == 100
    assert len(emu.records(second, "invoices")) == 10
    currencies = [
        next(c["currency_code"] for c in emu.records(org, "currencies") if c["is_base_currency"])
        for org in (first, second, third)
    ]
    assert currencies == ["USD", "EUR", "GBP"]
