"""The emulator's clock: real time plus an offset that tests and ``/__emulator/time/advance`` move forward."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall and monotonic time shifted by :meth:`advance`, so windows, days and token lifetimes pass at once.

    ``Clock()`` follows real time. ``Clock(start=datetime(...))`` is frozen at ``start`` and moves only when
    advanced: tests that must not depend on the machine's speed inject one.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware, e.g. datetime(2025, 1, 1, tzinfo=UTC)")
        self._frozen = start.timestamp() if start is not None else None
        self._offset = 0.0
        self._lock = threading.Lock()

    def timestamp(self) -> float:
        """Seconds since the epoch (UTC)."""
        base = time.time() if self._frozen is None else self._frozen
        return base + self._offset

    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes back: use it for windows and lifetimes."""
        base = time.monotonic() if self._frozen is None else 0.0
        return base + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward; refuses NaN, infinity and negative values before changing anything."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"seconds must be a number, not {seconds!r}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0 (the clock only moves forward), not {seconds!r}")
        with self._lock:
            self._offset += float(seconds)

    @property
    def offset(self) -> float:
        """Seconds advanced so far."""
        return self._offset
