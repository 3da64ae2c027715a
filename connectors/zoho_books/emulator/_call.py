"""What a handler receives: the organization, the parsed request, and a place to put webhook events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._body import require_object
from ._store import Organization, Record, dumps
from ._time import format_timestamp, local_date


@dataclass
class Event:
    entity: str  # contact | invoice | bill | expense
    action: str  # created | updated | deleted
    record: Record


@dataclass
class Call:
    org: Organization
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    params: dict[str, str]
    now: float
    new_id: Callable[[], str]
    events: list[Event] = field(default_factory=list)
    seeding: bool = False  # the generator's own writes skip cross-record uniqueness scans

    def timestamp(self) -> str:
        return format_timestamp(self.now, self.org.offset_minutes)

    def today(self) -> date:
        return local_date(self.now, self.org.offset_minutes)

    def object_body(self) -> dict[str, Any]:
        return require_object(self.body)

    def emit(self, entity: str | None, action: str, record: Record) -> None:
        if entity:
            self.events.append(Event(entity, action, record))


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def reply(status: int, message: str, **payload: object) -> Reply:
    return Reply(status, dumps({"code": 0, "message": message, **payload}))
