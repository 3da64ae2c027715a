"""The helpers benchmarks/server.py rests on (run with ``python -m pytest benchmarks``; no timing asserted)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from _common import EmulatorOptions, emulator_process
from server import Latency, concurrent, measure, overhead, paired, save_connection, server_process


def test_latency_figures() -> None:
    figures = Latency.of([0.004, 0.001, 0.002, 0.003, 0.010])
    assert (figures.p50, figures.p95) == (0.003, 0.010) and figures.mean == pytest.approx(0.004)
    with pytest.raises(ValueError):
        Latency.of([])


def test_overhead_is_the_difference_and_the_ratio_of_medians() -> None:
    added, ratio = overhead(Latency(0.0, 0.003, 0.0), Latency(0.0, 0.002, 0.0))
    assert added == pytest.approx(1.0) and ratio == pytest.approx(1.5)


def test_paired_and_concurrent_count_every_call() -> None:
    calls: list[str] = []

    async def a() -> None:
        calls.append("a")

    async def b() -> None:
        calls.append("b")

    first, second = asyncio.run(paired(a, b, 3))
    assert calls == ["a", "b"] * 3 and len(first) == len(second) == 3
    rate, seconds = asyncio.run(concurrent(a, 4, 5))
    assert len(seconds) == 20 and rate > 0


@pytest.mark.e2e
def test_a_tiny_run_measures_every_figure() -> None:
    options = EmulatorOptions(
        {"seed": 3, "contacts": 5, "invoices": 25, "bills": 1, "expenses": 1, "rate_limit": 10**9}
    )
    with tempfile.TemporaryDirectory() as tmp, emulator_process(options) as emulator:
        save_connection(Path(tmp), emulator.settings)
        with server_process(Path(tmp)) as url:
            figures = asyncio.run(measure(url, Path(tmp), sequential=2, clients=2, per_client=2))
    assert set(figures["latency"]) == {"get a customer", "list 20 invoices"}
    assert set(figures["throughput"]) == {"server", "in-process"}
