"""Helpers of the webhook scale tests: a database of a test's own, and real HTTP subscribers that count what
they receive."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.scale.conftest import PG_ADMIN_URL

__all__ = ["Received", "Subscribers", "own_database"]


def own_database() -> Iterator[str]:
    """The URL of a database of a test's own, dropped after (``yield from own_database()`` in a fixture that takes
    ``pg_database``, which skips where PostgreSQL is absent): for code on the default schema and procrastinate's
    tables."""
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    name = f"unified_hooks_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


class Received:
    """What subscribers got, by (subscriber URL, event id), from any number of senders (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.got: Counter[tuple[str, str]] = Counter()

    def add(self, url: str, event_id: str) -> None:
        with self.lock:
            self.got[(url, event_id)] += 1


class Subscribers:
    """Two real HTTP endpoints (/a and /b) on one local server. ``hook(url, key)`` runs on each request before it
    is answered; it answers False to leave the request without an answer (its sender is to be killed)."""

    def __init__(self) -> None:
        self.received = Received()
        self.hook: Any = lambda url, key: True
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                url = f"http://127.0.0.1:{outer.port}{self.path}"
                key = self.headers["Idempotency-Key"]
                outer.received.add(url, key)
                if not outer.hook(url, key):
                    outer.release.wait(120)
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.urls = [f"http://127.0.0.1:{self.port}/a", f"http://127.0.0.1:{self.port}/b"]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
