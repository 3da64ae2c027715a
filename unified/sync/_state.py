"""The engine's per-resource sync state, kept in the store as JSON next to the records it describes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["PassKind", "PassState", "ResourceState"]

PassKind = Literal["incremental", "scan"]


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass
class PassState:
    """One pass over a resource, possibly interrupted.

    ``incremental`` lists records changed since ``since`` (or newest first down to ``stop_at``); ``scan`` lists
    every record and diffs by hash. A pass
    with ``deletions`` marks what it lists with ``token`` and, once listing is done (``listed``), deletes the
    stored records it did not see. ``cursor`` is the next page to fetch.
    """

    kind: PassKind
    token: str
    started_at: datetime
    since: datetime | None = None
    #: listing newest first (no server-side filter): the pass ends at the first record older than this
    stop_at: datetime | None = None
    deletions: bool = False
    reduced: bool = False
    cursor: str | None = None
    listed: bool = False
    max_updated_at: datetime | None = None
    done: int = 0
    #: a listed record vanished before its detail call: later pages may have shifted past a record
    shifted: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "since", "stop_at", "max_updated_at"):
            data[key] = _text(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PassState:
        values = dict(data)
        for key in ("started_at", "since", "stop_at", "max_updated_at"):
            values[key] = _time(values.get(key))
        return cls(**values)


@dataclass
class ResourceState:
    """``checkpoint`` is the next incremental pass's ``updated_since``; ``current`` the pass in progress."""

    checkpoint: datetime | None = None
    last_deletion_scan: datetime | None = None
    #: the last completed pass skipped details: a full pass is due before details can be trusted again
    reduced: bool = False
    current: PassState | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": _text(self.checkpoint),
            "last_deletion_scan": _text(self.last_deletion_scan),
            "reduced": self.reduced,
            "current": None if self.current is None else self.current.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ResourceState:
        if not data:
            return cls()
        current = data.get("current")
        return cls(
            checkpoint=_time(data.get("checkpoint")),
            last_deletion_scan=_time(data.get("last_deletion_scan")),
            reduced=bool(data.get("reduced", False)),
            current=None if current is None else PassState.from_json(current),
        )
