"""One Accounting API request as the handlers see it, and what they answer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._errors import single_validation
from ._store import Store, Tenant
from ._wire import Record, ms_date


@dataclass(frozen=True)
class Event:
    """A change webhooks announce: category CONTACT / INVOICE / CREDITNOTE, type CREATE / UPDATE."""

    category: str
    event_type: str
    resource: str  # the collection, e.g. "Invoices"
    resource_id: str
    data: dict[str, Any] | None = None


@dataclass
class Call:
    tenant: Tenant
    store: Store
    now: datetime
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    params: dict[str, str]
    method: str = "GET"
    events: list[Event] = field(default_factory=list)

    def arg(self, name: str) -> str | None:
        """A query parameter by name without regard to case (Xero reads `summarizeErrors` or `SummarizeErrors`)."""
        if name in self.query:
            return self.query[name]
        lowered = name.lower()
        for key, value in self.query.items():
            if key.lower() == lowered:
                return value
        return None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.arg(name)
        if value is None or value.strip() == "":
            return default
        return value.strip().lower() in ("true", "1", "yes")

    @property
    def unit_places(self) -> int:
        """unitdp=4 opts in to four decimal places for unit amounts; two otherwise."""
        value = (self.arg("unitdp") or "").strip()
        return 4 if value == "4" else 2

    def new_id(self) -> str:
        return str(uuid.uuid4())

    @property
    def stamp(self) -> str:
        return ms_date(self.now)

    def event(self, category: str, event_type: str, resource: str, record_id: str, data: Any = None) -> None:
        self.events.append(Event(category, event_type, resource, record_id, data))

    def elements(self, key: str, known: Any = None) -> list[Any]:
        """The body's elements: `{"Invoices": [...]}`, or one bare element, as Xero accepts both. An object with
        neither the key nor any field of an element (`known`, an Obj) is refused."""
        body = self.body
        if body is None:
            raise single_validation("The request body is empty: send the records as JSON.")
        if isinstance(body, list):
            return body
        if not isinstance(body, dict):
            raise single_validation(f'Send a JSON object like {{"{key}": [...]}}.')
        for name, value in body.items():
            if name.lower() == key.lower():
                if isinstance(value, list):
                    return value
                if isinstance(value, dict):
                    return [value]
        fields = {k.lower() for k in getattr(known, "fields", {})}
        if fields and not any(str(name).lower() in fields for name in body):
            raise single_validation(f'No {key} were given: send {{"{key}": [...]}}.')
        return [body]


@dataclass
class Reply:
    status: int
    body: Record | bytes | None
    headers: dict[str, str] = field(default_factory=dict)
