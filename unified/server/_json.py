"""JSON for the wire: money as exact JSON numbers, as Apideck's schemas type it, never through a float."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from decimal import Decimal
from enum import Enum
from typing import Any

from unified.errors import RequestValidationError

__all__ = ["dumps", "loads"]

# A Decimal is written as a string with this random per-process prefix, then the quotes and the prefix are cut,
# leaving the digits as a JSON number. No data can hold the prefix: it is made fresh in each process.
_MARK = f"dec{secrets.token_hex(12)}:"
_MARKED = re.compile('"' + re.escape(_MARK) + r'([-+0-9.eE]+)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return f"{_MARK}{value}"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    """UTF-8 JSON of dicts, lists, scalars, Decimals (as numbers), dates and datetimes (ISO 8601)."""
    text = json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if _MARK in text:
        text = _MARKED.sub(r"\1", text)
    return text.encode()


def loads(body: bytes, *, what: str = "body") -> Any:
    """Parse a request body, numbers with a fraction as Decimal; a malformed body is a RequestValidationError."""
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON, bad UTF-8 and integers past Python's digit limit
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "it is not valid JSON"
        raise RequestValidationError(
            f"The request {what} is not valid JSON ({reason}); send a JSON object with Content-Type: application/json.",
            field=what,
        ) from None
