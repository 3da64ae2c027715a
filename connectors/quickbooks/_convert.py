"""The one cattrs Converter between QuickBooks JSON and the wire models in ``_wire``.

Reading is tolerant, because QuickBooks writes it: a value of the wrong shape becomes ``None`` rather than failing
the page, numbers become ``Decimal`` (the HTTP layer parses JSON numbers straight to Decimal), ids sent as numbers
become strings, ``2015-07-24T10:48:02-07:00`` becomes an aware datetime. Writing omits every ``None``, so a sparse
update sends only what the unified record sets; a Decimal goes out as a JSON number that keeps it exactly.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from unified.errors import ConnectorExecutionError

__all__ = ["CONVERTER", "decimal_out", "parse_date", "parse_decimal", "parse_time", "structure", "unstructure"]

T = TypeVar("T")


def _text(value: object, _: object = None) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def parse_decimal(value: object, _: object = None) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string; anything else is None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str) and value.strip():
            number = Decimal(value.strip())
        else:
            return None
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _int(value: object, _: object = None) -> int | None:
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value() or abs(number) > 10**18:
        return None
    return int(number)


def _bool(value: object, _: object = None) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_time(value: object, _: object = None) -> dt.datetime | None:
    """QuickBooks' ``2015-07-24T10:48:02-07:00`` (or ``Z``, or with fractions) as an aware datetime."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: object, _: object = None) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


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


def _optional(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], Any]]:
    """``X | None`` by X's own hook: every hook here reads a missing or wrong value as None."""

    def factory(type_: Any) -> Callable[[object, Any], Any]:
        (inner,) = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        return converter.get_structure_hook(inner)

    return factory


def _lists(converter: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], list[Any] | None]]:
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


def _models(converter: cattrs.Converter) -> Callable[[type[Any]], Callable[[object, Any], Any]]:
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
    converter.register_structure_hook(int, _int)
    converter.register_structure_hook(bool, _bool)
    converter.register_structure_hook(dt.datetime, parse_time)
    converter.register_structure_hook(dt.date, parse_date)
    converter.register_structure_hook_factory(_is_list, _lists(converter))
    converter.register_structure_hook_factory(_is_optional, _optional(converter))
    converter.register_structure_hook_factory(attrs.has, _models(converter))
    converter.register_unstructure_hook(Decimal, decimal_out)
    converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
    converter.register_unstructure_hook(dt.datetime, lambda value: value.isoformat())
    converter.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
    )
    return converter


CONVERTER = _build()


def structure(payload: object, cls: type[T]) -> T:
    """A wire model from a QuickBooks payload; a payload that is not an object is a provider error."""
    if not isinstance(payload, Mapping):
        raise ConnectorExecutionError(f"QuickBooks sent {type(payload).__name__} where an object was expected.")
    try:
        return CONVERTER.structure(payload, cls)
    except Exception as exc:  # the hooks are tolerant; anything left is a bug worth naming
        raise ConnectorExecutionError(
            f"Could not read a QuickBooks {cls.__name__.removeprefix('Qbo')}: {exc}"
        ) from None


def unstructure(model: object) -> dict[str, Any]:
    """A wire model as the JSON body QuickBooks takes, without the fields left as None."""
    body = CONVERTER.unstructure(model)
    if not isinstance(body, dict):
        raise TypeError(f"{type(model).__name__} is not a wire model")
    return _prune(body)


def _prune(body: dict[str, Any]) -> dict[str, Any]:
    """Drop nested objects left empty (a reference with nothing set is no reference)."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            value = _prune(value)
            if not value:
                continue
        elif isinstance(value, list):
            value = [_prune(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out
