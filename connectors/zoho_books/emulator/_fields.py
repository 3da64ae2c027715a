"""Reading request fields: each reader names the field and the fix when a value cannot be used."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from ._errors import invalid_field
from ._numbers import to_decimal

_MISSING = object()


def text(body: dict[str, Any], name: str, *, limit: int = 255, default: str = "", required: bool = False) -> str:
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid_field(name, "It is required.")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise invalid_field(name, "Send a string.")
    result = str(value)
    if required and not result.strip():
        raise invalid_field(name, "It is required and cannot be blank.")
    if len(result) > limit:
        raise invalid_field(name, f"At most {limit} characters (got {len(result)}).")
    return result


def choice(body: dict[str, Any], name: str, allowed: Iterable[str], default: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        return default
    options = tuple(allowed)
    if value not in options:
        raise invalid_field(name, f"Use one of: {', '.join(options)}.")
    return str(value)


def boolean(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_field(name, "Send true or false.")


def integer(body: dict[str, Any], name: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
    value = body.get(name)
    if value is None or value == "":
        return default
    number = to_decimal(value, name)
    if number != number.to_integral_value() or not minimum <= number <= maximum:
        raise invalid_field(name, f"Send a whole number from {minimum} to {maximum}.")
    return int(number)


def decimal(
    body: dict[str, Any],
    name: str,
    default: Decimal,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal = Decimal("1e15"),
) -> Decimal:
    value = body.get(name)
    if value is None or value == "":
        return default
    number = to_decimal(value, name)
    if minimum is not None and number < minimum:
        raise invalid_field(name, f"It must be at least {minimum}.")
    if abs(number) > maximum:
        raise invalid_field(name, f"It must be at most {maximum} in size.")
    return number


def day(body: dict[str, Any], name: str, default: str) -> str:
    value = body.get(name)
    if value is None or value == "" or value == " ":
        return default
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise invalid_field(name, "Send a date as yyyy-mm-dd.") from None


def identifier(body: dict[str, Any], name: str) -> str:
    """An id field: Zoho ids are numeric strings (JSON numbers are accepted too)."""
    value = body.get(name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid_field(name, "Send the id as a string of digits.")
    return str(value)


def object_list(body: dict[str, Any], name: str) -> list[dict[str, Any]] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid_field(name, "Send a list of objects.")
    return value


def mapping(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_field(name, "Send an object.")
    return value
