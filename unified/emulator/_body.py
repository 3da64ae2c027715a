"""Request bodies an emulator can trust: a size limit and a JSON parser that answers 400, never 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
MAX_NUMBER_CHARACTERS = 64  # longer integers or decimals are refused: no provider id or amount comes close
MAX_EXPONENT = 64  # 1e999999 parses as a Decimal and then breaks the arithmetic


class BadBody(Exception):
    """A body the emulator refuses: ``status`` 400 (malformed) or 413 (too large). The emulator renders it
    in its provider's error shape; ``message`` says what is wrong and what to send instead."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def too_large(size: int | None, limit: int) -> BadBody:
    told = f"{size} bytes" if size is not None else "more"
    return BadBody(f"the request body is too large ({told}; at most {limit} bytes): send fewer records", status=413)


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARACTERS:
            raise BadBody(f"a number in the body has {len(text)} characters (at most {MAX_NUMBER_CHARACTERS})")
        return kind(text)

    return parse


def _decimal(text: str) -> Decimal:
    value = Decimal(text)
    if abs(value.adjusted()) > MAX_EXPONENT:
        raise BadBody(f"the number {text} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise BadBody(f"{name} is not a JSON number: send a finite number")


def parse_json_body(
    raw: bytes | str, *, decimals: bool = True, max_depth: int = DEFAULT_MAX_DEPTH, empty: Any = None
) -> Any:
    """The JSON document in ``raw`` (``empty`` when it is blank), or :class:`BadBody`.

    Refused with 400: invalid UTF-8 or JSON, ``NaN``/``Infinity``, numbers longer than 64 characters or out of
    range, nesting deeper than ``max_depth``. Decimals parse as :class:`~decimal.Decimal` unless
    ``decimals=False``.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise BadBody(f"the body is not UTF-8 (byte {exc.start}): send UTF-8 JSON") from None
    if not text.strip():
        return empty
    try:
        value = json.loads(
            text,
            parse_int=_number(int),
            parse_float=_number(_decimal if decimals else float),
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise BadBody(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BadBody(f"the body nests too deeply (at most {max_depth} levels)") from None
    except (ValueError, InvalidOperation) as exc:  # e.g. an integer past Python's digit limit
        raise BadBody(f"a number in the body cannot be read: {exc}") from None
    _check_depth(value, max_depth)
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > max_depth:
            raise BadBody(f"the body nests too deeply (at most {max_depth} levels)")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
