"""Wire models: one tolerant cattrs Converter per connector, built here, and the hooks providers share.

Reading is tolerant, because the provider writes it: a value of the wrong shape becomes ``None`` rather than
failing the page, numbers become ``Decimal`` (the request loop parses JSON numbers straight to Decimal; a float
that gets here goes through its shortest repr), ids sent as numbers become strings, unknown elements are ignored
(they stay in the raw payload). Writing omits every ``None``, and a ``Decimal`` goes out as a JSON value that
keeps it exactly. A connector passes what differs: how its dates and times are spelled, and whether a blank
string means unset::

    CODEC = WireCodec(tolerant_converter(datetime=parse_msdate, date=parse_day), provider="My Books")
    invoice = CODEC.structure(payload, MyInvoice)     # a provider error names the model, never a crash
    body = CODEC.unstructure(invoice, prune=True)      # no Nones, no empty nested objects
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

__all__ = [
    "WireCodec",
    "decimal_out",
    "parse_bool",
    "parse_decimal",
    "parse_int",
    "parse_iso_date",
    "parse_iso_datetime",
    "parse_text",
    "prune",
    "tolerant_converter",
]

T = TypeVar("T")
Hook = Callable[[object, Any], Any]


def parse_text(value: object, _: object = None) -> str | None:
    """Text as sent; numbers as their digits; anything else (and ``None``) is None."""
    if type(value) is str:
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None


def _text_or_none(value: object, _: object = None) -> str | None:
    text = parse_text(value)
    return text if text is not None and text.strip() else None


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


def parse_int(value: object, _: object = None) -> int | None:
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value() or abs(number) > 10**18:
        return None
    return int(number)


def parse_bool(value: object, _: object = None) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_iso_datetime(value: object, _: object = None) -> dt.datetime | None:
    """ISO 8601 text (``Z`` or an offset; naive text is UTC) as an aware datetime."""
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


def parse_iso_date(value: object, _: object = None) -> dt.date | None:
    """The calendar date at the start of ISO 8601 text (``2024-05-01`` or ``2024-05-01T...``)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def decimal_out(value: Decimal) -> int | float | str:
    """A Decimal as a JSON value that keeps it exactly: an int, a float whose repr is exact, else its digits."""
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    text = str(value)
    # 15 significant digits or fewer (each one a character of the text) come back from a float exactly (DBL_DIG)
    if len(text) <= 15 and value.is_finite() and -300 < value.adjusted() < 300:
        return float(text)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return text


def _is_list(type_: Any) -> bool:
    return typing.get_origin(type_) is list


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args


def tolerant_converter(
    *,
    datetime: Hook = parse_iso_datetime,
    date: Hook = parse_iso_date,
    blank_is_none: bool = True,
    date_out: Callable[[dt.date], Any] = dt.date.isoformat,
    datetime_out: Callable[[dt.datetime], Any] = dt.datetime.isoformat,
) -> cattrs.Converter:
    """A cattrs Converter that reads what a provider writes without failing a page, and writes without Nones."""
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=False)
    converter.register_structure_hook(str, _text_or_none if blank_is_none else parse_text)
    converter.register_structure_hook(Decimal, parse_decimal)
    converter.register_structure_hook(int, parse_int)
    converter.register_structure_hook(bool, parse_bool)
    converter.register_structure_hook(dt.datetime, datetime)
    converter.register_structure_hook(dt.date, date)

    def optional(type_: Any) -> Hook:
        # ``X | None`` by X's own hook: every hook here reads a missing or wrong value as None
        (inner,) = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        return converter.get_structure_hook(inner)

    def lists(type_: Any) -> Callable[[object, Any], list[Any] | None]:
        (item_type,) = typing.get_args(type_) or (object,)
        is_model = attrs.has(item_type)
        item_hook = converter.get_structure_hook(item_type)

        def hook(value: object, _: Any) -> list[Any] | None:
            if not isinstance(value, list):
                return None
            items = [v for v in value if isinstance(v, Mapping)] if is_model else value
            return [item_hook(item, item_type) for item in items]

        return hook

    def models(cls: type[Any]) -> Hook:
        inner = make_dict_structure_fn(cls, converter)

        def hook(value: object, _: Any) -> Any:
            return inner(value, cls) if isinstance(value, Mapping) else None

        return hook

    converter.register_structure_hook_factory(_is_list, lists)
    converter.register_structure_hook_factory(_is_optional, optional)
    converter.register_structure_hook_factory(attrs.has, models)
    converter.register_unstructure_hook(Decimal, decimal_out)
    converter.register_unstructure_hook(dt.date, date_out)
    converter.register_unstructure_hook(dt.datetime, datetime_out)
    converter.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
    )
    return converter


def prune(body: dict[str, Any]) -> dict[str, Any]:
    """Drop nested objects left empty (a reference with nothing set is no reference)."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            value = prune(value)
            if not value:
                continue
        elif isinstance(value, list):
            value = [prune(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


@attrs.frozen
class WireCodec:
    """A connector's converter with the provider named in its errors."""

    converter: cattrs.Converter
    provider: str
    #: a prefix of the wire classes' names left out of messages (``Qbo`` of ``QboInvoice``)
    class_prefix: str = ""

    def structure(self, payload: object, cls: type[T]) -> T:
        """A wire model from a payload; a payload that is not an object is a provider error."""
        name = cls.__name__.removeprefix(self.class_prefix)
        if not isinstance(payload, Mapping):
            raise ConnectorExecutionError(f"{self.provider} sent {type(payload).__name__} where a {name} was expected.")
        try:
            return self.converter.structure(payload, cls)
        except Exception as exc:  # the hooks are tolerant; anything left is a bug worth naming
            raise ConnectorExecutionError(f"Could not read a {self.provider} {name}: {exc}") from None

    def unstructure(self, model: object, *, prune_empty: bool = False) -> dict[str, Any]:
        """A wire model as the JSON the provider takes, without the fields left as None."""
        body = self.converter.unstructure(model)
        if not isinstance(body, dict):
            raise TypeError(f"{type(model).__name__} is not a wire model")
        return prune(body) if prune_empty else body
