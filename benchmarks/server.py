"""What the HTTP server costs: per request against the same call made in-process, and requests per second from
many concurrent clients, with the emulator unthrottled.

Three processes, so no two compete for one interpreter: the emulator (a child), the server (another child,
uvicorn with one worker, as `unified serve` runs it) and the clients (this process). The in-process figures
use the same emulator through a connector in this process. Target: the server adds under 5 ms a request.

    python benchmarks/server.py [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx
from _common import (
    SPAWN,
    EmulatorOptions,
    Settings,
    emulator_process,
    environment,
    parse_args,
    print_table,
    say,
    summary,
)

from unified.client import AsyncUnifiedClient
from unified.vault import Connection, Vault

KEY = "benchmark-key-0123456789abcdef"
CONSUMER = "bench"
#: the connector's pacing scaled out of the way: 100 calls a millisecond (the emulator is unthrottled too)
WINDOW = 0.001
TARGET_MS = 5.0


@dataclass(frozen=True)
class Latency:
    """Seconds per call: mean, median and 95th percentile."""

    mean: float
    p50: float
    p95: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ordered = sorted(seconds)
        if not ordered:
            raise ValueError("no calls were timed")
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        return cls(mean=statistics.fmean(ordered), p50=statistics.median(ordered), p95=p95)


def overhead(server: Latency, local: Latency) -> tuple[float, float]:
    """What the server adds to a call, in milliseconds, and the ratio of the medians."""
    return (server.p50 - local.p50) * 1000, server.p50 / local.p50


def connection_settings(settings: Settings) -> tuple[dict[str, Any], dict[str, str]]:
    """The vault connection to the emulator: plain settings, and the secrets the vault encrypts."""
    plain = {
        "client_id": settings.client_id,
        "organization_id": settings.organization_id,
        "api_url": settings.api_url,
        "accounts_url": settings.accounts_url,
        "window_seconds": WINDOW,
    }
    return plain, {"client_secret": settings.client_secret, "refresh_token": settings.refresh_token}


def save_connection(home: Path, settings: Settings) -> None:
    plain, secrets = connection_settings(settings)
    Vault(home).save(Connection(CONSUMER, "zoho-books", plain, secrets))


def _serve(home: str, pipe: Pipe) -> None:
    """The server child: the app on a free loopback port, its URL sent back, served until told to stop."""
    import os

    os.environ["UNIFIED_HOME"] = home
    from unified.server import BackgroundServer, ServerSettings, create_app

    app = create_app(ServerSettings(home=Path(home), api_keys=(KEY,), rate_limit_wait=30))
    with BackgroundServer(app) as server:
        pipe.send(server.url)
        pipe.recv()


@contextmanager
def server_process(home: Path) -> Iterator[str]:
    parent, child = SPAWN.Pipe()
    process = SPAWN.Process(target=_serve, args=(str(home), child), name="unified-server", daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(120):
            raise RuntimeError("the server process did not start within 120 s")
        yield parent.recv()
    finally:
        if process.is_alive():
            parent.send("stop")
            process.join(30)
        if process.is_alive():
            process.kill()


Call = Callable[[], Awaitable[Any]]


async def timed(call: Call, count: int) -> list[float]:
    """``count`` calls one after another; the seconds each took."""
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - started)
    return seconds


async def paired(first: Call, second: Call, count: int) -> tuple[list[float], list[float]]:
    """``count`` rounds of one call of each, taken in turn, so a busy moment of the machine slows both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(count):
        a += await timed(first, 1)
        b += await timed(second, 1)
    return a, b


async def concurrent(call: Call, clients: int, per_client: int) -> tuple[float, list[float]]:
    """``clients`` callers at once, ``per_client`` calls each: calls per second, and each call's seconds."""
    started = time.perf_counter()
    runs = await asyncio.gather(*(timed(call, per_client) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    seconds = [s for run in runs for s in run]
    return len(seconds) / elapsed, seconds


def server_calls(http: httpx.AsyncClient, customer_id: str) -> dict[str, Call]:
    async def get_one() -> None:
        (await http.get(f"/accounting/customers/{customer_id}")).raise_for_status()

    async def list_page() -> None:
        (await http.get("/accounting/invoices", params={"limit": 20})).raise_for_status()

    return {"get a customer": get_one, "list 20 invoices": list_page}


def local_calls(client: AsyncUnifiedClient, customer_id: str) -> dict[str, Call]:
    async def get_one() -> None:
        await client.customers.get(customer_id)

    async def list_page() -> None:
        await client.invoices.page(limit=20)

    return {"get a customer": get_one, "list 20 invoices": list_page}


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}", "x-apideck-consumer-id": CONSUMER}


async def measure(url: str, home: Path, *, sequential: int, clients: int, per_client: int) -> dict[str, Any]:
    """Every figure: sequential latency per call kind, in-process and through the server; then throughput."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with (
        httpx.AsyncClient(base_url=url, headers=headers(), limits=limits, timeout=60) as http,
        AsyncUnifiedClient(Vault(home).connector(CONSUMER)) as client,
    ):
        customer_id = (await http.get("/accounting/customers", params={"limit": 1})).json()["data"][0]["id"]
        remote, local = server_calls(http, customer_id), local_calls(client, customer_id)
        for call in (*remote.values(), *local.values()):
            await call()  # warm: tokens, connections, caches
        latency = {}
        for name in remote:
            through_server, in_process = await paired(remote[name], local[name], sequential)
            latency[name] = (Latency.of(through_server), Latency.of(in_process))
        served_rate, served_seconds = await concurrent(remote["get a customer"], clients, per_client)
        local_rate, local_seconds = await concurrent(local["get a customer"], clients, per_client)
    return {
        "latency": latency,
        "throughput": {
            "server": (served_rate, Latency.of(served_seconds)),
            "in-process": (local_rate, Latency.of(local_seconds)),
        },
    }


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    sequential, clients, per_client = (30, 10, 5) if args.quick else (300, 50, 20)
    say(f"benchmarks/server.py on {environment()}")
    options = EmulatorOptions(
        {
            "seed": 7,
            "contacts": 50,
            "invoices": 100,
            "bills": 5,
            "expenses": 5,
            "rate_limit": 10**9,
            "window_seconds": 60,
        }
    )
    with tempfile.TemporaryDirectory() as tmp, emulator_process(options) as emulator:
        home = Path(tmp)
        save_connection(home, emulator.settings)
        with server_process(home) as url:
            figures = asyncio.run(measure(url, home, sequential=sequential, clients=clients, per_client=per_client))
    rows = []
    for name, (remote, local) in figures["latency"].items():
        added, ratio = overhead(remote, local)
        rows.append(
            [
                name,
                f"{local.p50 * 1000:.2f}",
                f"{remote.p50 * 1000:.2f}",
                f"{remote.p95 * 1000:.2f}",
                f"{added:.2f}",
                f"{ratio:.2f}x",
            ]
        )
    print_table(
        f"One caller, {sequential} calls each, server and in-process in turn (milliseconds, medians unless said)",
        ["call", "in-process", "server", "server p95", "added", "ratio"],
        rows,
    )
    print_table(
        f"{clients} concurrent callers x {per_client} calls: get a customer",
        ["path", "calls/s", "p50 ms", "p95 ms"],
        [
            [path, f"{rate:.0f}", f"{lat.p50 * 1000:.1f}", f"{lat.p95 * 1000:.1f}"]
            for path, (rate, lat) in figures["throughput"].items()
        ],
    )
    worst = max(overhead(remote, local)[0] for remote, local in figures["latency"].values())
    rate = figures["throughput"]["server"][0]
    summary(
        worst < TARGET_MS,
        f"the server adds {worst:.2f} ms a request at most (target < {TARGET_MS:g} ms); {rate:.0f} requests/s from "
        f"{clients} concurrent clients",
    )


if __name__ == "__main__":
    main()
