"""A provider's change feed: the records changed and the ids deleted since a time, in one answer.

Where a provider reports its own changes, deletions included, an incremental sync asks it instead of listing and
then scanning ids for deletions. A connector offers a feed by having the two methods of :class:`ChangeFeed`::

    class MyConnector(Connector):
        def change_horizon(self, resource: str) -> timedelta | None:
            return timedelta(days=30) if resource in ("contacts", "invoices") else None   # None: no feed

        async def changes(self, resource: str, since: datetime) -> Changes:
            ...                                     # one call to the provider's change endpoint
            return Changes(changed=[...full records...], deleted=["42"], as_of=the_provider_time_of_the_answer)

The engine uses the feed for an incremental run whose checkpoint is within the horizon. A checkpoint older than
the horizon, or an answer the provider cut short (``complete=False``), makes the run a full reconciliation: every
record listed and diffed, and stored records the listing misses looked up and deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

__all__ = ["ChangeFeed", "Changes", "feed_for"]


@dataclass(frozen=True)
class Changes:
    """What a feed reported: full records that were created or changed, and ids of deleted ones.

    ``as_of`` is the provider's time of the answer (the next run asks from there); ``complete=False`` says the
    provider capped the answer, so changes may be missing.
    """

    changed: Sequence[BaseModel] = ()
    deleted: Sequence[str] = ()
    as_of: datetime | None = None
    complete: bool = True


@runtime_checkable
class ChangeFeed(Protocol):
    def change_horizon(self, resource: str) -> timedelta | None:
        """How far back the feed of ``resource`` reaches; None when the resource has no feed."""
        ...

    async def changes(self, resource: str, since: datetime) -> Changes:
        """Every change of ``resource`` since ``since``."""
        ...


def feed_for(connector: Any, resource: str) -> tuple[ChangeFeed, timedelta] | None:
    """The connector's feed of ``resource`` and its horizon, or None."""
    if not isinstance(connector, ChangeFeed):
        return None
    horizon = connector.change_horizon(resource)
    if horizon is None or horizon <= timedelta(0):
        return None
    return connector, horizon
