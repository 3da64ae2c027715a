"""Rate limits per key: several rules per key, each a sliding or fixed window of requests, or requests in flight.

A provider describes its limits once, by scope (what the key is: an organization, a tenant, an app)::

    limits = Limits(clock, window_seconds=60, rules={
        "tenant": [Rule.per_day("day", 5000), Rule.per_window("minute", 60), Rule.in_flight("concurrent", 5)],
        "app": [Rule.per_window("app-minute", 10_000)],
    })
    outcome = limits.acquire({"tenant": tenant_id, "app": client_id})
    if isinstance(outcome, Refusal):
        ...answer 429 in the provider's shape, with outcome.rule and outcome.retry_after...
    with outcome:                       # an Admission: releases its in-flight slots on exit
        ...serve; outcome.usage[...].remaining feeds the provider's rate-limit headers...

Rules are checked in the order given, scope by scope; the first that refuses is reported. A refused request
counts against nothing: counting it would stretch a block for as long as a client keeps knocking.
``window_seconds`` scales time for load tests: a day is always 1440 windows.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

from ._clock import Clock

WINDOWS_PER_DAY = 1440


@dataclass(frozen=True)
class Rule:
    """One limit: at most ``limit`` requests per ``windows`` windows (sliding or fixed), or in flight."""

    name: str
    limit: int
    windows: float | None = 1.0  # None: requests in flight
    sliding: bool = True
    retry_after: float = 1.0  # what an in-flight refusal suggests, in seconds

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"rule {self.name!r}: limit must be >= 1, not {self.limit}")
        if self.windows is not None and not (math.isfinite(self.windows) and self.windows > 0):
            raise ValueError(f"rule {self.name!r}: windows must be > 0, not {self.windows}")

    @classmethod
    def per_window(cls, name: str, limit: int, windows: float = 1.0) -> Rule:
        """At most ``limit`` requests in any sliding span of ``windows`` windows."""
        return cls(name, limit, windows)

    @classmethod
    def per_day(cls, name: str, limit: int, *, sliding: bool = False) -> Rule:
        """At most ``limit`` requests a day (1440 windows): fixed days from the start, or a rolling 24 hours."""
        return cls(name, limit, float(WINDOWS_PER_DAY), sliding)

    @classmethod
    def in_flight(cls, name: str, limit: int, *, retry_after: float = 1.0) -> Rule:
        """At most ``limit`` requests being served at once."""
        return cls(name, limit, None, retry_after=retry_after)


@dataclass(frozen=True)
class Usage:
    """Where one rule stands for one key, for the headers a provider sends."""

    rule: str
    scope: str
    key: str
    limit: int
    remaining: int
    resets_in: float  # seconds until a slot frees (0 for in-flight rules)


@dataclass
class _Counter:
    times: deque[float] = field(default_factory=deque)
    period: int = -1
    count: int = 0
    in_flight: int = 0


class Admission:
    """An admitted request: a context manager that releases its in-flight slots (``release()`` is idempotent)."""

    admitted: Literal[True] = True

    def __init__(self, limits: Limits, held: list[tuple[str, str, str]], usage: dict[str, Usage]) -> None:
        self._limits = limits
        self._held = held
        self.usage = usage

    def remaining(self, rule: str) -> int:
        return self.usage[rule].remaining

    def release(self) -> None:
        held, self._held = self._held, []
        self._limits._release(held)

    def __enter__(self) -> Admission:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


@dataclass(frozen=True)
class Refusal:
    """A refused request: which rule, for which key, and how long until it would pass."""

    rule: str
    scope: str
    key: str
    limit: int
    retry_after: float  # exact seconds; providers round as they do (Retry-After is whole seconds)
    usage: dict[str, Usage]
    admitted: Literal[False] = False

    def remaining(self, rule: str) -> int:
        return self.usage[rule].remaining


class Limits:
    """Rules by scope, counters by (scope, key, rule); thread-safe."""

    def __init__(self, clock: Clock, *, rules: Mapping[str, Sequence[Rule]], window_seconds: float = 60.0) -> None:
        if not (math.isfinite(window_seconds) and window_seconds > 0):
            raise ValueError(f"window_seconds must be > 0, not {window_seconds}")
        names = [rule.name for scoped in rules.values() for rule in scoped]
        if len(names) != len(set(names)):
            raise ValueError(f"rule names must be unique across scopes: {names}")
        if not rules:
            raise ValueError("give at least one scope with its rules")
        self.window_seconds = window_seconds
        self._rules = {scope: list(scoped) for scope, scoped in rules.items()}
        self._clock = clock
        self._origin = clock.monotonic()
        self._counters: dict[tuple[str, str, str], _Counter] = {}
        self._lock = threading.Lock()

    @property
    def scopes(self) -> list[str]:
        return list(self._rules)

    def rules(self, scope: str | None = None) -> list[Rule]:
        return list(self._rules[scope or self.scopes[0]])

    def rule(self, name: str) -> Rule:
        for scoped in self._rules.values():
            for rule in scoped:
                if rule.name == name:
                    return rule
        raise KeyError(f"no rule {name!r}")

    def replace(self, rule: Rule) -> None:
        """Swap the rule of the same name (e.g. a new limit after a plan change); counts are kept."""
        with self._lock:
            for scoped in self._rules.values():
                for n, old in enumerate(scoped):
                    if old.name == rule.name:
                        scoped[n] = rule
                        return
        raise KeyError(f"no rule {rule.name!r}")

    def acquire(self, keys: Mapping[str, str]) -> Admission | Refusal:
        """Admit one request for these keys (scope -> key; scopes left out are not checked) or refuse it."""
        unknown = set(keys) - set(self._rules)
        if unknown:
            raise ValueError(f"unknown limit scope(s) {sorted(unknown)}; known: {self.scopes}")
        with self._lock:
            now = self._clock.monotonic()
            checked: list[tuple[str, str, Rule, _Counter]] = []
            for scope, key in keys.items():
                for rule in self._rules[scope]:
                    counter = self._counters.setdefault((scope, key, rule.name), _Counter())
                    self._expire(rule, counter, now)
                    checked.append((scope, key, rule, counter))
            for scope, key, rule, counter in checked:
                wait = self._refusal_wait(rule, counter, now)
                if wait is not None:
                    usage = {r.name: self._usage(s, k, r, c, now) for s, k, r, c in checked}
                    return Refusal(rule.name, scope, key, rule.limit, max(wait, 0.0), usage)
            held: list[tuple[str, str, str]] = []
            for scope, key, rule, counter in checked:
                if rule.windows is None:
                    counter.in_flight += 1
                    held.append((scope, key, rule.name))
                elif rule.sliding:
                    counter.times.append(now)
                else:
                    counter.count += 1
            usage = {r.name: self._usage(s, k, r, c, now) for s, k, r, c in checked}
            return Admission(self, held, usage)

    def usage(self, keys: Mapping[str, str]) -> dict[str, Usage]:
        """Where each rule stands for these keys, without counting a request (for headers on any answer)."""
        with self._lock:
            now = self._clock.monotonic()
            found: dict[str, Usage] = {}
            for scope, key in keys.items():
                for rule in self._rules[scope]:
                    counter = self._counters.setdefault((scope, key, rule.name), _Counter())
                    self._expire(rule, counter, now)
                    found[rule.name] = self._usage(scope, key, rule, counter, now)
            return found

    def in_flight(self, key: str, scope: str | None = None) -> int:
        """Requests being served for ``key`` (in the first scope unless told)."""
        scope = scope or self.scopes[0]
        with self._lock:
            return max((c.in_flight for (s, k, _), c in self._counters.items() if s == scope and k == key), default=0)

    def reset(self) -> None:
        """Forget counted requests; requests in flight stay counted until they finish."""
        with self._lock:
            for counter in self._counters.values():
                counter.times.clear()
                counter.count = 0

    # --- internals ---------------------------------------------------------------------------------

    def _period(self, rule: Rule) -> float:
        assert rule.windows is not None
        return rule.windows * self.window_seconds

    def _expire(self, rule: Rule, counter: _Counter, now: float) -> None:
        if rule.windows is None:
            return
        period = self._period(rule)
        if rule.sliding:
            while counter.times and counter.times[0] <= now - period:
                counter.times.popleft()
        else:
            index = int((now - self._origin) // period)
            if index != counter.period:
                counter.period, counter.count = index, 0

    def _used(self, rule: Rule, counter: _Counter) -> int:
        if rule.windows is None:
            return counter.in_flight
        return len(counter.times) if rule.sliding else counter.count

    def _resets_in(self, rule: Rule, counter: _Counter, now: float) -> float:
        if rule.windows is None:
            return 0.0
        period = self._period(rule)
        if rule.sliding:
            return counter.times[0] + period - now if counter.times else period
        return self._origin + (counter.period + 1) * period - now

    def _refusal_wait(self, rule: Rule, counter: _Counter, now: float) -> float | None:
        if self._used(rule, counter) < rule.limit:
            return None
        return rule.retry_after if rule.windows is None else self._resets_in(rule, counter, now)

    def _usage(self, scope: str, key: str, rule: Rule, counter: _Counter, now: float) -> Usage:
        remaining = max(0, rule.limit - self._used(rule, counter))
        return Usage(rule.name, scope, key, rule.limit, remaining, max(0.0, self._resets_in(rule, counter, now)))

    def _release(self, held: list[tuple[str, str, str]]) -> None:
        with self._lock:
            for slot in held:
                counter = self._counters.get(slot)
                if counter is not None and counter.in_flight:
                    counter.in_flight -= 1
