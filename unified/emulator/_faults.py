"""Fault injection: fail the next N matching calls, or a seeded fraction of them, in one of several ways.

The kit decides which call fails and how the connection behaves (held, dropped); the emulator renders the
answer of the kinds that have one ("500", "503", "html", "expired_token") in its provider's shape.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

FAULT_KINDS = ("500", "503", "html", "timeout", "drop", "drop_after_commit", "expired_token")
#: kinds whose answer the emulator renders; "timeout" and "drop" close without one, "drop_after_commit"
#: serves the call and then closes without an answer
RENDERED_KINDS = ("500", "503", "html", "expired_token")


@dataclass
class _Rule:
    kind: str
    remaining: int | None
    fraction: float | None
    rng: random.Random | None
    path: str | None
    method: str | None

    def matches(self, method: str, paths: Sequence[str]) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if not self.path:
            return True
        prefix = self.path.rstrip("/") + "/"
        return any(p == self.path or p.startswith(prefix) for p in paths)

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "fraction": self.fraction,
            "path": self.path,
            "method": self.method,
        }


class Faults:
    """Rules that pick a fault kind for a call; thread-safe.

    ``path`` in a rule is a path prefix; it also matches with any of ``path_prefixes`` left out, so
    ``path="/invoices"`` matches ``/api/v2/invoices/1`` when the emulator gives ``path_prefixes=("/api/v2",)``.
    """

    def __init__(self, timeout_seconds: float = 30.0, *, path_prefixes: Sequence[str] = ()) -> None:
        self._timeout_seconds = 30.0
        self.timeout_seconds = timeout_seconds
        self.path_prefixes = tuple(path_prefixes)
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._released = 0
        self.injected: dict[str, int] = {}

    @property
    def timeout_seconds(self) -> float:
        """How long a "timeout" fault holds a request before closing it without an answer."""
        return self._timeout_seconds

    @timeout_seconds.setter
    def timeout_seconds(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
            raise ValueError(f"timeout_seconds must be a finite number, not {seconds!r}")
        if seconds < 0:
            raise ValueError(f"timeout_seconds must be >= 0, not {seconds}")
        self._timeout_seconds = float(seconds)

    def fail_next(self, n: int, kind: str, *, path: str | None = None, method: str | None = None) -> None:
        """Fail the next ``n`` calls matching ``path`` (a prefix) and ``method``."""
        check_kind(kind)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be an integer >= 1, not {n!r}")
        with self._lock:
            self._rules.append(_Rule(kind, n, None, None, path, method))

    def fail_fraction(
        self, p: float, kind: str, *, seed: int = 0, path: str | None = None, method: str | None = None
    ) -> None:
        """Fail each matching call with probability ``p``, drawn from a generator seeded by ``seed``."""
        check_kind(kind)
        if not (isinstance(p, int | float) and math.isfinite(p) and 0.0 < p <= 1.0):
            raise ValueError(f"p must be in (0, 1], not {p!r}")
        with self._lock:
            self._rules.append(_Rule(kind, None, float(p), random.Random(seed), path, method))

    def clear(self) -> None:
        """Remove every rule and let held ("timeout") requests go."""
        with self._lock:
            self._rules.clear()
        self.release()

    def release(self) -> None:
        """Let every request held so far go (closed without an answer)."""
        self._released += 1

    def rules(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def describe(self) -> dict[str, object]:
        """What ``GET /__emulator/faults`` answers."""
        return {
            "rules": self.rules(),
            "timeout_seconds": self.timeout_seconds,
            "injected": dict(self.injected),
            "kinds": list(FAULT_KINDS),
        }

    def pick(self, method: str, path: str) -> str | None:
        """The fault to inject on this call, if any (consumes one from a counted rule)."""
        paths = [path, *(path.removeprefix(p) for p in self.path_prefixes if path.startswith(p))]
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, paths):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                elif rule.rng is not None and rule.fraction is not None and rule.rng.random() >= rule.fraction:
                    continue
                self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
                return rule.kind
        return None

    async def hold(self, gone: Callable[[], bool]) -> None:
        """Keep a request waiting: until timeout_seconds pass, release() is called, or ``gone()`` is true."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        released = self._released
        # Polled: release() comes from other threads, and a client going away sets no event.
        while loop.time() < deadline and self._released == released and not gone():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
