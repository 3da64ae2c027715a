"""A small run of benchmarks/scale.py: 20 organizations synced by 3 worker processes (one killed mid-job with
SIGKILL) through PostgreSQL and Redis. Calls within the bound (plus what the killed job relists), no 429, no
organization over its limit in any window, every job done, the store equal to the source. No timing asserts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.conftest import PG_ADMIN_URL, REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_many_organizations_many_workers_one_killed(pg_database: str, redis_prefix: str) -> None:
    # the fixtures only prove both services run; the script makes a database and a key prefix of its own
    env = {**os.environ, "UNIFIED_BENCH_POSTGRES_URL": PG_ADMIN_URL, "UNIFIED_BENCH_REDIS_URL": REDIS_URL}
    command = [sys.executable, "benchmarks/scale.py", "--organizations", "20", "--workers", "3"]
    command += ["--records", "10,40,10,10", "--window", "0.5", "--concurrency", "4", "--json"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["jobs"] == 20 * 5 and result["failed_jobs"] == 0, result["notes"]
    assert result["killed"] == 1 and result["recovered"] >= 1  # its jobs were queued again and finished elsewhere
    assert result["lost"] == 0 and result["extra"] == 0 and result["records"] > 0  # the store equals the source
    assert result["rejected_429"] == 0
    assert 0 < result["peak_per_window"] <= 100
    # a killed job relists the page it was on: at most a page and its details more than the bound
    assert result["bound"] <= result["calls"] <= result["bound"] + 201
