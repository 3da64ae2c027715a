"""The request log and counters per endpoint, organization, status and fault, plus webhook deliveries."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

LOG_SIZE = 10_000  # the newest entries; counters keep counting past it


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._endpoints: Counter[str] = Counter()
        self._organizations: Counter[str] = Counter()
        self._statuses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._webhooks: Counter[str] = Counter()
        self._total = 0

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._total += 1
            self.log.append(entry)
            self._endpoints[entry["endpoint"]] += 1
            if entry.get("organization_id"):
                self._organizations[entry["organization_id"]] += 1
            self._statuses[str(entry["status"])] += 1
            if entry.get("fault"):
                self._faults[entry["fault"]] += 1

    def webhook(self, outcome: str) -> None:
        with self._lock:
            self._webhooks[outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._total,
                "by_endpoint": dict(self._endpoints),
                "by_organization": dict(self._organizations),
                "by_status": dict(self._statuses),
                "by_fault": dict(self._faults),
                "webhooks": {k: self._webhooks.get(k, 0) for k in ("queued", "delivered", "failed", "attempts")},
            }

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.log)

    def reset(self) -> None:
        with self._lock:
            self.log.clear()
            for counter in (self._endpoints, self._organizations, self._statuses, self._faults, self._webhooks):
                counter.clear()
            self._total = 0
