"""Xero JSON <-> the attrs wire models, through one cattrs Converter; Xero's ``/Date(...)/`` dates both ways.

Reading is tolerant, because Xero writes it: ``""`` becomes ``None``, numbers become ``Decimal`` (the HTTP layer
already parses JSON floats as Decimal; a float that gets here goes through its shortest repr), a value of the wrong
shape becomes ``None`` rather than failing the page, and unknown elements are ignored (they stay in the raw
payload). Dates come as Microsoft JSON dates, ``/Date(1518685950940+0000)/`` (milliseconds since the epoch, UTC,
and an offset Xero sets to +0000), or as ISO 8601 text (``2019-03-11T00:00:00``, UTC when no offset is given).
Writing omits every ``None``, sends dates as ``YYYY-MM-DD`` (what Xero's documents ask for) and a ``Decimal`` as
a JSON number when a float carries it exactly, else as a numeric string.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from unified.errors import ConnectorExecutionError

__all__ = [
    "CONVERTER",
    "decimal_out",
    "format_msdate",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
    "structure",
    "unstructure",
]

T = TypeVar("T")

_MSDATE = re.compile(r"^/Date\((-?\d{1,15})(?:([+-])(\d{2})(\d{2}))?\)/$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _text(value: object, _: object = None) -> str | None:
    if type(value) is str:
        return value if value.strip() else None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None


def parse_decimal(value: object, _: object = None) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string; anything else is None."""
    try:
        if type(value) is Decimal:
            number = value
        elif isinstance(value, bool) or value is None:
            return None
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str) and value.strip():
            number = Decimal(value.strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _bool(value: object, _: object = None) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_datetime(value: object, _: object = None) -> dt.datetime | None:
    """An aware datetime from ``/Date(ms+hhmm)/`` or ISO 8601 text (naive text is UTC, as Xero's UTC fields are)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _MSDATE.match(text)
    if match is not None:
        millis, sign, hours, minutes = match.groups()
        instant = _EPOCH + dt.timedelta(milliseconds=int(millis))
        if sign is None:
            return instant
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
        return instant.astimezone(dt.timezone(-offset if sign == "-" else offset))
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: object, _: object = None) -> dt.date | None:
    """The calendar date of a Xero date (``/Date(...)/`` at midnight, or ``YYYY-MM-DD...``)."""
    if isinstance(value, str) and _MSDATE.match(value.strip()) is None:
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    moment = parse_datetime(value)
    return moment.date() if moment is not None else None


def format_msdate(value: dt.datetime) -> str:
    """An aware datetime as Xero writes it: ``/Date(1518685950940+0000)/`` (for tests and fixtures)."""
    millis = (value - _EPOCH) // dt.timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def decimal_out(value: Decimal) -> int | float | str:
    """A Decimal as a JSON value that keeps it exactly."""
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def _is_list(type_: Any) -> bool:
    return typing.get_origin(type_) is list


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args


def _optional_hook(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], Any]]:
    def factory(type_: Any) -> Callable[[object, Any], Any]:
        (inner,) = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        return converter.get_structure_hook(inner)

    return factory


def _list_hook(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], list[Any] | None]]:
    def factory(type_: Any) -> Callable[[object, Any], list[Any] | None]:
        (item_type,) = typing.get_args(type_) or (object,)
        is_model = attrs.has(item_type)
        item_hook = converter.get_structure_hook(item_type)

        def hook(value: object, _: Any) -> list[Any] | None:
            if not isinstance(value, list):
                return None
            items = [v for v in value if isinstance(v, Mapping)] if is_model else value
            return [item_hook(item, item_type) for item in items]

        return hook

    return factory


def _model_hook(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[[object, Any], Any]]:
    def factory(cls: type[Any]) -> Callable[[object, Any], Any]:
        inner = make_dict_structure_fn(cls, converter)

        def hook(value: object, _: Any) -> Any:
            return inner(value, cls) if isinstance(value, Mapping) else None

        return hook

    return factory


def _build() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=False)
    converter.register_structure_hook(str, _text)
    converter.register_structure_hook(Decimal, parse_decimal)
    converter.register_structure_hook(bool, _bool)
    converter.register_structure_hook(dt.datetime, parse_datetime)
    converter.register_structure_hook(dt.date, parse_date)
    converter.register_structure_hook_factory(_is_list, _list_hook(converter))
    converter.register_structure_hook_factory(_is_optional, _optional_hook(converter))
    converter.register_structure_hook_factory(attrs.has, _model_hook(converter))
    converter.register_unstructure_hook(Decimal, decimal_out)
    converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
    converter.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    converter.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
    )
    return converter


CONVERTER = _build()


def structure(payload: object, cls: type[T]) -> T:
    """A wire model from a Xero payload; a payload that is not an object is a provider error."""
    if not isinstance(payload, Mapping):
        raise ConnectorExecutionError(f"Xero sent {type(payload).__name__} where a {cls.__name__} was expected.")
    try:
        return CONVERTER.structure(payload, cls)
    except Exception as exc:  # the hooks are tolerant; anything left is a bug worth naming
        raise ConnectorExecutionError(f"Could not read a Xero {cls.__name__}: {exc}") from None


def unstructure(model: object) -> dict[str, Any]:
    """A wire model as the JSON element Xero takes, without the fields left as None."""
    body = CONVERTER.unstructure(model)
    if not isinstance(body, dict):
        raise TypeError(f"{type(model).__name__} is not a wire model")
    return body
