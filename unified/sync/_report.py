"""What a sync run did, per resource: the counts a product logs and the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ResourceReport", "SyncReport"]


@dataclass
class ResourceReport:
    """One resource's run. ``mode`` is ``incremental`` (records changed since the checkpoint) or ``scan`` (every
    record, diffed by content hash); ``deletion_scan`` says stored records missing at the provider were looked for;
    ``resumed`` says the run finished a pass an earlier run left unfinished."""

    resource: str
    mode: Literal["incremental", "scan"] = "incremental"
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    list_calls: int = 0
    detail_calls: int = 0
    events: int = 0
    failed_events: int = 0
    deletion_scan: bool = False
    resumed: bool = False
    duration: float = 0.0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class SyncReport:
    """The whole run: ``per_resource["invoices"].created`` and totals across resources."""

    connection: str
    per_resource: dict[str, ResourceReport] = field(default_factory=dict)
    duration: float = 0.0

    def _total(self, name: str) -> int:
        return sum(int(getattr(report, name)) for report in self.per_resource.values())

    @property
    def created(self) -> int:
        return self._total("created")

    @property
    def updated(self) -> int:
        return self._total("updated")

    @property
    def deleted(self) -> int:
        return self._total("deleted")

    @property
    def unchanged(self) -> int:
        return self._total("unchanged")

    @property
    def list_calls(self) -> int:
        return self._total("list_calls")

    @property
    def detail_calls(self) -> int:
        return self._total("detail_calls")

    @property
    def events(self) -> int:
        return self._total("events")
