"""Sync progress on stderr: counts, totals where known, and an ETA from the connector's rate budget.

On a terminal: one bar per resource. Elsewhere (cron, a CI log, a pipe): plain lines, one per resource every
``every`` seconds and one when it is done, so a log shows how far a long sync got.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


def stderr_console() -> Console:
    return Console(file=sys.stderr, stderr=True)


def pace_of(connector: Any) -> Callable[[], float | None]:
    """Seconds per request the connector's limiter allows now, if it exposes one (``connector.http.limiter``)."""

    def pace() -> float | None:
        limiter = getattr(getattr(connector, "http", None), "limiter", None)
        seconds = getattr(limiter, "seconds_per_request", None)
        if not callable(seconds):
            return None
        try:
            value = seconds()
        except Exception:
            return None
        return float(value) if isinstance(value, int | float) else None

    return pace


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


def eta_seconds(
    remaining: float, *, pace: float | None, calls_per_item: float | None, observed: float | None = None
) -> float | None:
    """Seconds left: the calls ``remaining`` records need at the rate budget's ``pace`` (seconds a call), else at
    the ``observed`` seconds a record so far; None when neither is known."""
    if pace and calls_per_item:
        return max(remaining, 0) * calls_per_item * pace
    if observed is not None:
        return max(remaining, 0) * observed
    return None


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(math.ceil(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class BudgetEtaColumn(ProgressColumn):
    """Time left: the calls the remaining records need (``calls_per_item``) at the rate budget's ``pace``."""

    def render(self, task: Task) -> Text:
        if task.total is None or task.finished:
            return Text("")
        remaining = max(task.total - task.completed, 0)
        pace = task.fields.get("pace")
        per_item = task.fields.get("calls_per_item")
        seconds = eta_seconds(remaining, pace=pace, calls_per_item=per_item)
        if seconds is None:
            seconds = task.time_remaining
        if seconds is None:
            return Text("ETA -:--", style="progress.remaining")
        return Text(f"ETA {clock_text(seconds)}", style="progress.remaining")


def make_progress(*, transient: bool = False) -> Progress:
    console = stderr_console()
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        BudgetEtaColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal,
        # stdout stays the data stream: only route it through the display when both are the terminal
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )


class SyncProgress:
    """The sync engine's ``progress(resource, done, total, phase)`` callback: one bar per resource.

    The engine reports after each page and does not know totals up front; ``expected`` (records per resource,
    e.g. the demo's seed) gives the bars an end, and ``calls_per_item`` (a list call per page, plus a detail
    call per record when details are fetched) turns the records left into calls, and calls into time at
    ``pace``. Resources run one after another: each bar's clock starts when the one before it is done.
    """

    def __init__(
        self,
        progress: Progress,
        pace: Callable[[], float | None],
        resources: list[str],
        *,
        expected: Mapping[str, int] | None = None,
        calls_per_item: Mapping[str, float] | None = None,
    ) -> None:
        self._progress = progress
        self._pace = pace
        self._expected = dict(expected or {})
        self._order = list(resources)
        self._tasks: dict[str, Any] = {}
        for index, name in enumerate(resources):
            self._tasks[name] = progress.add_task(
                name,
                total=self._expected.get(name),
                start=index == 0,
                calls_per_item=(calls_per_item or {}).get(name),
                pace=pace(),
            )

    def __call__(self, resource: str, done: int, total: int | None, phase: str) -> None:
        if resource not in self._tasks:
            self._order.append(resource)
            self._tasks[resource] = self._progress.add_task(resource, total=total)
        task = self._tasks[resource]
        self._progress.start_task(task)
        expected = total if total is not None else self._expected.get(resource)
        if expected is not None and done > expected:
            expected = done
        if phase == "done":
            self._progress.update(task, completed=done, total=done, description=resource)
            following = self._order.index(resource) + 1
            if following < len(self._order):
                self._progress.start_task(self._tasks[self._order[following]])
        else:
            label = resource if phase == "listing" else f"{resource} ({phase})"
            self._progress.update(task, completed=done, total=expected, description=label, pace=self._pace())


class PlainProgress:
    """The engine's progress callback for a stderr that is not a terminal: plain lines such as ::

        12:00:05 invoices: 1,400 of 10,000 listed, about 9:41 left at the rate budget
        12:00:41 invoices: done, 10,000 records in 36.2 s

    A resource's line is written at most once every ``every`` seconds (``clock`` gives the seconds) and when it is
    done. The total is the provider's when it gives one, else ``expected``; the ETA as in :class:`SyncProgress`.
    """

    def __init__(
        self,
        write: Callable[[str], None],
        pace: Callable[[], float | None],
        *,
        expected: Mapping[str, int] | None = None,
        calls_per_item: Mapping[str, float] | None = None,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        stamp: Callable[[], str] = lambda: datetime.now().strftime("%H:%M:%S"),
    ) -> None:
        self._write = write
        self._pace = pace
        self._expected = dict(expected or {})
        self._costs = dict(calls_per_item or {})
        self._every = every
        self._clock = clock
        self._stamp = stamp
        self._started: dict[str, float] = {}
        self._last: dict[str, float] = {}

    def __call__(self, resource: str, done: int, total: int | None, phase: str) -> None:
        now = self._clock()
        started = self._started.setdefault(resource, now)
        if phase == "done":
            noun = "record" if done == 1 else "records"
            self._write(f"{self._stamp()} {resource}: done, {done:,} {noun} in {now - started:.1f} s")
            return
        last = self._last.get(resource)
        if last is not None and now - last < self._every:
            return
        self._last[resource] = now
        known = total if total is not None else self._expected.get(resource)
        what = "listed" if phase == "listing" else "listed, looking for deletions"
        if known is None:
            self._write(f"{self._stamp()} {resource}: {done:,} {what}")
            return
        known = max(known, done)
        observed = (now - started) / done if done else None
        pace = self._pace()
        seconds = eta_seconds(known - done, pace=pace, calls_per_item=self._costs.get(resource), observed=observed)
        left = ""
        if seconds is not None:
            basis = "at the rate budget" if pace and self._costs.get(resource) else "at the pace so far"
            left = f", about {clock_text(seconds)} left {basis}"
        self._write(f"{self._stamp()} {resource}: {done:,} of {known:,} {what}{left}")
