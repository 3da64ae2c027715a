"""Building blocks shared by every unified model: the base class and the field types.

Data rules: money is `Decimal` (never float), ids are strings, datetimes carry a timezone, and provider enums
are open (a value we do not know is kept as a plain string). JSON numbers reach a `Decimal` through a float,
so a payload with more than about 15 significant digits should be parsed with `json.loads(...,
parse_float=Decimal)` and validated with `model_validate`; our own JSON output writes amounts as strings.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

__all__ = [
    "READ_ONLY",
    "Id",
    "Money",
    "OpenEnum",
    "Quantity",
    "Rate",
    "Timestamp",
    "UnifiedModel",
    "read_only_fields",
]

# Marks a field the provider sets; pass as `json_schema_extra` so JSON Schema shows `readOnly: true`.
READ_ONLY: Final[dict[str, Any]] = {"readOnly": True}


class UnifiedModel(BaseModel):
    """Base of every unified model: unknown fields are refused, assignments are validated."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


# A Python float is converted through its shortest repr, so 0.1 becomes Decimal("0.1"); booleans, NaN and
# infinities are refused. JSON output writes the exact digits as a string.
Money = Annotated[Decimal, Field(allow_inf_nan=False)]
Rate = Money
Quantity = Money


def _id_from_int(value: object) -> object:
    # Zoho ids exceed 2**53: an int is turned into its digits directly, never through a float.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Id = Annotated[str, BeforeValidator(_id_from_int)]


def _require_timezone(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_aware",
            "Datetime has no timezone: add an offset such as 'Z' or '+02:00' (e.g. 2024-05-01T12:00:00Z)",
        )
    return value


Timestamp = Annotated[datetime, AfterValidator(_require_timezone)]

E = TypeVar("E", bound=StrEnum)

# Open enum: a known value comes back as the enum member, any other string is kept as a plain `str`.
OpenEnum = Annotated[E | str, Field(union_mode="left_to_right")]


def read_only_fields(model_cls: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of `model_cls` that the provider sets and a write must leave out."""
    names = set()
    for name, info in model_cls.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("readOnly") is True:
            names.add(name)
    return frozenset(names)
