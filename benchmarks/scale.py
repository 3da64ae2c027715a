"""Many organizations, many workers: N small organizations synced by W `unified worker` processes against one
Zoho Books emulator at a scaled window, through PostgreSQL (store, vault, jobs) and Redis (the shared budget).

One job per organization and resource (procrastinate's lock: one job per organization at a time). While the
largest organization's invoices are being synced, the worker doing it is killed with SIGKILL; another worker
takes the job over once its heartbeat is stale and resumes it from its checkpoint.

Prints: total Books calls against the lower bound (a page or so more for each killed job, which lists its page
again), wall time against the bound the rate limits impose, the most calls any organization received in any
window across all workers (limit 100), 429s (target 0), workers killed and jobs recovered, records lost (0).
``--json`` prints the figures as one JSON line (the test runs a small run this way).

Needs PostgreSQL (UNIFIED_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres: a database
of its own is made and dropped) and Redis (UNIFIED_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0: a key prefix
of its own, deleted after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from _common import environment, minimum_calls, print_table, say, summary
from cryptography.fernet import Fernet

from connectors.zoho_books import ZohoBooksConnector
from connectors.zoho_books.emulator import ZohoBooksEmulator
from unified.vault import Connection

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("UNIFIED_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("UNIFIED_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 100  # Zoho's requests per window and organization
MODULES = {
    "contacts": "contacts",
    "invoices": "invoices",
    "bills": "bills",
    "expenses": "expenses",
    "tax_rates": "taxes",
}


@dataclass
class Result:
    organizations: int
    workers: int
    window: float
    jobs: int
    seconds: float = 0.0
    rate_bound_seconds: float = 0.0
    calls: int = 0
    bound: int = 0
    peak_per_window: int = 0
    rejected_429: int = 0
    killed: int = 0
    recovered: int = 0
    failed_jobs: int = 0
    records: int = 0
    lost: int = 0
    extra: int = 0
    setup_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@contextmanager
def database() -> Iterator[str]:
    name = f"unified_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_ADMIN.rpartition('/')[0]}/{name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@contextmanager
def redis_prefix() -> Iterator[str]:
    client: Any = redis.Redis.from_url(REDIS_URL)
    client.ping()
    prefix = f"unified-bench:{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def save_connections(emu: ZohoBooksEmulator, env: dict[str, str]) -> list[str]:
    """One vault connection per organization, each with a refresh token of its own (each organization consented
    on its own), as the PostgreSQL vault keeps them for every worker."""
    os.environ.update({k: env[k] for k in ("UNIFIED_VAULT_URL", "UNIFIED_VAULT_KEY")})
    from unified.vault import Vault

    vault = Vault()
    names = []
    settings = emu.connector_settings()
    for n, org in enumerate(emu.organization_ids):
        token = f"1000.{uuid.uuid4().hex}.{uuid.uuid4().hex}"
        emu.oauth.add_refresh_token(token, emu.client_id, ("ZohoBooks.fullaccess.all",))
        plain = {k: settings[k] for k in ("client_id", "api_url", "accounts_url", "plan", "window_seconds")}
        secrets = {"client_secret": settings["client_secret"], "refresh_token": token}
        name = f"org-{n:04d}"
        vault.save(Connection(name, "zoho-books", {**plain, "organization_id": org}, secrets))
        names.append(name)
    return names


def defer_jobs(url: str) -> int:
    from unified.jobs._app import build_app, ensure_schema, schedule

    async def run() -> int:
        ensure_schema(url)
        app = build_app(url)
        async with app.open_async():
            return (await schedule(app)).deferred

    return asyncio.run(run())


def start_worker(env: dict[str, str], folder: Path, n: int, concurrency: int) -> tuple[subprocess.Popen[bytes], Path]:
    log = folder / f"worker-{n}.log"
    command = [sys.executable, "-m", "unified", "worker", "--concurrency", str(concurrency)]
    command += ["--heartbeat", "0.5", "--stalled-after", "2", "--poll", "0.1", "--schedule", "off"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=out)
    return process, log


def job_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        rows = db.execute("SELECT status, COUNT(*) FROM procrastinate_jobs GROUP BY status").fetchall()
    return {str(status): int(count) for status, count in rows}


def mid_job(url: str, emu: ZohoBooksEmulator, connection: str, resource: str, organization: str) -> int | None:
    """The id of the job syncing ``connection``'s ``resource``, once the emulator has answered ten of its calls."""
    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND args->>'connection' = %s "
            "AND args->'resources'->>0 = %s",
            (connection, resource),
        ).fetchone()
    if row is None:
        return None
    served = sum(
        1
        for entry in emu.request_log
        if entry.get("organization_id") == organization and f"/{resource}/" in str(entry.get("endpoint"))
    )
    return int(row[0]) if served >= 10 else None


def holder(job_id: int, logs: dict[int, Path]) -> int | None:
    """Which worker (index) logged that it runs ``job_id``."""
    for n, log in logs.items():
        if f"job {job_id}: syncing" in log.read_text(errors="replace"):
            return n
    return None


def verify(emu: ZohoBooksEmulator, url: str, names: list[str], result: Result) -> None:
    """Every source record is in the store (lost 0), nothing else is (extra 0), invoices with all their lines."""
    from unified.sync import PostgresStore

    for name, org in zip(names, emu.organization_ids, strict=True):
        store = PostgresStore(url, connection=name)
        try:
            for resource, module in MODULES.items():
                source = {str(r[_id_field(module)]): r for r in emu.records(org, module)}
                stored = {r.id: r for r in store.iter(resource)}  # type: ignore[attr-defined]
                result.records += len(stored)
                result.lost += len(set(source) - set(stored))
                result.extra += len(set(stored) - set(source))
                if resource == "invoices":
                    for id, record in stored.items():
                        if id in source and len(record.line_items or []) != len(source[id].get("line_items", [])):  # type: ignore[attr-defined]
                            result.lost += 1
        finally:
            store.close()


def _id_field(module: str) -> str:
    return {"contacts": "contact_id", "invoices": "invoice_id", "bills": "bill_id", "expenses": "expense_id"}.get(
        module, "tax_id"
    )


def rate_bound(calls_by_org: dict[str, int], window: float) -> float:
    """The least wall time the limits allow: an organization's first 100 calls may go at once, each further 100
    a window later (organizations in parallel)."""
    return max((math.ceil(c / LIMIT) - 1) * window for c in calls_by_org.values()) if calls_by_org else 0.0


def run(
    organizations: int, workers: int, concurrency: int, window: float, counts: dict[str, int], timeout: float
) -> Result:
    started = time.perf_counter()
    emu = ZohoBooksEmulator(seed=7, organizations=organizations, window_seconds=window, **counts)
    result = Result(organizations, workers, window, jobs=0)
    with database() as url, redis_prefix() as prefix, emu.serve(), tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "UNIFIED_DATABASE_URL": url,
            "UNIFIED_VAULT_URL": url,
            "UNIFIED_VAULT_KEY": Fernet.generate_key().decode(),
            "UNIFIED_REDIS_URL": REDIS_URL,
            "UNIFIED_REDIS_PREFIX": prefix,
            "UNIFIED_HOME": str(folder / "home"),
            "PYTHONPATH": str(ROOT),
        }
        emu.wait_ready()
        names = save_connections(emu, env)
        result.jobs = defer_jobs(url)
        from unified.sync import PostgresStore

        PostgresStore(url, connection=names[0]).close()  # the store's tables, before the workers race for them
        result.setup_seconds = time.perf_counter() - started
        emu.reset_stats()
        began = time.perf_counter()
        running = dict(enumerate(start_worker(env, folder, n, concurrency) for n in range(workers)))
        logs = {n: log for n, (_, log) in running.items()}
        killed: set[int] = set()
        try:
            deadline = time.monotonic() + timeout
            while True:
                counts_now = job_counts(url)
                if counts_now.get("todo", 0) + counts_now.get("doing", 0) == 0:
                    break
                if time.monotonic() > deadline:
                    result.notes.append(f"gave up waiting: {counts_now}")
                    break
                if not killed and len(running) > 1:
                    job = mid_job(url, emu, names[0], "invoices", emu.organization_ids[0])
                    target = None if job is None else holder(job, logs)
                    if target is not None:
                        running[target][0].send_signal(signal.SIGKILL)
                        running[target][0].wait()
                        killed.add(target)
                time.sleep(0.05)  # a benchmark's poll interval, not a test's wait
            result.seconds = time.perf_counter() - began
        finally:
            for n, (process, _) in running.items():
                if n not in killed:
                    process.send_signal(signal.SIGTERM)
            for process, _ in running.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        final = job_counts(url)
        result.failed_jobs = final.get("failed", 0)
        result.killed = len(killed)
        result.recovered = sum(
            "of a stalled worker is queued again" in log.read_text(errors="replace") for log in logs.values()
        )
        stats = emu.stats()
        calls_by_org = {org: n for org, n in stats["by_organization"].items()}
        result.calls = sum(calls_by_org.values())
        result.rejected_429 = int(stats["by_status"].get("429", 0))
        result.peak_per_window = max(stats.get("peak_by_organization", {}).values(), default=0)
        result.rate_bound_seconds = rate_bound(calls_by_org, window)
        zoho = ZohoBooksConnector(**{**emu.connector_settings(), "organization_id": emu.organization_id})
        for org in emu.organization_ids:
            totals = {resource: len(emu.records(org, module)) for resource, module in MODULES.items()}
            result.bound += minimum_calls(zoho, totals, None)
        asyncio.run(zoho.aclose())
        verify(emu, url, names, result)
        if result.failed_jobs:
            for log in logs.values():
                result.notes += [line for line in log.read_text(errors="replace").splitlines() if "Error" in line][:3]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=2, help="jobs per worker process at once")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for every job")
    parser.add_argument("--window", type=float, default=0.5, help="the scaled rate window, in seconds")
    parser.add_argument("--quick", action="store_true", help="50 organizations, 3 workers")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument(
        "--records",
        default="30,120,20,20",
        help="contacts,invoices,bills,expenses of the first organization (the others get a tenth)",
    )
    args = parser.parse_args()
    if args.quick:
        args.organizations, args.workers = 50, 3
    # the first organization is the large one; the others get a tenth of its records
    counts = dict(zip(("contacts", "invoices", "bills", "expenses"), map(int, args.records.split(",")), strict=True))
    result = run(args.organizations, args.workers, args.concurrency, args.window, counts, args.timeout)
    if args.json:
        print(json.dumps(asdict(result)), flush=True)
        return
    say(environment())
    print_table(
        f"{result.organizations} organizations, {result.workers} workers x {args.concurrency}, "
        f"{result.window:g} s window, {result.jobs} jobs",
        ["figure", "measured", "against"],
        [
            ["Books calls", f"{result.calls:,}", f"lower bound {result.bound:,} (+{result.calls - result.bound})"],
            ["wall time", f"{result.seconds:.1f} s", f"rate limits allow {result.rate_bound_seconds:.1f} s"],
            ["most calls of one organization in any window", result.peak_per_window, f"limit {LIMIT}"],
            ["429 answers", result.rejected_429, "0"],
            ["workers killed / jobs recovered", f"{result.killed} / {result.recovered}", "each job finished"],
            ["failed jobs", result.failed_jobs, "0"],
            ["records stored / lost / extra", f"{result.records:,} / {result.lost} / {result.extra}", "lost 0"],
            ["set-up (emulator data, vault, deferring)", f"{result.setup_seconds:.1f} s", ""],
        ],
    )
    for note in result.notes:
        say(f"note: {note}")
    met = (
        result.rejected_429 == 0
        and result.peak_per_window <= LIMIT
        and result.lost == result.extra == result.failed_jobs == 0
        and result.recovered >= result.killed
    )
    summary(
        met,
        f"{result.calls:,} calls (bound {result.bound:,}), {result.rejected_429} 429s, busiest window "
        f"{result.peak_per_window}/{LIMIT}, {result.killed} killed / {result.recovered} recovered, "
        f"{result.lost} records lost, {result.seconds:.1f} s",
    )


if __name__ == "__main__":
    main()
