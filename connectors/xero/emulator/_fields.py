"""Reading request elements as Xero's JSON reader does: a type check of the whole body first, then lenient values.

Xero deserialises the whole body before it validates any element, so a value of the wrong JSON type (a word
where a number goes, an unparsable date, a GUID that is not one) fails the whole request with a 400
PostDataInvalidException naming the path, whatever summarizeErrors says. Its reader is lenient the way
Json.NET is: numbers may come as numeric strings, text may come as numbers, booleans as "true"/"false".
Fields it does not know are ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Union

from ._errors import ElementError, XeroError, post_data_invalid
from ._wire import Record, decimal_of, parse_day

TEXT, NUMBER, BOOL, DATE, GUID, ANY = "text", "number", "bool", "date", "guid", "any"
Spec = Union[str, "Obj", "Many", "OneOf"]
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?$")


class Obj:
    def __init__(self, fields: Mapping[str, Spec]) -> None:
        self.fields = dict(fields)


class Many:
    def __init__(self, item: Spec) -> None:
        self.item = item


class OneOf:
    """An enum: Xero's reader refuses a value outside it."""

    def __init__(self, *values: str) -> None:
        self.values = values


def _type_name(spec: str) -> str:
    return {
        NUMBER: "System.Decimal",
        BOOL: "System.Boolean",
        DATE: "System.DateTime",
        GUID: "System.Guid",
        TEXT: "System.String",
    }.get(spec, "System.Object")


def check(value: Any, spec: Spec, path: str) -> None:
    """Raise a PostDataInvalidException answer where value cannot be read as spec."""
    if value is None or spec == ANY:
        return
    if isinstance(spec, Obj):
        if not isinstance(value, dict):
            raise post_data_invalid(f"Error converting value to an object. Path '{path}'.")
        for key, item in value.items():
            field_spec = spec.fields.get(key)
            if field_spec is None:
                field_spec = next((s for k, s in spec.fields.items() if k.lower() == str(key).lower()), None)
            if field_spec is not None:
                check(item, field_spec, f"{path}.{key}" if path else str(key))
        return
    if isinstance(spec, Many):
        if not isinstance(value, list):
            raise post_data_invalid(f"Cannot deserialize the current JSON object into a list. Path '{path}'.")
        for index, item in enumerate(value):
            check(item, spec.item, f"{path}[{index}]")
        return
    if isinstance(spec, OneOf):
        if not isinstance(value, str) or (value and value.strip().lower() not in {v.lower() for v in spec.values}):
            raise post_data_invalid(f"Requested value {_show(value)} was not found. Path '{path}'.")
        return
    ok = True
    if spec == TEXT:
        ok = isinstance(value, str | int | Decimal | float) and not isinstance(value, bool)
    elif spec == NUMBER:
        ok = decimal_of(value) is not None
    elif spec == BOOL:
        ok = isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))
    elif spec == DATE:
        ok = isinstance(value, str) and (value.strip() == "" or parse_day(value) is not None)
    elif spec == GUID:
        ok = isinstance(value, str) and (value.strip() == "" or bool(_GUID.match(value.strip())))
    if not ok:
        raise post_data_invalid(f"Error converting value {_show(value)} to type '{_type_name(spec)}'. Path '{path}'.")


def project(value: Any, spec: Spec) -> Any:
    """value as Xero's reader holds it: known fields only, each in its JSON type (what Xero echoes back)."""
    if value is None:
        return None
    if isinstance(spec, Obj):
        if not isinstance(value, dict):
            return None
        result = {}
        for key, item in value.items():
            field_spec = next((s for k, s in spec.fields.items() if k.lower() == str(key).lower()), None)
            if field_spec is not None and item is not None:
                name = next(k for k in spec.fields if k.lower() == str(key).lower())
                result[name] = project(item, field_spec)
        return result
    if isinstance(spec, Many):
        return [project(item, spec.item) for item in value] if isinstance(value, list) else []
    if isinstance(spec, OneOf):
        return next((v for v in spec.values if v.lower() == str(value).strip().lower()), spec.values[0])
    if spec == NUMBER:
        return decimal_of(value)
    if spec == BOOL:
        return value if isinstance(value, bool) else str(value).strip().lower() == "true"
    if spec in (TEXT, DATE, GUID):
        return value if isinstance(value, str) else str(value)
    return None


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + '..."'


def get(element: Mapping[str, Any], key: str) -> Any:
    """A field by name without regard to case (Xero's reader ignores case), or None."""
    if key in element:
        return element[key]
    lowered = key.lower()
    for name, value in element.items():
        if str(name).lower() == lowered:
            return value
    return None


def has(element: Mapping[str, Any], key: str) -> bool:
    lowered = key.lower()
    return any(str(name).lower() == lowered for name in element)


def text(element: Mapping[str, Any], key: str, limit: int | None = None, label: str | None = None) -> str | None:
    value = get(element, key)
    if value is None:
        return None
    result = str(value) if not isinstance(value, str) else value
    if limit is not None and len(result) > limit:
        raise ElementError(f"{label or key} must not be more than {limit} characters long.")
    return result


def number(element: Mapping[str, Any], key: str) -> Decimal | None:
    return decimal_of(get(element, key))


def flag(element: Mapping[str, Any], key: str) -> bool | None:
    value = get(element, key)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if value is not None else None


def day(element: Mapping[str, Any], key: str) -> date | None:
    value = get(element, key)
    return parse_day(value) if isinstance(value, str) and value.strip() else None


def guid(element: Mapping[str, Any], key: str) -> str | None:
    value = get(element, key)
    if not isinstance(value, str) or not value.strip():
        return None
    return str(uuid.UUID(value.strip().strip("{}")))


def obj(element: Mapping[str, Any], key: str) -> Record | None:
    value = get(element, key)
    return value if isinstance(value, dict) else None


def objects(element: Mapping[str, Any], key: str) -> list[Record]:
    value = get(element, key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def choice(value: str | None, allowed: tuple[str, ...], label: str) -> str | None:
    """A value from a closed set, matched without regard to case and returned in Xero's spelling."""
    if value is None or value == "":
        return None
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise ElementError(f"{label} '{value}' is not valid: use one of {', '.join(allowed)}.")


__all__ = ["XeroError"]
