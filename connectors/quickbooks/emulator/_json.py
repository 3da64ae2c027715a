"""JSON out with Decimals written digit for digit (money never passes through a float)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

_MARK = "\x00"
_MARKED = re.compile(r'"\\u0000([-+0-9.Ee]+)\\u0000"')


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"not a finite number: {value}")
        return f"{_MARK}{value}{_MARK}"
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
    return _MARKED.sub(lambda m: m.group(1), text).encode()
