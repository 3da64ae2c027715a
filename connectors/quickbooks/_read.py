"""What every reader shares: building a unified model from plain fields, times, custom fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from connectors.quickbooks._wire import QboCustomField, QboMetaData
from unified.toolkit import read_model

__all__ = ["custom_fields_from_qbo", "meta_times", "model"]

M = TypeVar("M", bound=BaseModel)


def model(cls: type[M], data: Mapping[str, Any], payload: Mapping[str, Any], raw: bool) -> M:
    return read_model(cls, data, payload, raw=raw, provider="QuickBooks")


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
