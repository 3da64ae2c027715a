"""Zoho's time shapes: timestamps like `2013-11-18T02:02:51-0800` in the organization's zone, and dates."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, timezone

_ZOHO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


@functools.cache
def zone(offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=offset_minutes))


def format_timestamp(epoch: float, offset_minutes: int) -> str:
    """Zoho's timestamp shape: `2013-11-18T02:02:51-0800` (offset without a colon)."""
    return datetime.fromtimestamp(int(epoch), zone(offset_minutes)).strftime("%Y-%m-%dT%H:%M:%S%z")


def local_date(epoch: float, offset_minutes: int) -> date:
    return datetime.fromtimestamp(epoch, zone(offset_minutes)).date()


def parse_timestamp(text: str) -> float | None:
    """Epoch seconds of a Zoho timestamp (also accepts `+hh:mm`, `Z`, or a bare date); None if malformed."""
    text = text.strip().replace(" ", "+")  # a raw '+' in a query string arrives as a space
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
        except ValueError:
            return None
    match = _ZOHO_TIME.match(text)
    if not match:
        return None
    day, clock, tz = match.groups()
    if tz is None or tz == "Z":
        tz = "+00:00"
    elif ":" not in tz:
        tz = f"{tz[:3]}:{tz[3:]}"
    try:
        return datetime.fromisoformat(f"{day}T{clock}{tz}").timestamp()
    except ValueError:
        return None
