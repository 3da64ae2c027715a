"""Progress bars on stderr: counts, rate, and an ETA from the connector's rate budget when it has one.

Shown only when stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
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


class BudgetEtaColumn(ProgressColumn):
    """Time left: the calls the remaining records need (``calls_per_item``) at the rate budget's ``pace``."""

    def render(self, task: Task) -> Text:
        if task.total is None or task.finished:
            return Text("")
        remaining = max(task.total - task.completed, 0)
        pace = task.fields.get("pace")
        per_item = task.fields.get("calls_per_item")
        seconds = remaining * per_item * pace if pace and per_item else task.time_remaining
        if seconds is None:
            return Text("ETA -:--", style="progress.remaining")
        minutes, secs = divmod(math.ceil(seconds), 60)
        return Text(f"ETA {minutes}:{secs:02d}", style="progress.remaining")


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
