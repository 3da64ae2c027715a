"""Invoice and bill arithmetic as Zoho shows it, in Decimal, rounded half up to the document's precision.

Choices (documented in the package docstring):
- item_total = rate x quantity - line discount (an amount, or "10%" of rate x quantity), rounded.
- Exclusive documents: each line's tax = taxable amount x percentage, rounded per line and per tax;
  sub_total = sum of item_total; total = sub_total - entity discount + tax_total + shipping + adjustment.
- Inclusive documents (`is_inclusive_tax`): rates include tax. Each line's tax is backed out of its amount
  (amount - amount / (1 + p)), rounded; item_total is then the amount without tax, so sub_total is the
  tax-exclusive sum and total = sub_total + tax_total (+ shipping + adjustment) equals the sum of the
  tax-inclusive lines. `sub_total_inclusive_of_tax` and `item_total_inclusive_of_tax` carry the inclusive
  figures.
- Tax groups: the group's taxes apply together; a compound tax in a group applies to the line plus the
  group's other taxes.
- Entity-level discount (`discount_type` "entity_level", `discount` an amount or "10%" of the sub total):
  before tax it reduces every line's taxable amount in proportion; after tax it is taken off the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ._errors import invalid_field
from ._numbers import HUNDRED, ZERO, quantize, to_decimal


@dataclass(frozen=True)
class TaxPart:
    tax_id: str
    tax_name: str
    percentage: Decimal
    compound: bool
    specific_type: str = ""


@dataclass
class LineInput:
    rate: Decimal
    quantity: Decimal
    discount: str | Decimal  # an amount, or a percentage string like "10%"
    taxes: Sequence[TaxPart] = ()


@dataclass
class LineResult:
    item_total: Decimal
    discount_amount: Decimal
    item_total_inclusive_of_tax: Decimal
    tax_amounts: list[tuple[TaxPart, Decimal]] = field(default_factory=list)


@dataclass
class DocumentResult:
    lines: list[LineResult]
    sub_total: Decimal
    sub_total_inclusive_of_tax: Decimal
    discount_amount: Decimal
    discount_total: Decimal
    tax_total: Decimal
    taxes: list[tuple[TaxPart, Decimal]]
    total: Decimal


def parse_discount(value: object, field_name: str) -> str | Decimal:
    """A discount as Zoho takes it: a number, or a string ending in % (e.g. "12.5%"), which Zoho writes back
    with two decimals ("12.50%")."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, str) and value.strip().endswith("%"):
        percent = to_decimal(value.strip()[:-1], field_name)
        if not ZERO <= percent <= HUNDRED:
            raise invalid_field(field_name, "A percentage discount must be between 0% and 100%.")
        return f"{quantize(percent, 2)}%"
    amount = to_decimal(value, field_name)
    if amount < 0:
        raise invalid_field(field_name, "A discount cannot be negative.")
    return amount


def _discount_of(base: Decimal, discount: str | Decimal, precision: int) -> Decimal:
    if isinstance(discount, str):
        return quantize(base * Decimal(discount[:-1]) / HUNDRED, precision)
    return quantize(discount, precision)


def _factor(parts: Sequence[TaxPart]) -> Decimal:
    simple = sum((p.percentage for p in parts if not p.compound), ZERO) / HUNDRED
    compound = sum((p.percentage for p in parts if p.compound), ZERO) / HUNDRED
    return (1 + simple) * (1 + compound)


def _taxes_on(base: Decimal, parts: Sequence[TaxPart], precision: int) -> list[tuple[TaxPart, Decimal]]:
    """Each tax on a tax-exclusive base: simple taxes first, compound ones on base + simple taxes."""
    simple = [(p, base * p.percentage / HUNDRED) for p in parts if not p.compound]
    simple_sum = sum((amount for _, amount in simple), ZERO)
    compound = [(p, (base + simple_sum) * p.percentage / HUNDRED) for p in parts if p.compound]
    return [(p, quantize(amount, precision)) for p, amount in simple + compound]


def compute(
    lines: Sequence[LineInput],
    *,
    precision: int,
    inclusive: bool,
    entity_discount: str | Decimal = ZERO,
    discount_before_tax: bool = True,
    shipping_charge: Decimal = ZERO,
    adjustment: Decimal = ZERO,
) -> DocumentResult:
    gross: list[Decimal] = []
    line_discounts: list[Decimal] = []
    for position, line in enumerate(lines):
        amount = line.rate * line.quantity
        discount = _discount_of(amount, line.discount, precision)
        if discount > abs(amount):
            raise invalid_field(f"line_items[{position}].discount", f"It cannot exceed the line amount {amount}.")
        gross.append(quantize(amount - discount, precision))
        line_discounts.append(discount)
    gross_sum = sum(gross, ZERO)
    entity = _discount_of(gross_sum, entity_discount, precision)
    if entity > max(gross_sum, ZERO):
        raise invalid_field("discount", f"It cannot exceed the sub total {gross_sum}.")
    # Before tax, the entity discount shrinks each line's taxable amount in proportion.
    share = entity / gross_sum if gross_sum and (discount_before_tax or inclusive) else ZERO

    results: list[LineResult] = []
    for line, amount, discount in zip(lines, gross, line_discounts, strict=True):
        taxable = amount - amount * share
        if inclusive:
            factor = _factor(line.taxes)
            taxes = _taxes_on(taxable / factor, line.taxes, precision)
            line_tax = sum((t for _, t in taxes), ZERO)
            exclusive = amount - line_tax if not share else quantize(amount / factor, precision)
            results.append(LineResult(exclusive, discount, amount, taxes))
        else:
            taxes = _taxes_on(taxable, line.taxes, precision)
            line_tax = sum((t for _, t in taxes), ZERO)
            results.append(LineResult(amount, discount, amount + line_tax, taxes))

    summary: dict[str, tuple[TaxPart, Decimal]] = {}
    for result in results:
        for part, amount in result.tax_amounts:
            previous = summary.get(part.tax_id, (part, ZERO))[1]
            summary[part.tax_id] = (part, previous + amount)
    tax_total = sum((amount for _, amount in summary.values()), ZERO)
    sub_total = sum((r.item_total for r in results), ZERO)
    if inclusive:
        total = gross_sum - entity + shipping_charge + adjustment
    else:
        total = sub_total - entity + tax_total + shipping_charge + adjustment
    if total < 0:
        raise invalid_field("adjustment", f"The total would be negative ({total}); lower the discount or adjustment.")
    discount_total = entity if entity else sum(line_discounts, ZERO)
    return DocumentResult(
        lines=results,
        sub_total=sub_total,
        sub_total_inclusive_of_tax=gross_sum if inclusive else sub_total + tax_total,
        discount_amount=entity,
        discount_total=discount_total,
        tax_total=tax_total,
        taxes=list(summary.values()),
        total=quantize(total, precision),
    )
