"""Line and document arithmetic for Exclusive, Inclusive and NoTax documents, to the cent (property tests)."""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal
from json import loads
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.xero.emulator._money import Line, effective_rate, line, totals

from .conftest import API, small

CENT = Decimal("0.01")
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=4)
units = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=2)
rates = st.sampled_from([Decimal(0), Decimal(10), Decimal(15), Decimal(20), Decimal("17.3"), Decimal("12.5")])
kinds = st.sampled_from(["Exclusive", "Inclusive", "NoTax"])


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@given(quantity=quantities, unit=units, rate=rates, kind=kinds)
def test_one_line(quantity: Decimal, unit: Decimal, rate: Decimal, kind: str) -> None:
    result = line(Line(quantity=quantity, unit_amount=unit, rate=rate), kind)
    assert result.line_amount == _cents(quantity * unit)
    if kind == "NoTax":
        assert result.tax_amount == 0
    elif kind == "Inclusive":
        assert result.tax_amount == _cents(result.line_amount * rate / (100 + rate))
        assert result.tax_amount <= result.line_amount
    else:
        assert result.tax_amount == _cents(result.line_amount * rate / 100)
    assert result.tax_amount == result.tax_amount.quantize(CENT)


@given(lines=st.lists(st.tuples(quantities, units, rates), min_size=1, max_size=6), kind=kinds)
def test_totals_are_the_sum_of_the_lines(lines: list[tuple[Decimal, Decimal, Decimal]], kind: str) -> None:
    results = [line(Line(quantity=q, unit_amount=u, rate=r), kind) for q, u, r in lines]
    document = totals(results, kind)
    amounts = sum(r.line_amount for r in results)
    tax = sum(r.tax_amount for r in results)
    assert document.total_tax == tax
    assert document.total == document.sub_total + document.total_tax
    if kind == "Inclusive":
        assert document.total == amounts  # the lines already hold their tax
    else:
        assert document.sub_total == amounts


@given(quantity=quantities, unit=units, discount=st.decimals(min_value=0, max_value=100, places=2))
def test_discount_rates_come_off_the_line(quantity: Decimal, unit: Decimal, discount: Decimal) -> None:
    result = line(Line(quantity=quantity, unit_amount=unit, discount_rate=discount, rate=Decimal(15)), "Exclusive")
    assert result.line_amount == _cents(quantity * unit * (100 - discount) / 100)
    assert result.discount == _cents(quantity * unit) - result.line_amount


def test_a_line_amount_alone_and_a_tax_amount_override() -> None:
    alone = line(Line(quantity=Decimal(4), line_amount=Decimal("100.00"), rate=Decimal(15)), "Exclusive")
    assert alone.unit_amount == Decimal("25.00") and alone.line_amount == Decimal("100.00")
    overridden = line(
        Line(quantity=Decimal(1), unit_amount=Decimal(10), tax_amount=Decimal("1.49"), rate=Decimal(15)), "Exclusive"
    )
    assert overridden.tax_amount == Decimal("1.49")


def test_compound_rates_tax_the_tax_before_them() -> None:
    assert effective_rate([(Decimal(5), False), (Decimal("9.975"), True)]) == Decimal("15.4738")
    assert effective_rate([(Decimal(15), False), (Decimal(2), True)]) == Decimal("17.3000")
    assert effective_rate([(Decimal(10), False), (Decimal(5), False)]) == Decimal("15.0000")


EMULATOR = small(contacts=5, invoices=0, bills=0, expenses=0, tenants=1, minute_limit=10_000, day_limit=1_000_000)
TOKEN = EMULATOR.oauth.issue_access(EMULATOR.client_id, EMULATOR.scopes).access_token
TAX_TYPES = st.sampled_from(["OUTPUT2", "NONE", "ZERORATED", "TAX001", "TAX002", "TAX003"])


@settings(max_examples=25)
@given(lines=st.lists(st.tuples(quantities, units, TAX_TYPES), min_size=1, max_size=5), kind=kinds)
def test_written_documents_total_their_lines_to_the_cent(lines: list[tuple[Decimal, Decimal, str]], kind: str) -> None:
    document = _write(lines, kind)
    rows = document["LineItems"]
    assert len(rows) == len(lines)
    line_sum = sum(r["LineAmount"] for r in rows)
    tax_sum = sum(r["TaxAmount"] for r in rows)
    sub_total, total_tax, total = (document[k] for k in ("SubTotal", "TotalTax", "Total"))
    assert total_tax == tax_sum
    assert total == sub_total + total_tax
    assert total == (line_sum if kind == "Inclusive" else line_sum + tax_sum)
    assert document["AmountDue"] == total
    for (quantity, unit, tax_type), row in zip(lines, rows, strict=True):
        assert row["LineAmount"] == _cents(quantity * unit)
        assert row["TaxType"] == tax_type
        if kind == "NoTax":
            assert row["TaxAmount"] == 0


def _write(lines: list[tuple[Decimal, Decimal, str]], kind: str) -> dict[str, Any]:
    contact = EMULATOR.records("Contacts")[0]["ContactID"]
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact},
        "LineAmountTypes": kind,
        "LineItems": [
            {"Description": "x", "Quantity": str(q), "UnitAmount": str(u), "AccountCode": "200", "TaxType": t}
            for q, u, t in lines
        ],
    }
    headers = {"Authorization": f"Bearer {TOKEN}", "xero-tenant-id": EMULATOR.tenant_id}

    async def put() -> httpx.Response:
        transport = httpx.ASGITransport(app=EMULATOR.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://xero.test") as http:
            return await http.put(f"{API}/Invoices", json={"Invoices": [body]}, headers=headers)

    response = asyncio.run(put())
    assert response.status_code == 200, response.text
    document: dict[str, Any] = loads(response.text, parse_float=Decimal)["Invoices"][0]
    return document
