"""Tax arithmetic to the cent in the three GlobalTaxCalculation modes, alone and through an invoice."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.quickbooks.emulator import QuickBooksEmulator
from connectors.quickbooks.emulator._tax import Rate, TaxableLine, compute

from .conftest import Api

CENT = Decimal("0.01")
RATES = [Rate("1", "GST", Decimal(5)), Rate("2", "PST", Decimal(7)), Rate("3", "HST", Decimal(13)),
         Rate("4", "Zero", Decimal(0)), Rate("5", "Odd", Decimal("8.875"))]  # fmt: skip
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
lines = st.lists(
    st.tuples(amounts, st.lists(st.sampled_from(RATES), max_size=2, unique_by=lambda r: r.rate_id)),
    min_size=1,
    max_size=8,
)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@settings(max_examples=200, deadline=None)
@given(lines)
def test_tax_excluded(given_lines: list[tuple[Decimal, list[Rate]]]) -> None:
    taxed = compute([TaxableLine(a, r) for a, r in given_lines], "TaxExcluded")
    assert taxed.net == [a for a, _ in given_lines]
    for tax_line in taxed.tax_lines:
        base = sum((a for a, rates in given_lines if tax_line.rate in rates), Decimal(0))
        assert tax_line.net_amount_taxable == base
        assert tax_line.amount == _round(base * tax_line.rate.percent / 100)
    assert taxed.total == sum(taxed.net, Decimal(0)) + sum((t.amount for t in taxed.tax_lines), Decimal(0))
    assert {t.rate.rate_id for t in taxed.tax_lines} == {r.rate_id for _, rates in given_lines for r in rates}


@settings(max_examples=200, deadline=None)
@given(lines)
def test_tax_inclusive(given_lines: list[tuple[Decimal, list[Rate]]]) -> None:
    taxed = compute([TaxableLine(a, r) for a, r in given_lines], "TaxInclusive")
    assert taxed.gross == [a for a, _ in given_lines]
    assert sum(taxed.gross, Decimal(0)) == sum(taxed.net, Decimal(0)) + taxed.total_tax
    for (gross, rates), net in zip(given_lines, taxed.net, strict=True):
        combined = sum((r.percent for r in rates), Decimal(0))
        assert net == (_round(gross * 100 / (100 + combined)) if rates else gross)
        assert net.as_tuple().exponent == -2
    for tax_line in taxed.tax_lines:
        assert tax_line.net_amount_taxable == sum(
            (n for (a, rates), n in zip(given_lines, taxed.net, strict=True) if tax_line.rate in rates), Decimal(0)
        )


@settings(max_examples=50, deadline=None)
@given(lines)
def test_not_applicable(given_lines: list[tuple[Decimal, list[Rate]]]) -> None:
    taxed = compute([TaxableLine(a, r) for a, r in given_lines], "NotApplicable")
    assert taxed.tax_lines == []
    assert taxed.total == sum((a for a, _ in given_lines), Decimal(0))


def _invoice(api: Api, emu: QuickBooksEmulator, mode: str, code: str, amount: str) -> dict[str, object]:
    item = emu.records("Item")[0]["Id"]
    body = {
        "CustomerRef": {"value": emu.records("Customer")[0]["Id"]},
        "GlobalTaxCalculation": mode,
        "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": item}, "TaxCodeRef": {"value": code}}}],
    }  # fmt: skip
    response = api.post("invoice", body)
    assert response.status_code == 200, response.text
    invoice: dict[str, object] = response.json()["Invoice"]
    return invoice


def test_invoices_carry_txn_tax_detail_as_quickbooks_returns_it(api: Api, emu: QuickBooksEmulator) -> None:
    gst_pst = next(c["Id"] for c in emu.records("TaxCode") if c["Name"] == "GST/PST BC")
    excluded = _invoice(api, emu, "TaxExcluded", gst_pst, "100.00")
    detail = excluded["TxnTaxDetail"]
    assert isinstance(detail, dict)
    assert Decimal(str(detail["TotalTax"])) == Decimal("12.00")
    assert [line["DetailType"] for line in detail["TaxLine"]] == ["TaxLineDetail", "TaxLineDetail"]
    first = detail["TaxLine"][0]["TaxLineDetail"]
    assert set(first) == {"TaxRateRef", "PercentBased", "TaxPercent", "NetAmountTaxable"}
    assert Decimal(str(excluded["TotalAmt"])) == Decimal("112.00")
    inclusive = _invoice(api, emu, "TaxInclusive", gst_pst, "112.00")
    assert Decimal(str(inclusive["TotalAmt"])) == Decimal("112.00")
    lines = inclusive["Line"]
    assert isinstance(lines, list)
    assert Decimal(str(lines[0]["Amount"])) == Decimal("100.00")
    assert Decimal(str(lines[0]["SalesItemLineDetail"]["TaxInclusiveAmt"])) == Decimal("112.00")
    assert lines[-1]["DetailType"] == "SubTotalLineDetail"
    none = _invoice(api, emu, "NotApplicable", gst_pst, "80.00")
    assert Decimal(str(none["TotalAmt"])) == Decimal("80.00")
    assert none["TxnTaxDetail"] == {"TotalTax": 0}
