"""Unified change events: what the sync engine emits when a record is created, updated or deleted.

Event types are Apideck's (``accounting.invoice.created``, ``accounting.customer.updated``, ...). Contacts are
one resource here but two entities at Apideck: a contact's event is typed by its role, customer or supplier (a
contact with both roles gives one event per role).
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from unified.errors import RequestValidationError

__all__ = [
    "EVENT_TYPES",
    "ChangeKind",
    "Event",
    "EventCallback",
    "Subscribers",
    "entities_of",
    "event_types_for",
    "make_events",
]

logger = logging.getLogger("unified.events")

ChangeKind = Literal["created", "updated", "deleted"]

# Unified resource -> Apideck's entity name in event types (contacts are decided per record, by role).
_ENTITIES: dict[str, str] = {
    "invoices": "invoice",
    "bills": "bill",
    "expenses": "expense",
    "tax_rates": "tax_rate",
    "customers": "customer",
    "suppliers": "supplier",
}

#: Every event type the engine emits (a subset of Apideck's ``AccountingEventType``).
EVENT_TYPES: frozenset[str] = frozenset(
    f"accounting.{entity}.{kind}"
    for entity in sorted(set(_ENTITIES.values()))
    for kind in ("created", "updated", "deleted")
)


def entities_of(resource: str, record: BaseModel) -> list[str]:
    """Apideck entity names for a record: ``["invoice"]``, or ``["customer"]`` / ``["supplier"]`` for a contact."""
    if resource == "contacts":
        roles = [
            name for name, flag in (("customer", "is_customer"), ("supplier", "is_supplier")) if getattr(record, flag)
        ]
        # A contact with no role still gets an event: customer is the role a provider defaults to.
        return roles or ["customer"]
    try:
        return [_ENTITIES[resource]]
    except KeyError:
        known = ", ".join(["contacts", *_ENTITIES])
        raise RequestValidationError(
            f"No events for resource {resource!r}; events exist for: {known}.", field="resource"
        ) from None


def event_types_for(resource: str, record: BaseModel, kind: ChangeKind) -> list[str]:
    """The event types one change of ``record`` gives, e.g. ``["accounting.invoice.updated"]``."""
    return [f"accounting.{entity}.{kind}" for entity in entities_of(resource, record)]


@dataclass(frozen=True)
class Event:
    """One change of one record, as delivered to subscribers (and, later, to webhook endpoints).

    ``id`` is unique per delivery; ``data`` is the unified record (for ``deleted``: its last known state);
    ``raw`` the provider payload when the engine keeps it; ``occurred_at`` the record's ``updated_at`` when known,
    else the time the change was detected.
    """

    type: str
    resource: str
    entity_id: str
    data: BaseModel
    connection: str
    occurred_at: datetime
    raw: dict[str, Any] | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def kind(self) -> ChangeKind:
        return self.type.rsplit(".", 1)[1]  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the unified record in ``data`` with Apideck's field names."""
        return {
            "id": self.id,
            "type": self.type,
            "resource": self.resource,
            "entity_id": self.entity_id,
            "data": self.data.model_dump(mode="json"),
            "raw": self.raw,
            "occurred_at": self.occurred_at.isoformat(),
            "connection": self.connection,
        }


def make_events(
    resource: str, record: BaseModel, kind: ChangeKind, *, connection: str, detected_at: datetime | None = None
) -> list[Event]:
    """The events of one change (one per role for a contact)."""
    entity_id = getattr(record, "id", None)
    if not isinstance(entity_id, str):
        raise ValueError(f"A {resource} record without an id cannot be the subject of an event.")
    updated_at = getattr(record, "updated_at", None)
    occurred_at = updated_at if kind != "deleted" and isinstance(updated_at, datetime) else None
    raw = getattr(record, "raw", None)
    return [
        Event(
            type=event_type,
            resource=resource,
            entity_id=entity_id,
            data=record,
            connection=connection,
            occurred_at=occurred_at or detected_at or datetime.now(UTC),
            raw=raw if isinstance(raw, dict) else None,
        )
        for event_type in event_types_for(resource, record, kind)
    ]


EventCallback = Callable[[Event], None] | Callable[[Event], Awaitable[None]]
"""A subscriber: a plain function or a coroutine function taking one :class:`Event`."""


class Subscribers:
    """Registered callbacks, called in order. A callback that raises is logged and counted, never fatal:
    the change is already stored, and one failing subscriber must not stop the others or the sync."""

    def __init__(self) -> None:
        self._callbacks: list[EventCallback] = []

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it."""
        if not callable(callback):
            raise RequestValidationError(
                f"An event subscriber must be callable (a function taking an Event); got {callback!r}.",
                field="callback",
            )
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def __len__(self) -> int:
        return len(self._callbacks)

    async def emit(self, event: Event) -> int:
        """Deliver ``event`` to every subscriber; returns how many of them failed."""
        failed = 0
        for callback in list(self._callbacks):
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                failed += 1
                logger.exception("An event subscriber failed on %s for %s", event.type, event.entity_id)
        return failed
