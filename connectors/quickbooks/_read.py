"""What every reader shares: building a unified model from plain fields, times, custom fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.quickbooks._wire import QboCustomField, QboMetaData
from unified.errors import ConnectorExecutionError

__all__ = ["clean", "custom_fields_from_qbo", "meta_times", "model"]

M = TypeVar("M", bound=BaseModel)


def clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop None (and objects left empty), so a read model's ``model_fields_set`` is what QuickBooks had."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            value = clean(value)
            if not value:
                continue
        elif isinstance(value, list):
            value = [clean(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def model(cls: type[M], data: Mapping[str, Any], payload: Mapping[str, Any], raw: bool) -> M:
    fields = clean(data)
    if raw:
        fields["raw"] = dict(payload)
    try:
        return cls.model_validate(fields)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConnectorExecutionError(
            f"QuickBooks sent a {cls.__name__} this library cannot represent: {'; '.join(problems)}",
            detail={"errors": problems},
        ) from None


def meta_times(meta: QboMetaData | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if meta is None:
        return None, None
    return meta.CreateTime, meta.LastUpdatedTime


def custom_fields_from_qbo(fields: Sequence[QboCustomField] | None) -> list[dict[str, Any]] | None:
    """Custom fields that hold a value, as ``{id: DefinitionId, name, value}``."""
    out = []
    for field in fields or []:
        value: Any = field.StringValue
        if field.NumberValue is not None:
            value = field.NumberValue
        elif field.BooleanValue is not None:
            value = field.BooleanValue
        elif field.DateValue is not None:
            value = field.DateValue.isoformat()
        if value is None or value == "" or not (field.DefinitionId or field.Name):
            continue
        out.append({"id": field.DefinitionId, "name": field.Name, "value": value})
    return out or None
