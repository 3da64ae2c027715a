"""Outgoing webhook deliveries: signed POSTs on a background thread, retried, never delaying an API answer.

An emulator builds the body and headers (its provider's shape and signature) and hands them over::

    deliveries = Deliveries(stats)
    deliveries.send("https://app.example/hooks", body, {"Content-Type": "application/json", ...}, label="...")
    deliveries.flush()          # tests: wait until everything queued was tried
    deliveries.deliveries       # what was sent: url, label, status, attempts (never the headers)

``transport`` routes deliveries in-process (``httpx.MockTransport``, an ASGI app's transport).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._stats import Stats

log = logging.getLogger(__name__)
GROUP = ("queued", "delivered", "failed", "attempts")


@dataclass
class _Delivery:
    url: str
    body: bytes
    headers: dict[str, str] = field(repr=False)
    label: str
    status: int | str | None = None
    attempts: int = 0


class Deliveries:
    """A delivery queue with one worker thread, started on the first send."""

    def __init__(
        self,
        stats: Stats | None = None,
        *,
        attempts: int = 3,
        retry_delay: float = 0.2,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, not {attempts}")
        self.stats = stats
        self.attempts = attempts
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.transport = transport
        self._queue: queue.Queue[_Delivery | None] = queue.Queue()
        self._done: list[_Delivery] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def send(self, url: str, body: bytes, headers: dict[str, str], *, label: str = "") -> None:
        self._count("queued")
        self._start()
        self._queue.put(_Delivery(url, body, dict(headers), label))

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """Tried deliveries, oldest first: url, label, status (HTTP status or the error's name), attempts, body."""
        with self._lock:
            return [
                {"url": d.url, "label": d.label, "status": d.status, "attempts": d.attempts, "body": d.body.decode()}
                for d in self._done
            ]

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery was tried; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        """Stop the worker after what is queued."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=self.timeout * self.attempts + 5)

    def _count(self, name: str) -> None:
        if self.stats is not None:
            self.stats.count("webhooks", name)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
            while True:
                delivery = self._queue.get()
                try:
                    if delivery is None:
                        return
                    self._deliver(client, delivery)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, delivery: _Delivery) -> None:
        for attempt in range(1, self.attempts + 1):
            delivery.attempts = attempt
            self._count("attempts")
            try:
                response = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
                delivery.status = response.status_code
                if response.is_success:
                    break
            except httpx.HTTPError as exc:
                delivery.status = type(exc).__name__
            if attempt < self.attempts:
                time.sleep(self.retry_delay * attempt)
        ok = isinstance(delivery.status, int) and 200 <= delivery.status < 300
        self._count("delivered" if ok else "failed")
        if not ok:
            log.info(
                "webhook delivery %s failed after %d attempts: %s", delivery.label, delivery.attempts, delivery.status
            )
        with self._lock:
            self._done.append(delivery)
