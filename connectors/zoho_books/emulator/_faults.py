"""Fault injection: fail the next N matching calls, or a seeded fraction of them, in one of several ways."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("500", "503", "html", "timeout", "drop", "drop_after_commit", "expired_token")


@dataclass
class _Rule:
    kind: str
    remaining: int | None
    fraction: float | None
    rng: random.Random | None
    path: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if not self.path:
            return True
        relative = path.removeprefix("/books/v3")
        return any(p == self.path or p.startswith(self.path.rstrip("/") + "/") for p in (path, relative))

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "fraction": self.fraction,
            "path": self.path,
            "method": self.method,
        }


class Faults:
    """Faults apply to OAuth and API calls that pass authentication and the limits (never /__emulator)."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self.timeout_seconds = timeout_seconds
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._released = 0
        self.injected: dict[str, int] = {}

    def fail_next(self, n: int, kind: str, *, path: str | None = None, method: str | None = None) -> None:
        """Fail the next `n` calls matching path (a prefix, with or without /books/v3) and method."""
        _check_kind(kind)
        if n < 1:
            raise ValueError("n must be >= 1")
        with self._lock:
            self._rules.append(_Rule(kind, n, None, None, path, method))

    def fail_fraction(
        self, p: float, kind: str, *, seed: int = 0, path: str | None = None, method: str | None = None
    ) -> None:
        """Fail each matching call with probability p, drawn from a generator seeded by `seed`."""
        _check_kind(kind)
        if not 0.0 < p <= 1.0:
            raise ValueError("p must be in (0, 1]")
        with self._lock:
            self._rules.append(_Rule(kind, None, p, random.Random(seed), path, method))

    def clear(self) -> None:
        """Remove every rule and let held ("timeout") requests go."""
        with self._lock:
            self._rules.clear()
        self.release()

    def release(self) -> None:
        self._released += 1

    def rules(self) -> list[dict[str, object]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def pick(self, method: str, path: str) -> str | None:
        """The fault to inject on this call, if any (consumes one from a counted rule)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
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
        """Keep a request waiting: until timeout_seconds pass, release() is called, or the client is gone."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        released = self._released
        # Polled: release() comes from other threads, and a client going away sets no event.
        while loop.time() < deadline and self._released == released and not gone():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
