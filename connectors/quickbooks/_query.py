"""Text of QuickBooks' query language: ``select * from Invoice where ... orderby ... startposition n maxresults n``.

Values are always quoted strings (QuickBooks compares ids, dates and times given that way); a quote or backslash
inside a value is escaped with a backslash, as the language wants. Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Select", "equals", "one_of", "quote", "since", "timestamp"]


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def timestamp(value: datetime) -> str:
    """An aware datetime as QuickBooks writes its times, to the second, in UTC."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def equals(name: str, value: str) -> str:
    return f"{name} = {quote(value)}"


def one_of(name: str, values: Iterable[str]) -> str:
    return f"{name} in ({', '.join(quote(v) for v in values)})"


def since(value: datetime) -> str:
    """Records changed at or after ``value`` (QuickBooks' times have whole seconds: the second is included)."""
    return f"Metadata.LastUpdatedTime >= {quote(timestamp(value.replace(microsecond=0)))}"


@dataclass(frozen=True)
class Select:
    entity: str
    where: Sequence[str] = ()
    orderby: Sequence[str] = field(default_factory=lambda: ("Id",))
    start: int = 1
    size: int = 1000

    def text(self) -> str:
        parts = [f"select * from {self.entity}"]
        if self.where:
            parts.append("where " + " and ".join(self.where))
        if self.orderby:
            parts.append("orderby " + ", ".join(self.orderby))
        parts.append(f"startposition {self.start} maxresults {self.size}")
        return " ".join(parts)
