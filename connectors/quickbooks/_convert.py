"""The one cattrs Converter between QuickBooks JSON and the wire models in ``_wire``: the toolkit's tolerant one.

``2015-07-24T10:48:02-07:00`` becomes an aware datetime; a blank string stays a string (QuickBooks sends ``""``
on purpose in some fields); writing omits every ``None`` and nested objects left empty, so a sparse update sends
only what the unified record sets.
"""

from __future__ import annotations

from typing import Any, TypeVar

from unified.toolkit import (
    WireCodec,
    decimal_out,
    parse_decimal,
    parse_iso_date,
    parse_iso_datetime,
    tolerant_converter,
)

__all__ = ["CONVERTER", "decimal_out", "parse_date", "parse_decimal", "parse_time", "structure", "unstructure"]

T = TypeVar("T")

parse_time = parse_iso_datetime
parse_date = parse_iso_date

CONVERTER = tolerant_converter(datetime=parse_time, date=parse_date, blank_is_none=False)
_CODEC = WireCodec(CONVERTER, provider="QuickBooks", class_prefix="Qbo")


def structure(payload: object, cls: type[T]) -> T:
    """A wire model from a QuickBooks payload; a payload that is not an object is a provider error."""
    return _CODEC.structure(payload, cls)


def unstructure(model: object) -> dict[str, Any]:
    """A wire model as the JSON body QuickBooks takes, without the fields left as None."""
    return _CODEC.unstructure(model, prune_empty=True)
