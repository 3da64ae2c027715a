"""Xero's wire format: JSON with exact decimals, `/Date(1518685950940+0000)/` dates, and request value parsing."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

Record = dict[str, Any]
CENT = Decimal("0.01")

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
# Decimals travel through json.dumps as marked strings and come out as bare JSON numbers.
_MARK = "\u0000D"
_MARKED = re.compile(r'"\\u0000D([-+0-9.Ee]+)\\u0000"')


def _mark(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}\u0000"
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(value: object) -> bytes:
    """JSON as Xero writes it: decimals keep their digits (55.00 stays 55.00), non-ASCII stays as is."""
    text = json.dumps(_mark(value), ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text).encode()


def ms_date(moment: datetime | date) -> str:
    """`/Date(milliseconds+0000)/`: Xero's form for every date and timestamp it sends."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    millis = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def date_string(day: date) -> str:
    """The `DateString` companion Xero sends beside date fields: `2018-02-15T00:00:00`."""
    return f"{day.isoformat()}T00:00:00"


def parse_moment(value: object) -> datetime | None:
    """A date or timestamp in any form Xero accepts or sends (`/Date(...)/`, ISO 8601, YYYY-MM-DD); None if not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        millis = int(match.group(1))
        if abs(millis) > 253_402_300_799_999:  # past year 9999
            return None
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    match = _ISO_DATE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if zone in (None, "Z"):
        return moment.replace(tzinfo=UTC)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        return (moment - sign * offset).replace(tzinfo=UTC)
    except OverflowError:
        return None


def parse_day(value: object) -> date | None:
    moment = parse_moment(value)
    return moment.date() if moment is not None else None


def parse_http_date(value: str) -> datetime | None:
    """An If-Modified-Since value: RFC 1123 (`Wed, 21 Oct 2015 07:28:00 GMT`) or ISO 8601 (what SDKs send)."""
    text = value.strip()
    if not text:
        return None
    moment = parse_moment(text)
    if moment is not None:
        return moment
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def decimal_of(value: object) -> Decimal | None:
    """A JSON number (or numeric string) as a finite Decimal; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str) and value.strip():
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        return None
    return number


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half away from zero, as Xero rounds amounts."""
    from decimal import ROUND_HALF_UP

    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def quantize(value: Decimal, places: int) -> Decimal:
    from decimal import ROUND_HALF_UP

    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
