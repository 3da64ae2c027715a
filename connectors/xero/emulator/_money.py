"""Line and document arithmetic for Exclusive, Inclusive and NoTax documents, in Decimal, rounded as Xero does.

Per line: LineAmount = Quantity x UnitAmount less the discount (DiscountRate % or DiscountAmount), to the cent;
the tax is rounded per line (Xero's default tax rounding): Exclusive LineAmount x rate / 100, Inclusive
LineAmount x rate / (100 + rate) (the line amount already holds its tax), NoTax 0. A TaxAmount the caller sends
replaces the computed one, as Xero allows. Document: SubTotal = the lines less their tax when Inclusive,
TotalTax = the lines' tax, Total = SubTotal + TotalTax, TotalDiscount = what the discounts took off.
A compound rate's effective rate applies each compound component on the amount plus the components before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ._wire import money, quantize

HUNDRED = Decimal(100)
ZERO = Decimal(0)
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


@dataclass(frozen=True)
class Line:
    """A line's inputs: what the caller sent, already parsed (None where it sent nothing)."""

    quantity: Decimal | None = None
    unit_amount: Decimal | None = None
    line_amount: Decimal | None = None
    discount_rate: Decimal | None = None
    discount_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    rate: Decimal = ZERO  # the effective tax rate in percent


@dataclass(frozen=True)
class LineResult:
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    tax_amount: Decimal
    discount: Decimal  # how much the discount took off the line


@dataclass(frozen=True)
class Totals:
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal


def effective_rate(components: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """The rate a line pays for (rate, is_compound) components: compound ones also tax the earlier taxes."""
    total = ZERO
    for rate, is_compound in components:
        base = HUNDRED + total if is_compound else HUNDRED
        total += base * rate / HUNDRED
    return quantize(total, 4)


def line(values: Line, amount_type: str, unit_places: int = 2) -> LineResult:
    quantity = quantize(values.quantity, 4) if values.quantity is not None else None
    unit = quantize(values.unit_amount, unit_places) if values.unit_amount is not None else None
    if quantity is None and unit is not None:
        quantity = Decimal("1.0000")
    if unit is None and values.line_amount is not None and quantity not in (None, ZERO):
        assert quantity is not None
        unit = quantize(values.line_amount / quantity, unit_places)
    quantity = quantity if quantity is not None else Decimal("0.0000")
    unit = unit if unit is not None else ZERO.quantize(Decimal(1).scaleb(-unit_places))
    gross = quantity * unit
    if values.discount_rate is not None:
        net = money(gross * (HUNDRED - values.discount_rate) / HUNDRED)
    elif values.discount_amount is not None:
        net = money(gross - values.discount_amount)
    elif values.line_amount is not None and values.unit_amount is None:
        net = money(values.line_amount)
    else:
        net = money(gross)
    discount = money(gross) - net if values.discount_rate is not None or values.discount_amount is not None else ZERO
    if amount_type == "NoTax":
        tax = Decimal("0.00")
    elif values.tax_amount is not None:
        tax = money(values.tax_amount)
    elif amount_type == "Inclusive":
        tax = money(net * values.rate / (HUNDRED + values.rate))
    else:
        tax = money(net * values.rate / HUNDRED)
    return LineResult(quantity, unit, net, tax, money(discount))


def totals(lines: Sequence[LineResult], amount_type: str) -> Totals:
    amounts = sum((r.line_amount for r in lines), Decimal("0.00"))
    tax = sum((r.tax_amount for r in lines), Decimal("0.00"))
    sub_total = amounts - tax if amount_type == "Inclusive" else amounts
    discount = sum((r.discount for r in lines), Decimal("0.00"))
    return Totals(money(sub_total), money(tax), money(sub_total + tax), money(discount))
