"""Money as Decimal inside, JSON numbers outside; rounding as Zoho does it (half up to the precision)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ._errors import invalid_field

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def to_decimal(value: object, field: str) -> Decimal:
    """A number from a request (int, Decimal, float or numeric string); error code 4 naming the field."""
    if isinstance(value, bool):
        raise invalid_field(field, "Send a number.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    elif isinstance(value, str) and value.strip():
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise invalid_field(field, f"{value!r} is not a number.") from None
    else:
        raise invalid_field(field, "Send a number.")
    if not result.is_finite():
        raise invalid_field(field, "Send a finite number.")
    return result


def optional_decimal(value: object, field: str, default: Decimal = ZERO) -> Decimal:
    """Like to_decimal, but None and Zoho's unset `""` give the default."""
    if value is None or value == "":
        return default
    return to_decimal(value, field)


def quantize(value: Decimal, precision: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def out(value: Decimal) -> int | float:
    """A JSON number as Zoho sends it: integral values without a fraction."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def number_or_blank(value: object) -> object:
    """Echo a stored number; Zoho's `""` stays `""`."""
    if isinstance(value, Decimal):
        return out(value)
    return value
