"""Request counters and the request log. Entries never hold headers, and secret query parameters are masked."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LOG_SIZE = 10_000  # the newest entries; counters keep counting past it
#: query or form parameters masked in the log, whatever the provider
SECRET_PARAMETERS = frozenset(
    {"client_secret", "refresh_token", "code", "token", "access_token", "id_token", "assertion", "password"}
)
MASK = "***"


def redact(params: Iterable[tuple[str, str]], secret: frozenset[str] = SECRET_PARAMETERS) -> dict[str, str]:
    """Parameters for the log, with secret values masked."""
    return {k: MASK if k.lower() in secret else v for k, v in params}


class Stats:
    """Counts by endpoint, organization, status and fault, plus named groups the emulator counts itself.

    An entry is a dict with at least ``endpoint`` and ``status``; ``organization_id`` and ``fault`` are
    counted when set. ``groups`` names extra counters shown in the snapshot even at zero, e.g.
    ``{"webhooks": ("queued", "delivered", "failed", "attempts")}`` counted with ``count("webhooks", ...)``.
    With ``window_seconds``, ``peak_by_organization`` is the most calls each organization received in any
    sliding window of that length (by the entries' ``time``), however long the log.
    """

    def __init__(
        self,
        *,
        log_size: int = LOG_SIZE,
        groups: Mapping[str, Sequence[str]] | None = None,
        window_seconds: float | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._endpoints: Counter[str] = Counter()
        self._organizations: Counter[str] = Counter()
        self._statuses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._groups: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in (groups or {}).items()}
        self._counts: dict[str, Counter[str]] = {k: Counter() for k in self._groups}
        self._total = 0
        self._window = window_seconds
        self._recent: dict[str, deque[float]] = {}
        self._peaks: Counter[str] = Counter()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._total += 1
            self.log.append(entry)
            self._endpoints[entry["endpoint"]] += 1
            if entry.get("organization_id"):
                self._organizations[entry["organization_id"]] += 1
                if self._window is not None and isinstance(entry.get("time"), int | float):
                    self._peak(entry["organization_id"], float(entry["time"]))
            self._statuses[str(entry["status"])] += 1
            if entry.get("fault"):
                self._faults[entry["fault"]] += 1

    def _peak(self, organization: str, at: float) -> None:
        assert self._window is not None
        recent = self._recent.setdefault(organization, deque())
        recent.append(at)
        while recent and recent[0] <= at - self._window:
            recent.popleft()
        self._peaks[organization] = max(self._peaks[organization], len(recent))

    def count(self, group: str, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts.setdefault(group, Counter())[name] += n

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            snapshot: dict[str, Any] = {
                "requests": self._total,
                "by_endpoint": dict(self._endpoints),
                "by_organization": dict(self._organizations),
                "by_status": dict(self._statuses),
                "by_fault": dict(self._faults),
            }
            if self._window is not None:
                snapshot["peak_by_organization"] = dict(self._peaks)
            for group, counter in self._counts.items():
                names = self._groups.get(group, ())
                snapshot[group] = {**{k: counter.get(k, 0) for k in names}, **counter}
            return snapshot

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.log)

    def reset(self) -> None:
        with self._lock:
            self.log.clear()
            for counter in (self._endpoints, self._organizations, self._statuses, self._faults, *self._counts.values()):
                counter.clear()
            self._recent.clear()
            self._peaks.clear()
            self._total = 0
