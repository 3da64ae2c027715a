"""Tax arithmetic for non-US companies: lines carry a TaxCode, a TaxCode is a list of TaxRates, the document's
GlobalTaxCalculation says whether line amounts include tax. Decimal throughout, rounded half up to the cent.

- TaxExcluded: a line's Amount is net. Per tax rate, NetAmountTaxable is the sum of the net amounts it
  applies to and its tax is NetAmountTaxable x rate, rounded once; TotalAmt = net lines + TotalTax.
- TaxInclusive: a line's amount as sent is gross (its TaxInclusiveAmt when that is given). Each line's net
  Amount is gross / (1 + rates), rounded; its tax per rate is net x rate, rounded, the last rate taking what
  rounding leaves so that net + taxes = gross; per rate, the line taxes add up. TotalAmt = gross lines.
- NotApplicable: no tax; TotalTax 0 and no TaxLine.
A tax code without rates (exempt, out of scope) adds no TaxLine; a 0% rate adds one with Amount 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MODES = ("TaxExcluded", "TaxInclusive", "NotApplicable")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    rate_id: str
    name: str
    percent: Decimal


@dataclass(frozen=True)
class TaxableLine:
    amount: Decimal  # net when TaxExcluded, gross when TaxInclusive
    rates: Sequence[Rate] = ()


@dataclass
class TaxLine:
    rate: Rate
    net_amount_taxable: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


@dataclass
class Taxed:
    net: list[Decimal]  # each line's Amount as stored
    gross: list[Decimal]  # each line's amount with its tax (TaxInclusiveAmt)
    tax_lines: list[TaxLine] = field(default_factory=list)

    @property
    def total_tax(self) -> Decimal:
        return sum((t.amount for t in self.tax_lines), Decimal("0.00"))

    @property
    def subtotal(self) -> Decimal:
        return sum(self.net, Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.total_tax


def compute(lines: Sequence[TaxableLine], mode: str) -> Taxed:
    """Each line's net and gross amounts and the per-rate tax lines of a document."""
    if mode not in MODES:
        raise ValueError(f"GlobalTaxCalculation must be one of {', '.join(MODES)}, not {mode!r}")
    by_rate: dict[str, TaxLine] = {}

    def tax_line(rate: Rate) -> TaxLine:
        return by_rate.setdefault(rate.rate_id, TaxLine(rate))

    net: list[Decimal] = []
    gross: list[Decimal] = []
    if mode == "NotApplicable":
        for line in lines:
            net.append(cents(line.amount))
            gross.append(cents(line.amount))
        return Taxed(net, gross)
    if mode == "TaxExcluded":
        for line in lines:
            amount = cents(line.amount)
            net.append(amount)
            gross.append(amount + sum((cents(amount * r.percent / HUNDRED) for r in line.rates), Decimal(0)))
            for rate in line.rates:
                tax_line(rate).net_amount_taxable += amount
        for entry in by_rate.values():
            entry.amount = cents(entry.net_amount_taxable * entry.rate.percent / HUNDRED)
        return Taxed(net, gross, list(by_rate.values()))
    for line in lines:  # TaxInclusive
        amount = cents(line.amount)
        combined = sum((r.percent for r in line.rates), Decimal(0))
        line_net = cents(amount * HUNDRED / (HUNDRED + combined)) if line.rates else amount
        net.append(line_net)
        gross.append(amount)
        left = amount - line_net
        for index, rate in enumerate(line.rates):
            share = left if index == len(line.rates) - 1 else cents(line_net * rate.percent / HUNDRED)
            left -= share
            entry = tax_line(rate)
            entry.net_amount_taxable += line_net
            entry.amount += share
    return Taxed(net, gross, list(by_rate.values()))
