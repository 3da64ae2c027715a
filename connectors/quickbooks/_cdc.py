"""QuickBooks' change data capture: ``GET /cdc?entities=...&changedSince=...``.

One call answers every record of the entities changed since a time (30 days back at most), whole, and the deleted
ones as ``{"Id": ..., "status": "Deleted"}``; at most 1,000 objects across the entities asked, so an answer of
1,000 may be cut short. The answer's ``time`` is QuickBooks' clock when it answered: the next call asks from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.quickbooks._convert import parse_time
from connectors.quickbooks._http import QuickBooksHttp
from connectors.quickbooks._query import timestamp
from unified.errors import ConnectorExecutionError

__all__ = ["CAP", "HORIZON", "Feed", "fetch"]

CAP = 1000
#: QuickBooks keeps 30 days of changes; an hour less leaves room for clocks that disagree
HORIZON = timedelta(days=30) - timedelta(hours=1)


class Feed:
    """One CDC answer: rows per entity, the deleted ids per entity, QuickBooks' time, and whether it is whole."""

    def __init__(self, body: Mapping[str, Any], entities: Sequence[str]) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {entity: [] for entity in entities}
        self.deleted: dict[str, list[str]] = {entity: [] for entity in entities}
        responses = body.get("CDCResponse")
        if not isinstance(responses, list):
            raise ConnectorExecutionError("QuickBooks answered GET /cdc without a CDCResponse.")
        count = 0
        for response in responses:
            queries = response.get("QueryResponse") if isinstance(response, Mapping) else None
            for query in queries if isinstance(queries, list) else []:
                for entity in entities:
                    found = query.get(entity) if isinstance(query, Mapping) else None
                    for row in found if isinstance(found, list) else []:
                        if not isinstance(row, dict):
                            continue
                        count += 1
                        if str(row.get("status", "")).lower() == "deleted":
                            if row.get("Id"):
                                self.deleted[entity].append(str(row["Id"]))
                        else:
                            self.rows[entity].append(row)
        self.count = count
        self.as_of: datetime | None = parse_time(body.get("time"))

    @property
    def complete(self) -> bool:
        return self.count < CAP


async def fetch(http: QuickBooksHttp, entities: Sequence[str], since: datetime) -> Feed:
    body = await http.request("GET", "/cdc", params={"entities": ",".join(entities), "changedSince": timestamp(since)})
    return Feed(body if isinstance(body, Mapping) else {}, entities)
