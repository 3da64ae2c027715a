"""Xero JSON <-> the attrs wire models, through the toolkit's tolerant converter; Xero's ``/Date(...)/`` dates.

Dates come as Microsoft JSON dates, ``/Date(1518685950940+0000)/`` (milliseconds since the epoch, UTC, and an
offset Xero sets to +0000), or as ISO 8601 text (``2019-03-11T00:00:00``, UTC when no offset is given). Writing
sends dates as ``YYYY-MM-DD``, what Xero's documents ask for. ``""`` reads as unset.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypeVar

from unified.toolkit import WireCodec, decimal_out, parse_decimal, tolerant_converter

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


CONVERTER = tolerant_converter(datetime=parse_datetime, date=parse_date)
_CODEC = WireCodec(CONVERTER, provider="Xero")


def structure(payload: object, cls: type[T]) -> T:
    """A wire model from a Xero payload; a payload that is not an object is a provider error."""
    return _CODEC.structure(payload, cls)


def unstructure(model: object) -> dict[str, Any]:
    """A wire model as the JSON element Xero takes, without the fields left as None."""
    return _CODEC.unstructure(model)
